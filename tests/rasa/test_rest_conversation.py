"""End-to-end conversations over REST against the running servers."""
import re

import pytest

pytestmark = pytest.mark.servers


def test_hello_gets_the_introduction_and_disclaimer(chat, sender):
    texts = chat.texts(sender, "hello")
    assert len(texts) == 1
    assert "automated assistant" in texts[0] and "not a doctor" in texts[0]
    assert "112" in texts[0]  # EMERGENCY_NUMBER is used


def test_weak_legs_for_a_week_asks_the_screen_then_for_more_detail(chat, sender):
    chat.say(sender, "hi")
    out = chat.say(sender, "my legs have felt weak for a week")
    # how fast it began is unknown: the emergency questions come first, not the emergency reply
    assert out[0]["custom"]["screen"]["questions"] and "triage" not in out[0].get("custom", {})
    texts = chat.texts(sender, "no")
    assert len(texts) >= 2 and "?" in texts[1]


def test_emergency_first_message_and_payload(chat, sender):
    out = chat.say(sender, "my face is drooping and my left arm is weak")
    first = out[0]
    assert first["text"].startswith("This could be a medical emergency. Call 112 now")
    triage = first["custom"]["triage"]
    assert triage["level"] == "emergency"
    assert "facial_droop" in triage["red_flags"] and triage["emergency_number"] == "112"
    # the action server adds the reasons after it
    assert any("Why I'm worried" in m.get("text", "") for m in out[1:])


def test_greeting_later_in_the_conversation_is_short(chat, sender):
    chat.say(sender, "hello")
    texts = chat.texts(sender, "hi again")
    assert "automated assistant" not in texts[0]


@pytest.mark.parametrize("message, expected", [
    ("are you a real doctor?", "not a person or a doctor"),
    ("tell me a joke", "outside what I can help with"),
    ("thanks a lot", "Look after yourself|welcome"),
    ("what exercises can I do?", "Standing side leg raise"),
    ("what can I do at home to help?", "Check with a doctor first"),
    ("when should I see a doctor?", "Call 112 straight away"),
    ("what causes leg weakness?", "Source:"),
    ("goodbye", "Take care"),
])
def test_each_intent_gets_its_answer(chat, sender, message, expected):
    texts = chat.texts(sender, message)
    assert any(re.search(expected, t) for t in texts), texts


def test_words_it_cannot_read_get_the_screen_with_a_language_note(chat, sender):
    # unreadable words may be another language: never "I didn't understand" alone
    texts = chat.texts(sender, "qwzx plorf vvv")
    assert texts[0].startswith("I can only read English well") and "Reply yes or no" in texts[0]
