"""Telegram channel, configured only from environment variables.

  TELEGRAM_TOKEN           bot token from @BotFather (secret)
  TELEGRAM_BOT_NAME        the bot's username
  TELEGRAM_WEBHOOK_URL     public https URL of /webhooks/telegram/webhook
  TELEGRAM_WEBHOOK_SECRET  secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token (secret)
  TELEGRAM_API_URL         Bot API base URL (default https://api.telegram.org; self-hosted servers work)

Changes from Rasa's connector: updates without the right secret-token header
are rejected (403); the webhook is registered at start-up with the secret and
a network failure there is a clear warning, not a crash; the bot name is not
fetched from Telegram for every update; `/start` greets; button presses are
acknowledged; long replies are split under Telegram's 4,096-character limit;
non-text updates get a polite reply; a malformed update is a 400, never a
500; a reply that cannot be delivered (the Bot API unreachable) is retried,
then marked in the conversation (slot `reply_undelivered`), and the turn is
stored all the same. Message text is never logged.
"""
from __future__ import annotations

import hmac
import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple, Union

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from . import common
from .common import (EMPTY_REPLY, MAX_MESSAGE_CHARS, NOT_TEXT_REPLY, GuardedOutput,
                     mark_undelivered, split_for_limit)
from .http_guard import GuardedBlueprint

logger = logging.getLogger(__name__)

DEFAULT_API = "https://api.telegram.org"
TELEGRAM_LIMIT = 4096
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ENV = ("TELEGRAM_TOKEN", "TELEGRAM_BOT_NAME", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET")


def missing_settings(env: Optional[Dict[str, str]] = None) -> List[str]:
    return common.missing_settings(ENV, env)


class TelegramOutput(Bot, OutputChannel):
    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, token: Text, api_url: Text = DEFAULT_API) -> None:
        Bot.__init__(self, token, server=TelegramAPIServer.from_base(api_url))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_for_limit(text, TELEGRAM_LIMIT):
            await self.send_message(recipient_id, part)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        markup = InlineKeyboardMarkup()
        markup.row(*[InlineKeyboardButton(b["title"], callback_data=b["payload"][:64]) for b in buttons])
        parts = split_for_limit(text, TELEGRAM_LIMIT)
        for part in parts[:-1]:
            await self.send_message(recipient_id, part)
        await self.send_message(recipient_id, parts[-1], reply_markup=markup)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_photo(recipient_id, image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        # machine-readable payloads (such as the triage) are for web clients and
        # integrations; the text of the same response has already been sent
        return None


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        env = os.environ
        return cls(env.get("TELEGRAM_TOKEN", ""), env.get("TELEGRAM_BOT_NAME", ""),
                   env.get("TELEGRAM_WEBHOOK_URL", ""), env.get("TELEGRAM_WEBHOOK_SECRET", ""),
                   env.get("TELEGRAM_API_URL", "") or DEFAULT_API)

    def __init__(self, token: Text, bot_name: Text, webhook_url: Text, secret: Text, api_url: Text = DEFAULT_API):
        missing = missing_settings({"TELEGRAM_TOKEN": token, "TELEGRAM_BOT_NAME": bot_name,
                                    "TELEGRAM_WEBHOOK_URL": webhook_url, "TELEGRAM_WEBHOOK_SECRET": secret})
        if missing:
            raise ValueError("Telegram is not configured: set " + ", ".join(missing))
        self.token, self.bot_name, self.webhook_url = token, bot_name, webhook_url
        self.secret, self.api_url = secret, api_url.rstrip("/")
        self._out: Optional[TelegramOutput] = None

    def get_output_channel(self) -> TelegramOutput:
        if self._out is None:
            self._out = TelegramOutput(self.token, self.api_url)
        return self._out

    async def register_webhook(self) -> bool:
        """Tell Telegram where to send updates, with the secret. False (and a warning) if it can't."""
        try:
            ok = await self.get_output_channel().request(
                "setWebhook", {"url": self.webhook_url, "secret_token": self.secret,
                               "allowed_updates": ["message", "edited_message", "callback_query"]})
            logger.info("Telegram webhook registered")
            return bool(ok)
        except Exception as exc:  # no internet, wrong token, Telegram down...
            logger.warning("Could not register the Telegram webhook (%s: %s). Telegram messages will not arrive "
                           "until the Bot API at %s is reachable; the rest of the assistant keeps running.",
                           type(exc).__name__, exc, self.api_url)
            return False

    def _authentic(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        # header values may hold any bytes (Sanic decodes them with surrogateescape)
        return bool(given) and hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                                   self.secret.encode("utf-8", "surrogateescape"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = GuardedBlueprint("legcare_telegram_webhook", __name__)

        @bp.listener("after_server_start")
        async def _register(app, loop) -> None:
            await self.register_webhook()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self._authentic(request):
                return response.json({"error": "forbidden"}, status=403)
            try:
                update = json.loads(request.body or b"null")
            except ValueError:
                return _bad("The body is not JSON.")
            parsed = parse_update(update)
            if isinstance(parsed, str):
                return _bad(parsed)
            if parsed is None:  # an update kind we do not answer (a member joined, a poll...)
                return response.json({"ok": True})
            sender, text, callback_id = parsed
            out = GuardedOutput(self.get_output_channel(), self.name())
            if callback_id is not None:
                try:
                    await self.get_output_channel().answer_callback_query(callback_id)
                except Exception:
                    logger.debug("could not acknowledge a Telegram button press")
            if text is None:
                await out.send_response(sender, {"text": NOT_TEXT_REPLY})
                return response.json({"ok": True})
            if text.strip() in ("/start", f"/start@{self.bot_name}"):
                text = "/greet"
            text = common.plain_or_payload(text, common.domain_of(request.app))
            if not text.strip():
                await out.send_response(sender, {"text": EMPTY_REPLY})
                return response.json({"ok": True})
            text = text[:MAX_MESSAGE_CHARS]
            message = UserMessage(text, out, sender, input_channel=self.name())
            if await common.hand_over(on_new_message, message, "Telegram",
                                      lambda reply: out.send_text_message(sender, reply)):
                await mark_undelivered(request.app, sender, out)
            return response.json({"ok": True})

        return bp


def _bad(problem: str) -> HTTPResponse:
    return response.json({"error": problem}, status=400)


def _chat_id(message: Any) -> Optional[str]:
    chat = message.get("chat") if isinstance(message, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    if isinstance(chat_id, bool) or not isinstance(chat_id, (int, str)):
        return None
    return common.clean_sender(chat_id)


def parse_update(update: Any) -> Union[None, str, Tuple[str, Optional[str], Optional[str]]]:
    """(chat id, text or None when the message is not text, callback id or None) from a Telegram update.

    None for an update kind that is not answered; a sentence saying what is
    wrong when the update is malformed.
    """
    if not isinstance(update, dict):
        return "A Telegram update must be a JSON object."
    query = update.get("callback_query")
    if query is not None:
        if not isinstance(query, dict):
            return "'callback_query' must be an object."
        sender = _chat_id(query.get("message"))
        if sender is None:
            return "The button press has no message with a chat id."
        data = query.get("data")
        qid = query.get("id")
        return sender, data if isinstance(data, str) else None, str(qid) if isinstance(qid, (str, int)) else None
    for key in ("message", "edited_message"):
        message = update.get(key)
        if message is None:
            continue
        if not isinstance(message, dict):
            return f"'{key}' must be an object."
        sender = _chat_id(message)
        if sender is None:
            return f"'{key}' has no chat id."
        text = message.get("text")
        return sender, text if isinstance(text, str) else None, None
    return None
