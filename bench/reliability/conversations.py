"""Scripted conversations over REST, each turn with a message id, every outcome recorded.

A turn's outcome is one of:
- `as_reference`: 200 with the same replies as the same turn of the same script in a fault-free run;
- `action_unavailable`: 200 with the polite "I can't look that up right now" (action server down);
- `other_200`: 200 with a well-formed reply for this conversation that differs from the fault-free run
  (`other_200_after_cannot_look_up` when an earlier turn of the conversation got the polite reply);
- `bad_200`: 200 with an empty reply list, or a reply addressed to another conversation (never allowed);
- `honest_error`: 4xx/5xx whose body is JSON with an "error" (the polite error);
- `bare_error`: 4xx/5xx without that;
- `refused`, `timeout`: no HTTP answer (server down, or not within CLIENT_TIMEOUT).
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import aiohttp

from .common import (ACTION_UNAVAILABLE, CLIENT_TIMEOUT, REST, SCRIPTS, Ledger, Reply, canonical, client_session,
                     new_sender, post_json)


def classify(reply: Reply, sender: str, expected: Optional[Tuple[str, ...]]) -> str:
    if reply.status == 0:
        return "timeout" if reply.error == "timeout" else "refused"
    if reply.status != 200:
        return "honest_error" if isinstance(reply.body, dict) and reply.body.get("error") else "bare_error"
    body = reply.body
    if not isinstance(body, list) or not body or any(
            not isinstance(m, dict) or m.get("recipient_id") != sender for m in body):
        return "bad_200"
    if any(ACTION_UNAVAILABLE in (m.get("text") or "") for m in body):
        return "action_unavailable"
    if expected is not None and canonical(body) == expected:
        return "as_reference"
    return "other_200"


async def reference(url: str) -> List[List[Tuple[str, ...]]]:
    """Each script's replies, turn by turn, one conversation at a time (the fault-free answers)."""
    out = []
    async with client_session() as session:
        for script in SCRIPTS:
            sender = new_sender("ref")
            turns = []
            for i, text in enumerate(script):
                r = await post_json(session, url + REST, {"sender": sender, "message": text, "message_id": f"t{i}"})
                if r.status != 200:
                    raise RuntimeError(f"reference conversation failed: HTTP {r.status} {r.error}")
                turns.append(canonical(r.body))
            out.append(turns)
    return out


@dataclass
class Traffic:
    """Outcomes of every attempt, latencies of 200s, and the ledger of turns for the store check."""
    ledger: Ledger = field(default_factory=Ledger)
    outcomes: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    latencies: List[float] = field(default_factory=list)
    ok_times: List[float] = field(default_factory=list)  # time.monotonic() of each 200 (answered)
    conversations: int = 0
    completed: int = 0            # conversations whose 8 turns were all answered 200
    completed_as_reference: int = 0  # ... and whose last turn was the fault-free answer
    given_up: int = 0             # turns abandoned after the retry deadline
    seconds: float = 0.0          # wall time of the conversations run at once (load), set by their driver
    samples: Dict[str, List[Any]] = field(default_factory=dict)
    no_answer_errors: Counter = field(default_factory=Counter)  # exception name -> attempts without an HTTP answer

    def record(self, outcome: str, reply: Reply, text: str) -> None:
        self.outcomes[outcome] += 1
        self.statuses[reply.status] += 1
        if reply.status == 200:
            self.latencies.append(reply.seconds)
            self.ok_times.append(time.monotonic())
        if outcome in ("bad_200", "other_200", "bare_error") and len(self.samples.setdefault(outcome, [])) < 5:
            self.samples[outcome].append({"sent": text, "status": reply.status, "body": str(reply.body)[:300]})
        if outcome in ("refused", "timeout"):  # what the client saw instead of an HTTP answer
            self.no_answer_errors[reply.error or "?"] += 1


async def conversation(session: aiohttp.ClientSession, url: str, script_no: int, refs: List[List[Tuple[str, ...]]],
                       traffic: Traffic, prefix: str, retry_until: Optional[Callable[[], float]] = None,
                       pause: float = 0.0) -> None:
    """One scripted conversation. With `retry_until` (a function giving a time.monotonic() deadline), a turn
    without a 200 is sent again (same message id) every second until it is answered or the deadline passes;
    without it, every turn is sent once."""
    script, expected = SCRIPTS[script_no], refs[script_no]
    sender = new_sender(prefix)
    traffic.conversations += 1
    last = None
    degraded = False  # an earlier turn got "can't look that up": the interview may have moved on differently
    for i, text in enumerate(script):
        mid = f"{sender}-t{i}"
        while True:
            traffic.ledger.sent(sender, mid)
            reply = await post_json(session, url + REST, {"sender": sender, "message": text, "message_id": mid},
                                    timeout=CLIENT_TIMEOUT)
            outcome = classify(reply, sender, expected[i])
            if outcome == "other_200" and degraded:
                outcome = "other_200_after_cannot_look_up"
            degraded = degraded or outcome == "action_unavailable"
            traffic.record(outcome, reply, text)
            if reply.status == 200:
                traffic.ledger.ok(sender, mid)
                last = outcome
                break
            if retry_until is None or time.monotonic() > retry_until():
                traffic.given_up += 1
                return
            await asyncio.sleep(1.0)
        if pause:
            await asyncio.sleep(pause)
    traffic.completed += 1
    traffic.completed_as_reference += last == "as_reference"
