"""PostgreSQL and Redis on this machine, for `make cluster` and the tests.

Debian's packages (installed by the Makefile) are run as plain child
processes with their data in a folder of ours: nothing of the system's own
services is used or changed. Both listen on 127.0.0.1 only and require a
password made up at first start (kept in the data folder, mode 0600).

    pg = Postgres(Path("var/cluster/postgres"), port=55432).start()
    pg.url        # postgresql://legcare:<password>@127.0.0.1:55432/legcare
    pg.restart()  # a database blip
    redis = Redis(Path("var/cluster/redis"), port=56379).start()
    redis.url     # redis://:<password>@127.0.0.1:56379/0

PostgreSQL refuses to run as root: when we are root, its processes run as
the `postgres` user that Debian's package creates, and its data folder is
owned by that user (every folder above it must be enterable by it).
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import List, Optional
from urllib.parse import quote

PG_USER = "legcare"
PG_DATABASE = "legcare"
INSTALL_HINT = "run `make cluster` (it installs Debian's postgresql, redis-server and haproxy) or install them"


class BackingError(RuntimeError):
    """A backing service that cannot be started; the message says why and what to do."""


def _wait_port(port: int, timeout: float, proc: subprocess.Popen, name: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BackingError(f"{name} exited with status {proc.returncode} at start; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise BackingError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f} s; see {log}")


def _password(path: Path) -> str:
    """The service's password, made up the first time and kept in `path` (readable by us only)."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


class ChildProcess:
    """A program we started in its own process group: `kill()` as a crash would, `stop()` politely."""
    name = "process"
    proc: Optional[subprocess.Popen] = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9, as a crash would."""
        if self.running:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def _ask_to_stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.running:
            return
        try:
            self._ask_to_stop()
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass


class _Daemon(ChildProcess):
    name = "service"

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = int(port)
        self.proc: Optional[subprocess.Popen] = None
        self.log = self.data_dir.parent / f"{self.data_dir.name}.log"

    def _spawn(self, argv: List[str], timeout: float) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, preexec_fn=self._demote())
        _wait_port(self.port, timeout, self.proc, self.name, self.log)

    def _demote(self):  # overridden where the daemon must not run as root
        return None

    def start(self) -> "_Daemon":
        raise NotImplementedError

    def restart(self, down_for: float = 0.0) -> None:
        """Stop (fast), stay down `down_for` seconds, start again on the same port and data."""
        self.stop()
        time.sleep(down_for)
        self.start()


def postgres_bin(program: str) -> Path:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))
    if not found:
        raise BackingError(f"PostgreSQL's {program} is not installed; {INSTALL_HINT}")
    return Path(found[-1])


class Postgres(_Daemon):
    name = "PostgreSQL"

    def __init__(self, data_dir: Path, port: int) -> None:
        super().__init__(data_dir, port)
        self.socket_dir = self.data_dir / "socket"
        self.password = _password(self.data_dir.parent / f"{self.data_dir.name}.password")
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def _demote(self):
        if not self._as_postgres:
            return None
        user = pwd.getpwnam("postgres")

        def demote() -> None:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
        return demote

    def _own(self, path: Path) -> None:
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, argv: List[str]) -> None:
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                preexec_fn=self._demote(), cwd="/")
        if result.returncode != 0:
            raise BackingError(f"{Path(argv[0]).name} failed: {result.stdout.strip()[-800:]}")

    def _init(self) -> None:
        if self._as_postgres:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise BackingError(f"there is no 'postgres' user to run PostgreSQL as; {INSTALL_HINT}") from None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._own(self.data_dir)
        os.chmod(self.data_dir, 0o700)
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.initpw"
        pwfile.write_text(self.password + "\n")
        self._own(pwfile)
        try:
            self._run([str(postgres_bin("initdb")), "-D", str(self.data_dir), "-U", PG_USER, "--pwfile", str(pwfile),
                       "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self, timeout: float = 60.0) -> "Postgres":
        if self.running:
            return self
        if not (self.data_dir / "PG_VERSION").exists():
            if self.data_dir.exists() and any(self.data_dir.iterdir()):
                raise BackingError(f"{self.data_dir} is not empty and holds no PostgreSQL database")
            self._init()
            created = True
        else:
            created = False
        self.socket_dir.mkdir(exist_ok=True)
        self._own(self.socket_dir)
        self._spawn([str(postgres_bin("postgres")), "-D", str(self.data_dir), "-p", str(self.port),
                     "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.socket_dir}",
                     "-c", "max_connections=200", "-c", "fsync=on"], timeout)
        self._ready(timeout)
        if created:
            self._run([str(postgres_bin("psql")), "-q", "-d", self.admin_url, "-c", f"CREATE DATABASE {PG_DATABASE}"])
        return self

    @property
    def admin_url(self) -> str:
        return self.url.rsplit("/", 1)[0] + "/postgres"

    def _ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run([str(postgres_bin("pg_isready")), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                return
            if not self.running:
                raise BackingError(f"PostgreSQL stopped at start; see {self.log}")
            time.sleep(0.1)
        raise BackingError(f"PostgreSQL not ready within {timeout:.0f} s; see {self.log}")

    def _ask_to_stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster: connections are cut, as in a restart)."""
        os.kill(self.proc.pid, signal.SIGINT)


class Redis(_Daemon):
    name = "Redis"

    def __init__(self, data_dir: Path, port: int) -> None:
        super().__init__(data_dir, port)
        self.password = _password(self.data_dir.parent / f"{self.data_dir.name}.password")

    @property
    def url(self) -> str:
        return f"redis://:{quote(self.password, safe='')}@127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> "Redis":
        if self.running:
            return self
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise BackingError(f"redis-server is not installed; {INSTALL_HINT}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "redis.conf"  # the password in a file of ours, not on the command line
        conf.write_text(f"requirepass {self.password}\n")
        os.chmod(conf, 0o600)
        self._spawn([binary, str(conf), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
                     "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"], timeout)
        return self
