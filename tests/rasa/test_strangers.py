"""Closed to strangers: an explicit conversation id, CORS for the page's origin only, capped metadata, no text in logs."""
import asyncio
import json
import urllib.request
import uuid

import pytest

from tests.rasa.test_socketio import Client

pytestmark = pytest.mark.servers
PATH = "/webhooks/rest/webhook"


@pytest.mark.parametrize("body", [{"message": "my legs are weak"}, {"sender": None, "message": "my legs are weak"}])
def test_no_conversation_without_an_id(chat, body):
    before = [e for e in chat.tracker("default")["events"] if e["event"] == "user"]
    status, out = chat.post(body)
    assert status == 400 and "'sender' is required" in out["error"]
    after = [e for e in chat.tracker("default")["events"] if e["event"] == "user"]
    assert after == before  # nothing joined the shared "default" conversation


def cors(stack, origin, method="POST"):
    headers = {"Content-Type": "application/json", "Origin": origin}
    data = json.dumps({"sender": "cors-" + uuid.uuid4().hex[:8], "message": ""}).encode()
    if method == "OPTIONS":
        headers.update({"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
        data = None
    req = urllib.request.Request(stack.rasa_url + PATH, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.headers
    except urllib.error.HTTPError as e:
        return e.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:1", "http://127.0.0.1"])
@pytest.mark.parametrize("method", ["POST", "OPTIONS"])
def test_cors_refuses_foreign_and_null_origins(stack, origin, method):
    headers = cors(stack, origin, method)
    assert headers.get("Access-Control-Allow-Origin") in (None, ""), dict(headers)


@pytest.mark.parametrize("method", ["POST", "OPTIONS"])
def test_cors_allows_the_web_page(stack, method):
    origin = f"http://127.0.0.1:{stack.env['WEB_PORT']}"
    assert cors(stack, origin, method).get("Access-Control-Allow-Origin") == origin


def test_cors_setting_refuses_wildcards():
    from ops.settings import cors_origins
    assert cors_origins({"WEB_PORT": "8123"}) == ["http://localhost:8123", "http://127.0.0.1:8123"]
    assert cors_origins({"RASA_CORS": "https://a.example, https://b.example/"}) == [
        "https://a.example", "https://b.example"]
    for bad in ("*", "null", "https://a.example *", "https://*.example"):
        with pytest.raises(RuntimeError, match="not allowed"):
            cors_origins({"RASA_CORS": bad})


def test_oversized_metadata_is_refused(chat, sender):
    status, out = chat.post({"sender": sender, "message": "hello", "metadata": {"note": "x" * 5000}})
    assert status == 413 and "metadata" in out["error"] and "4096" in out["error"]
    status, out = chat.post({"sender": sender, "message": "hello", "metadata": ["not", "an", "object"]})
    assert status == 400 and "metadata" in out["error"]
    status, out = chat.post({"sender": sender, "message": "hello", "metadata": {"note": "x" * 1000}})
    assert status == 200
    assert [e["text"] for e in chat.tracker(sender)["events"] if e["event"] == "user"] == ["hello"]


def test_oversized_metadata_over_socketio_gets_a_polite_refusal(stack):
    async def scenario():
        client = Client(stack.rasa_url)
        session_id, _ = await client.start()
        await client.sio.emit("user_uttered", {"session_id": session_id, "message": "hello",
                                               "metadata": {"note": "x" * 5000}})
        await client.wait_for_reply()
        await client.stop()
        return client.received

    assert "too large" in asyncio.run(scenario())[0]["text"]


def test_a_slash_message_is_read_as_words(chat, sender):
    out = chat.say(sender, "/my face is drooping and my speech is slurred")
    assert out[0]["custom"]["triage"]["level"] == "emergency"


def test_message_text_never_reaches_the_logs(chat, stack):
    mark = "quokka" + uuid.uuid4().hex[:10]
    logs = [stack.services[name].log for name in ("rasa", "actions")]
    starts = [p.stat().st_size for p in logs]
    sender = "t-" + uuid.uuid4().hex[:12]
    for text in (f"my legs feel weak {mark}", f"/{mark} my legs", f"/{mark}", f"/greet{{\"{mark}\": 1}}",
                 f"/affirm{{{mark}", f"//{mark}@0.9", f"my left leg went weak {mark} suddenly"):
        status, _ = chat.post({"sender": sender, "message": text})
        assert status == 200
    async def over_socketio():
        client = Client(stack.rasa_url)
        session_id, _ = await client.start()
        await client.say(session_id, f"/{mark} weak legs")
        await client.wait_for_reply()
        await client.stop()
    asyncio.run(over_socketio())
    assert len([e for e in chat.tracker(sender)["events"] if e["event"] == "user"]) == 7
    for path, start in zip(logs, starts):
        with open(path, "rb") as f:
            f.seek(start)
            new = f.read().decode(errors="replace")
        assert mark not in new, f"{path.name} holds message text"
