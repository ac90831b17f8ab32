"""The reliability suite against `make cluster` (issue 13): replicas behind haproxy on PostgreSQL and Redis.

    make reliability-cluster          # installs Debian's postgresql, redis-server, haproxy if needed
    .venv/bin/python -m bench.reliability --only cluster

The cluster is started through ops.cluster's Python API, as `make cluster`
starts it (PostgreSQL, Redis, haproxy, REPLICAS replicas), on free ports of
127.0.0.1 with a throw-away data folder, and supervised by `Cluster.supervise`
in a thread (a crashed server is restarted as under `make cluster`). The
single-node suite's scripts, traffic bookkeeping and store checks are used
as they are (conversations.py, load.py, faults.py); the turns are read back
from PostgreSQL. The client keeps no cookies, as REST clients do not: haproxy
balances every request on its own, so the turns of one conversation land on
different replicas (the harder case for the shared store and lock).

1. Same-instant pairs: one conversation, two messages sent at the same
   instant to two different replicas directly (bypassing haproxy); both
   must be stored once, one after the other, as in a one-at-a-time run.
2. Load through haproxy: 50 conversations at once x 8 turns, then each
   answered turn looked up in PostgreSQL.
3. Faults under load through haproxy (faults.py's load: 16 conversations,
   resends with the same message id every second, an emergency as a new
   conversation every second): kill -9 of one replica's Rasa server and of
   one action server; PostgreSQL restarted (down 0.4 s, then 5 s); Redis
   restarted (down 2 s, its locks lost: it keeps no data).
4. Throughput at 10 and 50 conversations at once with 1 and 2 replicas.
"""
from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ops.cluster import Cluster, port_in_use
from ops.servers import free_port

from . import faults, load
from .common import (REST, SCRIPTS, LogWatch, Reply, canonical, clean_env, client_session, form_starts, log_findings,
                     ms, new_sender, percentile, post_json, read_events, stored_turns, table)
from .conversations import reference

PAIRS = 60
PAIRS_AT_ONCE = 4
# the emergency screen answered, so the interview asks how it began; then a new symptom and an answer to
# that question arrive at the same instant (taken from the suite's scripts)
SETUP = SCRIPTS[0][1:3]   # "my legs have felt weak for a week", "no"
SYMPTOM = SCRIPTS[3][0]   # "my left leg has been weak for three days"
ANSWER = SCRIPTS[0][3]    # "gradually"
LOAD_CONVERSATIONS = 50
THROUGHPUT = (10, 50)
PG_SHORT, PG_LONG, REDIS_DOWN = 0.4, 5.0, 2.0
EMERGENCY_RESEND_FOR = 5.0   # a client sends an unanswered emergency again, same id, for this long


# ---------------------------------------------------------------- the cluster, on free ports


def _replica_base(replicas: int, taken: List[int]) -> int:
    """A first port with 2 x replicas free ports from it (replica n: base + 2(n-1) and + 1)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000, 2)
        ports = range(base, base + 2 * replicas)
        if not any(p in taken or port_in_use("127.0.0.1", p) for p in ports):
            return base
    raise RuntimeError("no free range of ports for the replicas")


class RunningCluster:
    """ops.cluster.Cluster on free ports and a throw-away folder, supervised in a thread while in use."""

    def __init__(self, model: Path, replicas: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="legcare-reliability-cluster-"))
        os.chmod(self.folder, 0o755)  # PostgreSQL runs as `postgres` and must enter it
        singles = []
        while len(singles) < 4:
            p = free_port()
            if p not in singles:
                singles.append(p)
        rasa, web, pg, redis = singles
        env = clean_env(REPLICAS=str(replicas), RASA_PORT=str(rasa), WEB_PORT=str(web),
                        CLUSTER_POSTGRES_PORT=str(pg), CLUSTER_REDIS_PORT=str(redis),
                        REPLICA_PORT_BASE=str(_replica_base(replicas, singles)),
                        BIND_HOST="127.0.0.1", LEGCARE_VAR_DIR=str(self.folder))
        self.lines: List[Tuple[float, str]] = []  # the supervisor's and keeper's lines (no message text in them)
        self.cluster = Cluster(model, env, say=self._say)
        self.url = f"http://127.0.0.1:{rasa}"
        self._flag: Dict[str, bool] = {"stop": True}
        self._thread: Optional[threading.Thread] = None

    def _say(self, line: str) -> None:
        self.lines.append((time.monotonic(), line))
        print(f"    [cluster] {line}", flush=True)

    def __enter__(self) -> "RunningCluster":
        try:
            self.cluster.start()
        except BaseException:
            for log in sorted(self.folder.glob("cluster/replica-*/logs/*.log")):  # why, without message text:
                tail = [l for l in log.read_text(errors="replace").splitlines() if "Warning" not in l][-3:]
                print(f"    {log.relative_to(self.folder)}: " + " | ".join(l.strip()[:200] for l in tail), flush=True)
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.logs = LogWatch([svc.log for stack in self.cluster.stacks.values() for svc in stack.services.values()])
        self.resume()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.pause()
        self.cluster.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def resume(self) -> None:
        flag = {"stop": False}
        self._flag = flag
        self._thread = threading.Thread(target=self.cluster.supervise, args=(lambda: flag["stop"],),
                                        name="cluster-supervise", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        self._flag["stop"] = True
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    @property
    def store(self) -> str:
        return self.cluster.database_url

    @property
    def replica_urls(self) -> List[str]:
        return [stack.rasa_url for stack in self.cluster.stacks.values()]

    def wait_line(self, text: str, since: float, timeout: float) -> float:
        """time.monotonic() of the first supervisor line holding `text` said after `since`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, line in list(self.lines):
                if t >= since and text in line:
                    return t
            time.sleep(0.1)
        raise TimeoutError(f"no {text!r} within {timeout:.0f} s")

    def wait_all_up(self, timeout: float = 90.0) -> float:
        """time.monotonic() when haproxy sends requests to every replica again."""
        names = self.cluster.replica_names()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(self.cluster.balancer.states().get(n) == "UP" for n in names):
                    return time.monotonic()
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"replicas not all up in haproxy within {timeout:.0f} s")

    def served(self) -> Dict[str, int]:
        """Requests haproxy has sent to each replica so far (its stats socket's `stot`)."""
        return {name: int(row.get("stot") or 0) for name, row in self.cluster.balancer.stats().items()}


# ---------------------------------------------------------------- 1. same-instant pairs on two replicas


Turns = List[Tuple[str, Tuple[str, ...]]]


def judge_pair(events: List[Dict[str, Any]], replies: Dict[str, Reply], references: Dict[Tuple[str, str], Turns],
               setup: List[str] = SETUP, pair: Tuple[str, str] = (SYMPTOM, ANSWER)) -> List[str]:
    """What is wrong with one raced conversation (empty: nothing). `events`: as stored; `replies`: text ->
    the reply to it; `references`: for each order of the pair, the conversation sent one message at a time."""
    problems = []
    statuses = {text: r.status for text, r in replies.items()}
    if any(s != 200 for s in statuses.values()):
        problems.append(f"status {sorted(statuses.values())}")
    stored = stored_turns(events)
    texts = [t for t, _ in stored]
    raced = tuple(texts[len(setup):])
    if len(texts) != len(setup) + 2 or sorted(raced) != sorted(pair) or texts[:len(setup)] != list(setup):
        problems.append(f"user messages stored: {len(texts)} ({texts.count(pair[0])} x the symptom, "
                        f"{texts.count(pair[1])} x the answer)")
    elif stored != references[raced]:
        problems.append("stored turns differ from a one-at-a-time run")
    else:
        expected = dict(references[raced][len(setup):])
        for text, r in replies.items():
            if r.status == 200 and canonical(r.body) != expected[text]:
                problems.append("an answer differs from a one-at-a-time run")
    starts = form_starts(events)
    if starts != 1:
        problems.append(f"interview started {starts} times")
    return problems


async def _say(session, url: str, sender: str, text: str, message_id: str) -> Reply:
    return await post_json(session, url + REST, {"sender": sender, "message": text, "message_id": message_id})


async def _one_at_a_time(session, url: str, order: Tuple[str, str]) -> Turns:
    sender = new_sender("pair-ref")
    out = []
    for i, text in enumerate(list(SETUP) + list(order)):
        r = await _say(session, url, sender, text, f"r{i}")
        if r.status != 200:
            raise RuntimeError(f"reference conversation failed: HTTP {r.status} {r.error}")
        out.append((text, canonical(r.body)))
    return out


async def _race_pairs(one: str, two: str) -> Tuple[Dict[Tuple[str, str], Turns], bool, List[Dict[str, Any]]]:
    async with client_session() as session:
        refs = {order: await _one_at_a_time(session, one, order) for order in ((SYMPTOM, ANSWER), (ANSWER, SYMPTOM))}
        alike = refs[(SYMPTOM, ANSWER)] == await _one_at_a_time(session, two, (SYMPTOM, ANSWER))
        gate = asyncio.Semaphore(PAIRS_AT_ONCE)

        async def race(n: int) -> Dict[str, Any]:
            async with gate:
                sender = new_sender("pair")
                for i, text in enumerate(SETUP):  # the setup turns alternate between the replicas too
                    r = await _say(session, two if i % 2 == 0 else one, sender, text, f"s{i}")
                    if r.status != 200:
                        return {"sender": sender, "setup_failed": r.status, "replies": {}}
                t0 = time.perf_counter()
                a, b = await asyncio.gather(_say(session, one, sender, SYMPTOM, "p-symptom"),
                                            _say(session, two, sender, ANSWER, "p-answer"))
                return {"sender": sender, "replies": {SYMPTOM: a, ANSWER: b}, "seconds": time.perf_counter() - t0}

        races = await asyncio.gather(*(race(n) for n in range(PAIRS)))
    return refs, alike, list(races)


def pairs(rc: RunningCluster) -> Dict[str, Any]:
    one, two = rc.replica_urls[:2]
    refs, alike, races = asyncio.run(asyncio.wait_for(_race_pairs(one, two), 600))
    events = read_events(rc.store, [r["sender"] for r in races])
    broken, samples = 0, []
    stored_once = form_once = as_sequential = both_200 = symptom_first = 0
    for r in races:
        evs = events[r["sender"]]
        if "setup_failed" in r:
            problems = [f"a setup turn failed: HTTP {r['setup_failed']}"]
        else:
            problems = judge_pair(evs, r["replies"], refs)
            both_200 += all(x.status == 200 for x in r["replies"].values())
        texts = [t for t, _ in stored_turns(evs)]
        stored_once += texts.count(SYMPTOM) == 1 and texts.count(ANSWER) == 1
        form_once += form_starts(evs) == 1
        as_sequential += not any("differ" in p or "stored" in p for p in problems)
        if SYMPTOM in texts and ANSWER in texts:
            symptom_first += texts.index(SYMPTOM) < texts.index(ANSWER)
        if problems:
            broken += 1
            if len(samples) < 5:
                samples.append(problems)
    slow = [r["seconds"] for r in races if "seconds" in r]
    return {"pairs": PAIRS, "at_once": PAIRS_AT_ONCE, "replicas_answer_alike": alike, "both_answered_200": both_200,
            "both_user_messages_stored_once": stored_once, "interview_started_once": form_once,
            "stored_and_answered_as_one_at_a_time": as_sequential, "broken": broken,
            "stored_symptom_first": symptom_first, "stored_answer_first": PAIRS - symptom_first,
            "pair_p50_ms": ms(percentile(slow, 50)), "pair_p95_ms": ms(percentile(slow, 95)),
            "broken_samples": samples}


PAIR_ROWS = [
    ("pairs (4 racing at a time), each: 2 messages at the same instant to 2 replicas", lambda r: r["pairs"]),
    ("both answered 200", lambda r: r["both_answered_200"]),
    ("both user messages stored exactly once", lambda r: r["both_user_messages_stored_once"]),
    ("interview started once", lambda r: r["interview_started_once"]),
    ("stored and answered as in a one-at-a-time run", lambda r: r["stored_and_answered_as_one_at_a_time"]),
    ("stored order: symptom first / answer first",
     lambda r: f"{r['stored_symptom_first']} / {r['stored_answer_first']}"),
    ("broken pairs", lambda r: r["broken"]),
    ("both replies in, p50 / p95 (ms)", lambda r: f"{r['pair_p50_ms']} / {r['pair_p95_ms']}"),
]


# ---------------------------------------------------------------- 3. faults under load through haproxy


def fault_phases(rc: RunningCluster) -> Dict[str, Any]:
    c = rc.cluster
    refs = asyncio.run(reference(rc.url))

    def kill(replica: str, which: str, label: str) -> Callable[[], Dict[str, float]]:
        def inject() -> Dict[str, float]:
            t = time.monotonic()
            proc = c.stacks[replica].services[which].proc
            os.killpg(proc.pid, signal.SIGKILL)
            back = rc.wait_line(f"{replica}: {label} restarted and ready", t, timeout=300)
            return {"recovered": back, "down_s": back - t}
        return inject

    def restart(daemon: Any, down_for: float) -> Callable[[], Dict[str, float]]:
        # a planned restart: supervision pauses meanwhile (its keeper would start the daemon again after 1 s)
        def inject() -> Dict[str, float]:
            rc.pause()
            try:
                daemon.stop()
                t_down = time.monotonic()
                time.sleep(down_for)
                daemon.start()
                t_up = time.monotonic()
            finally:
                rc.resume()
            return {"recovered": rc.wait_all_up(), "down_s": t_up - t_down}
        return inject

    plan = [("kill -9 replica 1's Rasa server", kill("replica 1", "rasa", "Rasa server")),
            ("kill -9 replica 2's action server", kill("replica 2", "actions", "action server")),
            (f"PostgreSQL restart, down {PG_SHORT:g} s", restart(c.postgres, PG_SHORT)),
            (f"PostgreSQL restart, down {PG_LONG:g} s", restart(c.postgres, PG_LONG)),
            (f"Redis restart, down {REDIS_DOWN:g} s (locks lost)", restart(c.redis, REDIS_DOWN))]
    out = []
    for n, (name, inject) in enumerate(plan):
        rc.wait_all_up()
        balancer_log = LogWatch([c.balancer.log])
        phase = asyncio.run(faults._phase(rc.url, refs, f"cluster{n}", inject,
                                          emergency_resend_for=EMERGENCY_RESEND_FOR))
        summary = faults._summary(name, phase, rc.store)
        summary["down_s"] = round(phase["timing"]["down_s"], 1)
        summary["haproxy_failed_requests"] = haproxy_failures(balancer_log.new())
        out.append(summary)
        print(f"  {name}: done", flush=True)
    return {"faults": out, "supervisor_lines": [line for _, line in rc.lines]}


def haproxy_failures(text: str) -> Dict[str, int]:
    """haproxy's log lines of failed requests (ops/haproxy_config.py's format: frontend, backend/server,
    status, termination state, timers, method, path), counted by method, status and termination state."""
    out: Dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0] == "legcare" and parts[2].lstrip("-").isdigit():
            key = f"{parts[5].strip(chr(34))} {parts[2]} {parts[3]} ({parts[1]})"
            out[key] = out.get(key, 0) + 1
    return out


EXTRA_FAULT_ROWS = [("down for (s): the process killed / the daemon stopped", "down_s"),
                    ("emergencies escalated at the first try (all)", "emergencies_escalated_first_try")]


def faults_markdown(res: Dict[str, Any]) -> str:
    text = faults.markdown(res).replace("while Rasa up", f"while a replica up (resent for up to "
                                                         f"{EMERGENCY_RESEND_FOR:g} s)")
    text = text.replace("no answer (server down)", "no answer (refused, reset)")
    rows = [f"| {label} | " + " | ".join(str(f[key]) for f in res["faults"]) + " |" for label, key in EXTRA_FAULT_ROWS]
    return text + "\n" + "\n".join(rows)


# ---------------------------------------------------------------- 4. throughput


def throughput(rc: RunningCluster, replicas: int) -> List[Dict[str, Any]]:
    rows = []
    for n in THROUGHPUT:
        r = load.measure(rc.url, rc.store, rc.logs, n)
        rows.append({"replicas": replicas, "conversations": n, "turns": r["turns_sent"],
                     "throughput_msg_s": r["throughput_msg_s"], "p50_ms": r["p50_ms"], "p95_ms": r["p95_ms"],
                     "responses_5xx": r["responses_5xx"], "no_answer": r["no_answer"], "lost": r["lost"],
                     "duplicated": r["duplicated"], "reordered": r["reordered"]})
        print(f"  {replicas} replica(s), {n} conversations: {r['throughput_msg_s']} messages/s", flush=True)
    return rows


def throughput_markdown(rows: List[Dict[str, Any]]) -> str:
    out = ["| replicas | conversations at once | turns | messages/s | p50 / p95 (ms) | 5xx / no answer | "
           "lost / duplicated / reordered |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        out.append(f"| {r['replicas']} | {r['conversations']} | {r['turns']} | {r['throughput_msg_s']} | "
                   f"{r['p50_ms']} / {r['p95_ms']} | {r['responses_5xx']} / {r['no_answer']} | "
                   f"{r['lost']} / {r['duplicated']} / {r['reordered']} |")
    return "\n".join(out)


# ---------------------------------------------------------------- the whole part


def run(model: Path) -> Dict[str, Any]:
    results: Dict[str, Any] = {}
    t0 = time.perf_counter()
    print("  starting the cluster: PostgreSQL, Redis, haproxy, 2 replicas...", flush=True)
    with RunningCluster(model, 2) as rc:
        results["started_s"] = round(time.perf_counter() - t0, 1)
        print(f"  pairs: {PAIRS} same-instant pairs on two replicas...", flush=True)
        results["pairs"] = pairs(rc)
        print(f"  load: {LOAD_CONVERSATIONS} conversations x 8 turns through haproxy...", flush=True)
        before = rc.served()
        results["load"] = load.measure(rc.url, rc.store, rc.logs, LOAD_CONVERSATIONS)
        after = rc.served()
        results["load"]["requests_per_replica"] = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        print("  throughput with 2 replicas...", flush=True)
        results["throughput"] = throughput(rc, 2)
        print("  faults under load through haproxy (about 5 minutes)...", flush=True)
        results["faults"] = fault_phases(rc)
        results["logs"] = log_findings(rc.logs.new(), [])
    print("  starting a cluster of 1 replica...", flush=True)
    with RunningCluster(model, 1) as rc:
        results["throughput"] = throughput(rc, 1) + results["throughput"]
    results["seconds"] = round(time.perf_counter() - t0, 1)
    return results


def checks(r: Dict[str, Any]) -> List[Tuple[str, bool]]:
    p, ld = r["pairs"], r["load"]
    out = [("cluster, pairs: >= 60 same-instant pairs, 0 broken", p["pairs"] >= 60 and p["broken"] == 0),
           ("cluster, load: every turn answered 200", ld["answered_200"] == ld["turns_sent"]),
           ("cluster, load: 0 lost, duplicated, reordered (PostgreSQL)",
            ld["lost"] == ld["duplicated"] == ld["reordered"] == 0 and ld["stored"] == ld["turns_sent"]),
           ("cluster, load: 0 5xx", ld["responses_5xx"] == 0),
           ("cluster, load: both replicas served", len([v for v in ld["requests_per_replica"].values() if v]) >= 2)]
    for f in r["faults"]["faults"]:
        name = f["fault"]
        out += [(f"cluster faults, {name}: every 200 stored once, in order",
                 f["lost"] == f["duplicated"] == f["reordered"] == 0),
                (f"cluster faults, {name}: every other turn an honest JSON error",
                 f["bad_200"] == f["bare_errors"] == f["no_answer_server_down"] == f["timeouts"] == 0),
                (f"cluster faults, {name}: conversations finished",
                 f["conversations_completed"] == f["conversations"]),
                (f"cluster faults, {name}: emergencies escalated while a replica up",
                 f["escalated_while_rasa_up"] == f["emergencies_sent_while_rasa_up"])]
    for t in r["throughput"]:
        out.append((f"cluster throughput, {t['replicas']} replica(s) x {t['conversations']}: 0 5xx, 0 lost",
                    t["responses_5xx"] == t["no_answer"] == t["lost"] == t["duplicated"] == t["reordered"] == 0))
    return out


def markdown(r: Dict[str, Any]) -> str:
    parts = [table("Cluster: same-instant pairs on two replicas (directly, no haproxy)",
                   [(label, f(r["pairs"])) for label, f in PAIR_ROWS]),
             table("Cluster: load through haproxy (2 replicas)",
                   [(label, f(r["load"])) for label, f in load.ROWS]
                   + [("requests per replica", ", ".join(f"{k}: {v}"
                                                          for k, v in r["load"]["requests_per_replica"].items()))]),
             "\n## Cluster: faults under load through haproxy (2 replicas)\n\n" + faults_markdown(r["faults"]),
             "\n## Cluster: throughput through haproxy\n\n" + throughput_markdown(r["throughput"])]
    return "\n".join(parts)
