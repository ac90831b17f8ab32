"""`make evaluate`: a readable report on the active model.

Writes reports/eval/<model>/report.md with: intent scores and a confusion
matrix image (tests/nlu/test_nlu.yml), the symptom (entity) scores of the
engine on the evaluation set, the safety gate case by case, and the
difference from the previously active model.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

from .gate import run_gate
from .settings import ROOT, VENV_BIN, resolved
from .train import MODELS, active_model

REPORTS = ROOT / "reports" / "eval"


def previous_model(current: Path) -> Optional[str]:
    history = MODELS / "history.json"
    if not history.exists():
        return None
    names = [h["model"] for h in json.loads(history.read_text())]
    older = [n for n in names if n != current.name]
    return older[-1] if older else None


# The engine sends a symptom description it is unsure about to the emergency screen first
# (intent emergency_screen); the interview then goes on as for the description itself.
SCREENED_AS = {"describe_symptoms", "inform"}


def intent_scores(model: Path, out: Path, plot: bool = True, env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Intent accuracy, weighted F1 and per-intent F1 on tests/nlu/test_nlu.yml (`rasa test nlu`).

    `accuracy` counts a symptom description that the engine screened first
    (predicted `emergency_screen`, labelled describe_symptoms or inform) as
    right; `accuracy_strict` is Rasa's own figure, and `screened` says how
    many such messages there were. F1 figures are Rasa's own.
    """
    cmd = [str(VENV_BIN / "rasa"), "test", "nlu", "--model", str(model), "--nlu", "tests/nlu/test_nlu.yml",
           "--out", str(out)] + ([] if plot else ["--no-plot"])
    p = subprocess.run(cmd, cwd=ROOT, env=env or resolved(), capture_output=True, text=True, timeout=1800)
    if not (out / "intent_report.json").exists():
        raise RuntimeError(f"rasa test nlu failed:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    report = json.loads((out / "intent_report.json").read_text())
    errors = json.loads((out / "intent_errors.json").read_text()) if (out / "intent_errors.json").exists() else []
    screened = sum(1 for e in errors if (e.get("intent_prediction") or {}).get("name") == "emergency_screen"
                   and e.get("intent") in SCREENED_AS)
    total = report["weighted avg"]["support"]
    per_intent = {k: round(v["f1-score"], 3) for k, v in report.items()
                  if isinstance(v, dict) and "f1-score" in v and k not in ("macro avg", "weighted avg", "micro avg")}
    return {"accuracy": round(report["accuracy"] + screened / total, 3), "accuracy_strict": round(report["accuracy"], 3),
            "screened": screened, "f1": round(report["weighted avg"]["f1-score"], 3),
            "per_intent": per_intent,
            "confusion_matrix": "nlu/intent_confusion_matrix.png" if (out / "intent_confusion_matrix.png").exists()
            else None}


def entity_scores() -> Dict[str, Any]:
    from bench.engine_eval import evaluate, load_cases
    from legcare.engine import Engine
    r = evaluate(Engine(), load_cases())
    return {k: r[k] for k in ("symptom_precision", "symptom_recall", "symptom_f1", "negation_errors",
                              "emergency_sensitivity", "triage_accuracy")}


def render(model: str, summary: Dict[str, Any], prev: Optional[Dict[str, Any]]) -> str:
    i, e, g = summary["intents"], summary["entities"], summary["gate"]
    lines = [f"# Evaluation of {model}", ""]
    lines += ["## Intents (tests/nlu/test_nlu.yml)", "",
              f"Accuracy {i['accuracy']} ({i.get('screened', 0)} symptom descriptions sent to the emergency screen "
              f"first counted as right; Rasa's strict figure {i.get('accuracy_strict', i['accuracy'])}), "
              f"weighted F1 {i['f1']}.", ""]
    lines += ["| intent | F1 | change |", "| --- | --- | --- |"]
    for name, f1 in sorted(i["per_intent"].items()):
        old = (prev or {}).get("intents", {}).get("per_intent", {}).get(name)
        change = "" if old is None else f"{f1 - old:+.3f}"
        lines.append(f"| {name} | {f1} | {change} |")
    if i["confusion_matrix"]:
        lines += ["", f"![Intent confusion matrix]({i['confusion_matrix']})"]
    lines += ["", "## Symptoms read by the engine (the entities)", "",
              "| measure | value |", "| --- | --- |"] + [f"| {k.replace('_', ' ')} | {v} |" for k, v in e.items()]
    lines += ["", "## Safety gate", "", f"{g['passed_cases']} of {g['cases']} cases passed: "
              f"**{'PASSED' if g['passed'] else 'FAILED'}**."]
    for f in g["failures"]:
        lines.append(f"- {f['id']} (turn {f['turn']}): said \"{f['said']}\", expected {f['expected']}, got "
                     f"\"{f['got'][:120]}\"")
    lines += ["", "## Compared with the previous model", ""]
    if prev is None:
        lines.append("No previous model has been evaluated.")
    else:
        lines.append(f"Previous: {prev['model']}. Intent accuracy {prev['intents']['accuracy']} -> {i['accuracy']}, "
                     f"F1 {prev['intents']['f1']} -> {i['f1']}; safety gate {prev['gate']['passed_cases']}/"
                     f"{prev['gate']['cases']} -> {g['passed_cases']}/{g['cases']}.")
    return "\n".join(lines) + "\n"


def main() -> int:
    model = active_model()
    if model is None:
        print("error: no active model; run `make train` first", file=sys.stderr)
        return 1
    out = REPORTS / model.name.replace(".tar.gz", "")
    out.mkdir(parents=True, exist_ok=True)
    print(f"Evaluating {model.name} (intents, symptoms, safety gate)...", flush=True)
    gate = run_gate(model)
    summary = {"model": model.name, "intents": intent_scores(model, out / "nlu"), "entities": entity_scores(),
               "gate": {"passed": gate.passed, "cases": len(gate.results),
                        "passed_cases": sum(r.ok for r in gate.results),
                        "failures": [r.__dict__ for r in gate.failures]}}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    prev_name = previous_model(model)
    prev_file = REPORTS / prev_name.replace(".tar.gz", "") / "summary.json" if prev_name else None
    prev = json.loads(prev_file.read_text()) if prev_file and prev_file.exists() else None
    (out / "report.md").write_text(render(model.name, summary, prev))
    print(f"Report: {out / 'report.md'}")
    return 0 if gate.passed else 1


if __name__ == "__main__":
    sys.exit(main())
