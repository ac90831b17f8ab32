"""Telegram, end to end against a local fake Bot API."""
import json
import logging
import uuid

import pytest

from tests.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN

pytestmark = pytest.mark.servers
PATH = "/webhooks/telegram/webhook"


def post_update(chat, update, secret=TELEGRAM_SECRET):
    req = json.dumps(update).encode()
    import urllib.error
    import urllib.request
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(chat.stack.rasa_url + PATH, data=req, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def text_update(chat_id, text):
    return {"update_id": 1, "message": {"message_id": 5, "date": 0, "text": text,
                                        "chat": {"id": chat_id, "type": "private"},
                                        "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"}}}


def sent_to(api, chat_id):
    return lambda c: c["method"] == "sendMessage" and str(c["data"].get("chat_id")) == str(chat_id)


def new_chat():
    return int(uuid.uuid4().int % 10**9)


def test_webhook_registered_at_start_with_the_secret(stack, fake_telegram):
    calls = fake_telegram.wait_for(lambda c: c["method"] == "setWebhook")
    data = calls[0]["data"]
    assert data["secret_token"] == TELEGRAM_SECRET
    assert data["url"] == "https://example.invalid/webhooks/telegram/webhook"
    assert TELEGRAM_TOKEN in calls[0]["path"]


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
def test_updates_without_the_right_secret_are_rejected(chat, fake_telegram, secret):
    chat_id = new_chat()
    assert post_update(chat, text_update(chat_id, "hello"), secret=secret) == 403
    assert not fake_telegram.matching(sent_to(fake_telegram, chat_id))


def test_start_greets_and_emergency_is_sent_first(chat, fake_telegram):
    chat_id = new_chat()
    assert post_update(chat, text_update(chat_id, "/start")) == 200
    intro = fake_telegram.wait_for(sent_to(fake_telegram, chat_id))[0]
    assert "automated assistant" in intro["data"]["text"]
    assert post_update(chat, text_update(chat_id, "my face is drooping and my speech is slurred")) == 200
    msgs = fake_telegram.wait_for(sent_to(fake_telegram, chat_id), count=3)
    assert msgs[1]["data"]["text"].startswith("This could be a medical emergency. Call 112 now")


def test_buttons_become_an_inline_keyboard_and_presses_work(chat, fake_telegram):
    chat_id = new_chat()
    post_update(chat, text_update(chat_id, "my right leg has been weak for 3 weeks, it came on gradually"))
    question = fake_telegram.wait_for(sent_to(fake_telegram, chat_id))[0]["data"]
    if "rule out an emergency" in question["text"]:  # the screen may come first: its buttons send plain words
        keyboard = json.loads(question["reply_markup"])["inline_keyboard"]
        assert [(b["text"], b["callback_data"]) for b in keyboard[0]] == [
            ("Yes", "yes"), ("No", "no"), ("Not sure", "not sure")]
        post_update(chat, text_update(chat_id, "no"))
        question = fake_telegram.wait_for(sent_to(fake_telegram, chat_id), count=3)[2]["data"]
    keyboard = json.loads(question["reply_markup"])["inline_keyboard"]
    assert [(b["text"], b["callback_data"]) for b in keyboard[0]] == [
        ("Yes", "/affirm"), ("No", "/deny"), ("Not sure", "/dont_know")]
    press = {"update_id": 2, "callback_query": {
        "id": "cb-" + str(chat_id), "data": "/deny", "chat_instance": "x",
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
        "message": {"message_id": 6, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "q"}}}
    assert post_update(chat, press) == 200
    fake_telegram.wait_for(lambda c: c["method"] == "answerCallbackQuery" and c["data"].get("callback_query_id")
                           == "cb-" + str(chat_id))
    second = fake_telegram.wait_for(sent_to(fake_telegram, chat_id), count=2)[1]["data"]
    assert second["text"] != question["text"]  # the answer was taken and the next question asked


def test_non_text_update_gets_a_polite_reply(chat, fake_telegram):
    chat_id = new_chat()
    update = text_update(chat_id, "x")
    del update["message"]["text"]
    update["message"]["sticker"] = {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                                    "is_animated": False}
    assert post_update(chat, update) == 200
    assert "only read text" in fake_telegram.wait_for(sent_to(fake_telegram, chat_id))[0]["data"]["text"]


def test_no_internet_at_start_is_a_warning_not_a_crash(caplog):
    import asyncio
    from channels.telegram import TelegramInput
    from ops.servers import free_port
    channel = TelegramInput(TELEGRAM_TOKEN, "bot", "https://example.invalid/hook", "s",
                            api_url=f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(channel.register_webhook()) is False
    assert "Could not register the Telegram webhook" in caplog.text


def test_missing_settings_leave_telegram_off(tmp_path):
    from ops.settings import credentials_file
    env = {"TELEGRAM_TOKEN": "123:abc", "LEGCARE_VAR_DIR": str(tmp_path)}
    path, notes = credentials_file(env)
    assert "channels.telegram.TelegramInput" not in path.read_text()
    assert any("TELEGRAM_WEBHOOK_SECRET" in n for n in notes)
