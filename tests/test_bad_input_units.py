"""Bad input found by the reliability suite's fuzz part (issue 12), on parts that need no Rasa server:
the metadata check, the web page server and the fake Telegram API."""
import http.client
import json
import socket
import urllib.error
import urllib.request

import pytest

from channels.common import check_metadata
from ops.servers import free_port

WAIT = 30


@pytest.mark.parametrize("depth", [25, 1000, 100_000])
def test_deeply_nested_metadata_is_refused_with_a_reason(depth):
    value = 1
    for _ in range(depth):
        value = {"a": value}
    metadata, problem = check_metadata(value)
    assert metadata is None and "nested too deeply" in problem


def test_ordinary_metadata_is_kept():
    value = {"page": "/", "n": [1, 2, {"x": "y"}]}
    assert check_metadata(value) == (value, None)


@pytest.fixture(scope="module")
def web():
    from ops.web import WebServer
    port = free_port()
    server = WebServer({"WEB_PORT": str(port), "RASA_PORT": "5005"}).start()
    yield port
    server.stop()


def ask(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request(method, path, body=body)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, resp.headers


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"])
def test_web_page_server_answers_other_methods_with_405(web, method):
    status, headers = ask(web, method, "/", body=b"x" if method in ("POST", "PUT", "PATCH") else None)
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
    # the refusal carries the same protections as the page (a browser must not sniff or frame it)
    assert headers["X-Content-Type-Options"] == "nosniff" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/" + "a/" * 2000, "/" + "b" * 4000], ids=["4000-deep", "4000-long-name"])
def test_web_page_server_answers_very_long_paths(web, path, capfd):
    sock = socket.create_connection(("127.0.0.1", web), timeout=WAIT)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    answer = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    sock.close()
    assert answer.split(b" ", 2)[1] in (b"404", b"414"), answer[:100]
    assert "Traceback" not in capfd.readouterr().err


def test_web_page_server_still_serves_the_page(web):
    assert ask(web, "GET", "/")[0] == 200
    assert ask(web, "HEAD", "/widget.js")[0] == 200


def test_fake_telegram_answers_a_chat_id_that_is_not_a_number_with_400(capfd):
    from tests.fakes import telegram_api
    api = telegram_api()
    try:
        req = urllib.request.Request(api.url + "/botTOKEN/sendMessage", method="POST",
                                     data=json.dumps({"chat_id": "not-a-number", "text": "hi"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=WAIT)
        assert err.value.code == 400
        assert json.loads(err.value.read())["ok"] is False
    finally:
        api.stop()
    assert "Traceback" not in capfd.readouterr().err


def _raised(fn):
    try:
        fn()
    except Exception as exc:
        return exc
    raise AssertionError("nothing raised")


def test_a_malformed_request_is_a_400_but_a_fault_of_the_servers_own_is_a_500():
    import redis

    from legcare.engine import Engine
    from ops.http_errors import classify

    # a request body of the wrong shape, read by the route (here: by this test's own code)
    status, body, _ = classify(_raised(lambda: {"text": 1}["message"]))
    assert status == 400 and body["reason"] == "BadRequest"
    # the same kinds of exception raised inside a database driver or LegCare's engine are not the client's fault
    status, body, _ = classify(_raised(lambda: redis.Redis.from_url("not-a-url")))  # ValueError in the driver
    assert status == 500 and body["reason"] == "ServerError"
    status, _, _ = classify(_raised(lambda: Engine.assess(None, 42)))
    assert status == 500
