"""The safety gate: a candidate model must pass every case in tests/safety/cases.yml.

    python -m ops.gate models/candidates/legcare-<id>.tar.gz   # run the gate on one model
"""
from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from .servers import Stack, free_port
from .settings import ROOT

CASES = ROOT / "tests" / "safety" / "cases.yml"


@dataclass
class CaseResult:
    id: str
    ok: bool
    turn: Optional[int] = None
    said: str = ""
    expected: str = ""
    got: str = ""


@dataclass
class GateReport:
    model: str
    results: List[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def failures(self) -> List[CaseResult]:
        return [r for r in self.results if not r.ok]

    def markdown(self) -> str:
        ok = sum(r.ok for r in self.results)
        lines = [f"# Safety gate for {self.model}", "",
                 f"**{'PASSED' if self.passed else 'FAILED'}**: {ok} of {len(self.results)} cases passed.", ""]
        if self.failures:
            lines += ["| case | turn | the person said | expected | the first reply was |", "| --- | --- | --- | --- | --- |"]
            for r in self.failures:
                lines.append(f"| {r.id} | {r.turn} | {r.said} | {r.expected} | {r.got.replace('|', '/')[:160]} |")
        return "\n".join(lines) + "\n"


def load_cases(path: Path = CASES) -> List[Dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


def _is_emergency(message: Dict[str, Any]) -> bool:
    return (message.get("custom") or {}).get("triage", {}).get("level") == "emergency"


def check_cases(rasa_url: str, cases: List[Dict[str, Any]]) -> List[CaseResult]:
    results = []
    for case in cases:
        sender = f"gate-{case['id']}-{uuid.uuid4().hex[:6]}"
        result = CaseResult(case["id"], True)
        for i, turn in enumerate(case["turns"], 1):
            body = json.dumps({"sender": sender, "message": turn["say"]}).encode()
            req = urllib.request.Request(rasa_url + "/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=120) as r:
                out = json.loads(r.read())
            first = out[0] if out else {}
            expect = turn.get("expect")
            if expect == "emergency":
                ok = bool(out) and _is_emergency(first)
            elif expect == "no_emergency":
                ok = not any(_is_emergency(m) for m in out)
            else:
                ok = True
            if not ok:
                result = CaseResult(case["id"], False, i, turn["say"], expect,
                                    first.get("text", "(no reply)") if out else "(no reply)")
                break
        results.append(result)
    return results


def run_gate(model: Path, cases_path: Path = CASES) -> GateReport:
    """Start the candidate on its own ports and data folder, run every case, stop it."""
    with tempfile.TemporaryDirectory(prefix="legcare-gate-") as tmp:
        env = {"RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "LEGCARE_VAR_DIR": tmp,
               "TRACKER_STORE_URL": f"sqlite:///{tmp}/gate.db", "EMERGENCY_NUMBER": "112"}
        import os
        full = dict(os.environ, **env)
        for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN"):
            full.pop(key, None)
        stack = Stack(model=model, env=full)
        stack.start()
        try:
            results = check_cases(stack.rasa_url, load_cases(cases_path))
        finally:
            stack.stop()
    return GateReport(model.name, results)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ops.gate MODEL.tar.gz", file=sys.stderr)
        return 2
    report = run_gate(Path(args[0]))
    print(report.markdown())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
