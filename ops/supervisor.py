"""Keeps the action servers and the Rasa servers serving while `make run` or `make cluster` runs.

`make run` gives it one Stack; `make cluster` gives it one Stack per replica,
each under a name ("replica 1", ...) that starts its lines.

Each server is watched on its own:

- it exited (crash, kill): it is started again;
- it is alive but its liveness URL has not answered LIVENESS_FAILURES checks
  in a row (one every LIVENESS_INTERVAL seconds, LIVENESS_TIMEOUT each): it
  is wedged, so it is killed and started again;
- after a start, it has STARTUP_TIMEOUT seconds to become ready (the Rasa
  server: model loaded, tracker store and lock store answering).

Restarts wait 1 s, then 2, 4, ... up to 60 s while a server keeps failing;
the wait goes back to 1 s once it has stayed up for a minute. The other
servers keep serving meanwhile. Every event is one line on the output, naming
the server and what happened (never a message or a secret). Only stop()
(Ctrl-C or SIGTERM in ops/run.py) ends it.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional, Union

from .servers import Service, Stack

LABELS = {"actions": "action server", "rasa": "Rasa server"}
EXIT_CANNOT_START = 78  # the servers' exit status for a setting they cannot use (their log says which)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass
class Timing:
    interval: float = 5.0        # seconds between liveness checks
    timeout: float = 3.0         # each check
    failures: int = 3            # checks in a row without an answer: wedged
    startup: float = 180.0       # to become ready after a start
    backoff_first: float = 1.0
    backoff_max: float = 60.0
    stable: float = 60.0         # up this long: the next failure waits backoff_first again

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Timing":
        return cls(interval=_seconds(env, "LIVENESS_INTERVAL", 5.0), timeout=_seconds(env, "LIVENESS_TIMEOUT", 3.0),
                   failures=int(_seconds(env, "LIVENESS_FAILURES", 3)),
                   startup=_seconds(env, "STARTUP_TIMEOUT", 180.0))


def backoff_delay(timing: Timing, attempt: int) -> float:
    """Seconds to wait before trying again after failure number `attempt` in a row: 1, 2, 4... up to the cap."""
    return min(timing.backoff_first * 2 ** max(attempt - 1, 0), timing.backoff_max)


def answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status < 400
    except urllib.error.HTTPError:
        return False
    except Exception:  # refused, timed out, reset
        return False


@dataclass
class Watch:
    """What the supervisor knows about one server."""
    service: Service
    label: str
    env: Mapping[str, str]         # the environment it is started with (its stack's)
    state: str = "up"              # up | starting | waiting (to be started at `due`)
    since: float = 0.0             # when it entered the state
    due: float = 0.0               # next liveness check (up) or start (waiting)
    missed: int = 0                # liveness checks in a row without an answer
    attempt: int = 0               # consecutive failures, for the back-off


class Supervisor:
    """Watches every server of `stacks`: one Stack, or several by name ({"replica 1": stack, ...})."""

    def __init__(self, stacks: Union[Stack, Mapping[str, Stack]], say: Callable[[str], None],
                 timing: Optional[Timing] = None, clock: Callable[[], float] = time.monotonic):
        self.stacks: Dict[str, Stack] = dict(stacks) if isinstance(stacks, Mapping) else {"": stacks}
        self.say = say
        self.timing = timing or Timing.from_env(next(iter(self.stacks.values())).env)
        self.clock = clock
        now = clock()
        self.watches: Dict[str, Watch] = {}
        for prefix, stack in self.stacks.items():
            for name, svc in stack.services.items():
                label = LABELS.get(name, name)
                self.watches[f"{prefix}/{name}" if prefix else name] = Watch(
                    svc, f"{prefix}: {label}" if prefix else label, stack.env, since=now,
                    due=now + self.timing.interval)

    def backoff(self, watch: Watch) -> float:
        return backoff_delay(self.timing, watch.attempt)

    def _failed(self, watch: Watch, what: str) -> None:
        now = self.clock()
        if watch.state == "up" and now - watch.since >= self.timing.stable:
            watch.attempt = 0
        watch.attempt += 1
        delay = self.backoff(watch)
        watch.service.kill()
        self.say(f"{watch.label} {what}; restarting in {delay:g} s")
        watch.state, watch.since, watch.due, watch.missed = "waiting", now, now + delay, 0

    def check(self) -> None:
        """One round: look at each server once and act on what is wrong."""
        for watch in self.watches.values():
            self._check(watch)

    def _check(self, watch: Watch) -> None:
        svc, now = watch.service, self.clock()
        if watch.state == "waiting":
            if now >= watch.due:
                svc.start(dict(watch.env))  # its own stack's ports and settings
                watch.state, watch.since = "starting", now
            return
        code = svc.proc.poll() if svc.proc is not None else None
        if svc.proc is None or code is not None:
            reason = svc.fatal_reason() if code == EXIT_CANNOT_START else None
            self._failed(watch, f"stopped (exit {code}{': ' + reason if reason else ''})")
            return
        if watch.state == "starting":
            if answers(svc.ready_url(), self.timing.timeout):
                self.say(f"{watch.label} restarted and ready")
                watch.state, watch.since, watch.due, watch.missed = "up", now, now + self.timing.interval, 0
            elif now - watch.since > self.timing.startup:
                self._failed(watch, f"not ready {self.timing.startup:g} s after starting")
            return
        if now < watch.due or svc.live_url is None:
            return
        watch.due = now + self.timing.interval
        if answers(svc.live_url(), self.timing.timeout):
            watch.missed = 0
            return
        watch.missed += 1
        if watch.missed >= self.timing.failures:
            self._failed(watch, f"not answering ({watch.missed} liveness checks in a row)")

    def run(self, stopping: Callable[[], bool], tick: float = 0.5) -> None:
        while not stopping():
            self.check()
            time.sleep(tick)
