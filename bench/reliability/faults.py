"""Faults under load, through `make run`'s supervisor (python -m ops.run in a subprocess).

One `ops.run` (its default supervision settings, free ports, a throw-away
data folder with its SQLite tracker store) serves the whole part. For each
fault, conversations run all along (16 people at once, a short pause
between turns, each turn with a message id; a turn without a 200 is sent
again every second with the same id, as a client would, until answered or
90 s after the fault ended), an emergency message is sent as a new
conversation every second, and /health/ready is polled every half second.
The fault is made 5 s into the load:

- kill -9 of the Rasa server; kill -9 of the action server;
- a wedged Rasa server (SIGSTOP until the supervisor kills it);
- the tracker store cannot be written: another process holds SQLite's
  exclusive lock for 30 s (chmod is no fault here: the server keeps its open
  files, and root ignores file modes).

Load goes on 8 s after recovery, then each conversation finishes its
current script. Afterwards the tracker store is read: each turn answered
200 stored exactly once and in order; every other attempt must have had an
honest answer (a JSON error, the polite "can't look that up", or no answer
at all while the server was down), never a 200 with an empty reply or one
addressed to another conversation.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import aiohttp

from tests.runner import Run

from .common import (EMERGENCY, REST, SCRIPTS, LogWatch, Store, clean_env, client_session, is_emergency, log_findings,
                     new_sender, post_json)
from .conversations import Traffic, conversation, reference

WORKERS = 16
WARM = 5.0
AFTER = 8.0
FINISH = 90.0
STORE_LOCK_SECONDS = 30.0


async def _monitor(url: str, samples: List[Tuple[float, bool]], stop: asyncio.Event) -> None:
    async with client_session() as session:
        while not stop.is_set():
            try:
                async with session.get(url + "/health/ready", timeout=aiohttp.ClientTimeout(total=1.0)) as r:
                    ok = r.status == 200
            except Exception:
                ok = False
            samples.append((time.monotonic(), ok))
            await asyncio.sleep(0.5)


async def _emergencies(url: str, out: List[Dict[str, Any]], stop: asyncio.Event, resend_for: float = 0.0) -> None:
    """An emergency message as a new conversation every second. With `resend_for`, one without a 200 is sent
    again (same message id) every second for that many seconds, as a client would; each is one task."""
    async def one(session: aiohttp.ClientSession) -> None:
        t0 = time.monotonic()
        sender = new_sender("emergency")
        body = {"sender": sender, "message": EMERGENCY, "message_id": "e1"}
        r = await post_json(session, url + REST, body, timeout=30)
        first = r
        sends = 1
        while r.status != 200 and time.monotonic() - t0 < resend_for:
            await asyncio.sleep(1.0)
            r = await post_json(session, url + REST, body, timeout=30)
            sends += 1
        out.append({"sent": t0, "done": time.monotonic(), "status": first.status, "sends": sends,
                    "escalated_first_try": first.status == 200 and is_emergency(first.body),
                    "escalated": r.status == 200 and is_emergency(r.body),
                    "advice_in_error": first.status == 503 and isinstance(first.body, dict)
                    and (first.body.get("triage") or {}).get("level") == "emergency",
                    "error_names_emergency_number": first.status != 200 and isinstance(first.body, dict)
                    and "emergency" in str(first.body.get("error", ""))})

    async with client_session() as session:
        tasks = []
        while not stop.is_set():
            tasks.append(asyncio.create_task(one(session)))
            await asyncio.sleep(1.0)
            if not resend_for:
                await asyncio.wait([tasks[-1]])  # one at a time, as before
        await asyncio.gather(*tasks, return_exceptions=True)


def _rasa_up(samples: List[Tuple[float, bool]], start: float, end: float) -> bool:
    """Ready at the last poll before `start`, at the first after `end`, and at every poll in between."""
    before = [ok for t, ok in samples if t <= start]
    after = [ok for t, ok in samples if t >= end]
    during = [ok for t, ok in samples if start < t < end]
    return bool(before) and before[-1] and bool(after) and after[0] and all(during)


def _hold_store_lock(db: Path, seconds: float, started: threading.Event) -> None:
    blocker = sqlite3.connect(db, timeout=30, isolation_level=None)
    blocker.execute("begin exclusive")
    started.set()
    time.sleep(seconds)
    blocker.execute("rollback")
    blocker.close()


async def _phase(url: str, refs, name: str, inject: Callable[[], Dict[str, float]],
                 emergency_resend_for: float = 0.0) -> Dict[str, Any]:
    """WORKERS conversations, emergencies and readiness polls against `url`; `inject` makes the fault (in a
    thread) and returns {"recovered": time.monotonic() of recovery, ...}."""
    traffic = Traffic()
    stop_load, stop_side = asyncio.Event(), asyncio.Event()
    samples: List[Tuple[float, bool]] = []
    emergencies: List[Dict[str, Any]] = []
    finish_by = {"t": float("inf")}

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        k = n
        while not stop_load.is_set():
            await conversation(session, url, k % len(SCRIPTS), refs, traffic, f"fault-{name}",
                               retry_until=lambda: finish_by["t"], pause=0.2)
            k += WORKERS

    async with client_session(limit=WORKERS) as session:
        side = [asyncio.create_task(_monitor(url, samples, stop_side)),
                asyncio.create_task(_emergencies(url, emergencies, stop_side, emergency_resend_for))]
        workers = [asyncio.create_task(worker(session, n)) for n in range(WORKERS)]
        await asyncio.sleep(WARM)
        t_fault = time.monotonic()
        timing = await asyncio.get_running_loop().run_in_executor(None, inject)
        recovered = timing["recovered"]
        await asyncio.sleep(AFTER)
        stop_load.set()
        finish_by["t"] = time.monotonic() + FINISH
        done, pending = await asyncio.wait(workers, timeout=FINISH + 40)
        for task in pending:
            task.cancel()
        stop_side.set()
        await asyncio.gather(*side, return_exceptions=True)
    ok_after = [t for t in traffic.ok_times if t >= t_fault]
    gaps = [b - a for a, b in zip([t_fault] + ok_after, ok_after)]
    up = [e for e in emergencies if _rasa_up(samples, e["sent"], e["done"])]
    return {"traffic": traffic, "t_fault": t_fault, "recovered": recovered, "timing": timing,
            "longest_gap_s": round(max(gaps), 1) if gaps else None, "emergencies": emergencies,
            "emergencies_while_up": up, "unfinished_workers": len(pending)}


def _summary(name: str, phase: Dict[str, Any], where: Store) -> Dict[str, Any]:
    tr: Traffic = phase["traffic"]
    store = tr.ledger.check(where)
    o = tr.outcomes
    em, up = phase["emergencies"], phase["emergencies_while_up"]
    return {
        "fault": name, "conversations": tr.conversations, "turns_attempted": sum(o.values()),
        "answered_200": tr.statuses.get(200, 0), "stored": store["stored"], "lost": store["lost"],
        "duplicated": store["duplicated"], "reordered": store["reordered"],
        "stored_without_a_200": store["stored_without_a_200"],
        "honest_errors": o.get("honest_error", 0), "polite_cannot_look_up": o.get("action_unavailable", 0),
        "no_answer_server_down": o.get("refused", 0), "timeouts": o.get("timeout", 0),
        "bad_200": o.get("bad_200", 0), "bare_errors": o.get("bare_error", 0),
        "other_200": o.get("other_200", 0), "other_200_after_cannot_look_up": o.get("other_200_after_cannot_look_up", 0),
        "answers_as_fault_free_run": o.get("as_reference", 0),
        "conversations_completed": tr.completed, "completed_as_fault_free_run": tr.completed_as_reference,
        "turns_given_up": tr.given_up,
        "emergencies_sent": len(em), "emergencies_escalated": sum(e["escalated"] for e in em),
        "emergencies_escalated_first_try": sum(e.get("escalated_first_try", e["escalated"]) for e in em),
        "emergencies_sent_while_rasa_up": len(up), "escalated_while_rasa_up": sum(e["escalated"] for e in up),
        "emergency_advice_in_error": sum(e.get("advice_in_error", False) for e in em),
        "recover_s": round(phase["recovered"] - phase["t_fault"], 1),
        "longest_gap_without_a_200_s": phase["longest_gap_s"],
        "statuses": {str(k): v for k, v in tr.statuses.items()}, "outcomes": dict(o), "samples": tr.samples,
        "no_answer_errors": dict(tr.no_answer_errors),
    }


def run(model: Path) -> Dict[str, Any]:
    del model  # ops.run serves the active model, as `make run` does
    results: Dict[str, Any] = {"settings": "ops.run defaults: liveness check every 5 s, 3 s each, 3 misses"}
    with tempfile.TemporaryDirectory(prefix="legcare-reliability-faults-") as tmp:
        var = Path(tmp)
        run_ = Run(var, base_env=clean_env())
        try:
            run_.wait_line("LegCare is running", timeout=300)
            logs = LogWatch((var / "logs").glob("*.log"))
            db = var / "tracker.db"
            refs = asyncio.run(reference(run_.url))

            def kill(which: str, label: str) -> Callable[[], Dict[str, float]]:
                def inject() -> Dict[str, float]:
                    t = time.monotonic()
                    os.kill(run_.pid(which), signal.SIGKILL)
                    return {"recovered": run_.wait_line_since(f"{label} restarted and ready", t, timeout=300)}
                return inject

            def wedge() -> Dict[str, float]:
                t = time.monotonic()
                pid = run_.pid("rasa")
                os.kill(pid, signal.SIGSTOP)
                try:
                    noticed = run_.wait_line_since("Rasa server not answering", t, timeout=120)
                finally:
                    try:
                        os.kill(pid, signal.SIGCONT)
                    except ProcessLookupError:
                        pass
                return {"noticed_s": noticed - t,
                        "recovered": run_.wait_line_since("Rasa server restarted and ready", t, timeout=300)}

            def store() -> Dict[str, float]:
                started = threading.Event()
                th = threading.Thread(target=_hold_store_lock, args=(db, STORE_LOCK_SECONDS, started))
                th.start()
                started.wait(30)
                th.join()
                return {"recovered": time.monotonic()}  # the lock is released: storage writable again

            faults = [("kill -9 Rasa server", kill("rasa", "Rasa server")),
                      ("kill -9 action server", kill("actions", "action server")),
                      ("Rasa server wedged (SIGSTOP)", wedge),
                      (f"tracker store locked {STORE_LOCK_SECONDS:g} s", store)]
            out = []
            for name, inject in faults:
                phase = asyncio.run(_phase(run_.url, refs, name.split()[0] + str(len(out)), inject))
                summary = _summary(name, phase, db)
                if name.startswith("tracker store"):  # recovered = lock released; first 200 after that
                    firsts = [t for t in phase["traffic"].ok_times if t >= phase["recovered"]]
                    summary["recover_s"] = round((firsts[0] if firsts else phase["recovered"]) - phase["t_fault"], 1)
                if "noticed_s" in phase["timing"]:
                    summary["wedge_noticed_s"] = round(phase["timing"]["noticed_s"], 1)
                out.append(summary)
                print(f"  {name}: done", flush=True)
            results["faults"] = out
            results["supervisor_lines"] = [l for l in run_.lines
                                           if "restart" in l or "not answering" in l or "stopped" in l]
            results["logs"] = log_findings(logs.new(), [])
        finally:
            code = run_.stop()
            results["ops_run_exit"] = code
    return results


COLUMNS = [("turns sent", "turns_attempted"), ("200s", "answered_200"), ("stored", "stored"), ("lost", "lost"),
           ("duplicated", "duplicated"), ("reordered", "reordered"), ("honest errors", "honest_errors"),
           ("polite 'can't look that up'", "polite_cannot_look_up"), ("no answer (server down)", "no_answer_server_down"),
           ("timeouts", "timeouts"), ("200 empty or wrong conversation", "bad_200"),
           ("errors without JSON", "bare_errors"), ("200s as in the fault-free run", "answers_as_fault_free_run"),
           ("other 200s after a 'can't look that up' in the conversation", "other_200_after_cannot_look_up"),
           ("other 200s (state not as in the fault-free run)", "other_200"),
           ("conversations finished / started", None), ("emergencies escalated / sent while Rasa up", None),
           ("emergencies escalated / sent (all)", None),
           ("emergencies whose turn failed, answered with the emergency advice (503)", "emergency_advice_in_error"), ("time to recover (s)", "recover_s"),
           ("longest wait for any 200 (s)", "longest_gap_without_a_200_s")]


def markdown(results: Dict[str, Any]) -> str:
    faults = results["faults"]
    head = "| | " + " | ".join(f["fault"] for f in faults) + " |"
    out = [head, "| --- |" + " --- |" * len(faults)]
    for label, key in COLUMNS:
        if label.startswith("conversations"):
            vals = [f"{f['conversations_completed']} / {f['conversations']}" for f in faults]
        elif label.startswith("emergencies escalated / sent while"):
            vals = [f"{f['escalated_while_rasa_up']} / {f['emergencies_sent_while_rasa_up']}" for f in faults]
        elif label.startswith("emergencies escalated / sent (all)"):
            vals = [f"{f['emergencies_escalated']} / {f['emergencies_sent']}" for f in faults]
        else:
            vals = [str(f[key]) for f in faults]
        out.append(f"| {label} | " + " | ".join(vals) + " |")
    return "\n".join(out)
