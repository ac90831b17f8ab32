"""Shared pieces of the reliability suite: conversations, HTTP client, stored turns, logs, tables."""
from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import aiohttp
import yaml

from ops.settings import ROOT

RESULTS = ROOT / "bench" / "results"
REST = "/webhooks/rest/webhook"
CLIENT_TIMEOUT = 30.0  # a turn not answered within this many seconds counts as a hang

# Realistic 8-turn conversations: a symptom, the emergency screen answered, the interview's questions,
# an education question and a goodbye (each answer fits the question the assistant asks at that point).
SCRIPTS: List[List[str]] = [
    ["hello", "my legs have felt weak for a week", "no", "gradually", "no", "no", "what exercises can I do?",
     "thanks"],
    ["my knees give way when I climb stairs", "no, none of those", "gradually over months", "two months", "no",
     "what could cause this?", "what can I do at home?", "thank you"],
    ["hi", "both my legs feel heavy and tired in the evening", "gradually", "a few weeks", "no", "no",
     "should I see a doctor?", "ok thanks"],
    ["my left leg has been weak for three days", "no", "slowly", "yes", "no", "is it serious?",
     "how do I stretch my legs?", "bye"],
]
EMERGENCY = "my face is drooping and my left arm went weak suddenly"
ACTION_UNAVAILABLE = "can't look that up right now"


def _variants() -> Dict[str, str]:
    """Text -> response name, for the responses that have several wordings (Rasa picks one at random)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    out = {}
    for name, variants in (domain.get("responses") or {}).items():
        if len(variants) > 1:
            for v in variants:
                if isinstance(v, dict) and v.get("text"):
                    out[v["text"].strip()] = f"<{name}>"
    return out


_VARIANTS = _variants()


def canonical(messages: Any) -> Tuple[str, ...]:
    """A reply list as comparable text (random wordings of one response read as the response's name)."""
    out = []
    for m in messages if isinstance(messages, list) else []:
        text = (m.get("text") or "").strip() if isinstance(m, dict) else repr(m)
        out.append(_VARIANTS.get(text, text))
    return tuple(out)


def is_emergency(messages: Any) -> bool:
    return isinstance(messages, list) and any(
        isinstance(m, dict) and ((m.get("custom") or {}).get("triage") or {}).get("level") == "emergency"
        for m in messages)


def new_sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass
class Reply:
    status: int            # HTTP status; 0: no HTTP answer (refused, reset, timed out)
    body: Any
    seconds: float
    error: str = ""        # what went wrong without an HTTP answer


async def post_json(session: aiohttp.ClientSession, url: str, payload: Any, timeout: float = CLIENT_TIMEOUT,
                    headers: Optional[Dict[str, str]] = None) -> Reply:
    t0 = time.perf_counter()
    try:
        async with session.post(url, json=payload, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as r:
            raw = await r.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            return Reply(r.status, body, time.perf_counter() - t0)
    except asyncio.TimeoutError:
        return Reply(0, None, time.perf_counter() - t0, "timeout")
    except aiohttp.ClientError as exc:
        return Reply(0, None, time.perf_counter() - t0, type(exc).__name__)


def percentile(values: Sequence[float], p: float) -> Optional[float]:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[int(p) - 1]


def ms(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value * 1000, 1)


Store = Union[Path, str]  # a tracker store to read: an SQLite file, or an SQLAlchemy URL (PostgreSQL)


def read_events(store: Store, senders: Iterable[str], user_only: bool = False) -> Dict[str, List[Dict[str, Any]]]:
    """sender -> its stored events (as Rasa stored them), in the order they were stored (row id).

    `store`: the path of an SQLite tracker store (opened read-only) or the SQLAlchemy URL of any other
    (PostgreSQL for a cluster); the table is Rasa's `events`, as components/tracker_store.py writes it.
    """
    wanted = sorted(set(senders))
    out: Dict[str, List[Dict[str, Any]]] = {s: [] for s in wanted}
    where = "type_name = 'user' and " if user_only else ""
    if isinstance(store, Path):
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30) as c:
            rows = c.execute(f"select sender_id, data from events where {where}1 = 1 order by id").fetchall()
        rows = [(sender, data) for sender, data in rows if sender in out]
    else:
        import sqlalchemy as sa  # Rasa's dependency; only needed for a database server
        query = sa.text(f"select sender_id, data from events where {where}sender_id in :senders order by id"
                        ).bindparams(sa.bindparam("senders", expanding=True))
        engine = sa.create_engine(store, poolclass=sa.pool.NullPool)
        rows = []
        try:
            with engine.connect() as c:
                for i in range(0, len(wanted), 500):
                    rows += [tuple(r) for r in c.execute(query, {"senders": wanted[i:i + 500]})]
        finally:
            engine.dispose()
    for sender, data in rows:
        out[sender].append(json.loads(data))
    return out


def stored_user_turns(store: Store, senders: Iterable[str]) -> Dict[str, List[str]]:
    """sender -> the message ids of its stored user turns, in the order they were stored (row id)."""
    return {s: [e.get("message_id") for e in events]
            for s, events in read_events(store, senders, user_only=True).items()}


def stored_turns(events: List[Dict[str, Any]]) -> List[Tuple[str, Tuple[str, ...]]]:
    """A stored conversation as (user text, the bot replies after it as comparable text), turn by turn."""
    out: List[Tuple[str, List[Dict[str, Any]]]] = []
    for e in events:
        if e.get("event") == "user":
            out.append((e.get("text"), []))
        elif e.get("event") == "bot" and out:
            out[-1][1].append(e)
    return [(text, canonical(bots)) for text, bots in out]


def form_starts(events: List[Dict[str, Any]], form: str = "triage_form") -> int:
    """How many times the interview (the triage form) was started in a stored conversation."""
    return sum(1 for e in events if e.get("event") == "active_loop" and e.get("name") == form)


def client_session(limit: int = 100) -> aiohttp.ClientSession:
    """A client without cookies, as REST clients are: behind haproxy each request is balanced on its own
    (no stickiness cookie), so the turns of one conversation may reach different replicas."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit), cookie_jar=aiohttp.DummyCookieJar())


@dataclass
class Ledger:
    """Every turn a client sent, by conversation, to compare with the tracker store."""
    answered: Dict[str, List[str]] = field(default_factory=dict)   # sender -> message ids answered 200, in order
    attempted: Dict[str, List[str]] = field(default_factory=dict)  # sender -> message ids sent (any outcome)

    def sent(self, sender: str, message_id: str) -> None:
        ids = self.attempted.setdefault(sender, [])
        if message_id not in ids:
            ids.append(message_id)

    def ok(self, sender: str, message_id: str) -> None:
        ids = self.answered.setdefault(sender, [])
        if message_id not in ids:
            ids.append(message_id)

    def check(self, store: Store) -> Dict[str, int]:
        """Answered turns lost, stored twice or out of order; turns stored although not answered."""
        stored = stored_user_turns(store, self.attempted)
        lost = duplicated = reordered = stored_total = unanswered_stored = 0
        for sender, attempted in self.attempted.items():
            ids = stored[sender]
            stored_total += len(ids)
            answered = self.answered.get(sender, [])
            for mid in answered:
                n = ids.count(mid)
                lost += n == 0
            duplicated += len(ids) - len(set(ids))
            order = [attempted.index(m) for m in ids if m in attempted]
            reordered += sum(1 for a, b in zip(order, order[1:]) if b < a)
            unanswered_stored += len({m for m in ids if m not in answered})
        return {"answered": sum(len(v) for v in self.answered.values()), "stored": stored_total,
                "lost": lost, "duplicated": duplicated, "reordered": reordered,
                "stored_without_a_200": unanswered_stored}


class LogWatch:
    """What the servers write to their logs from now on."""

    def __init__(self, paths: Iterable[Path]):
        self.paths = list(paths)
        self.start = {p: (p.stat().st_size if p.exists() else 0) for p in self.paths}

    def new(self) -> str:
        out = []
        for p in self.paths:
            if p.exists():
                with open(p, "rb") as f:
                    f.seek(self.start.get(p, 0))
                    out.append(f.read().decode(errors="replace"))
        return "\n".join(out)


def log_findings(text: str, markers: Iterable[str] = ()) -> Dict[str, int]:
    markers = list(markers)
    lines = text.splitlines()
    exceptions: Dict[str, int] = {}
    for i, ln in enumerate(lines):
        if "Traceback (most recent call last)" in ln:
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            if j < len(lines):
                name = lines[j].split(":", 1)[0][:80]
                where = next((lines[k].strip()[:120] for k in range(j - 1, i, -1) if lines[k].startswith("  File")), "")
                key = f"{name} at {where}"
                exceptions[key] = exceptions.get(key, 0) + 1
    return {"log_lines": len(lines), "exceptions": exceptions,
            "tracebacks": sum("Traceback (most recent call last)" in ln for ln in lines),
            "message_text_in_logs": sum(1 for ln in lines if any(m in ln for m in markers)),
            "marker_samples": [ln[max(0, min(ln.find(m) for m in markers if m in ln) - 120):][:240]
                               for ln in lines if any(m in ln for m in markers)][:10],
            "errors_logged": sum(bool(re.search(r"\bERROR\b", ln)) for ln in lines)}


def table(title: str, rows: List[Tuple[str, Any]]) -> str:
    width = max(len(k) for k, _ in rows)
    out = [f"\n## {title}", "", f"| {'measure':<{width}} | value |", f"| {'-' * width} | --- |"]
    out += [f"| {k:<{width}} | {v} |" for k, v in rows]
    return "\n".join(out)


def write_results(name: str, data: Dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def clean_env(**extra: str) -> Dict[str, str]:
    """This process's environment without deployment settings that would leak into an isolated stack."""
    env = dict(os.environ)
    for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "TRACKER_STORE_URL", "TELEGRAM_TOKEN",
                "SLACK_BOT_TOKEN", "BIND_HOST", "ACTION_SERVER_SECRET", "RASA_CORS", "CORS_ORIGINS",
                "SOCKETIO_SESSION_SECRET", "HTTP_READ_TIMEOUT", "HTTP_MAX_BODY_BYTES", "LIVENESS_INTERVAL",
                "LIVENESS_TIMEOUT", "LIVENESS_FAILURES", "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD",
                "REDIS_DB", "REDIS_TLS"):
        env.pop(key, None)
    env.update(extra)
    return env
