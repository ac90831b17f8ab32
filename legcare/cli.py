"""Command line: ``python -m legcare assess --json "TEXT"`` and friends."""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from .knowledge import KnowledgeError


def _print_human(result: dict) -> None:
    tri = result["triage"]
    print(f"Care level: {tri['level'] or 'none yet'}" + (f" - {tri['timeframe']}" if tri["timeframe"] else ""))
    screen = result.get("screen") or {}
    if screen.get("needed"):
        print("Ask first (emergency screen): " + " ".join(q["ask"] for q in screen.get("questions", [])))
        for reason in screen.get("reasons", []):
            print(f"  because: {reason}")
    for reason in tri["reasons"]:
        print(f"  why: {reason}")
    print(f"Symptoms: {', '.join(result['symptoms']) or '-'}")
    if result["negated"]:
        print(f"Not present: {', '.join(result['negated'])}")
    print(f"Side: {result['side'] or '-'}   Onset: {result['onset'] or '-'}   "
          f"Duration: {(result['duration'] or {}).get('text', '-')}")
    if result["risk_factors"]:
        print(f"Risk factors: {', '.join(result['risk_factors'])}")
    if result["causes"]:
        print("Possible causes (not a diagnosis):")
        for c in result["causes"]:
            print(f"  {c['score']:.2f}  {c['name']}: {'; '.join(c['why'])}  [{', '.join(c['sources'])}]")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m legcare", description="Leg-weakness triage engine")
    sub = parser.add_subparsers(dest="command", required=True)
    p_assess = sub.add_parser("assess", help="assess a message")
    p_assess.add_argument("text", nargs="?", help="the message (omit with --jsonl)")
    p_assess.add_argument("--json", action="store_true", help="print one JSON object")
    p_assess.add_argument("--jsonl", action="store_true", help="read one text per line from stdin, print JSON lines")
    sub.add_parser("check", help="load and check the knowledge base")
    review = sub.add_parser("review", help="conversation review tools")
    review.add_argument("action", choices=["export"])
    args, rest = parser.parse_known_args(argv)

    try:
        from .engine import Engine
        if args.command == "check":
            from .knowledge import load
            kb = load()
            print(f"knowledge OK: {len(kb.conditions)} conditions, {len(kb.symptoms)} symptoms, "
                  f"{len(kb.red_flags)} red flags, {len(kb.exercises)} exercises")
            return 0
        if args.command == "review":
            from .review import main as review_main
            return review_main(rest)
        if rest:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        from .reading.detector import for_tools
        engine = Engine(detector=for_tools())
    except KnowledgeError as exc:
        print(f"knowledge error: {exc}", file=sys.stderr)
        return 2

    if args.jsonl:
        out = sys.stdout
        for line in sys.stdin:
            text = line.rstrip("\n")
            out.write(json.dumps(engine.assess(text), ensure_ascii=False) + "\n")
        out.flush()
        return 0
    if args.text is None:
        parser.error("give the TEXT to assess, or use --jsonl")
    result = engine.assess(args.text)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        _print_human(result)
    return 0
