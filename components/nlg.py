"""Response generator that fills in what a plain domain response cannot.

Runs inside the Rasa server (configured under `nlg:` in endpoints.yml), so
it works even when the action server is down:
- ``{emergency_number}`` in any response is replaced by EMERGENCY_NUMBER;
- ``custom.triage.red_flags`` of the emergency response is filled with the red
  flags the engine found in the latest message (or that an action passed in),
  as a real list.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from legcare.triage import emergency_number


class LegcareNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Any = None, **_: Any) -> None:
        super().__init__(domain.responses if domain is not None else {})

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        kwargs.setdefault("emergency_number", emergency_number())
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if not response:
            return response
        custom = response.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
            triage = custom["triage"]
            legcare = (tracker.latest_message.parse_data or {}).get("legcare") if tracker.latest_message else None
            if triage.get("level") == "emergency":
                # flags passed by an action (an interview answer) or found in the latest message
                flags: List[Dict[str, Any]] = kwargs.get("red_flags") or (legcare or {}).get("red_flags") or []
                triage["red_flags"] = [f["id"] for f in flags if f.get("level") == "emergency"]
                triage["reasons"] = [f["reason"] for f in flags if f.get("level") == "emergency"]
                triage["emergency_number"] = kwargs["emergency_number"]
        return response
