"""Every change LegCare makes to how Rasa itself behaves, applied from one place.

`install()` is called once, by the Rasa server's entry point
(ops/rasa_server.py), before the server is built. Nothing here or in
components/ changes Rasa when it is imported, so training, `rasa test` and
any code that imports a component get Rasa as it is.

What it changes, and why:

1. Speed (components/perf.py, see README "Speed"): the action-response
   validator, the event class table and the graph runner of the server.
2. No silent loss of conversations. Rasa wraps the tracker store in
   `FailSafeTrackerStore`, which answers a failed read with an empty
   conversation and keeps a failed write in memory only (logging it to
   rasa.log). Here the configured store is used as it is, so a storage
   error fails the turn and the channel gives the person its polite error
   instead of an answer from a forgotten conversation. A tracker store class
   named in endpoints.yml that cannot be imported stops the server (Rasa
   would quietly use memory).
3. An action server that cannot be reached, answers with an error or takes
   longer than ACTION_TIMEOUT seconds: Rasa logs it and carries on with
   nothing said, so a normal message got an empty reply. Here the person is
   told, once per turn, that the assistant cannot look that up right now
   (with the emergency number). Not after the emergency reply: that turn has
   already said what matters (the reply itself is made in the Rasa server).
4. A message whose id is already stored in the conversation (a client
   sending the same turn again, for example after a lost response) is not
   processed twice: the replies stored for it are sent again.
5. The HTTP API token is also accepted as `Authorization: Bearer <token>`.
6. Fenced saves: before the processor saves a turn (`MessageProcessor.save_tracker`, which every
   message, reminder, external event and channel note goes through), the lock store confirms that this
   request still holds the conversation's lock (components/lock_store.py `confirm`: its fencing token is
   still the lock's value in Redis). If it does not, the turn fails with the channel's error instead of
   being written over the turn of the server that holds the lock now. With the in-memory lock store
   (one server) this does nothing. (Rasa's HTTP API routes that write events themselves, only on with
   RASA_AUTH_TOKEN, run under the lock but are not fenced.)
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
from functools import wraps
from inspect import isawaitable
from typing import Any, Dict, List, Optional, Text

logger = logging.getLogger(__name__)

ACTION_UNAVAILABLE_REPLY = ("Sorry, I can't look that up right now. Please try again in a minute. "
                            "If this is an emergency, call {emergency_number} now.")
UNAVAILABLE_MARK = "action_unavailable"  # in the reply's metadata: one such reply per turn
DEFAULT_ACTION_TIMEOUT = 30.0

_installed: List[Text] = []


def installed() -> List[Text]:
    """The names of the changes in effect in this process (empty unless install() ran)."""
    return list(_installed)


def install() -> List[Text]:
    """Apply every change above once; later calls do nothing."""
    if _installed:
        return installed()
    from components import perf

    perf.install()
    _installed.append("speed")
    _strict_tracker_store()
    _installed.append("strict_tracker_store")
    _action_unavailable_reply()
    _installed.append("action_unavailable_reply")
    _repeated_message_ids()
    _installed.append("repeated_message_ids")
    _bearer_token()
    _installed.append("bearer_token")
    _fenced_saves()
    _installed.append("fenced_saves")
    return installed()


# 2. storage

def _strict_tracker_store() -> None:
    import rasa.core.tracker_store as ts
    import rasa.shared.utils.common
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
    from rasa.shared.exceptions import RasaException

    def create_tracker_store(store: Optional[TrackerStore], domain: Any) -> TrackerStore:
        if store is None:  # no tracker store configured at all: Rasa's default
            store = InMemoryTrackerStore(domain)
        store.domain = domain
        return store

    Agent._create_tracker_store = staticmethod(create_tracker_store)  # type: ignore[assignment]

    def load_from_module_name(domain: Any, store: Any, event_broker: Any = None) -> TrackerStore:
        try:
            cls = rasa.shared.utils.common.class_from_module_path(store.type)
        except (AttributeError, ImportError) as exc:
            raise RasaException(f"the tracker store class '{store.type}' cannot be loaded "
                                f"({type(exc).__name__}: {exc})") from exc
        return cls(host=store.url, domain=domain, event_broker=event_broker, **store.kwargs)

    ts._load_from_module_name_in_endpoint_config = load_from_module_name


# 3. action server unavailable

def action_timeout() -> float:
    try:
        return float(os.environ.get("ACTION_TIMEOUT") or DEFAULT_ACTION_TIMEOUT)
    except ValueError:
        return DEFAULT_ACTION_TIMEOUT


def _said_this_turn(tracker: Any) -> Dict[Text, bool]:
    """Whether the emergency reply, or the 'cannot look that up' reply, was sent since the latest message."""
    from rasa.shared.core.events import BotUttered, UserUttered

    seen = {"emergency": False, "unavailable": False}
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            custom = (event.data or {}).get("custom") or {}
            if isinstance(custom, dict) and (custom.get("triage") or {}).get("level") == "emergency":
                seen["emergency"] = True
            if (event.metadata or {}).get("legcare") == UNAVAILABLE_MARK:
                seen["unavailable"] = True
    return seen


def _action_unavailable_reply() -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    from legcare.triage import emergency_number

    rasa_run = RemoteAction.run

    @wraps(rasa_run)
    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await asyncio.wait_for(rasa_run(self, output_channel, nlg, tracker, domain), action_timeout())
        except ActionExecutionRejection:
            raise  # a form rejecting the message: Rasa's normal flow
        except Exception as exc:  # unreachable, an error status, a timeout, a malformed response
            # never the exception text: an action's response can hold health data
            logger.error("Action '%s' failed (%s); the person is asked to try again later", self.name(),
                         type(exc).__name__)
            said = _said_this_turn(tracker)
            if said["emergency"] or said["unavailable"]:
                return []
            text = ACTION_UNAVAILABLE_REPLY.format(emergency_number=emergency_number())
            return [BotUttered(text, metadata={"legcare": UNAVAILABLE_MARK})]

    RemoteAction.run = run  # type: ignore[assignment]


# 4. repeated message ids

class _AlreadyHandled(Exception):
    def __init__(self, replies: List[Any]):
        super().__init__("message already handled")
        self.replies = replies


def stored_replies(tracker: Any, message_id: Optional[Text]) -> Optional[List[Any]]:
    """The bot messages stored after the user message with this id; None if no message has it."""
    from rasa.shared.core.events import BotUttered, UserUttered

    if not message_id:
        return None
    replies: Optional[List[Any]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if event.message_id == message_id:
                replies = []
        elif replies is not None and isinstance(event, BotUttered):
            replies.append(event)
    return replies


def _repeated_message_ids() -> None:
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor

    rasa_handle_with_tracker = MessageProcessor._handle_message_with_tracker
    rasa_handle_message = MessageProcessor.handle_message

    @wraps(rasa_handle_with_tracker)
    async def handle_with_tracker(self: MessageProcessor, message: Any, tracker: Any) -> None:
        replies = stored_replies(tracker, message.message_id)
        if replies is not None:
            raise _AlreadyHandled(replies)
        return await rasa_handle_with_tracker(self, message, tracker)

    @wraps(rasa_handle_message)
    async def handle_message(self: MessageProcessor, message: Any) -> Any:
        try:
            return await rasa_handle_message(self, message)
        except _AlreadyHandled as done:
            logger.info("Message id already handled in conversation %s: stored replies sent again",
                        message.sender_id)
            for reply in done.replies:
                await message.output_channel.send_response(message.sender_id, reply.message())
            if isinstance(message.output_channel, CollectingOutputChannel):
                return message.output_channel.messages
            return None

    MessageProcessor._handle_message_with_tracker = handle_with_tracker  # type: ignore[assignment]
    MessageProcessor.handle_message = handle_message  # type: ignore[assignment]


# 5. Bearer token

def bearer_token(request: Any) -> Optional[Text]:
    header = request.headers.get("Authorization") or ""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _bearer_token() -> None:
    import rasa.server

    rasa_requires_auth = rasa.server.requires_auth

    def requires_auth(app: Any, token: Optional[Text] = None) -> Any:
        rasa_decorator = rasa_requires_auth(app, token)

        def decorator(f: Any) -> Any:
            checked = rasa_decorator(f)

            @wraps(f)
            async def decorated(request: Any, *args: Any, **kwargs: Any) -> Any:
                given = bearer_token(request)
                if token and given and hmac.compare_digest(given.encode(), token.encode()):
                    result = f(request, *args, **kwargs)
                    return await result if isawaitable(result) else result
                return await checked(request, *args, **kwargs)  # ?token=, JWT, or Rasa's 401

            return decorated

        return decorator

    rasa.server.requires_auth = requires_auth


# 6. fenced saves

def _fenced_saves() -> None:
    from rasa.core.processor import MessageProcessor

    rasa_save_tracker = MessageProcessor.save_tracker

    @wraps(rasa_save_tracker)
    async def save_tracker(self: MessageProcessor, tracker: Any) -> None:
        confirm = getattr(self.lock_store, "confirm", None)
        if confirm is not None:
            await confirm(tracker.sender_id)  # raises LockLost: the turn fails and nothing is written
        await rasa_save_tracker(self, tracker)

    MessageProcessor.save_tracker = save_tracker  # type: ignore[assignment]
