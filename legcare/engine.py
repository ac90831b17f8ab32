"""The triage engine: text (or accumulated findings) in, assessment out."""
from __future__ import annotations

import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, Optional

from . import knowledge as knowledge_mod
from .extract import Extractor, Findings
from .ranking import rank
from .screen import ScreenDecision, decide as screen_decision, readings_agree, rules_held
from .triage import escalate_on_agreement, nothing_found, red_flags, triage

DISCLAIMER = ("This is general information, not a diagnosis. It names possible causes to discuss "
              "with a clinician.")


class Engine:
    """Load the knowledge base (and the red-flag detector) once; assess many messages.

    `detector`: a trained :class:`~legcare.reading.detector.Detector`; by
    default the one in LEGCARE_DETECTOR_DIR (set by the servers to the gated
    bundle's), or none.
    """

    def __init__(self, kb: Optional[knowledge_mod.Knowledge] = None, detector: Any = "env"):
        self.kb = kb or knowledge_mod.load()
        self.extractor = Extractor(self.kb)
        self.detector = _detector_from_env() if detector == "env" else detector

    def extract(self, text: object) -> Findings:
        return self.extractor.extract(text)

    def assess(self, text: object, agreement: bool = True) -> Dict[str, Any]:
        return self.assess_findings(self.extract(text), text, agreement)

    def detect(self, text: object):
        """The detector's opinion on a message, or None without a detector or text."""
        if self.detector is None or not isinstance(text, str) or not text.strip():
            return None
        return self.detector.detect(text)

    def assess_findings(self, f: Findings, text: object = None, agreement: bool = True) -> Dict[str, Any]:
        """The assessment: always a care level, and whether to ask the emergency screen first.

        With the message's `text`, the detector gives a second opinion: a
        possible red flag the rules did not confirm calls for the screen, and
        when it is very sure while a screen rule holds, the two readings agree
        and the reply escalates at once (knowledge/screen.yml `agreement`;
        `agreement=False` once the screen has been answered).
        """
        flags = red_flags(self.kb, f)
        result = triage(self.kb, f, flags)
        detection = self.detect(text) if result.level != "emergency" else None
        possible = detection.possible_flags if detection is not None and detection.flagged else []
        screen = screen_decision(self.kb, f, result.level, possible)
        probability = detection.probability if detection is not None and agreement else None
        if readings_agree(self.kb, f, screen, probability, len(str(text or "").split())):
            doubts = [r.reason for r in rules_held(self.kb, screen)]
            result, screen = escalate_on_agreement(self.kb, result, doubts), ScreenDecision(False)
        if result.level is None:  # nothing understood: still a level, the safer "see a doctor"
            result = nothing_found(self.kb, result)
        return {
            "symptoms": list(f.symptoms),
            "negated": list(f.negated),
            "side": f.side,
            "onset": f.onset,
            "duration": f.duration,
            "risk_factors": list(f.risk_factors),
            "red_flags": result.red_flags,
            "triage": result.to_dict(),
            "causes": rank(self.kb, f, flags) if f.symptoms else [],
            "context": list(f.context),
            "negated_risk_factors": list(f.negated_risk_factors),
            "age": f.age,
            "conditions_mentioned": list(f.conditions_mentioned),
            "truncated": f.truncated,
            "screen": screen.to_dict(self.kb.screen),
            "language": f.language,
            "translated_from": f.translated_from,
            "timeline": list(f.timeline),
            "detector": detection.to_dict() if detection is not None else None,
            "disclaimer": DISCLAIMER,
        }


_default: Optional[Engine] = None
_lock = threading.Lock()


def get_engine() -> Engine:
    """A process-wide engine, built on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = Engine()
        return _default


def _detector_from_env():
    from .reading import detector as det

    directory = os.environ.get("LEGCARE_DETECTOR_DIR")
    return det.Detector.load(Path(directory)) if directory and det.exists(Path(directory)) else None


def findings_to_dict(f: Findings) -> Dict[str, Any]:
    return asdict(f)
