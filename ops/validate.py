"""`make validate`: check training data and knowledge, in words an educator understands.

Each problem names the file and line and says what to do. Runs the
project's own checks first (fast, precise), then Rasa's `rasa data validate`.
Exit code 0 means everything is fine.
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from legcare.knowledge import KnowledgeError, load, read_yaml

from .settings import ROOT, VENV_BIN, resolved

BUILTIN_INTENTS = {"nlu_fallback", "restart", "session_start", "back", "out_of_scope"}
BUILTIN_ACTIONS = {"action_listen", "action_restart", "action_session_start", "action_default_fallback",
                   "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
                   "action_default_ask_rephrase", "action_two_stage_fallback", "action_back",
                   "action_unlikely_intent", "action_extract_slots", "...", "action_validate_slot_mappings"}
EMERGENCY_INTENT = "emergency"
EMERGENCY_REPLY = "utter_emergency"


@dataclass
class Problem:
    file: str
    line: Optional[int]
    message: str

    def __str__(self) -> str:
        return f"{self.file}{':' + str(self.line) if self.line else ''}: {self.message}"


def _rel(path: Path, root: Path = ROOT) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _yaml(path: Path, problems: List[Problem], root: Path = ROOT):
    try:
        return read_yaml(path)
    except KnowledgeError as exc:
        problems.append(Problem(_rel(path, root), exc.line, exc.args[0].split(": ", 1)[-1]
                                + " (check the indentation and that every quote and bracket is closed)"))
        return None


def _domain(root: Path, problems: List[Problem]) -> Tuple[Set[str], Set[str], Set[str]]:
    doc = _yaml(root / "domain.yml", problems, root) or {}
    intents = {i if isinstance(i, str) else next(iter(i)) for i in doc.get("intents") or []}
    actions = set(doc.get("actions") or []) | set((doc.get("responses") or {}).keys())
    forms = set((doc.get("forms") or {}).keys())
    return intents, actions | forms, forms


def _example_lines(path: Path) -> Dict[str, int]:
    lines = {}
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r"\s*-\s+(.*)$", text)
        if m:
            lines.setdefault(m.group(1).strip().lower(), n)
    return lines


def read_training_files(root: Path, folders: Iterable[str], problems: List[Problem]) -> Dict[Path, object]:
    """Every YAML file under the folders, parsed once (a broken file is reported once)."""
    return {path: _yaml(path, problems, root) for folder in folders for path in sorted((root / folder).rglob("*.yml"))}


def check_nlu(root: Path, docs: Dict[Path, object], intents: Set[str], problems: List[Problem]) -> None:
    seen: Dict[str, Tuple[str, Path, int]] = {}
    for path, doc in docs.items():
        if not isinstance(doc, dict) or not doc.get("nlu"):
            continue
        where = _example_lines(path)
        for block in doc["nlu"]:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            intent = block["intent"]
            if intent not in intents:
                problems.append(Problem(_rel(path, root), getattr(block, "line", None),
                                        f"the intent '{intent}' is not listed in domain.yml under 'intents'. "
                                        "Add it there, or fix the spelling."))
            for raw in (block.get("examples") or "").splitlines():
                ex = raw.strip()[2:].strip() if raw.strip().startswith("- ") else ""
                if not ex:
                    continue
                key = re.sub(r"\s+", " ", ex.lower())
                line = where.get(ex.lower())
                if key in seen and seen[key][0] != intent:
                    other_intent, other_path, other_line = seen[key]
                    problems.append(Problem(_rel(path, root), line,
                                            f"the example \"{ex}\" is under '{intent}' here and under "
                                            f"'{other_intent}' in {_rel(other_path, root)}:{other_line}. "
                                            "An example can only teach one intent: keep it in one place."))
                elif key in seen:
                    problems.append(Problem(_rel(path, root), line, f"the example \"{ex}\" is written twice under "
                                                              f"'{intent}'; remove one."))
                else:
                    seen[key] = (intent, path, line or 0)


def _steps(doc: dict, kind: str) -> Iterable[Tuple[str, List[dict], Optional[int]]]:
    for item in doc.get(kind) or []:
        if isinstance(item, dict):
            name = item.get("story") or item.get("rule") or "?"
            yield name, [s for s in item.get("steps") or [] if isinstance(s, dict)], getattr(item, "line", None)


def check_stories(root: Path, docs: Dict[Path, object], intents: Set[str], actions: Set[str], forms: Set[str],
                  problems: List[Problem]) -> None:
    for path, doc in docs.items():
        if not isinstance(doc, dict):
            continue
        for kind in ("stories", "rules"):
            for name, steps, line in _steps(doc, kind):
                what = "story" if kind == "stories" else "rule"
                for i, step in enumerate(steps):
                    sline = getattr(step, "line", line)
                    if "intent" in step and step["intent"] not in intents | BUILTIN_INTENTS:
                        problems.append(Problem(_rel(path, root), sline,
                                                f"{what} '{name}' uses the intent '{step['intent']}', which "
                                                "is not listed in domain.yml. Fix the spelling, or add the "
                                                "intent (with examples)."))
                    if "action" in step and step["action"] not in actions | BUILTIN_ACTIONS:
                        problems.append(Problem(_rel(path, root), sline,
                                                f"{what} '{name}' uses the action or response "
                                                f"'{step['action']}', which is not listed in domain.yml."))
                    if "active_loop" in step and step["active_loop"] not in forms | {None}:
                        problems.append(Problem(_rel(path, root), sline, f"{what} '{name}' uses the form "
                                                                   f"'{step['active_loop']}', which is not listed "
                                                                   "in domain.yml."))
                    if step.get("intent") == EMERGENCY_INTENT:
                        nxt = steps[i + 1] if i + 1 < len(steps) else None
                        if nxt is not None and nxt.get("action") != EMERGENCY_REPLY:
                            got = nxt.get("action") or nxt.get("intent") or "something else"
                            problems.append(Problem(
                                _rel(path, root), getattr(nxt, "line", sline),
                                f"{what} '{name}' contradicts the emergency rule: after the intent "
                                f"'emergency' the first reply must be '{EMERGENCY_REPLY}', but here it is "
                                f"'{got}'. Put '- action: {EMERGENCY_REPLY}' right after the emergency."))


def check_knowledge(problems: List[Problem]) -> Optional[object]:
    try:
        return load()
    except KnowledgeError as exc:
        problems.append(Problem(f"knowledge/{exc.file}", exc.line, exc.args[0].split(": ", 1)[-1]))
        return None


def check_safety_cases(root: Path, kb, problems: List[Problem]) -> None:
    if kb is None:
        return
    path = root / "tests" / "safety" / "cases.yml"
    doc = _yaml(path, problems, root) or {}
    covered = {f for c in doc.get("cases") or [] for f in c.get("flags") or []}
    for rule in kb.red_flags:
        if rule.level == "emergency" and rule.id not in covered:
            problems.append(Problem(_rel(path, root), None, f"no safety case covers the red flag '{rule.id}'. Add a "
                                                      "conversation that should trigger it, with flags: "
                                                      f"[{rule.id}]."))


def rasa_validate(root: Path) -> List[Problem]:
    p = subprocess.run([str(VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings"], cwd=root,
                       env=resolved(), capture_output=True, text=True)
    problems = []
    for line in (p.stdout + p.stderr).splitlines():
        m = re.search(r"UserWarning: (.*)", line)
        if m:
            problems.append(Problem("rasa data validate", None, m.group(1).strip()))
        elif "ERROR" in line and "rasa" in line:
            problems.append(Problem("rasa data validate", None, line.split("ERROR", 1)[1].strip(" -")))
    if p.returncode != 0 and not problems:
        tail = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()][-5:]
        problems.append(Problem("rasa data validate", None, " / ".join(tail)))
    return problems


def validate(root: Path = ROOT, with_rasa: bool = True) -> List[Problem]:
    problems: List[Problem] = []
    kb = check_knowledge(problems)
    intents, actions, forms = _domain(root, problems)
    docs = read_training_files(root, ("data", "tests/stories"), problems)
    check_nlu(root, {p: d for p, d in docs.items() if (root / "data") in p.parents}, intents, problems)
    check_stories(root, docs, intents, actions, forms, problems)
    check_safety_cases(root, kb, problems)
    if with_rasa and not problems:
        problems += rasa_validate(root)
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    problems = validate()
    if not problems:
        print("Everything is valid: knowledge, training data, stories, rules and safety cases.")
        return 0
    print(f"{len(problems)} problem(s) found:")
    for p in problems:
        print(f"  {p}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
