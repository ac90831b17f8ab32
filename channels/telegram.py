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
non-text updates get a polite reply. Message text is never logged.
"""
from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from . import common
from .common import EMPTY_REPLY, MAX_MESSAGE_CHARS, split_for_limit

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
        return bool(given) and hmac.compare_digest(given, self.secret)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("legcare_telegram_webhook", __name__)

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
                update = Update(**(request.json or {}))
            except Exception:
                return response.json({"error": "not a Telegram update"}, status=400)
            out = self.get_output_channel()
            if update.callback_query is not None:
                msg, text = update.callback_query.message, update.callback_query.data
                try:
                    await out.answer_callback_query(update.callback_query.id)
                except Exception:
                    logger.debug("could not acknowledge a Telegram button press")
            else:
                msg = update.message or update.edited_message
                text = msg.text if msg is not None else None
            if msg is None or msg.chat is None:
                return response.text("ok")
            sender = str(msg.chat.id)
            if text is None:
                await out.send_message(sender, "Sorry, I can only read text messages.")
                return response.text("ok")
            if text.strip() in ("/start", f"/start@{self.bot_name}"):
                text = "/greet"
            if not text.strip():
                await out.send_message(sender, EMPTY_REPLY)
                return response.text("ok")
            text = text[:MAX_MESSAGE_CHARS]
            try:
                await on_new_message(UserMessage(text, out, sender, input_channel=self.name()))
            except Exception:
                logger.exception("Telegram message failed (chat %s)", sender)
            return response.text("ok")

        return bp
