"""Load: 50 conversations at once, 8 turns each, over REST; then every answered turn checked in the store.

The servers are the active model's, started as the safety gate starts them
(ops.gate.isolated_stack: free ports on 127.0.0.1, a throw-away folder with
its own SQLite tracker store). The tracker store is read directly (SQLite,
read-only) after the run: each turn answered 200 must be stored exactly
once, in the order it was sent.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Dict

from ops.gate import isolated_stack

from .common import SCRIPTS, LogWatch, Store, client_session, log_findings, ms, percentile
from .conversations import Traffic, conversation, reference

CONVERSATIONS = 50


async def drive(url: str, conversations: int = CONVERSATIONS) -> Traffic:
    refs = await reference(url)
    traffic = Traffic()
    async with client_session(limit=conversations) as session:
        t0 = time.perf_counter()
        await asyncio.gather(*(conversation(session, url, n % len(SCRIPTS), refs, traffic, "load")
                               for n in range(conversations)))
        traffic.seconds = time.perf_counter() - t0
    return traffic


def run(model: Path, conversations: int = CONVERSATIONS) -> Dict[str, Any]:
    with isolated_stack(model, prefix="legcare-reliability-load-") as stack:
        db = Path(stack.env["LEGCARE_VAR_DIR"]) / "tracker.db"
        logs = LogWatch(svc.log for svc in stack.services.values())
        return measure(stack.rasa_url, db, logs, conversations)


def measure(url: str, store: Store, logs: LogWatch, conversations: int = CONVERSATIONS) -> Dict[str, Any]:
    """`conversations` at once against `url`, then every answered turn looked up in `store`."""
    traffic = asyncio.run(asyncio.wait_for(drive(url, conversations), 600))
    wall = traffic.seconds  # the conversations at once, not the one-at-a-time reference run before them
    store_check = traffic.ledger.check(store)
    found = log_findings(logs.new(), [])
    return summarise(traffic, wall, store_check, found, conversations)


def summarise(traffic: Traffic, wall: float, store: Dict[str, int], found: Dict[str, Any],
              conversations: int) -> Dict[str, Any]:
    turns = sum(traffic.outcomes.values())
    return {
        "conversations": conversations, "turns_per_conversation": len(SCRIPTS[0]), "turns_sent": turns,
        "answered_200": traffic.statuses.get(200, 0),
        "answers_as_fault_free_run": traffic.outcomes.get("as_reference", 0),
        "responses_5xx": sum(v for k, v in traffic.statuses.items() if k >= 500),
        "no_answer": traffic.outcomes.get("refused", 0) + traffic.outcomes.get("timeout", 0),
        "stored": store["stored"], "lost": store["lost"], "duplicated": store["duplicated"],
        "reordered": store["reordered"],
        "p50_ms": ms(percentile(traffic.latencies, 50)), "p95_ms": ms(percentile(traffic.latencies, 95)),
        "max_ms": ms(max(traffic.latencies) if traffic.latencies else None),
        "throughput_msg_s": round(turns / wall, 1), "seconds": round(wall, 1),
        "tracebacks_in_logs": found["tracebacks"], "outcomes": dict(traffic.outcomes),
        "samples": traffic.samples,
    }


ROWS = [("conversations at once x turns", lambda r: f"{r['conversations']} x {r['turns_per_conversation']}"),
        ("turns sent / answered 200", lambda r: f"{r['turns_sent']} / {r['answered_200']}"),
        ("answers as in a one-at-a-time run", lambda r: r["answers_as_fault_free_run"]),
        ("5xx / no answer", lambda r: f"{r['responses_5xx']} / {r['no_answer']}"),
        ("stored / lost / duplicated / reordered",
         lambda r: f"{r['stored']} / {r['lost']} / {r['duplicated']} / {r['reordered']}"),
        ("latency p50 / p95 / max (ms)", lambda r: f"{r['p50_ms']} / {r['p95_ms']} / {r['max_ms']}"),
        ("throughput (messages/s)", lambda r: r["throughput_msg_s"]),
        ("tracebacks in the logs", lambda r: r["tracebacks_in_logs"])]
