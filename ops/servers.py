"""Start and stop the action server and the Rasa server (and wait until ready)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from legcare import bundle

from .settings import ROOT, VENV_BIN, cors_origins, credentials_file, endpoints_file, local_host, resolved, var_dir

FATAL_PREFIX = "LegCare cannot start: "  # the line a server prints before exiting on a setting it cannot use


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.time() + timeout
    last: Optional[Exception] = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = _with_body(exc)
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout:.0f} s ({last})")


def _with_body(exc: urllib.error.HTTPError, limit: int = 300) -> str:
    """The error with the start of its answer: /health/ready says which check fails (names, no secrets)."""
    try:
        body = exc.read(limit).decode(errors="replace").strip()
    except Exception:  # the answer could not be read: the status alone
        body = ""
    return f"{exc}: {body}" if body else str(exc)


@dataclass
class Service:
    name: str
    command: Callable[[], List[str]]  # built at each start, from the current settings
    ready_url: Callable[[], str]
    log: Path
    live_url: Optional[Callable[[], str]] = None
    proc: Optional[subprocess.Popen] = None

    def start(self, env: Dict[str, str]) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()

    def kill(self) -> None:
        """Stop at once (a wedged or stopped process does not act on SIGTERM)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def fatal_reason(self) -> Optional[str]:
        """The reason the server gave for refusing to start, from the end of its log."""
        if not self.log.exists():
            return None
        for line in reversed(self.log.read_text(errors="replace").splitlines()[-200:]):
            if line.startswith(FATAL_PREFIX):
                return line[len(FATAL_PREFIX):]
        return None

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Stack:
    """The action server plus the Rasa server, on the ports in `env`."""
    model: Path
    env: Dict[str, str] = field(default_factory=dict)
    services: Dict[str, Service] = field(default_factory=dict)
    credentials: Optional[Path] = None
    notes: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.env = resolved(self.env or None)
        engine_bundle = bundle.bundle_for(Path(self.model))
        problem = bundle.verify(engine_bundle)
        if problem:
            raise RuntimeError(f"the model's engine bundle cannot be used: {problem}; run `make train`")
        self.env = bundle.environment(engine_bundle, self.env)
        logs = var_dir(self.env) / "logs"
        # ready: answers requests (action server) / model loaded and stores answering (Rasa server)
        # live: the server's event loop answers (the supervisor in ops/run.py restarts one that does not)
        self.services["actions"] = Service("actions", self._actions_command, lambda: self.actions_url + "/health",
                                           logs / "actions.log", live_url=lambda: self.actions_url + "/health")
        self.services["rasa"] = Service("rasa", self._rasa_command, lambda: self.rasa_url + "/health/ready",
                                        logs / "rasa.log", live_url=lambda: self.rasa_url + "/health/live")

    def _actions_command(self) -> List[str]:
        return [str(VENV_BIN / "python"), "-m", "ops.action_server", "--port", self.env["ACTION_PORT"]]

    def _rasa_command(self) -> List[str]:
        # the API token (RASA_AUTH_TOKEN) reaches the server through its environment, never its arguments;
        # the HTTP API is only ever on behind a token
        return [str(VENV_BIN / "python"), "-m", "ops.rasa_server", "--model", str(self.model),
                "--port", self.env["RASA_PORT"], "--endpoints", str(endpoints_file(self.env)),
                "--credentials", str(self._credentials()), "--cors", *cors_origins(self.env)]

    def _credentials(self) -> Path:
        if self.credentials:
            return self.credentials
        path, self.notes = credentials_file(self.env)
        return path

    @property
    def rasa_url(self) -> str:
        return f"http://{local_host(self.env)}:{self.env['RASA_PORT']}"

    @property
    def actions_url(self) -> str:
        return f"http://{local_host(self.env)}:{self.env['ACTION_PORT']}"

    def start(self, which: Optional[List[str]] = None, timeout: float = 120.0) -> "Stack":
        var_dir(self.env).mkdir(parents=True, exist_ok=True)
        for name in which or ["actions", "rasa"]:
            svc = self.services[name]
            if not svc.running:
                svc.start(self.env)
        for name in which or ["actions", "rasa"]:
            svc = self.services[name]
            try:
                wait_http(svc.ready_url(), timeout, svc.proc)
            except Exception as exc:
                reason = svc.fatal_reason() if not svc.running else None
                tail = svc.log.read_text(errors="replace")[-3000:] if svc.log.exists() else ""
                self.stop()
                if reason:
                    raise RuntimeError(f"{name} server did not start: {reason} (log: {svc.log})") from exc
                raise RuntimeError(f"{name} server did not start: {exc}\n--- {svc.log} ---\n{tail}") from exc
        return self

    def stop(self, which: Optional[List[str]] = None) -> None:
        for name in which or ["rasa", "actions"]:
            self.services[name].stop()

    def restart(self, which: Optional[List[str]] = None, timeout: float = 120.0) -> None:
        self.stop(which)
        self.start(which, timeout)
