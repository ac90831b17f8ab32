"""`make cluster`: several Rasa servers and action servers behind haproxy, on a shared PostgreSQL and Redis.

    python -m ops.cluster        # REPLICAS=2 by default; Ctrl-C or SIGTERM stops everything

What it starts, in this order (a part that cannot start stops the whole
start, with one line saying why and a non-zero exit status):

1. PostgreSQL (the shared tracker store) and Redis (the lock store,
   components/lock_store.py, given to the servers as REDIS_URL), Debian's,
   as child processes on CLUSTER_POSTGRES_PORT and CLUSTER_REDIS_PORT with
   data in `<LEGCARE_VAR_DIR>/cluster/` (ops/backing.py); or yours, when
   TRACKER_STORE_URL (a postgresql:// URL) or REDIS_URL (or REDIS_HOST...)
   is set;
2. haproxy on BIND_HOST:RASA_PORT (ops/balancer.py, configuration from
   ops/haproxy_config.py, written to `<LEGCARE_VAR_DIR>/cluster/haproxy.cfg`);
3. REPLICAS replicas, each an action server and a Rasa server
   (ops/servers.Stack) on 127.0.0.1 only, replica n on ports
   REPLICA_PORT_BASE + 2(n-1) (Rasa) and + 1 (actions), logs in
   `<LEGCARE_VAR_DIR>/cluster/replica-n/logs/`;
4. the web page on WEB_PORT, talking to haproxy.

Then ops/supervisor.py watches every replica's servers (restart on crash or
wedge, as in `make run`), PostgreSQL, Redis and haproxy are started again if
they stop, and a line says when haproxy takes a replica out or back in.

The Python API (used by the tests):

    cluster = Cluster(model, env).start()
    cluster.supervise(lambda: stopped)   # until stopped() is true
    cluster.stop()
"""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from .backing import BackingError, Postgres, Redis
from .balancer import Haproxy
from .haproxy_config import COOKIE, Replica
from .servers import Stack
from .settings import SettingError, redis_settings, resolved, var_dir
from .supervisor import Supervisor, Timing, backoff_delay
from .web import WebServer

MAX_REPLICAS = 16


class ClusterError(RuntimeError):
    """A part of the cluster that cannot start; the message (one line) says which and why."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ClusterError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ClusterError(f"{name} must be between {low} and {high}, not {value}")
    return value


@dataclass(frozen=True)
class ClusterSettings:
    replicas: int
    port: int                 # haproxy (RASA_PORT)
    web_port: int
    bind_host: str
    folder: Path              # <LEGCARE_VAR_DIR>/cluster
    replica_base: int         # REPLICA_PORT_BASE
    postgres_port: int
    redis_port: int
    database_url: str         # TRACKER_STORE_URL when it is yours, else empty (one is started)
    own_redis: bool           # REDIS_URL or REDIS_HOST... set: that Redis is used, none is started

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "ClusterSettings":
        replicas = _int(env, "REPLICAS", 2, 1, MAX_REPLICAS)
        base = _int(env, "REPLICA_PORT_BASE", 5100, 1024, 65535 - 2 * MAX_REPLICAS)
        try:
            own_redis = redis_settings(env) is not None
        except SettingError as exc:
            raise ClusterError(str(exc)) from None
        database = (env.get("TRACKER_STORE_URL") or "").strip()
        if database and not database.startswith(("postgresql://", "postgresql+", "postgres://")):
            raise ClusterError("TRACKER_STORE_URL must be a PostgreSQL URL for a cluster (every replica shares it); "
                               "leave it unset to have one started here")
        return cls(replicas=replicas, port=_int(env, "RASA_PORT", 5005, 1, 65535),
                   web_port=_int(env, "WEB_PORT", 8080, 1, 65535),
                   bind_host=(env.get("BIND_HOST") or "127.0.0.1").strip(),
                   folder=var_dir(env) / "cluster", replica_base=base,
                   postgres_port=_int(env, "CLUSTER_POSTGRES_PORT", 55432, 1024, 65535),
                   redis_port=_int(env, "CLUSTER_REDIS_PORT", 56379, 1024, 65535),
                   database_url=database, own_redis=own_redis)

    def replica_ports(self, n: int) -> Tuple[int, int]:
        """(Rasa server, action server) of replica n (1-based)."""
        rasa = self.replica_base + 2 * (n - 1)
        return rasa, rasa + 1

    def ports(self) -> List[Tuple[str, str, int]]:
        """Every port this cluster will listen on: (what, on which address, port)."""
        out = [("haproxy (RASA_PORT)", self.bind_host, self.port), ("the web page (WEB_PORT)", self.bind_host,
                                                                   self.web_port)]
        for n in range(1, self.replicas + 1):
            rasa, actions = self.replica_ports(n)
            out += [(f"replica {n}'s Rasa server (REPLICA_PORT_BASE)", "127.0.0.1", rasa),
                    (f"replica {n}'s action server (REPLICA_PORT_BASE)", "127.0.0.1", actions)]
        if not self.database_url:
            out.append(("PostgreSQL (CLUSTER_POSTGRES_PORT)", "127.0.0.1", self.postgres_port))
        if not self.own_redis:
            out.append(("Redis (CLUSTER_REDIS_PORT)", "127.0.0.1", self.redis_port))
        return out


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no obstacle
        try:
            s.bind((host if host not in ("", "localhost") else "127.0.0.1", port))
        except OSError:
            return True
    return False


class Cluster:
    def __init__(self, model: Path, env: Optional[Mapping[str, str]] = None,
                 say: Callable[[str], None] = lambda line: print(line, flush=True)) -> None:
        raw = dict(env) if env is not None else None
        self.settings = ClusterSettings.from_env(os.environ if raw is None else raw)
        # one set of secrets (action server, socket.io session tokens) for every replica
        self.env = resolved(raw)
        self.model = Path(model)
        self.say = say
        self.postgres: Optional[Postgres] = None
        self.redis: Optional[Redis] = None
        self.balancer: Optional[Haproxy] = None
        self.web: Optional[WebServer] = None
        self.stacks: Dict[str, Stack] = {}
        self._lock = threading.Lock()

    # ---- the shared parts
    @property
    def database_url(self) -> str:
        return self.settings.database_url or (self.postgres.url if self.postgres else "")

    def redis_where(self) -> str:
        """Where the lock store is, password hidden."""
        if self.redis is not None:
            return f"Redis {redis_settings({'REDIS_URL': self.redis.url}).safe_url()} (started here)"
        return f"Redis {redis_settings(self.env).safe_url()} (yours)"

    def replica_names(self) -> List[str]:
        return [f"replica{n}" for n in range(1, self.settings.replicas + 1)]

    def replica_env(self, n: int) -> Dict[str, str]:
        rasa, actions = self.settings.replica_ports(n)
        env = dict(self.env)
        env.update({
            "RASA_PORT": str(rasa), "ACTION_PORT": str(actions),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions}/webhook",
            "BIND_HOST": "127.0.0.1",  # only haproxy is reached from outside
            "LEGCARE_VAR_DIR": str(self.settings.folder / f"replica-{n}"),
            "TRACKER_STORE_URL": self.database_url,
            "WEB_PORT": str(self.settings.web_port),  # the page's origin is allowed (CORS)
        })
        if self.redis is not None:
            env["REDIS_URL"] = self.redis.url
        return env

    # ---- start and stop
    def start(self) -> "Cluster":
        try:
            self._start()
        except ClusterError:
            self.stop()
            raise
        except (BackingError, RuntimeError, OSError, TimeoutError) as exc:
            self.stop()
            raise ClusterError(str(exc).splitlines()[0]) from exc
        return self

    def _start(self) -> None:
        s = self.settings
        for what, host, port in s.ports():
            if port_in_use(host, port):
                raise ClusterError(f"{what} cannot listen on {host}:{port}: another program uses that port")
        s.folder.mkdir(parents=True, exist_ok=True)
        self.web = WebServer(dict(self.env, RASA_PORT=str(s.port), WEB_PORT=str(s.web_port)))  # binds now
        if not s.database_url:
            self.postgres = Postgres(s.folder / "postgres", s.postgres_port).start()
        if not s.own_redis:
            self.redis = Redis(s.folder / "redis", s.redis_port).start()
        replicas = [Replica(name, "127.0.0.1", s.replica_ports(n)[0])
                    for n, name in enumerate(self.replica_names(), start=1)]
        self.balancer = Haproxy(s.folder, s.bind_host, s.port, replicas, self.env).start()
        self.stacks = {f"replica {n}": Stack(model=self.model, env=self.replica_env(n))
                       for n in range(1, s.replicas + 1)}
        timeout = Timing.from_env(self.env).startup
        with ThreadPoolExecutor(max_workers=s.replicas) as pool:
            futures = {name: pool.submit(stack.start, None, timeout) for name, stack in self.stacks.items()}
            failures = []
            for name, future in futures.items():
                try:
                    future.result()
                except Exception as exc:
                    failures.append(f"{name}: {str(exc).splitlines()[0]}")
        if failures:
            raise ClusterError(failures[0])
        self.balancer.wait_up(self.replica_names(), timeout=30)
        self.web.start()

    def stop(self) -> None:
        with self._lock:
            if self.web is not None:
                try:
                    self.web.stop()
                except Exception:
                    pass
                self.web = None
            if self.balancer is not None:
                self.balancer.stop()
            if self.stacks:
                with ThreadPoolExecutor(max_workers=len(self.stacks)) as pool:  # each may take seconds
                    list(pool.map(lambda stack: stack.stop(), self.stacks.values()))
            for daemon in (self.redis, self.postgres):
                if daemon is not None:
                    daemon.stop()

    # ---- keep it serving
    def supervise(self, stopping: Callable[[], bool], tick: float = 0.5) -> None:
        """Until stopping(): the replicas' servers by ops/supervisor.py, the shared parts restarted if they stop."""
        supervisor = Supervisor(self.stacks, self.say)
        keeper = Keeper({"PostgreSQL": self.postgres, "Redis": self.redis, "haproxy": self.balancer}, self.say)
        in_balancer = BalancerWatch(self.balancer, self.say)
        while not stopping():
            supervisor.check()
            keeper.check()
            in_balancer.check()
            time.sleep(tick)

    def banner(self) -> List[str]:
        s = self.settings
        from .run import safe_url

        lb = f"http://localhost:{s.port}"
        lines = [f"LegCare cluster is running (model {self.model.name}, {s.replicas} replicas).",
                 f"  Web chat:         http://localhost:{s.web_port}/",
                 f"  Chat over REST:   curl -s {lb}/webhooks/rest/webhook -H 'Content-Type: application/json' "
                 "-d '{\"sender\": \"me\", \"message\": \"hello\"}'",
                 f"  Socket.IO:        {lb}/socket.io (sticky: cookie {COOKIE})",
                 f"  Load balancer:    haproxy on {s.bind_host}:{s.port} (BIND_HOST, RASA_PORT); health checks "
                 f"on each replica's /health/ready",
                 f"                    config {self.balancer.config}, log {self.balancer.log}, "
                 f"stats socket {self.balancer.socket}"]
        for n in range(1, s.replicas + 1):
            rasa, actions = s.replica_ports(n)
            lines.append(f"  Replica {n}:        Rasa server 127.0.0.1:{rasa}, action server 127.0.0.1:{actions}, "
                         f"logs {s.folder / f'replica-{n}' / 'logs'}")
        where = f" (started here, data in {self.postgres.data_dir})" if self.postgres else ""
        lines.append(f"  Conversations in: {safe_url(self.database_url)}{where}")
        lines.append(f"  Locks:            {self.redis_where()}")
        lines.append(f"  HTTP API:         {'on, token required' if self.env.get('RASA_AUTH_TOKEN') else 'off (set RASA_AUTH_TOKEN to enable)'}")
        for note in next(iter(self.stacks.values())).notes:
            lines.append(f"  {note}")
        lines.append("Press Ctrl-C to stop.")
        return lines


class BalancerWatch:
    """One line when haproxy takes a replica out (its readiness checks fail) and when it sends to it again."""

    def __init__(self, balancer: Haproxy, say: Callable[[str], None]) -> None:
        self.balancer, self.say = balancer, say
        self.up: Dict[str, bool] = {}

    def check(self) -> None:
        try:
            states = self.balancer.states()
        except OSError:  # haproxy restarting: the keeper says so
            return
        for name, state in states.items():
            up = state.startswith("UP")  # "UP 1/2": one check failed, still in
            label = name.replace("replica", "replica ")
            if name in self.up and self.up[name] != up:
                self.say(f"haproxy sends to {label} again" if up else
                         f"haproxy took {label} out ({state}: its /health/ready fails)")
            self.up[name] = up


class Keeper:
    """Starts PostgreSQL, Redis or haproxy again when it stops.

    With the supervisor's back-off (ops/supervisor.py: 1 s, then 2, 4... up
    to 60 s while it keeps failing, and 1 s again once it has stayed up for a
    minute). One line per event.
    """

    def __init__(self, parts: Mapping[str, object], say: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic, timing: Optional[Timing] = None) -> None:
        self.parts = {name: part for name, part in parts.items() if part is not None}
        self.say, self.clock = say, clock
        self.timing = timing or Timing()
        now = clock()
        self.attempt = {name: 0 for name in self.parts}
        self.up_since = {name: now for name in self.parts}
        self.due: Dict[str, Optional[float]] = {name: None for name in self.parts}

    def _delay(self, name: str) -> float:
        self.attempt[name] += 1
        return backoff_delay(self.timing, self.attempt[name])

    def check(self) -> None:
        now = self.clock()
        for name, part in self.parts.items():
            due = self.due[name]
            if due is None:
                if part.running:
                    if now - self.up_since[name] >= self.timing.stable:
                        self.attempt[name] = 0
                    continue
                code = part.proc.returncode if part.proc is not None else None
                delay = self._delay(name)
                self.say(f"{name} stopped (exit {code}); restarting in {delay:g} s")
                self.due[name] = now + delay
            elif now >= due:
                try:
                    part.start()
                except Exception as exc:
                    delay = self._delay(name)
                    self.say(f"{name} did not start again ({str(exc).splitlines()[0]}); next try in {delay:g} s")
                    self.due[name] = self.clock() + delay
                    continue
                self.say(f"{name} restarted")
                self.due[name], self.up_since[name] = None, self.clock()


def main() -> int:
    from .run import model_to_serve, stop_on_signals

    try:
        ClusterSettings.from_env(os.environ)  # a setting it cannot use: said before training
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    model = model_to_serve()
    if model is None:
        return 1
    stop_requested = stop_on_signals()
    cluster = Cluster(model)
    s = cluster.settings
    print(f"Starting PostgreSQL, Redis, haproxy and {s.replicas} replicas (Rasa server + action server; "
          f"about 30 s)...", flush=True)
    try:
        cluster.start()
    except ClusterError as exc:
        print(f"error: the cluster cannot start: {exc}", file=sys.stderr, flush=True)
        return 1
    print()
    for line in cluster.banner():
        print(line, flush=True)
    try:
        cluster.supervise(stop_requested)
    finally:
        print("\nStopping...", flush=True)
        cluster.stop()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
