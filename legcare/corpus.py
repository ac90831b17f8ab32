"""The labelled corpus (bench/corpus/, format in its GUIDE.md): reading it, and the simulated person.

Used by the red-flag detector (trained on the development part), the safety
gate (which replays its emergencies and calm messages) and the benchmark.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

CORPUS = Path(__file__).resolve().parent.parent / "bench" / "corpus"
DEV = CORPUS / "dev"


def load(directory: Path = DEV) -> List[Dict[str, Any]]:
    """Every labelled message of the JSONL files in `directory`, in file-name order."""
    rows = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def truthful_screen_reply(case: Dict[str, Any]) -> str:
    """What a person answers to the emergency screen, telling the truth as the labels give it."""
    symptoms = set(case.get("symptoms") or [])
    said = []
    if case.get("onset") == "sudden":
        said.append("it came on suddenly")
    if "facial_droop" in symptoms:
        said.append("the face is drooping")
    if "slurred_speech" in symptoms:
        said.append("the speech is slurred")
    if "arm_weakness" in symptoms:
        said.append("an arm is weak")
    if "vision_problems" in symptoms or ("balance_problems" in symptoms and case.get("onset") in ("sudden", "rapid")):
        said.append("the eyesight or the balance went")
    if "bladder_bowel_problems" in symptoms:
        said.append("there is a bladder or bowel problem")
    if "saddle_numbness" in symptoms:
        said.append("it is numb between the legs")
    if symptoms & {"breathing_difficulty", "swallowing_difficulty"}:
        said.append("breathing or swallowing is hard")
    if "ascending_weakness" in symptoms or case.get("onset") == "rapid":
        said.append("it is spreading upwards or getting worse fast")
    return ("yes, " + " and ".join(said)) if said else "no, none of those"


def is_calm(case: Dict[str, Any]) -> bool:
    """Self-care or routine, and no clinician would call it an emergency."""
    return case["level"] in ("self_care", "routine") and "emergency" not in (case.get("acceptable") or [])
