"""With the action server down, emergencies still escalate and other messages get an honest reply."""
import pytest

from tests.runner import is_emergency

pytestmark = pytest.mark.servers

UNAVAILABLE = "I can't look that up right now"


@pytest.fixture
def actions_down(stack):
    stack.stop(["actions"])
    try:
        yield
    finally:
        stack.start(["actions"])


def test_emergency_and_polite_reply_without_the_action_server(actions_down, chat, sender):
    out = chat.say(sender, "my face is drooping and my left arm is weak")
    assert is_emergency(out[0])  # made in the Rasa server
    assert not any(UNAVAILABLE in m.get("text", "") for m in out)  # nothing after it that muddles it

    out = chat.say(sender + "-b", "what exercises can I do?")  # answered by the action server
    assert [m["text"] for m in out] == [
        "Sorry, I can't look that up right now. Please try again in a minute. If this is an emergency, call 112 now."]

    chat.say(sender + "-c", "my legs have felt weak for a week")  # the emergency screen (in the Rasa server)
    out = chat.say(sender + "-c", "no")  # the interview needs the action server: told once, not repeated
    texts = [m.get("text", "") for m in out]
    assert sum(UNAVAILABLE in t for t in texts) == 1, texts


def test_answers_again_once_the_action_server_is_back(chat, sender):
    out = chat.say(sender, "what exercises can I do?")
    assert out and not any(UNAVAILABLE in m.get("text", "") for m in out)
