"""Helpers shared by the channels."""
from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

logger = logging.getLogger(__name__)

EMPTY_REPLY = ("I didn't receive any text. Tell me how your legs are feeling, or ask about causes, "
               "exercises, self-care or when to see a doctor.")
ERROR_REPLY = ("Sorry, something went wrong on our side. Please try again. If this is an emergency, call your "
               "local emergency number now.")
MAX_MESSAGE_CHARS = 20_000
MAX_SENDER_CHARS = 128
NOT_TEXT_REPLY = "Sorry, I can only read text messages."
# the slot (domain.yml) that marks a turn whose replies did not all reach the person
UNDELIVERED_SLOT = "reply_undelivered"
DELIVERY_ATTEMPTS = 3
MAX_METADATA_BYTES = 4096
_PAYLOAD = re.compile(r"/([A-Za-z_][A-Za-z0-9_\-]*)(\{.*\})?", re.DOTALL)


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


MAX_METADATA_DEPTH = 20


def _too_deep(value: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` (iterative: any depth is safe to check)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_metadata(value: Any) -> "tuple[Optional[Dict[str, Any]], Optional[str]]":
    """(metadata, None) when usable, else (None, what is wrong). Missing or null metadata is {}.

    Nesting is checked first, without recursion: JSON nested thousands deep
    would otherwise make the size check itself fail (RecursionError).
    """
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return None, "'metadata' must be a JSON object."
    if _too_deep(value, MAX_METADATA_DEPTH):
        return None, f"'metadata' is nested too deeply: at most {MAX_METADATA_DEPTH} levels."
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        return None, "'metadata' must be plain JSON."
    if size > MAX_METADATA_BYTES:
        return None, f"'metadata' is too large: at most {MAX_METADATA_BYTES} bytes of JSON."
    return value, None


def plain_or_payload(text: str, domain: Any) -> str:
    """The text, unless it is a payload such as `/affirm` for an intent the assistant knows.

    Rasa reads any message starting with '/' as an intent name (plus entities),
    and its warning about an unknown one writes the message into the log. A
    person who types "/my legs are weak" means the words: the slashes go.
    """
    if not text.startswith("/"):
        return text
    match = _PAYLOAD.fullmatch(text.strip())
    intents = set(getattr(domain, "intents", []) or [])
    entities = set(getattr(domain, "entities", []) or [])
    if match and match.group(1) in intents:
        if not match.group(2):
            return text.strip()
        try:
            values = json.loads(match.group(2))
        except ValueError:
            values = None
        if isinstance(values, dict) and set(values) <= entities:
            return text.strip()
    return text.lstrip("/ \t")


def domain_of(app: Any) -> Any:
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    return getattr(agent, "domain", None)


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


class GuardedOutput(OutputChannel):
    """One turn's output to a platform (Telegram, Slack) that never makes the turn fail.

    Each reply is tried up to DELIVERY_ATTEMPTS times (a short pause between
    tries); one that still fails is counted in `undelivered` and logged
    without its text, and the turn goes on, so it is stored. A new instance
    is made for every incoming message: the count belongs to that turn.
    """

    def __init__(self, inner: OutputChannel, channel: Text, attempts: int = DELIVERY_ATTEMPTS,
                 pause: float = 0.5) -> None:
        self.inner, self.channel = inner, channel
        self.attempts, self.pause = max(1, attempts), pause
        self.undelivered = 0

    def name(self) -> Text:  # type: ignore[override]  # responses per channel use the platform's name
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        problem = "?"
        for attempt in range(1, self.attempts + 1):
            try:
                # Rasa's send_response takes the message apart (pop): each try gets a whole copy
                await self.inner.send_response(recipient_id, copy.deepcopy(message))
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the platform cannot be reached, or refused the reply
                problem = type(exc).__name__
                if attempt < self.attempts:
                    await asyncio.sleep(self.pause * attempt)
        self.undelivered += 1
        logger.warning("%s: a reply could not be delivered after %d attempts (%s, conversation %s)",
                       self.channel, self.attempts, problem, recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


NOT_SAVED_NOTE = "(Something went wrong on our side and this conversation could not be saved.)"


def failed_turn_triage(text: Any) -> Optional[Dict[str, Any]]:
    """The engine's triage of a message whose turn failed, when it is an emergency; else None.

    A turn can fail after the assistant understood it (storage down, a lock
    that cannot be had): an emergency must still be told to call now. The
    engine (legcare/, no Rasa) needs no storage; if it fails too, None.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        from legcare.engine import get_engine

        triage = get_engine().assess(text)["triage"]
    except Exception as exc:
        logger.error("The emergency check of a failed turn failed too (%s)", type(exc).__name__)
        return None
    return triage if triage.get("level") == "emergency" else None


def failed_turn_reply(text: Any) -> Text:
    """What the person is told when their turn failed: the emergency advice first when the message shows one."""
    triage = failed_turn_triage(text)
    if triage is None:
        return ERROR_REPLY
    return " ".join([*triage.get("reasons", [])[:2], triage["timeframe"], NOT_SAVED_NOTE])


async def hand_over(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage, channel: Text,
                    tell_person: Callable[[Text], Awaitable[Any]]) -> bool:
    """Give the message to Rasa; True if the turn was handled.

    If it failed (storage, the lock, a bug), the failure is logged by kind
    only (never the text nor a traceback, which could carry it) and the
    person is told through `tell_person` (failed_turn_reply: the emergency
    advice when the message shows an emergency, else ERROR_REPLY).
    """
    try:
        await on_new_message(message)
        return True
    except Exception as exc:
        logger.error("%s message failed (conversation %s, %s)", channel, message.sender_id, type(exc).__name__)
        await tell_person(failed_turn_reply(message.text))
        return False


async def mark_undelivered(app: Any, sender_id: Text, output: GuardedOutput) -> None:
    """Record in the stored conversation that replies of its last turn did not arrive.

    Sets the slot `reply_undelivered` (a SlotSet event, so the tracker store
    shows which turn it was) under the conversation's lock, as Rasa's own
    event endpoint does. Never raises: a failure here is logged.
    """
    if not output.undelivered:
        return
    from rasa.shared.core.events import SlotSet

    try:
        agent = app.ctx.agent
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.processor.get_tracker(sender_id)
            tracker.update(SlotSet(UNDELIVERED_SLOT, {"channel": output.channel, "replies": output.undelivered}))
            await agent.processor.save_tracker(tracker)
    except Exception as exc:
        logger.error("%s: could not mark undelivered replies in conversation %s (%s)",
                     output.channel, sender_id, type(exc).__name__)
