"""Every step of docs/educators.md works as written, and every error it lists is real."""
import re
import shutil
from pathlib import Path

import pytest

from legcare.knowledge import load
from ops.settings import ROOT
from ops.validate import validate

GUIDE = (ROOT / "docs" / "educators.md").read_text()


def block(name: str) -> str:
    m = re.search(rf"<!-- example: {re.escape(name)} -->\s*```\w*\n(.*?)```", GUIDE, re.S)
    assert m, f"docs/educators.md has no example '{name}'"
    return m.group(1)


@pytest.fixture
def project(tmp_path):
    """A copy of everything an educator edits, to change freely."""
    root = tmp_path / "project"
    for item in ("data", "knowledge", "domain.yml", "config.yml", "tests/stories", "tests/safety"):
        src = ROOT / item
        dst = root / item
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    return root


def own_checks(root, monkeypatch):
    monkeypatch.setenv("LEGCARE_KNOWLEDGE_DIR", str(root / "knowledge"))
    return validate(root, with_rasa=False)


def add_to_list(path: Path, entry: str, key: str, value: str) -> None:
    text = path.read_text()
    start = text.index(f"  {entry}:\n")
    pos = text.index(f"    {key}: [", start) + len(f"    {key}: [")
    path.write_text(text[:pos] + value + ", " + text[pos:])


def test_add_an_example_and_a_story(project, monkeypatch):
    (project / "data" / "nlu" / "new_examples.yml").write_text('version: "3.1"\nnlu:\n' + block("nlu"))
    (project / "data" / "stories" / "new_story.yml").write_text('version: "3.1"\nstories:\n' + block("story"))
    assert own_checks(project, monkeypatch) == []


def test_add_a_synonym_and_a_misspelling(project, monkeypatch):
    add_to_list(project / "knowledge" / "symptoms.yml", "leg_weakness", "phrases", block("phrase leg_weakness").strip())
    add_to_list(project / "knowledge" / "symptoms.yml", "numbness", "misspellings",
                block("misspelling numbness").strip())
    assert own_checks(project, monkeypatch) == []
    from legcare.engine import Engine
    engine = Engine(load(project / "knowledge"))
    assert "leg_weakness" in engine.extract("honestly my legs feel like wet noodles").symptoms
    assert "numbness" in engine.extract("numnbess in my toes").symptoms


def test_add_an_exercise_and_a_condition(project, monkeypatch):
    edu = project / "knowledge" / "education.yml"
    edu.write_text(edu.read_text().replace("exercises:\n", "exercises:\n" + _indent(block("exercise"), 2), 1))
    cond = project / "knowledge" / "conditions.yml"
    cond.write_text(cond.read_text().replace("conditions:\n", "conditions:\n" + _indent(block("condition"), 2), 1))
    assert own_checks(project, monkeypatch) == []
    kb = load(project / "knowledge")
    assert kb.exercises["ankle_circles"].steps[0].startswith("Sit in a firm chair")
    from legcare.answers import find_condition
    assert find_condition(kb, "what is restless legs syndrome?").id == "restless_legs"


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line if line.strip() else line for line in text.splitlines(True))


# ---- bad input: each is stopped with the message the guide explains

def guide_explains(message: str) -> bool:
    rows = re.findall(r"^\| `([^`]+)` \|", GUIDE, re.M)
    return any(r in message for r in rows)


def test_broken_yaml(project, monkeypatch):
    (project / "data" / "nlu" / "broken.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
                                                         '    - hi\n   - bad: [indent\n')
    problems = own_checks(project, monkeypatch)
    assert len(problems) == 1  # reported once, not once per check
    assert problems[0].file == "data/nlu/broken.yml" and problems[0].line
    assert "broken YAML" in problems[0].message and guide_explains(problems[0].message)


def test_story_with_a_missing_intent(project, monkeypatch):
    (project / "data" / "stories" / "bad.yml").write_text(
        'version: "3.1"\nstories:\n- story: typo\n  steps:\n  - intent: ask_exercise\n  - action: action_list_exercises\n')
    problems = own_checks(project, monkeypatch)
    assert len(problems) == 1 and problems[0].line == 5
    assert "ask_exercise" in problems[0].message and guide_explains(problems[0].message)


def test_duplicate_example_in_two_intents(project, monkeypatch):
    (project / "data" / "nlu" / "dup.yml").write_text('version: "3.1"\nnlu:\n- intent: thank\n  examples: |\n'
                                                      '    - hello there\n')
    problems = own_checks(project, monkeypatch)
    assert len(problems) == 1 and "'thank'" in problems[0].message and "'greet'" in problems[0].message
    assert problems[0].file == "data/nlu/dup.yml" and problems[0].line == 5 and guide_explains(problems[0].message)


def test_story_that_contradicts_the_emergency_rule(project, monkeypatch):
    (project / "data" / "stories" / "unsafe.yml").write_text(
        'version: "3.1"\nstories:\n- story: unsafe\n  steps:\n  - intent: emergency\n  - action: utter_greet\n')
    problems = own_checks(project, monkeypatch)
    assert len(problems) == 1 and "contradicts the emergency rule" in problems[0].message
    assert problems[0].line == 6 and guide_explains(problems[0].message)


def test_new_red_flag_needs_a_safety_case(project, monkeypatch):
    rf = project / "knowledge" / "red_flags.yml"
    rf.write_text(rf.read_text() + """
  - id: sudden_weakness_both_arms
    level: emergency
    group: one_sided
    reason: Sudden weakness in both arms needs emergency care.
    when:
      - symptom: [arm_weakness]
      - side: [both]
      - onset: [sudden]
    sources: [clinical:BE-FAST]
""")
    problems = own_checks(project, monkeypatch)
    assert len(problems) == 1 and "sudden_weakness_both_arms" in problems[0].message
    assert guide_explains(problems[0].message)


def test_knowledge_errors_point_at_file_and_line(project, monkeypatch):
    cond = project / "knowledge" / "conditions.yml"
    cond.write_text(cond.read_text().replace("symptoms: {joint_pain: 3,", "symptoms: {joint_ache: 3,", 1))
    problems = own_checks(project, monkeypatch)
    assert problems[0].file == "knowledge/conditions.yml" and problems[0].line
    assert "unknown symptom id 'joint_ache'" in problems[0].message and guide_explains(problems[0].message)


@pytest.mark.parametrize("rule, expected", [
    ("    group: not_a_group\n    when:\n      - symptom: [arm_weakness]\n", "'not_a_group' is not one of"),
    ("    group: one_sided\n    when:\n      - symptom: [arm_weakness]\n      - onset: [sudden]\n"
     "        not_onset: [sudden]\n", "can never fire"),
    ("    group: one_sided\n    when:\n      - symptom: [arm_weakness]\n        min_days: 10\n        max_days: 2\n",
     "can never fire"),
    ("    group: one_sided\n    colour: red\n    when:\n      - symptom: [arm_weakness]\n", "unknown field"),
])
def test_a_malformed_or_inconsistent_red_flag_stops_validation(project, monkeypatch, rule, expected):
    rf = project / "knowledge" / "red_flags.yml"
    lines_before = rf.read_text().count("\n")
    rf.write_text(rf.read_text() + "\n  - id: educator_rule\n    level: emergency\n    reason: A test rule.\n"
                  + rule + "    sources: [clinical:BE-FAST]\n")
    problems = own_checks(project, monkeypatch)
    assert problems and problems[0].file == "knowledge/red_flags.yml"
    assert problems[0].line and problems[0].line > lines_before
    assert expected in problems[0].message and guide_explains(problems[0].message)


def test_a_malformed_cue_rule_stops_validation(project, monkeypatch):
    lang = project / "knowledge" / "language.yml"
    lang.write_text(lang.read_text().replace("    direction: forward\n    max_scope: 8", "    direction: sideways\n    max_scope: 8", 1))
    problems = own_checks(project, monkeypatch)
    assert problems and problems[0].file == "knowledge/language.yml" and problems[0].line
    assert "sideways" in problems[0].message


def test_make_validate_on_the_real_project_is_clean():
    problems = validate()
    assert problems == [], [str(p) for p in problems]
