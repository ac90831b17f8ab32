"""Response generator that fills in what a plain domain response cannot.

Runs inside the Rasa server (configured under `nlg:` in endpoints.yml), so
it works even when the action server is down:
- ``{emergency_number}`` in any response is replaced by EMERGENCY_NUMBER;
- ``custom.triage.red_flags`` of the emergency response is filled with the red
  flags the engine found in the latest message (or that an action passed in),
  as a real list; after a "yes" to the emergency screen it says so;
- ``{screen_text}`` (the emergency screen) is written from
  knowledge/screen.yml: the questions, and the language note when the
  message was not in English; ``custom.screen`` lists the questions.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from components.emergency_policy import screen_outcome
from legcare.engine import get_engine
from legcare.triage import emergency_number

SCREEN_YES_REASON = "You answered yes (or not sure) to one of the emergency questions."


def screen_text(legcare: Optional[Dict[str, Any]], number: str) -> str:
    screen = get_engine().kb.screen
    lines = []
    if (legcare or {}).get("language") in ("other", "none"):
        lines.append(screen.language_note.format(emergency_number=number))
    lines.append(screen.intro)
    lines += [f"- {q.ask}" for q in screen.questions]
    lines.append(screen.closing)
    return "\n".join(lines)


class LegcareNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Any = None, **_: Any) -> None:
        super().__init__(domain.responses if domain is not None else {})

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        kwargs.setdefault("emergency_number", emergency_number())
        legcare = (tracker.latest_message.parse_data or {}).get("legcare") if tracker.latest_message else None
        if utter_action == "utter_screen":
            kwargs["screen_text"] = screen_text(legcare, kwargs["emergency_number"])
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if not response:
            return response
        custom = response.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("screen"), dict):
            custom["screen"]["questions"] = [{"id": q.id, "ask": q.ask} for q in get_engine().kb.screen.questions]
        if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
            triage = custom["triage"]
            if triage.get("level") == "emergency":
                # flags passed by an action (an interview answer) or found in the latest message
                flags: List[Dict[str, Any]] = kwargs.get("red_flags") or (legcare or {}).get("red_flags") or []
                triage["red_flags"] = [f["id"] for f in flags if f.get("level") == "emergency"]
                triage["reasons"] = [f["reason"] for f in flags if f.get("level") == "emergency"]
                if not triage["red_flags"]:  # a reply to the emergency screen
                    both = [f for f in (screen_outcome(tracker) or {}).get("red_flags", []) if f.get("level") == "emergency"]
                    triage["red_flags"] = [f["id"] for f in both] or ["screen_answered_yes"]
                    triage["reasons"] = [f["reason"] for f in both] or [SCREEN_YES_REASON]
                triage["emergency_number"] = kwargs["emergency_number"]
        return response
