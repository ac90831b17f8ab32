"""Socket.IO channel for the web widget.

Same events as Rasa's connector (`session_request`/`session_confirm`,
`user_uttered`/`bot_uttered`), with these differences:
- `enter_room` is awaited when it is a coroutine, so session persistence
  works with every python-socketio 5.x (rasa issue 13027);
- a response with text and a custom payload is one `bot_uttered` event, so
  the widget can draw the emergency banner from `custom.triage`;
- input is checked: a message must be text of at most 20,000 characters;
  an empty one gets a polite reply; nothing the person typed is logged;
- closing a page that talked over a websocket does not log a server error:
  engine.io's request handler returns nothing once the websocket it took
  over is closed, and Sanic reports that as "Invalid response type None"
  unless the handler is marked as a websocket handler (sanic issue 2572).
"""
from __future__ import annotations

import inspect
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from . import http_guard
from .common import EMPTY_REPLY, ERROR_REPLY, MAX_MESSAGE_CHARS, clean_sender

logger = logging.getLogger(__name__)


class QuietSocketBlueprint(SocketBlueprint):
    """Rasa's Socket.IO blueprint, with engine.io's route marked as a websocket handler for Sanic."""

    def register(self, app: Any, options: Dict[Text, Any]) -> None:
        http_guard.install(app)
        engineio = self.ctx.sio.eio

        async def engineio_request(request: Request) -> Optional[HTTPResponse]:
            return await engineio.handle_request(request)

        engineio_request.is_websocket = True  # type: ignore[attr-defined]  # None is the normal end of one
        app.add_route(engineio_request, "/{}/".format(self.ctx.socketio_path.strip("/")),
                      methods=["GET", "POST", "OPTIONS"], name="legcare_engineio")
        app.enable_websocket()
        Blueprint.register(self, app, options)


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


class SocketIOInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SocketIOInput":
        credentials = credentials or {}
        return cls(credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"),
                   credentials.get("namespace"),
                   bool(credentials.get("session_persistence", True)),
                   credentials.get("socketio_path", "/socket.io"))

    def __init__(self, user_message_evt: Text = "user_uttered", bot_message_evt: Text = "bot_uttered",
                 namespace: Optional[Text] = None, session_persistence: bool = True,
                 socketio_path: Text = "/socket.io") -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.session_persistence = session_persistence
        self.socketio_path = socketio_path
        self.sio: Optional[AsyncServer] = None

    def get_output_channel(self) -> Optional[MergingSocketIOOutput]:
        return MergingSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # CORS is left to Sanic (`--cors`, RASA_CORS), as in Rasa's own connector
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = QuietSocketBlueprint(sio, self.socketio_path, "legcare_socketio_webhook", __name__)
        self.sio = sio
        output = MergingSocketIOOutput(sio, self.bot_message_evt)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict] = None) -> None:
            session_id = clean_sender((data or {}).get("session_id")) if isinstance(data, dict) else None
            session_id = session_id or uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # a coroutine from python-socketio 5.10 on
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender = clean_sender(data.get("session_id")) if self.session_persistence else sid
            if sender is None:
                await sio.emit(self.bot_message_evt, {"text": "Please reload the page to start a new chat."},
                               room=sid, namespace=self.namespace)
                return
            text = data.get("message")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                await output._send_message(sender, {"text": "Sorry, I can only read text messages of up to "
                                                            f"{MAX_MESSAGE_CHARS} characters."})
                return
            if not text.strip():
                await output._send_message(sender, {"text": EMPTY_REPLY})
                return
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            try:
                await on_new_message(UserMessage(text, output, sender, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception:
                logger.exception("socket.io message failed (conversation %s)", sender)
                await output._send_message(sender, {"text": ERROR_REPLY})

        return bp
