"""haproxy as a child process for `make cluster` (its configuration: ops/haproxy_config.py).

    lb = Haproxy(Path("var/cluster"), "127.0.0.1", 5005, replicas, env).start()
    lb.states()   # {"replica1": "UP", "replica2": "DOWN", ...}, from its stats socket
    lb.stop()

Debian's haproxy (installed by the Makefile) runs in the foreground with its
log in `<folder>/haproxy.log`; nothing of the system's own service is used.
"""
from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence

from . import haproxy_config
from .backing import INSTALL_HINT, BackingError, ChildProcess


def haproxy_bin() -> str:
    found = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(found).exists():
        raise BackingError(f"haproxy is not installed; {INSTALL_HINT}")
    return found


class Haproxy(ChildProcess):
    name = "haproxy"

    def __init__(self, folder: Path, bind_host: str, port: int, replicas: Sequence[haproxy_config.Replica],
                 env: Mapping[str, str]) -> None:
        self.folder = Path(folder).resolve()
        self.bind_host, self.port = bind_host, int(port)
        self.replicas = list(replicas)
        self.env = env
        self.log = self.folder / "haproxy.log"
        self.config = self.folder / "haproxy.cfg"
        self.socket = self.folder / "haproxy.sock"
        self.proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 15.0) -> "Haproxy":
        if self.running:
            return self
        binary = haproxy_bin()
        self.config = haproxy_config.write(self.folder, self.bind_host, self.port, self.replicas, self.env)
        check = subprocess.run([binary, "-c", "-q", "-f", str(self.config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        if check.returncode != 0:
            raise BackingError(f"haproxy refuses its configuration {self.config}: {_alert(check.stdout)}")
        self.socket.unlink(missing_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([binary, "-db", "-f", str(self.config)], stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BackingError(self._why_not_started())
            if self._answers():  # its listeners are bound before its stats socket answers
                return self
            time.sleep(0.1)
        self.stop()
        raise BackingError(f"haproxy did not listen on {self.bind_host}:{self.port} within {timeout:.0f} s; "
                           f"see {self.log}")

    def _answers(self) -> bool:
        try:
            self.states()
            return True
        except OSError:
            return False

    def _why_not_started(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        if "cannot bind socket" in text and "Address already in use" in text.split("cannot bind socket", 1)[-1][:200]:
            return (f"haproxy cannot listen on {self.bind_host}:{self.port} (RASA_PORT): another program uses that "
                    f"port; stop it or choose another RASA_PORT")
        return f"haproxy stopped at start (exit {self.proc.returncode}): {_alert(text)} (log: {self.log})"

    def states(self) -> Dict[str, str]:
        """Each replica's state as haproxy sees it now (UP, DOWN, "UP 1/2"...), from the stats socket."""
        return {name: row["status"] for name, row in self.stats().items()}

    def stats(self) -> Dict[str, Dict[str, str]]:
        """haproxy's figures for each replica (`show stat`: status, scur = connections now, stot...)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(3)
            s.connect(str(self.socket))
            s.sendall(b"show stat\n")
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        text = b"".join(chunks).decode(errors="replace").lstrip("# ")
        return {row["svname"]: row for row in csv.DictReader(io.StringIO(text))
                if row.get("pxname") == haproxy_config.BACKEND and row.get("svname") not in ("BACKEND", "FRONTEND")}

    def wait_up(self, names: Sequence[str], timeout: float) -> None:
        """Until haproxy sends requests to every replica in `names`."""
        deadline = time.monotonic() + timeout
        states: Dict[str, str] = {}
        while time.monotonic() < deadline:
            if not self.running:
                raise BackingError(f"haproxy stopped (exit {self.proc.returncode if self.proc else None}); "
                                   f"see {self.log}")
            try:
                states = self.states()
            except OSError:
                states = {}
            if all(states.get(n) == "UP" for n in names):
                return
            time.sleep(0.25)
        raise BackingError(f"haproxy did not see every replica ready within {timeout:.0f} s ({states})")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM: haproxy stops at once (connections are closed)."""
        super().stop(timeout)
        self.socket.unlink(missing_ok=True)


def _alert(text: str) -> str:
    """haproxy's first ALERT line (what went wrong), without its prefix."""
    for line in text.splitlines():
        if "[ALERT]" in line:
            return line.split(":", 1)[-1].strip() if ")" not in line else line.split(")", 1)[-1].strip(" :")
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "no output"
