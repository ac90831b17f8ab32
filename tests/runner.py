"""Helpers for tests (and bench/reliability) that start `make run` (python -m ops.run) and act on its servers."""
from __future__ import annotations

import bisect
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ops.servers import free_port
from ops.settings import ROOT


def server_pid(module: str, port: str) -> Optional[int]:
    """The process running `python -m <module> ... --port <port>`, if any."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if module.encode() in args and b"--port" in args and port.encode() in args:
            return int(entry.name)
    return None


class Run:
    """`python -m ops.run` in the background, its output collected line by line with the time each arrived.

    `base_env`: the environment to start from (this process's by default); `module`: another entry point
    with the same conventions (`ops.cluster`).
    """

    def __init__(self, var: Path, base_env: Optional[Dict[str, str]] = None, module: str = "ops.run", **extra: str):
        self.env = dict(os.environ if base_env is None else base_env, RASA_PORT=str(free_port()),
                        ACTION_PORT=str(free_port()), WEB_PORT=str(free_port()), LEGCARE_VAR_DIR=str(var),
                        EMERGENCY_NUMBER="112")
        for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "TRACKER_STORE_URL",
                    "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN", "BIND_HOST", "ACTION_SERVER_SECRET", "REDIS_URL"):
            self.env.pop(key, None)
        self.env.update(extra)
        self.lines: List[str] = []
        self.times: List[float] = []  # time.monotonic() when each line arrived
        self.module = module
        self.proc = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.times.append(time.monotonic())
            self.lines.append(line.rstrip("\n"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_line(self, text: str, timeout: float = 240, after: int = 0) -> int:
        """Index of the first output line (from `after` on) containing `text`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i in range(after, len(self.lines)):
                if text in self.lines[i]:
                    return i
            if self.proc.poll() is not None and not any(text in line for line in self.lines[after:]):
                time.sleep(0.5)  # let the reader finish
                if not any(text in line for line in self.lines[after:]):
                    raise AssertionError(f"{self.module} exited ({self.proc.returncode}) without printing "
                                         f"{text!r}:\n{self.output[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"no line with {text!r} after {timeout:.0f} s:\n{self.output[-4000:]}")

    def wait_line_since(self, text: str, since: float, timeout: float = 240) -> float:
        """When (time.monotonic()) the first line containing `text` arrived at or after `since`."""
        return self.times[self.wait_line(text, timeout, after=bisect.bisect_left(self.times, since))]

    def pid(self, which: str) -> int:
        module, port = {"rasa": ("ops.rasa_server", self.env["RASA_PORT"]),
                        "actions": ("ops.action_server", self.env["ACTION_PORT"])}[which]
        pid = server_pid(module, port)
        assert pid is not None, f"no {which} server process"
        return pid

    def say(self, sender: str, text: str, timeout: float = 60) -> Tuple[int, Any]:
        return post(f"{self.url}/webhooks/rest/webhook",
                    {"sender": sender, "message": text}, timeout)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        time.sleep(0.3)
        return self.proc.returncode


def post(url: str, body: Dict[str, Any], timeout: float = 60,
         headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def is_emergency(message: Dict[str, Any]) -> bool:
    return ((message.get("custom") or {}).get("triage") or {}).get("level") == "emergency"
