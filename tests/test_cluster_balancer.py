"""`make cluster`'s haproxy (ops/balancer.py, ops/haproxy_config.py) in front of two stand-in replicas.

Real haproxy, small HTTP servers as replicas (they answer, refuse readiness,
or die without answering on demand): what the balancer does with a client's
request, in seconds, without Rasa.
"""
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ops.backing import BackingError
from ops.balancer import Haproxy
from ops.haproxy_config import COOKIE, Replica, channel_error_reply
from ops.servers import free_port


class FakeReplica:
    """Answers /health/ready (200, or 503 when not ready); other requests: JSON naming it, or dies on them."""

    def __init__(self, name: str):
        self.name, self.ready, self.dies = name, True, False
        self.requests = []  # (method, path) of every request but health checks
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                if self.path == "/health/ready":
                    body, status = b"{}", 200 if replica.ready else 503
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length:
                        self.rfile.read(length)
                    replica.requests.append((self.command, self.path))
                    if replica.dies:  # closes the connection without a word, as a killed process does
                        self.close_connection = True
                        return
                    body, status = json.dumps({"replica": replica.name}).encode(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def calls(self, method):
        return sum(1 for m, _ in self.requests if m == method)


@pytest.fixture(scope="module")
def lb(tmp_path_factory):
    replicas = {"a": FakeReplica("a"), "b": FakeReplica("b")}
    balancer = Haproxy(tmp_path_factory.mktemp("haproxy"), "127.0.0.1", free_port(),
                       [Replica(n, "127.0.0.1", r.port) for n, r in replicas.items()], {}).start()
    balancer.fakes = replicas
    balancer.url = f"http://127.0.0.1:{balancer.port}"
    yield balancer
    balancer.stop()
    for r in replicas.values():
        r.httpd.shutdown()


@pytest.fixture
def fakes(lb):
    for r in lb.fakes.values():
        r.ready, r.dies = True, False
        r.requests.clear()
    lb.wait_up(["a", "b"], timeout=30)
    return lb.fakes


def call(lb, method, path, cookie=None, body=None):
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    req = urllib.request.Request(lb.url + path, method=method, headers=headers,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def wait_state(lb, name, state, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lb.states().get(name) == state:
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} not {state} after {timeout} s: {lb.states()}")


def test_a_post_that_reached_a_dying_replica_is_not_sent_again_and_the_client_gets_json(lb, fakes):
    fakes["a"].dies = True
    status, headers, body = call(lb, "POST", "/webhooks/rest/webhook", cookie="a",
                                 body={"sender": "s", "message": "hello"})
    assert status == 502
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"error": channel_error_reply()}  # the channels' shape and text, not HTML
    assert fakes["a"].calls("POST") == 1 and fakes["b"].calls("POST") == 0  # never processed twice


def test_a_post_on_a_kept_alive_connection_gets_json_when_its_replica_dies(lb, fakes):
    # a REST client or a bot platform sends its turns over one kept-alive connection; a replica killed while
    # a later turn is in flight must still give that client an answer (haproxy closes a kept-alive client
    # connection without a word in that case, unless each request comes on a connection of its own)
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=30)
    headers = {"Content-Type": "application/json", "Cookie": f"{COOKIE}=a"}
    try:
        conn.request("POST", "/webhooks/rest/webhook", body=json.dumps({"sender": "s", "message": "one"}),
                     headers=headers)
        first = conn.getresponse()
        assert first.status == 200 and json.loads(first.read()) == {"replica": "a"}
        fakes["a"].dies = True
        if first.will_close:  # the balancer said it closes after each answer: the client opens a new one
            conn.close()
        conn.request("POST", "/webhooks/rest/webhook", body=json.dumps({"sender": "s", "message": "two"}),
                     headers=headers)
        second = conn.getresponse()
        status, body = second.status, second.read()
    finally:
        conn.close()
    assert status == 502 and json.loads(body) == {"error": channel_error_reply()}
    assert fakes["a"].calls("POST") == 2 and fakes["b"].calls("POST") == 0  # the second turn not sent twice


def test_a_get_that_reached_a_dying_replica_is_answered_by_the_other(lb, fakes):
    fakes["a"].dies = True
    status, headers, body = call(lb, "GET", "/conversations/x/tracker", cookie="a")
    assert status == 200 and json.loads(body) == {"replica": "b"}
    assert fakes["a"].calls("GET") == 1 and fakes["b"].calls("GET") == 1


def test_a_replica_that_is_not_ready_is_taken_out_and_put_back(lb, fakes):
    fakes["b"].ready = False
    wait_state(lb, "b", "DOWN")
    answered = [json.loads(call(lb, "GET", "/status")[2])["replica"] for _ in range(6)]
    assert answered == ["a"] * 6
    status, _, body = call(lb, "GET", "/status", cookie="b")  # a cookie for it does not keep a client there
    assert status == 200 and json.loads(body) == {"replica": "a"}
    fakes["b"].ready = True
    wait_state(lb, "b", "UP")
    assert {json.loads(call(lb, "GET", "/status")[2])["replica"] for _ in range(6)} == {"a", "b"}


def test_the_cookie_keeps_a_client_on_its_replica(lb, fakes):
    status, headers, body = call(lb, "GET", "/socket.io/?EIO=4&transport=polling")
    first = json.loads(body)["replica"]
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={first};") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    answered = {json.loads(call(lb, "GET", "/socket.io/?EIO=4&transport=polling", cookie=first)[2])["replica"]
                for _ in range(10)}
    assert answered == {first}


def test_no_replica_ready_is_a_json_503(lb, fakes):
    fakes["a"].ready = fakes["b"].ready = False
    wait_state(lb, "a", "DOWN")
    wait_state(lb, "b", "DOWN")
    status, headers, body = call(lb, "POST", "/webhooks/rest/webhook", body={"sender": "s", "message": "hi"})
    assert status == 503 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"error": channel_error_reply()}


def test_failed_requests_are_logged_without_their_query_string(lb, fakes):
    fakes["a"].dies = fakes["b"].dies = True
    token = "tok-secret-0123456789"
    assert call(lb, "POST", f"/conversations/abc/messages?token={token}", cookie="a", body={})[0] == 502
    deadline = time.monotonic() + 10
    while "/conversations/abc/messages" not in lb.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = lb.log.read_text()
    assert '"/conversations/abc/messages"' in log and " 502 " in log  # the operator sees what failed
    assert token not in log


def test_a_taken_port_is_one_clear_error(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        balancer = Haproxy(tmp_path, "127.0.0.1", port, [Replica("a", "127.0.0.1", free_port())], {})
        with pytest.raises(BackingError) as err:
            balancer.start()
    assert str(err.value) == (f"haproxy cannot listen on 127.0.0.1:{port} (RASA_PORT): another program uses that "
                              "port; stop it or choose another RASA_PORT")
    assert not balancer.running
