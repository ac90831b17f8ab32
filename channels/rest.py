"""REST channel that checks its input: bad requests get a clear 4xx, never a 5xx.

Same URL and message format as Rasa's REST channel:
POST /webhooks/rest/webhook  {"sender": "id", "message": "text"}

An optional "message_id" (printable text, at most 128 characters, unique
within the conversation) makes sending the same turn again safe: a message
whose id is already stored is not processed a second time, its stored
replies are returned instead (ops/rasa_patches.py).
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from .http_guard import GuardedBlueprint
from .common import (EMPTY_REPLY, ERROR_REPLY, MAX_MESSAGE_CHARS, MergingCollector, check_metadata, clean_sender,
                     domain_of, failed_turn_reply, failed_turn_triage, plain_or_payload)

logger = logging.getLogger(__name__)


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _failed(text: str, message: str) -> HTTPResponse:
    """503 for a turn that failed; a message showing an emergency gets the emergency advice and its triage."""
    triage = failed_turn_triage(text)
    if triage is None:
        return _error(503, message)
    return response.json({"error": failed_turn_reply(text), "triage": triage}, status=503)


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = GuardedBlueprint("legcare_rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises on a body that is not JSON
                return _error(400, "The request body must be JSON like {\"sender\": \"id\", \"message\": \"text\"}.")
            if not isinstance(body, dict):
                return _error(400, "The request body must be a JSON object with 'sender' and 'message'.")
            if body.get("sender") is None:  # never a shared "default" conversation
                return _error(400, "'sender' is required: the id of your conversation (a long random text you "
                                   "keep, at most 128 characters).")
            sender = clean_sender(body.get("sender"))
            if sender is None:
                return _error(400, "'sender' must be a short printable text (at most 128 characters).")
            text = body.get("message")
            if not isinstance(text, str):
                return _error(400, "'message' must be text.")
            if len(text) > MAX_MESSAGE_CHARS:
                return _error(413, f"The message is too long: please keep it under {MAX_MESSAGE_CHARS} characters.")
            metadata, problem = check_metadata(body.get("metadata"))
            if problem:
                return _error(413 if "too large" in problem else 400, problem)
            text = plain_or_payload(text, domain_of(request.app))
            if not text.strip():
                return response.json([{"recipient_id": sender, "text": EMPTY_REPLY}])
            message_id = None
            if body.get("message_id") is not None:
                message_id = clean_sender(body.get("message_id"))
                if message_id is None:
                    return _error(400, "'message_id' must be a short printable text (at most 128 characters).")
            collector = MergingCollector()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 message_id=message_id, metadata=metadata))
            except CancelledError:
                logger.error("REST message timed out (conversation %s)", sender)
                return _failed(text, "The assistant took too long to answer. Please try again.")
            except Exception as exc:
                # never log the message text (health data), nor a traceback that could carry it
                logger.error("REST message failed (conversation %s, %s)", sender, type(exc).__name__)
                return _failed(text, ERROR_REPLY)
            return response.json(collector.messages)

        return bp
