"""Helpers shared by the channels."""
from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Mapping, Optional

from rasa.core.channels.channel import CollectingOutputChannel

EMPTY_REPLY = ("I didn't receive any text. Tell me how your legs are feeling, or ask about causes, "
               "exercises, self-care or when to see a doctor.")
ERROR_REPLY = ("Sorry, something went wrong on our side. Please try again. If this is an emergency, call your "
               "local emergency number now.")
MAX_MESSAGE_CHARS = 20_000
MAX_SENDER_CHARS = 128


class MergingCollector(CollectingOutputChannel):
    """Collects bot messages; a response with text and a custom payload stays one message.

    Rasa's default output sends the text, then the custom payload as a second
    message; channels and widgets then cannot tell which text the payload
    (for example the emergency triage) belongs to.
    """

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        custom = message.get("custom")
        text = message.get("text")
        if custom is not None and text:
            out = {"recipient_id": recipient_id, "text": text, "custom": custom}
            for key in ("buttons", "quick_replies", "image", "attachment", "elements"):
                if message.get(key):
                    out[key] = message[key]
            self.messages.append(out)
            return
        await super().send_response(recipient_id, message)


def missing_settings(names: Iterable[str], env: Optional[Mapping[str, str]] = None) -> List[str]:
    """The environment variables among `names` that are unset or empty."""
    env = os.environ if env is None else env
    return [k for k in names if not (env.get(k) or "").strip()]


def clean_sender(value: Any) -> Optional[str]:
    """A usable conversation id, or None when the value cannot be one."""
    if value is None:
        return None
    if not isinstance(value, (str, int)):
        return None
    value = str(value).strip()
    if not value or len(value) > MAX_SENDER_CHARS or not value.isprintable():
        return None
    return value


def split_for_limit(text: str, limit: int) -> List[str]:
    """Split a long reply into chunks under a channel's size limit, at line breaks."""
    if len(text) <= limit:
        return [text]
    chunks, current = [], ""
    for line in text.split("\n"):
        while len(line) > limit:
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks
