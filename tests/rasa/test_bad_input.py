"""Bad input gets a polite reply or a 4xx, never a 5xx, and nothing is lost."""
import pytest

pytestmark = pytest.mark.servers


@pytest.mark.parametrize("text", ["", "   ", "\n\t  "])
def test_empty_text_gets_a_polite_reply(chat, sender, text):
    status, out = chat.post({"sender": sender, "message": text})
    assert status == 200 and "didn't receive any text" in out[0]["text"]


def test_20000_characters_get_a_reply(chat, sender):
    text = ("my legs feel weak and tired. " * 700)[:20000]
    status, out = chat.post({"sender": sender, "message": text})
    assert status == 200 and out and out[0]["text"]


def test_over_the_limit_is_a_413(chat, sender):
    status, out = chat.post({"sender": sender, "message": "a" * 20001})
    assert status == 413 and "too long" in out["error"]


@pytest.mark.parametrize("text", ["😀😀😀", "🦵💥", "Mis piernas están muy débiles desde ayer",
                                  "Meine Beine sind schwach", "\x00\x07\x1b[31m", "\u202e\u200b\ufeff"])
def test_odd_text_gets_a_polite_reply(chat, sender, text):
    status, out = chat.post({"sender": sender, "message": text})
    assert status == 200 and out and all(m.get("text") for m in out), out


def test_control_characters_do_not_hide_an_emergency(chat, sender):
    out = chat.say(sender, "my face\x00 is droop\u200bing and my speech is slurred")
    assert out[0]["custom"]["triage"]["level"] == "emergency"


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"null", b"[1, 2]", b"\"text\""])
def test_malformed_body_is_a_400(chat, raw):
    status, out = chat.post(None, raw=raw)
    assert status == 400, (status, out)
    assert "error" in out


@pytest.mark.parametrize("body", [{"sender": "x"}, {"sender": "x", "message": 5},
                                  {"sender": "x", "message": None}, {"sender": {"a": 1}, "message": "hi"},
                                  {"sender": "x" * 500, "message": "hi"}, {"sender": "bad\nid", "message": "hi"}])
def test_wrong_fields_are_a_400(chat, body):
    status, out = chat.post(body)
    assert status == 400 and "error" in out


def test_conversation_continues_after_bad_input(chat, sender):
    chat.say(sender, "hello")
    chat.post(None, raw=b"{broken")
    chat.post({"sender": sender, "message": ""})
    texts = chat.texts(sender, "what exercises can I do?")
    assert any("exercises" in t for t in texts)
    events = chat.tracker(sender)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["hello", "what exercises can I do?"]
