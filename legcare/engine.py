"""The triage engine: text (or accumulated findings) in, assessment out."""
from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any, Dict, Optional

from . import knowledge as knowledge_mod
from .extract import Extractor, Findings
from .ranking import rank
from .triage import red_flags, triage

DISCLAIMER = ("This is general information, not a diagnosis. It names possible causes to discuss "
              "with a clinician.")


class Engine:
    """Load the knowledge base once; assess many messages."""

    def __init__(self, kb: Optional[knowledge_mod.Knowledge] = None):
        self.kb = kb or knowledge_mod.load()
        self.extractor = Extractor(self.kb)

    def extract(self, text: object) -> Findings:
        return self.extractor.extract(text)

    def assess(self, text: object) -> Dict[str, Any]:
        return self.assess_findings(self.extract(text))

    def assess_findings(self, f: Findings) -> Dict[str, Any]:
        flags = red_flags(self.kb, f)
        result = triage(self.kb, f, flags)
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


def findings_to_dict(f: Findings) -> Dict[str, Any]:
    return asdict(f)
