"""What the reliability suite's fuzz part found (issue 12): bad input gets a 4xx, never a 5xx, a dropped
connection or a traceback, and no message text reaches the logs."""
import asyncio
import http.client
import json
import socket
import uuid

import pytest

from tests.conftest import TEST_TOKEN
from tests.rasa.test_socketio import Client

from tests.logwatch import LogWatch

pytestmark = pytest.mark.servers
WAIT = 30
REST = "/webhooks/rest/webhook"


def request(stack, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", int(stack.env["RASA_PORT"]), timeout=WAIT)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    try:
        return resp.status, json.loads(raw)
    except ValueError:
        return resp.status, raw.decode(errors="replace")


def raw_exchange(stack, data: bytes) -> bytes:
    """Send bytes on a new connection; everything the server answers until it closes the connection."""
    sock = socket.create_connection(("127.0.0.1", int(stack.env["RASA_PORT"])), timeout=WAIT)
    sock.sendall(data)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    return out


def api(stack, method, path, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return request(stack, method, path, data, {"Content-Type": "application/json",
                                               "Authorization": f"Bearer {TEST_TOKEN}"})


def test_metadata_nested_very_deep_is_a_400(stack, sender):
    depth = 1000
    body = '{"sender": "%s", "message": "my legs are weak", "metadata": %s1%s}' % (sender, '{"a":' * depth, "}" * depth)
    status, out = request(stack, "POST", REST, body.encode(), {"Content-Type": "application/json"})
    assert status == 400, (status, out)
    assert "nested too deeply" in out["error"]


def test_engineio_polling_post_without_a_session_is_a_400(stack):
    for body in (b"40", b"", b'42["user_uttered",{"message":"hello"}]'):
        status, out = request(stack, "POST", "/socket.io/?EIO=4&transport=polling", body,
                              {"Content-Type": "text/plain;charset=UTF-8"})
        assert status == 400, (status, out)


def test_a_request_line_with_an_unreadable_url_gets_a_400(stack):
    answer = raw_exchange(stack, b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


@pytest.mark.parametrize("path, body", [
    ("/model/parse", []),
    ("/model/parse", {"text": 5}),
    ("/model/parse", {"text": {"words": "my legs are weak"}}),
    ("/conversations/{id}/messages", {"text": 5, "sender": "user"}),
    ("/conversations/{id}/messages", ["my legs are weak"]),
    ("/model/test/intents", {"rasa_nlu_data": 5}),
])
def test_malformed_http_api_requests_are_a_400(stack, sender, path, body):
    log = LogWatch(stack)
    status, out = api(stack, "POST", path.format(id=sender), body)
    assert status == 400, (status, out)
    assert isinstance(out, dict) and out.get("status") == "failure" and out.get("code") == 400, out
    assert "Traceback" not in log.new()


def test_replies_asked_for_on_telegram_for_an_id_that_is_no_chat_are_a_400(stack, sender):
    status, out = api(stack, "POST", f"/conversations/{sender}/trigger_intent?output_channel=telegram",
                      {"name": "greet"})
    assert status == 400, (status, out)


def test_http_api_errors_log_no_message_text_and_no_traceback(stack, sender):
    mark = "wombat" + uuid.uuid4().hex[:10]
    log = LogWatch(stack)
    for path, body in [("/model/parse", {"text": {mark: mark}}),
                       ("/model/parse", [mark]),
                       (f"/conversations/{sender}/messages", {"text": [mark], "sender": "user"}),
                       (f"/conversations/{sender}/messages", {"text": mark, "sender": {mark: 1}}),
                       ("/model/test/intents", {"rasa_nlu_data": {"common_examples": [{"text": 5, mark: mark}]}})]:
        status, _ = api(stack, "POST", path, body)
        assert status < 500, (path, status)
    status, _ = request(stack, "POST", f"/socket.io/?EIO=4&transport={mark}", mark.encode(),
                        {"Content-Type": "text/plain"})
    assert status < 500
    new = log.new()
    assert mark not in new, [ln for ln in new.splitlines() if mark in ln]
    assert "Traceback" not in new


def test_socketio_events_with_missing_or_extra_arguments_log_no_traceback(stack):
    log = LogWatch(stack)

    async def scenario():
        client = Client(stack.rasa_url)
        session_id, _ = await client.start()
        await client.sio.emit("user_uttered")  # no payload at all
        await client.sio.emit("disconnect", {"x": 1})  # an event that only the server may raise
        await client.sio.emit("connect")
        await client.say(session_id, "hello")  # the session still works
        replies = await client.wait_for_reply()
        await client.stop()
        return replies

    assert asyncio.run(scenario())
    new = log.new()
    assert "Traceback" not in new and "handler error" not in new
