"""Broken HTTP framing is refused or timed out, and never holds up anyone else.

Raw sockets against a Rasa server of its own (a short read time limit, and
a server that a regression would wedge is not the session's one).
"""
import json
import socket
import urllib.request

import pytest

from ops.servers import Stack, free_port

pytestmark = pytest.mark.servers
READ_TIMEOUT = 2  # HTTP_READ_TIMEOUT of this server, in seconds
WAIT = 30  # the most any step below waits for the server


@pytest.fixture(scope="module")
def server(trained_model, tmp_path_factory):
    var = tmp_path_factory.mktemp("http-entry")
    env = {"RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "LEGCARE_VAR_DIR": str(var),
           "TRACKER_STORE_URL": f"sqlite:///{var / 'tracker.db'}", "HTTP_READ_TIMEOUT": str(READ_TIMEOUT)}
    import os
    full = dict(os.environ)
    for key in ("ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "RASA_AUTH_TOKEN", "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN"):
        full.pop(key, None)
    full.update(env)
    s = Stack(model=trained_model, env=full).start(["rasa"])
    yield s
    s.stop()


def connect(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", int(server.env["RASA_PORT"])), timeout=WAIT)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or WAIT seconds pass)."""
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return out
            out += chunk
    except socket.timeout:
        raise AssertionError(f"the server kept the connection open; got {out[:200]!r}")
    except ConnectionResetError:
        return out


def status_of(raw: bytes) -> int:
    assert raw.startswith(b"HTTP/1."), raw[:200]
    return int(raw.split(b" ", 2)[1])


def normal_request_is_answered(server) -> None:
    """A REST message on another connection gets its reply (within WAIT seconds)."""
    body = json.dumps({"sender": "entry-check", "message": ""}).encode()
    req = urllib.request.Request(server.rasa_url + "/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=WAIT) as r:
        assert r.status == 200 and "didn't receive any text" in json.loads(r.read())[0]["text"]


def head(length_lines: str, path: str = "/webhooks/rest/webhook") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{length_lines}\r\n").encode()


@pytest.mark.parametrize("lines", [
    "Content-Length: -1\r\n",
    "Content-Length: -1000\r\n",
    "Content-Length: abc\r\n",
    "Content-Length: 1e3\r\n",
    "Content-Length: 1_0\r\n",
    "Content-Length: 2\r\nContent-Length: 2\r\n",
    "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
    "Transfer-Encoding: gzip\r\n",
])
def test_broken_content_length_is_a_400_and_blocks_nothing(server, lines):
    bad = connect(server)
    bad.sendall(head(lines) + b"{}")  # bytes waiting in the buffer: what made Sanic spin on -1
    normal_request_is_answered(server)
    raw = read_all(bad)
    assert status_of(raw) == 400 and b"Traceback" not in raw
    bad.close()


@pytest.mark.parametrize("length", [10 ** 12, 3 * 1024 * 1024])
def test_absurd_content_length_is_a_413_before_the_body(server, length):
    bad = connect(server)
    bad.sendall(head(f"Content-Length: {length}\r\n") + b"{")
    raw = read_all(bad)  # answered without waiting for the body
    assert status_of(raw) == 413
    bad.close()
    normal_request_is_answered(server)


@pytest.mark.parametrize("sent", [b"", b'{"sender": "x", "mess'])
def test_lying_length_or_slow_body_times_out_and_blocks_nothing(server, sent):
    bad = connect(server)
    bad.sendall(head("Content-Length: 1000\r\n") + sent)
    normal_request_is_answered(server)
    raw = read_all(bad)  # closed after the read time limit, not held for Rasa's hour
    assert status_of(raw) == 408
    bad.close()


def test_incomplete_header_times_out_and_blocks_nothing(server):
    bad = connect(server)
    bad.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    normal_request_is_answered(server)
    read_all(bad)  # the connection is closed
    bad.close()


def test_huge_header_is_refused(server):
    bad = connect(server)
    bad.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    raw = read_all(bad)
    assert status_of(raw) == 413
    bad.close()
    normal_request_is_answered(server)


def test_normal_requests_on_one_kept_alive_connection_still_work(server):
    sock = connect(server)
    body = json.dumps({"sender": "entry-keepalive", "message": ""}).encode()
    for _ in range(2):
        sock.sendall(head(f"Content-Length: {len(body)}\r\n") + body)
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += sock.recv(65536)
        header, _, rest = buf.partition(b"\r\n\r\n")
        assert status_of(header) == 200
        length = int([h.split(b":")[1] for h in header.split(b"\r\n") if h.lower().startswith(b"content-length")][0])
        while len(rest) < length:
            rest += sock.recv(65536)
        assert b"didn't receive any text" in rest
    sock.close()
