"""Conversations survive a restart (SQLite tracker store); the HTTP API needs a token."""
import pytest

from tests.conftest import TEST_TOKEN

pytestmark = pytest.mark.servers


def test_http_api_requires_the_token(chat, sender):
    chat.say(sender, "hello")
    assert chat.get(f"/conversations/{sender}/tracker", token=None)[0] == 401
    assert chat.get(f"/conversations/{sender}/tracker", token="wrong")[0] == 401
    assert chat.get(f"/conversations/{sender}/tracker", token=TEST_TOKEN)[0] == 200
    assert chat.get("/status", token=None)[0] == 401


def test_conversation_survives_a_restart_and_api_is_off_without_token(stack, chat, sender):
    chat.say(sender, "hello")
    chat.say(sender, "my legs have felt weak for a week")
    before = [e for e in chat.tracker(sender)["events"] if e["event"] in ("user", "bot")]

    # restart without a token: the API routes are gone, the chat still works
    token = stack.env.pop("RASA_AUTH_TOKEN")
    try:
        stack.restart(["rasa"])
        status, _ = chat.get(f"/conversations/{sender}/tracker", token=token)
        assert status in (403, 404)
        assert chat.get("/status", token=token)[0] in (403, 404)
        assert chat.texts(sender, "thanks")
    finally:
        stack.env["RASA_AUTH_TOKEN"] = token
        stack.restart(["rasa"])

    events = [e for e in chat.tracker(sender)["events"] if e["event"] in ("user", "bot")]
    assert events[: len(before)] == before  # read back from SQLite
    assert [e["text"] for e in events if e["event"] == "user"][-1] == "thanks"
    assert sum(1 for e in events if e["event"] == "user") == 3
