"""Signed (authentic) but malformed Telegram and Slack payloads: a 4xx or a polite reply, never a 5xx or a traceback."""
import hashlib
import hmac
import http.client
import json
import time
import uuid
from urllib.parse import quote

import pytest

from tests.conftest import SLACK_SECRET, TELEGRAM_SECRET

from tests.logwatch import LogWatch

pytestmark = pytest.mark.servers
TELEGRAM = "/webhooks/telegram/webhook"
SLACK = "/webhooks/slack/webhook"


def raw_post(stack, path, body: bytes, headers):
    conn = http.client.HTTPConnection("127.0.0.1", int(stack.env["RASA_PORT"]), timeout=60)
    conn.putrequest("POST", path)
    for name, value in headers.items():
        conn.putheader(name, value)  # bytes values go out as they are (non-ASCII included)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    out = resp.status, resp.read()
    conn.close()
    return out


def telegram(stack, body, secret=TELEGRAM_SECRET.encode()):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return raw_post(stack, TELEGRAM, raw, {"Content-Type": "application/json",
                                           "X-Telegram-Bot-Api-Secret-Token": secret})


def slack(stack, body, ctype="application/json", extra=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SLACK_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": ctype, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
    headers.update(extra or {})
    return raw_post(stack, SLACK, raw, headers)


def chat_id():
    return int(uuid.uuid4().int % 10**9)


def message(cid, **fields):
    msg = {"message_id": 5, "date": 0, "chat": {"id": cid, "type": "private"},
           "from": {"id": cid, "is_bot": False, "first_name": "Ann"}}
    msg.update(fields)
    return {"update_id": 1, "message": msg}


@pytest.mark.parametrize("body", [
    b"{not json", b"[1, 2]", b"\"text\"", b"null",
    {"update_id": 1, "message": "hello"},
    {"update_id": 1, "message": ["hello"]},
    {"update_id": 1, "edited_message": 5},
    {"update_id": 1, "message": {"message_id": 5, "date": 0, "text": "hello"}},  # no chat
    {"update_id": 1, "message": {"message_id": 5, "date": 0, "text": "hello", "chat": "me"}},
    {"update_id": 1, "message": {"message_id": 5, "date": 0, "text": "hello", "chat": {"id": {"a": 1}}}},
    {"update_id": 1, "callback_query": "yes"},
    {"update_id": 1, "callback_query": {"id": "1", "data": "/deny"}},  # no message to answer in
], ids=lambda b: (b if isinstance(b, bytes) else json.dumps(b))[:60])
def test_malformed_telegram_update_is_a_400(stack, body):
    watch = LogWatch(stack)
    status, out = telegram(stack, body)
    assert status == 400, (status, out)
    assert "error" in json.loads(out)
    assert "Traceback" not in watch.new()


@pytest.mark.parametrize("fields", [{"text": 12345}, {"text": None}, {"text": ["a"]},
                                    {"sticker": {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                                                 "is_animated": False}}])
def test_telegram_message_without_text_gets_a_polite_reply(stack, fake_telegram, fields):
    watch = LogWatch(stack)
    cid = chat_id()
    status, _ = telegram(stack, message(cid, **fields))
    assert status == 200
    sent = fake_telegram.wait_for(lambda c: c["method"] == "sendMessage" and str(c["data"].get("chat_id")) == str(cid))
    assert "only read text" in sent[0]["data"]["text"]
    assert "Traceback" not in watch.new()


@pytest.mark.parametrize("secret", ["é".encode(), b"\xff\xfe", "секрет".encode()])
def test_non_ascii_telegram_secret_is_a_403(stack, secret):
    watch = LogWatch(stack)
    status, _ = telegram(stack, message(chat_id(), text="hello"), secret=secret)
    assert status == 403
    assert "Traceback" not in watch.new()


@pytest.mark.parametrize("body", [
    b"{not json", b"[1, 2]", b"5",
    {"type": "event_callback", "event": "hello"},
    {"type": "event_callback", "event": ["message"]},
    {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "user": "U1", "channel": "D1",
                                         "text": 5}},
    {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "channel": "D1", "text": "hi"}},
    {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "user": "U1", "text": "hi"}},
    {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "user": {"id": 1},
                                         "channel": "D1", "text": "hi"}},
], ids=lambda b: (b if isinstance(b, bytes) else json.dumps(b))[:60])
def test_malformed_slack_event_is_a_400(stack, body):
    watch = LogWatch(stack)
    status, out = slack(stack, body)
    assert status == 400, (status, out)
    assert "Traceback" not in watch.new()


@pytest.mark.parametrize("form", [
    b"", b"payload=", b"payload=%7Bnot+json", b"other=1", b"payload=" + quote('"text"').encode(),
    b"payload=" + quote(json.dumps({"actions": "button", "user": {"id": "U1"}})).encode(),
    b"payload=" + quote(json.dumps({"actions": [{"type": "button", "value": "yes"}]})).encode(),
    b"payload=" + quote(json.dumps({"actions": [5], "user": {"id": "U1"}})).encode(),
    b"\xff\xfe",
])
def test_malformed_slack_interaction_is_a_400(stack, form):
    watch = LogWatch(stack)
    status, out = slack(stack, form, ctype="application/x-www-form-urlencoded")
    assert status == 400, (status, out)
    assert "Traceback" not in watch.new()


def test_unsupported_slack_interaction_is_acknowledged(stack):
    form = b"payload=" + quote(json.dumps({"actions": [{"type": "datepicker_v9"}], "user": {"id": "U1"}})).encode()
    status, _ = slack(stack, form, ctype="application/x-www-form-urlencoded")
    assert status == 200


@pytest.mark.parametrize("signature", ["v0=é".encode(), b"\xff\xfe", "v0=подпись".encode()])
def test_non_ascii_slack_signature_is_a_400(stack, signature):
    watch = LogWatch(stack)
    status, _ = slack(stack, {"type": "event_callback", "event": {}}, extra={"X-Slack-Signature": signature})
    assert status == 400
    new = watch.new()
    assert "Traceback" not in new and "Failed to validate slack request" not in new
