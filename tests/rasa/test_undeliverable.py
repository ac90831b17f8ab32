"""Telegram's or Slack's API cannot be reached: the turn is stored all the same, the reply marked undelivered."""
import hashlib
import hmac
import json
import os
import time
import urllib.request
import uuid

import pytest

from ops.servers import Stack, free_port
from tests.conftest import Chat

pytestmark = pytest.mark.servers
TOKEN = "test-" + uuid.uuid4().hex
TG_SECRET = "tg-" + uuid.uuid4().hex
SLACK_SECRET = "sl-" + uuid.uuid4().hex
TEXT = "my legs feel weak since the purple-walrus walk"  # distinctive: must never reach the logs


@pytest.fixture(scope="module")
def cut_off(trained_model, tmp_path_factory):
    """The servers, with the Bot API and the Slack API on ports where nothing listens."""
    var = tmp_path_factory.mktemp("cut-off")
    env = dict(os.environ)
    for key in ("ACTION_ENDPOINT_URL", "RASA_ENDPOINTS"):
        env.pop(key, None)
    env.update({
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "LEGCARE_VAR_DIR": str(var),
        "TRACKER_STORE_URL": f"sqlite:///{var / 'tracker.db'}", "RASA_AUTH_TOKEN": TOKEN,
        "TELEGRAM_TOKEN": "123456:TEST-telegram-token", "TELEGRAM_BOT_NAME": "legcare_test_bot",
        "TELEGRAM_WEBHOOK_URL": "https://example.invalid/webhooks/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": TG_SECRET, "TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}",
        "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
    })
    s = Stack(model=trained_model, env=env).start()
    yield s
    s.stop()


def tracker(stack, sender):
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def wait_for_turn(stack, sender, text, timeout=60.0):
    deadline = time.time() + timeout
    while True:
        body = tracker(stack, sender)
        users = [e["text"] for e in body["events"] if e["event"] == "user"]
        if users and (body["slots"].get("reply_undelivered") or time.time() > deadline):
            return body, users
        if time.time() > deadline:
            return body, users
        time.sleep(0.5)


def post(stack, path, raw, headers):
    req = urllib.request.Request(stack.rasa_url + path, data=raw, headers=dict(headers, **{
        "Content-Type": "application/json"}))
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status


def test_telegram_turn_is_stored_and_marked_undelivered(cut_off):
    chat_id = int(uuid.uuid4().int % 10**9)
    update = {"update_id": 1, "message": {"message_id": 5, "date": 0, "text": TEXT,
                                          "chat": {"id": chat_id, "type": "private"}}}
    status = post(cut_off, "/webhooks/telegram/webhook", json.dumps(update).encode(),
                  {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
    assert status == 200
    body, users = wait_for_turn(cut_off, str(chat_id), TEXT)
    assert users == [TEXT]
    assert any(e["event"] == "bot" for e in body["events"])  # the answer is in the conversation
    assert body["slots"]["reply_undelivered"]["channel"] == "telegram"
    assert body["slots"]["reply_undelivered"]["replies"] >= 1
    log = cut_off.services["rasa"].log.read_text(errors="replace")
    assert "telegram: a reply could not be delivered" in log
    assert "purple-walrus" not in log and "Traceback" not in log


def test_slack_turn_is_stored_and_marked_undelivered(cut_off):
    user = "U" + uuid.uuid4().hex[:8].upper()
    body = {"type": "event_callback", "event_id": "Ev" + uuid.uuid4().hex[:10],
            "event": {"type": "message", "channel_type": "im", "channel": "D" + user, "user": user,
                      "text": TEXT, "ts": str(time.time())}}
    raw = json.dumps(body).encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SLACK_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    assert post(cut_off, "/webhooks/slack/webhook", raw,
                {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}) == 200
    tracked, users = wait_for_turn(cut_off, user, TEXT)
    assert users == [TEXT]
    assert tracked["slots"]["reply_undelivered"]["channel"] == "slack"
    log = cut_off.services["rasa"].log.read_text(errors="replace")
    assert "slack: a reply could not be delivered" in log
    assert "purple-walrus" not in log and "Traceback" not in log


def test_other_channels_keep_working_meanwhile(cut_off):
    out = Chat(cut_off).say("rest-" + uuid.uuid4().hex[:8], "hello")
    assert out and "automated assistant" in out[0]["text"]
