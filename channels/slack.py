"""Slack channel, configured only from environment variables.

  SLACK_BOT_TOKEN       xoxb-... bot token (secret)
  SLACK_SIGNING_SECRET  the app's signing secret (secret)
  SLACK_CHANNEL         optional: only answer in this channel id
  SLACK_API_URL         Web API base URL (default https://slack.com/api/)

Built on Rasa's connector: the signature and the timestamp are checked
(unsigned, forged or stale requests are rejected with 400) and 200 is
answered at once while the reply is sent in the background. Changed: a
malformed but signed payload (bad JSON, a non-object `event`, missing
fields, a form without a JSON payload) is a 400, never a 500; retries are
handled as Rasa does (only `http_timeout` is dropped; a retry because the
first delivery never arrived is handled), and an event id seen before is
never answered twice; a reply that cannot be delivered is retried, then
marked in the conversation (slot `reply_undelivered`), and the turn is
stored all the same; the API base URL is configurable; message text is
never logged.

The memory of event ids already answered is shared by every Rasa server
through Redis when Redis is configured (REDIS_URL..., ops/settings.py): the
first server to `SET legcare:slack:event:<id> NX EX 86400` answers, any other
acknowledges without answering. If Redis does not answer, the event is
handled (checked against this server's own memory only): a rare second answer
is better than a message nobody answers.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from collections import OrderedDict
from functools import partial
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple, Union
from urllib.parse import parse_qs

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot, SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from . import common
from .common import GuardedOutput, hand_over, mark_undelivered
from .http_guard import GuardedBlueprint

logger = logging.getLogger(__name__)

DEFAULT_API = "https://slack.com/api/"
ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
# Slack retries dropped without a look (as Rasa's default): the first delivery arrived, only slowly.
# Every other retry is handled, and the event id seen before is never answered twice.
IGNORED_RETRY_REASONS = ("http_timeout",)
SEEN_KEY = "legcare:slack:event:"
SEEN_SECONDS = 24 * 3600  # Slack retries for minutes; a day is plenty
REDIS_TIMEOUT = 1.0  # seconds: Slack wants its 200 within 3


def missing_settings(env: Optional[Dict[str, str]] = None) -> List[str]:
    return common.missing_settings(ENV, env)


class SlackBot(RasaSlackBot):
    def __init__(self, token: Text, slack_channel: Optional[Text] = None, thread_id: Optional[Text] = None,
                 proxy: Optional[Text] = None, api_url: Text = DEFAULT_API) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        # the triage payload is for web clients; its text was already sent
        if "triage" in json_message and len(json_message) == 1:
            return None
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class SeenEvents:
    """A bounded memory of Slack event ids already answered, shared through Redis when `redis` is given."""

    def __init__(self, size: int = 5000, redis: Any = None):
        self.size, self._seen = size, OrderedDict()
        self.redis = redis  # a redis-py client, or None: this server's memory only

    def first_time(self, event_id: Optional[str]) -> bool:
        """This server's memory only."""
        if not event_id:
            return True
        if event_id in self._seen:
            return False
        self._remember(event_id)
        return True

    def _remember(self, event_id: str) -> None:
        self._seen[event_id] = True
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)

    async def first_time_anywhere(self, event_id: Optional[str]) -> bool:
        """True unless this server or (with Redis) any server sharing it has taken this event id."""
        if self.redis is None or not event_id:
            return self.first_time(event_id)
        if event_id in self._seen:
            return False
        try:
            first = await asyncio.get_running_loop().run_in_executor(
                None, partial(self.redis.set, SEEN_KEY + event_id, b"1", nx=True, ex=SEEN_SECONDS))
        except Exception as exc:
            logger.warning("Slack: the shared memory of answered events (Redis) did not answer (%s); the event is "
                           "handled, checked against this server's memory only", type(exc).__name__)
            first = True
        self._remember(event_id)
        return bool(first)


class SlackInput(RasaSlackInput):
    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SlackInput":
        env = os.environ
        missing = missing_settings(env)
        if missing:
            raise ValueError("Slack is not configured: set " + ", ".join(missing))
        return cls(env["SLACK_BOT_TOKEN"], env.get("SLACK_CHANNEL") or None,
                   slack_retry_reason_header="x-slack-retry-reason", slack_retry_number_header="x-slack-retry-num",
                   errors_ignore_retry=list(IGNORED_RETRY_REASONS), slack_signing_secret=env["SLACK_SIGNING_SECRET"],
                   api_url=env.get("SLACK_API_URL") or DEFAULT_API)

    def __init__(self, slack_token: Text, slack_channel: Optional[Text] = None, *args: Any,
                 api_url: Text = DEFAULT_API, **kwargs: Any) -> None:
        from ops.settings import redis_settings

        super().__init__(slack_token, slack_channel, *args, **kwargs)
        self.api_url = api_url
        redis = redis_settings()
        self.seen = SeenEvents(redis=redis.client(timeout=REDIS_TIMEOUT) if redis is not None else None)

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> SlackBot:
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id=thread_id, api_url=self.api_url)

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        """Rasa's check (HMAC of the body, at most five minutes old), on bytes, without logging."""
        try:
            stamp = request.headers.get("X-Slack-Request-Timestamp", "0")
            given = request.headers.get("X-Slack-Signature", "").encode("utf-8", "surrogateescape")
            if not stamp.isascii() or not stamp.isdigit() or abs(time.time() - int(stamp)) > 60 * 5:
                return False
            digest = hmac.new(self.slack_signing_secret.encode("utf-8"), f"v0:{stamp}:".encode() + request.body,
                              hashlib.sha256).hexdigest()
            return hmac.compare_digest(f"v0={digest}".encode(), given)
        except Exception as exc:
            logger.warning("Slack signature could not be checked (%s); request refused", type(exc).__name__)
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = GuardedBlueprint("slack_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET", "POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                return response.text("Message is not properly signed with a valid X-Slack-Signature header",
                                     status=400)
            ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
            if ctype == "application/json":
                parsed = parse_event(request.body)
            elif ctype == "application/x-www-form-urlencoded":
                parsed = parse_interaction(request.body)
            else:
                return response.text("Bot message delivered.")
            if isinstance(parsed, str):
                return response.json({"error": parsed}, status=400)
            if isinstance(parsed, HTTPResponse):
                return parsed
            text, user, metadata, event_id = parsed
            if metadata.pop("_check_channel", False) and not (
                    metadata.pop("_direct", False) or metadata["out_channel"] == self.slack_channel):
                logger.info("Slack message on a channel LegCare does not answer in; ignored")
                return response.text("channel not supported.")
            metadata.pop("_direct", None)
            conversation = self._get_conversation_id(user, metadata.get("out_channel"), metadata.get("thread_id"))
            text = common.plain_or_payload(self._sanitize_user_message(text, metadata["users"]),
                                           common.domain_of(request.app))
            if not text.strip():
                return response.text("Bot message delivered.")
            return await self.accept(request, on_new_message, text, conversation, metadata, event_id)

        return bp

    async def accept(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]], text: Text,
               sender_id: Text, metadata: Dict[str, Any], event_id: Optional[str]) -> HTTPResponse:
        """Answer 200 at once and handle the message in the background, at most once per event id.

        As in Rasa's connector, a retry is dropped only when Slack's reason is
        on the ignore list (`http_timeout`: the first delivery did arrive, it
        was only slow); a retry because the first delivery never arrived
        (`connection_failed`, ...) is the message itself and is handled.
        """
        reason = request.headers.get(self.retry_reason_header)
        if request.headers.get(self.retry_num_header) and reason in self.errors_ignore_retry:
            logger.info("Slack retry (%s) dropped: the first delivery arrived", reason)
            return response.text("", status=200, headers={"X-Slack-No-Retry": "1"})
        if not await self.seen.first_time_anywhere(event_id):
            return response.text("", status=200, headers={"X-Slack-No-Retry": "1"})
        thread_id = metadata.get("thread_id") if self.use_threads else None
        out = GuardedOutput(self.get_output_channel(metadata.get("out_channel"), thread_id), self.name())
        app = request.app

        async def handle() -> None:
            message = UserMessage(text, out, sender_id, input_channel=self.name(), metadata=metadata)
            if await hand_over(on_new_message, message, "Slack", lambda reply: out.send_text_message(sender_id, reply)):
                await mark_undelivered(app, sender_id, out)

        task = asyncio.create_task(handle())
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def parse_event(body: bytes) -> Union[str, HTTPResponse, Tuple[str, str, Dict[str, Any], Optional[str]]]:
    """(text, user, metadata, event id) of a Slack Events API message, a response to give, or what is wrong."""
    try:
        output = json.loads(body or b"null")
    except ValueError:
        return "The body is not JSON."
    if not isinstance(output, dict):
        return "A Slack event must be a JSON object."
    if "challenge" in output:
        return response.json(output.get("challenge"))
    event = output.get("event")
    if event is None:
        return response.text("Bot message delivered.")
    if not isinstance(event, dict):
        return "'event' must be an object."
    if event.get("type") not in ("message", "app_mention") or event.get("bot_id") \
            or event.get("subtype") in ("bot_message", "message_changed", "message_deleted"):
        return response.text("Bot message delivered.")  # not a person's message: nothing to answer
    text, user, channel = event.get("text"), _str(event.get("user")), _str(event.get("channel"))
    if not isinstance(text, str):
        return "The message has no text."
    if not text.strip():
        return response.text("Bot message delivered.")
    if user is None or channel is None:
        return "The message has no user or no channel."
    users: List[str] = []
    authed = output.get("authed_users")
    auths = output.get("authorizations")
    if isinstance(authed, list):
        users = [u for u in authed if isinstance(u, str)]
    elif isinstance(auths, list) and auths and isinstance(auths[0], dict) and _str(auths[0].get("user_id")):
        users = [auths[0]["user_id"]]
    thread = _str(event.get("thread_ts")) or _str(event.get("ts"))
    metadata = {"out_channel": channel, "thread_id": thread, "users": users, "_check_channel": True,
                "_direct": event.get("channel_type") == "im" or event.get("type") == "app_mention"}
    event_id = output.get("event_id")
    return text, user, metadata, event_id if isinstance(event_id, str) else None


def parse_interaction(body: bytes) -> Union[str, HTTPResponse, Tuple[str, str, Dict[str, Any], Optional[str]]]:
    """(text, user, metadata, None) of a button press or menu choice, a response to give, or what is wrong."""
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=False)
        payload = json.loads(form["payload"][0])
    except (UnicodeDecodeError, KeyError, IndexError, ValueError):
        return "The form has no JSON 'payload'."
    if not isinstance(payload, dict):
        return "'payload' must be a JSON object."
    actions, user = payload.get("actions"), payload.get("user")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return "'payload' has no actions."
    user_id = _str(user.get("id")) if isinstance(user, dict) else None
    if user_id is None:
        return "'payload' has no user id."
    try:
        text = RasaSlackInput._get_interactive_response(actions[0]) \
            if RasaSlackInput._is_interactive_message(payload) else None
    except (AttributeError, IndexError, KeyError, TypeError):
        text = None
    if not isinstance(text, str) or not text:
        return response.text("The input was not a reply LegCare can read; nothing to do.")
    channel, message = payload.get("channel"), payload.get("message")
    channel_id = _str(channel.get("id")) if isinstance(channel, dict) else None
    thread = None
    if isinstance(message, dict):
        thread = _str(message.get("thread_ts")) or _str(message.get("ts"))
    metadata = {"out_channel": channel_id, "thread_id": thread, "users": [user_id]}
    return text, user_id, metadata, None
