"""Slack channel, configured only from environment variables.

  SLACK_BOT_TOKEN       xoxb-... bot token (secret)
  SLACK_SIGNING_SECRET  the app's signing secret (secret)
  SLACK_CHANNEL         optional: only answer in this channel id
  SLACK_API_URL         Web API base URL (default https://slack.com/api/)

Built on Rasa's connector, which checks the signature and the timestamp
(unsigned, forged or stale requests are rejected with 400) and answers 200 at once while
the reply is sent in the background. Added: every Slack retry is
acknowledged and ignored, and an event id seen before is never answered
twice; the API base URL is configurable; message text is never logged.
"""
from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot, SlackInput as RasaSlackInput
from sanic import response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from . import common

logger = logging.getLogger(__name__)

DEFAULT_API = "https://slack.com/api/"
ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
RETRY_REASONS = ("http_timeout", "http_error", "timeout", "too_many_requests", "connection_failed",
                 "ssl_error", "unknown_error")


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
    """A bounded memory of Slack event ids already answered."""

    def __init__(self, size: int = 5000):
        self.size, self._seen = size, OrderedDict()

    def first_time(self, event_id: Optional[str]) -> bool:
        if not event_id:
            return True
        if event_id in self._seen:
            return False
        self._seen[event_id] = True
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


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
                   errors_ignore_retry=list(RETRY_REASONS), slack_signing_secret=env["SLACK_SIGNING_SECRET"],
                   api_url=env.get("SLACK_API_URL") or DEFAULT_API)

    def __init__(self, slack_token: Text, slack_channel: Optional[Text] = None, *args: Any,
                 api_url: Text = DEFAULT_API, **kwargs: Any) -> None:
        super().__init__(slack_token, slack_channel, *args, **kwargs)
        self.api_url = api_url
        self.seen = SeenEvents()

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> SlackBot:
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id=thread_id, api_url=self.api_url)

    async def process_message(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                              text: Text, sender_id: Optional[Text], metadata: Optional[Dict]) -> Any:
        if request.headers.get(self.retry_num_header):
            # we always answer 200 at once, so a retry is a duplicate of a message in hand
            return response.text("", status=200, headers={"X-Slack-No-Retry": "1"})
        event_id = None
        try:
            body = request.json if request.json is not None else json.loads(request.form.get("payload", "{}"))
            event_id = (body or {}).get("event_id")
        except Exception:
            pass
        if not self.seen.first_time(event_id):
            return response.text("", status=200, headers={"X-Slack-No-Retry": "1"})
        return await super().process_message(request, on_new_message, text, sender_id, metadata)
