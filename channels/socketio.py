"""Socket.IO channel for the web widget.

Same events as Rasa's connector (`session_request`/`session_confirm`,
`user_uttered`/`bot_uttered`), with these differences:
- `enter_room` is awaited when it is a coroutine, so session persistence
  works with every python-socketio 5.x (rasa issue 13027);
- a response with text and a custom payload is one `bot_uttered` event, so
  the widget can draw the emergency banner from `custom.triage`;
- input is checked: a message must be text of at most 20,000 characters;
  an empty one gets a polite reply; nothing the person typed is logged;
- sessions are bound to a session token (see SocketIOInput): a session id
  alone is not a credential;
- an option it does not support (such as Rasa's `jwt_key`) stops the
  server at start with a clear message instead of being ignored;
- closing a page that talked over a websocket does not log a server error:
  engine.io's request handler returns nothing once the websocket it took
  over is closed, and Sanic reports that as "Invalid response type None"
  unless the handler is marked as a websocket handler (sanic issue 2572).
"""
from __future__ import annotations

import hashlib
import hmac
import inspect
import logging
import os
import secrets
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from . import http_guard
from .common import (EMPTY_REPLY, MAX_MESSAGE_CHARS, check_metadata, clean_sender, domain_of, hand_over,
                     plain_or_payload)

logger = logging.getLogger(__name__)


class QuietSocketBlueprint(SocketBlueprint):
    """Rasa's Socket.IO blueprint, with engine.io's route marked as a websocket handler for Sanic."""

    def register(self, app: Any, options: Dict[Text, Any]) -> None:
        http_guard.install(app)
        engineio = self.ctx.sio.eio

        async def engineio_request(request: Request) -> Optional[HTTPResponse]:
            problem = engineio_problem(request)
            if problem:
                return response.json({"error": problem}, status=400)
            return await engineio.handle_request(request)

        engineio_request.is_websocket = True  # type: ignore[attr-defined]  # None is the normal end of one
        app.add_route(engineio_request, "/{}/".format(self.ctx.socketio_path.strip("/")),
                      methods=["GET", "POST", "OPTIONS"], name="legcare_engineio")
        app.enable_websocket()
        Blueprint.register(self, app, options)


def engineio_problem(request: Request) -> Optional[str]:
    """Why engine.io would fail on this request (python-engineio 4.7 answers some with a 500), else None.

    A polling POST without a session id (`sid`) makes engine.io build its
    error message from None (TypeError). A repeated `EIO`, `transport` or
    `sid` is refused too, before engine.io reads it.
    """
    args = request.args
    for key in ("EIO", "transport", "sid"):
        values = args.getlist(key) if key in args else []
        if len(values) > 1:
            return f"'{key}' must be given once."
    if request.method == "POST" and not (args.get("sid") or "").strip():
        return "Invalid session: a polling POST needs the 'sid' of an open session."
    return None


class MergingSocketIOOutput(SocketIOOutput):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        custom, text = message.get("custom"), message.get("text")
        if custom is not None and text:
            payload: Dict[str, Any] = {"text": text, "custom": custom}
            if message.get("buttons"):
                payload["quick_replies"] = [{"content_type": "text", "title": b["title"], "payload": b["payload"]}
                                            for b in message["buttons"]]
            await self._send_message(recipient_id, payload)
            return
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # one bubble per message: the widget keeps line breaks itself
        await self._send_message(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text, "quick_replies": [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


SUPPORTED_OPTIONS = {
    # option: (what it must be, check)
    "user_message_evt": ("a non-empty text", lambda v: isinstance(v, str) and bool(v.strip())),
    "bot_message_evt": ("a non-empty text", lambda v: isinstance(v, str) and bool(v.strip())),
    "namespace": ("a text starting with '/' or empty", lambda v: v is None or (isinstance(v, str) and
                                                                                 (not v or v.startswith("/")))),
    "session_persistence": ("true or false", lambda v: isinstance(v, bool)),
    "socketio_path": ("a path starting with '/'", lambda v: isinstance(v, str) and v.startswith("/")),
}


class ConfigError(ValueError):
    pass


def check_options(credentials: Dict[Text, Any]) -> None:
    """Refuse what this channel would otherwise silently ignore or misread (values are never echoed: they may be secrets)."""
    unknown = sorted(str(k) for k in credentials if k not in SUPPORTED_OPTIONS)
    if unknown:
        raise ConfigError(
            f"socket.io channel (credentials.yml, channels.socketio.SocketIOInput): unsupported option(s) "
            f"{', '.join(unknown)}. LegCare's socket.io channel does not implement them (for example `jwt_key`: "
            f"sessions are protected by a session token instead); remove them. Supported: "
            f"{', '.join(SUPPORTED_OPTIONS)}.")
    for key, value in credentials.items():
        what, ok = SUPPORTED_OPTIONS[key]
        if not ok(value):
            raise ConfigError(f"socket.io channel (credentials.yml): `{key}` must be {what}.")


def session_secret() -> bytes:
    """The key session tokens are derived from: SOCKETIO_SESSION_SECRET, else random for this process."""
    given = os.environ.get("SOCKETIO_SESSION_SECRET", "")
    return given.encode() if given.strip() else secrets.token_bytes(32)


class SocketIOInput(InputChannel):
    """See the module docstring. Sessions are bound to a token, not to the session id alone:

    `session_request` answers `session_confirm` with two values, the session
    id and a session token (an HMAC of the id under a server key). A client
    resumes a session only by presenting both; a session id alone starts a
    new session. Messages go to the session the connection was confirmed in
    (the `session_id` a message carries must be that one), so knowing
    someone's session id gives neither their replies nor their conversation.
    """

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SocketIOInput":
        credentials = credentials or {}
        check_options(credentials)
        return cls(credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"),
                   credentials.get("namespace") or None,
                   credentials.get("session_persistence", True),
                   credentials.get("socketio_path", "/socket.io"))

    def __init__(self, user_message_evt: Text = "user_uttered", bot_message_evt: Text = "bot_uttered",
                 namespace: Optional[Text] = None, session_persistence: bool = True,
                 socketio_path: Text = "/socket.io", secret: Optional[bytes] = None) -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.session_persistence = session_persistence
        self.socketio_path = socketio_path
        self.sio: Optional[AsyncServer] = None
        self._secret = secret or session_secret()

    def session_token(self, session_id: str) -> str:
        return hmac.new(self._secret, session_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def _resumable(self, data: Any) -> Optional[str]:
        """The session id the client may resume, if it presented a valid token for it."""
        if not isinstance(data, dict) or not self.session_persistence:
            return None
        session_id = clean_sender(data.get("session_id"))
        token = data.get("session_token")
        if session_id is None or not isinstance(token, str):
            return None
        if hmac.compare_digest(self.session_token(session_id).encode(), token.encode("utf-8", "replace")):
            return session_id
        return None

    def get_output_channel(self) -> Optional[MergingSocketIOOutput]:
        return MergingSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # CORS is left to Sanic (`--cors`, RASA_CORS), as in Rasa's own connector
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = QuietSocketBlueprint(sio, self.socketio_path, "legcare_socketio_webhook", __name__)
        self.sio = sio
        output = MergingSocketIOOutput(sio, self.bot_message_evt)
        bound: Dict[str, str] = {}  # connection (sid) -> the session it was confirmed in

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Any = None, auth: Any = None, *_: Any) -> bool:
            return True  # (a client may also send an event named "connect", with any arguments)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text, *args: Any) -> None:
            if args:  # an event named "disconnect" sent by the client, not the connection closing
                return
            bound.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None, *_: Any) -> None:
            old = bound.get(sid)
            session_id = self._resumable(data) or uuid.uuid4().hex
            if old and old != session_id:
                left = sio.leave_room(sid, old, namespace=self.namespace)
                if inspect.isawaitable(left):
                    await left
            bound[sid] = session_id
            joined = sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(joined):  # a coroutine from python-socketio 5.10 on
                await joined
            await sio.emit("session_confirm", (session_id, self.session_token(session_id)), room=sid,
                           namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None, *_: Any) -> None:
            if not isinstance(data, dict):
                return
            sender = bound.get(sid)
            given = data.get("session_id")
            if sender is None or (given is not None and given != sender):
                await sio.emit(self.bot_message_evt, {"text": "Please reload the page to start a new chat."},
                               room=sid, namespace=self.namespace)
                return
            text = data.get("message")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                await output._send_message(sender, {"text": "Sorry, I can only read text messages of up to "
                                                            f"{MAX_MESSAGE_CHARS} characters."})
                return
            metadata, problem = check_metadata(data.get("metadata"))
            if problem:
                await output._send_message(sender, {"text": "Sorry, that message could not be read: " + problem})
                return
            text = plain_or_payload(text, domain_of(next(iter(bp.apps), None)))
            if not text.strip():
                await output._send_message(sender, {"text": EMPTY_REPLY})
                return
            message = UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata)
            await hand_over(on_new_message, message, "socket.io",
                            lambda reply: output._send_message(sender, {"text": reply}))

        return bp
