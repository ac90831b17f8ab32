"""Conversation review: turn real conversations into draft training data.

    python -m legcare review export [--since 2026-11-01] [--until 2026-11-30]
                                    [--only fallback,low_confidence,escalation,screened]
                                    [--db sqlite:///var/tracker.db] [--out reports/review]

Reads the tracker store (any SQLAlchemy URL; default TRACKER_STORE_URL or
var/tracker.db), keeps the user messages the assistant struggled with or
escalated, redacts names, numbers and e-mail addresses, and writes:
  nlu_drafts.yml      examples under `intent: TODO_...` for an educator to sort
  stories_drafts.yml  the conversations as draft stories
Replace every TODO with a real intent (see docs/educators.md), move the
examples into data/nlu/, then `make validate`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

ROOT = Path(__file__).resolve().parent.parent
LOW_CONFIDENCE = 0.6
KINDS = ("fallback", "low_confidence", "escalation", "screened")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{5,}\d)(?!\w)")
NUMBER = re.compile(r"\b\d{3,}\b")
NAME_AFTER = re.compile(r"\b((?i:my name is|i am called|i'm called|call me|this is|name's|my (?:wife|husband|son|"
                        r"daughter|mum|mom|dad|father|mother|partner|friend|brother|sister|carer|doctor|gp|nurse)))"
                        r"\s+(?:(?i:dr)\.?\s+)?([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)")
CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,})\b")
KEEP_CAPITALISED = {"I", "I'm", "I've", "I'd", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday", "January", "February", "March", "April", "May", "June", "July", "August",
                    "September", "October", "November", "December", "Christmas", "English", "PAD", "MS", "TIA",
                    "GP", "Covid", "COVID"}


def conversation_tag(sender: str) -> str:
    """A short, stable tag for a conversation (not the id itself)."""
    return hashlib.sha256(sender.encode()).hexdigest()[:8]


def redact(text: str, known_words: Iterable[str] = ()) -> str:
    """Remove e-mail addresses, phone and other long numbers, and names (and control characters)."""
    from .extract import normalize_text
    text = normalize_text(text)
    known = {w.lower() for w in known_words}
    text = EMAIL.sub("[EMAIL]", text)
    text = PHONE.sub(lambda m: "[NUMBER]" if sum(c.isdigit() for c in m.group(1)) >= 6 else m.group(0), text)
    text = NUMBER.sub("[NUMBER]", text)
    text = NAME_AFTER.sub(lambda m: f"{m.group(1)} [NAME]", text)

    def name(m: re.Match) -> str:
        word = m.group(1)
        if word in KEEP_CAPITALISED or word.lower() in known:
            return word
        return "[NAME]"
    return CAPITALISED.sub(name, text)


def _engine_words() -> List[str]:
    try:
        from .engine import get_engine
        kb = get_engine().kb
    except Exception:
        return []
    words: List[str] = []
    for table in (kb.symptoms, kb.risk_factors):
        for t in table.values():
            words += [w for p in t.phrases for w in p.split()]
    for c in kb.conditions.values():
        words += [w for a in (c.name, *c.aliases) for w in a.replace("(", " ").replace(")", " ").split()]
    return words


def read_events(db_url: str, since: Optional[dt.datetime], until: Optional[dt.datetime]) -> Dict[str, List[dict]]:
    """Events per conversation from Rasa's SQL tracker store."""
    import sqlalchemy as sa
    engine = sa.create_engine(db_url)
    query = "SELECT sender_id, type_name, timestamp, data FROM events"
    clauses, params = [], {}
    if since:
        clauses.append("timestamp >= :since")
        params["since"] = since.timestamp()
    if until:
        clauses.append("timestamp < :until")
        params["until"] = until.timestamp()
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    query += " ORDER BY id"
    out: Dict[str, List[dict]] = defaultdict(list)
    with engine.connect() as conn:
        for sender, type_name, ts, data in conn.execute(sa.text(query), params):
            event = json.loads(data) if data else {}
            event.setdefault("event", type_name)
            event["timestamp"] = ts
            out[sender].append(event)
    engine.dispose()
    return out


def select_turns(conversations: Dict[str, List[dict]], kinds: Iterable[str]) -> List[Dict[str, Any]]:
    """User messages of the wanted kinds, with what the assistant did next."""
    kinds = set(kinds)
    picked = []
    for sender, events in conversations.items():
        for i, e in enumerate(events):
            if e.get("event") != "user" or not e.get("text") or e["text"].startswith("/"):
                continue
            intent = (e.get("parse_data") or {}).get("intent") or {}
            name, conf = intent.get("name"), intent.get("confidence") or 0.0
            after: List[str] = []
            steps: List[Dict[str, Any]] = []
            for nxt in events[i + 1:]:
                if nxt.get("event") == "user":
                    break
                if nxt.get("event") == "action" and nxt.get("name") not in (None, "action_listen"):
                    after.append(nxt["name"])
                    steps.append({"action": nxt["name"]})
                elif nxt.get("event") == "active_loop":
                    steps.append({"active_loop": nxt.get("name")})
            why = []
            if name == "nlu_fallback" or {"utter_default", "action_default_fallback"} & set(after):
                why.append("fallback")
            elif conf < LOW_CONFIDENCE:
                why.append("low_confidence")
            if name == "emergency" or "utter_emergency" in after:
                why.append("escalation")
            if name == "emergency_screen" or "utter_screen" in after:
                why.append("screened")  # the engine was unsure: worth an educator's look
            if set(why) & kinds:
                picked.append({"sender": sender, "text": e["text"], "intent": name, "confidence": round(conf, 2),
                               "why": why, "actions": after, "steps": steps, "timestamp": e.get("timestamp")})
    return picked


def write_drafts(turns: List[Dict[str, Any]], out: Path, known_words: Iterable[str] = ()) -> Dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    known_words = list(known_words)
    by_intent: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for t in turns:
        by_intent[t["intent"] or "unknown"].append(t)
    lines = ["version: \"3.1\"",
             "# Draft NLU examples from real conversations (redacted). For each block, replace",
             "# TODO_... with the right intent, delete examples that should not be learnt, then",
             "# move the block into data/nlu/ and run `make validate`.",
             "nlu:"]
    seen = set()
    for intent, items in sorted(by_intent.items()):
        examples = []
        for t in items:
            text = " ".join(redact(t["text"], known_words).split())
            if text.lower() in seen or not text:
                continue
            seen.add(text.lower())
            examples.append(f"    - {text}")
        if not examples:
            continue
        why = sorted({w for t in items for w in t["why"]})
        lines.append(f"- intent: TODO_{'was_' + intent if intent else 'unknown'}  # understood as '{intent}'; "
                     f"{', '.join(why)}")
        lines.append("  examples: |")
        lines += examples
    nlu = out / "nlu_drafts.yml"
    nlu.write_text("\n".join(lines) + "\n", encoding="utf-8")

    story_lines = ["version: \"3.1\"",
                   "# Draft stories from real conversations. Check each step, replace TODO_... intents,",
                   "# keep only the stories worth teaching, move them into data/stories/.",
                   "stories:"]
    per_sender: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for t in turns:
        per_sender[t["sender"]].append(t)
    for n, (sender, items) in enumerate(per_sender.items(), 1):
        story_lines.append(f"- story: review {n} conversation {conversation_tag(sender)} "
                           f"({', '.join(sorted({w for t in items for w in t['why']}))})")
        story_lines.append("  steps:")
        for t in items:
            story_lines.append(f"  - intent: TODO_{'was_' + t['intent'] if t['intent'] else 'unknown'}")
            for step in t["steps"]:
                if "action" in step:
                    story_lines.append(f"  - action: {step['action']}")
                else:
                    story_lines.append(f"  - active_loop: {step['active_loop'] or 'null'}")
    stories = out / "stories_drafts.yml"
    stories.write_text("\n".join(story_lines) + "\n", encoding="utf-8")
    return {"nlu": nlu, "stories": stories}


def _date(value: Optional[str]) -> Optional[dt.datetime]:
    if not value:
        return None
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc) if "T" not in value else \
        dt.datetime.fromisoformat(value)


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m legcare review export [options]`; the CLI has already read the word `export`."""
    ap = argparse.ArgumentParser(prog="python -m legcare review export")
    ap.add_argument("--since", help="first day, e.g. 2026-11-01")
    ap.add_argument("--until", help="day after the last, e.g. 2026-12-01")
    ap.add_argument("--only", default=",".join(KINDS), help="comma list of: " + ", ".join(KINDS))
    ap.add_argument("--db", default=os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{ROOT / 'var' / 'tracker.db'}")
    ap.add_argument("--out", default=str(ROOT / "reports" / "review"))
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        ap.error(f"unknown kind(s) {bad}; use {', '.join(KINDS)}")
    try:
        conversations = read_events(args.db, _date(args.since), _date(args.until))
    except Exception as exc:
        print(f"error: could not read the tracker store at {args.db.split('@')[-1]}: {exc}")
        return 1
    turns = select_turns(conversations, kinds)
    files = write_drafts(turns, Path(args.out), _engine_words())
    print(f"{len(turns)} message(s) from {len({t['sender'] for t in turns})} conversation(s) "
          f"({', '.join(kinds)}) written to:")
    for f in files.values():
        print(f"  {f}")
    return 0
