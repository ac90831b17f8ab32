"""Slack, end to end against a local fake Web API, with properly signed events."""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import SLACK_SECRET

pytestmark = pytest.mark.servers
PATH = "/webhooks/slack/webhook"


def post(chat, body, secret=SLACK_SECRET, ts=None, extra=None, sign=True):
    raw = json.dumps(body).encode()
    ts = str(int(time.time())) if ts is None else str(ts)
    headers = {"Content-Type": "application/json"}
    if sign:
        sig = hmac.new(secret.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
        headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + sig})
    headers.update(extra or {})
    req = urllib.request.Request(chat.stack.rasa_url + PATH, data=raw, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, time.perf_counter() - start
    except urllib.error.HTTPError as e:
        return e.code, time.perf_counter() - start


def event(text, user=None, event_id=None):
    user = user or "U" + uuid.uuid4().hex[:8].upper()
    return {"type": "event_callback", "event_id": event_id or "Ev" + uuid.uuid4().hex[:10],
            "event": {"type": "message", "channel_type": "im", "channel": "D" + user, "user": user,
                      "text": text, "ts": str(time.time())}}, user


def posted_to(user):
    return lambda c: c["method"] == "chat.postMessage" and c["data"].get("channel") == "D" + user


@pytest.mark.parametrize("kind", ["unsigned", "forged", "stale"])
def test_bad_requests_are_rejected(chat, fake_slack, kind):
    body, user = event("hello")
    if kind == "unsigned":
        status, _ = post(chat, body, sign=False)
    elif kind == "forged":
        status, _ = post(chat, body, secret="not-the-secret")
    else:
        status, _ = post(chat, body, ts=int(time.time()) - 600)
    assert status == 400  # Rasa's connector rejects these with 400 Bad Request
    time.sleep(1)
    assert not fake_slack.matching(posted_to(user))


def test_signed_message_gets_an_answer(chat, fake_slack):
    body, user = event("hello")
    status, _ = post(chat, body)
    assert status == 200
    msg = fake_slack.wait_for(posted_to(user))[0]
    assert "automated assistant" in msg["data"]["text"]
    assert msg["headers"].get("Authorization") == "Bearer xoxb-test-token"


def test_emergency_over_slack(chat, fake_slack):
    body, user = event("I suddenly can't move my right leg and my face droops")
    assert post(chat, body)[0] == 200
    first = fake_slack.wait_for(posted_to(user))[0]
    assert first["data"]["text"].startswith("This could be a medical emergency. Call 112 now")


def test_retries_and_duplicates_are_not_answered_twice(chat, fake_slack):
    body, user = event("hello")
    assert post(chat, body)[0] == 200
    fake_slack.wait_for(posted_to(user))
    retry = post(chat, body, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert retry[0] == 200
    assert post(chat, body)[0] == 200  # the same event id again
    time.sleep(3)
    assert len(fake_slack.matching(posted_to(user))) == 1


def test_url_verification_challenge(chat):
    body = {"type": "url_verification", "challenge": "abc123"}
    assert post(chat, body)[0] == 200


def test_missing_signing_secret_leaves_slack_off(tmp_path):
    from ops.settings import credentials_file
    path, notes = credentials_file({"SLACK_BOT_TOKEN": "xoxb-1", "LEGCARE_VAR_DIR": str(tmp_path)})
    assert "channels.slack.SlackInput" not in path.read_text()
    assert any("SLACK_SIGNING_SECRET" in n for n in notes)


def test_retry_whose_first_delivery_never_arrived_is_answered(chat, fake_slack):
    """Slack retries with `connection_failed` when the first delivery never reached us: that is the message."""
    body, user = event("hello")
    status, _ = post(chat, body, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "connection_failed"})
    assert status == 200
    msg = fake_slack.wait_for(posted_to(user))[0]
    assert "automated assistant" in msg["data"]["text"]
    user_texts = [e["text"] for e in chat.tracker(user)["events"] if e["event"] == "user"]
    assert user_texts == ["hello"]


def test_retry_after_a_slow_first_delivery_is_dropped(chat, fake_slack):
    body, user = event("hello")
    status, _ = post(chat, body, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert status == 200
    time.sleep(2)
    assert not fake_slack.matching(posted_to(user))
