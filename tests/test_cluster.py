"""`make cluster` as a person or an operator meets it: two replicas behind haproxy, on PostgreSQL and Redis.

One cluster for the module, started through ops.cluster's Python API on free
ports with its data in a folder the `postgres` user can enter, and supervised
in a thread (quick liveness settings) as `python -m ops.cluster` does. Each
test that breaks a replica waits (bounded) until it is back in haproxy.
"""
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from ops.cluster import Cluster
from ops.haproxy_config import COOKIE, channel_error_reply
from ops.servers import free_port

pytestmark = pytest.mark.servers

SCREEN = "rule out an emergency"     # the emergency screen's question, first reply to "my legs feel weak"
ONSET = "Gradually"                  # a button of the next question, once the screen is answered "No"


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports, below the range the system hands out to outgoing
    connections (32768 on): a port from there may be taken by a connection before the server binds it."""
    import random

    for _ in range(200):
        base = random.randrange(20000, 32000)
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no run of free ports")


@pytest.fixture(scope="module")
def cluster(trained_model):
    folder = Path(tempfile.mkdtemp(prefix="legcare-cluster-"))
    os.chmod(folder, 0o755)  # PostgreSQL runs as `postgres` and must enter it
    env = dict(os.environ)
    for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "TRACKER_STORE_URL", "REDIS_URL",
                "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN", "BIND_HOST", "ACTION_SERVER_SECRET", "RASA_CORS", "CORS_ORIGINS",
                "REDIS_HOST", "REDIS_PASSWORD"):
        env.pop(key, None)
    env.update(REPLICAS="2", RASA_PORT=str(free_port()), WEB_PORT=str(free_port()),
               REPLICA_PORT_BASE=str(free_port_run(4)), CLUSTER_POSTGRES_PORT=str(free_port()), CLUSTER_REDIS_PORT=str(free_port()),
               LEGCARE_VAR_DIR=str(folder), EMERGENCY_NUMBER="112",
               LIVENESS_INTERVAL="1", LIVENESS_TIMEOUT="1", LIVENESS_FAILURES="3")
    lines = []
    c = Cluster(trained_model, env, say=lines.append).start()
    c.lines = lines
    c.url = f"http://127.0.0.1:{c.settings.port}"
    stop = threading.Event()
    watcher = threading.Thread(target=c.supervise, args=(stop.is_set,), daemon=True)
    watcher.start()
    try:
        yield c
    finally:
        stop.set()
        watcher.join(timeout=30)
        c.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def both_up(cluster):
    """Both replicas in haproxy (a previous test may have broken one)."""
    cluster.balancer.wait_up(cluster.replica_names(), timeout=300)
    return cluster


def rasa_pid(cluster, n: int) -> int:
    return cluster.stacks[f"replica {n}"].services["rasa"].proc.pid


def wait_line(cluster, text: str, after: int = 0, timeout: float = 240) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, line in enumerate(cluster.lines[after:], start=after):
            if text in line:
                return i
        time.sleep(0.2)
    raise AssertionError(f"no supervisor line with {text!r} after {timeout} s: {cluster.lines}")


def say(cluster, sender, text, replica=None, timeout=60):
    """A REST turn through haproxy; `replica` pins it with the balancer's cookie. (status, body, served by)."""
    headers = {"Content-Type": "application/json"}
    if replica:
        headers["Cookie"] = f"{COOKIE}={replica}"
    req = urllib.request.Request(cluster.url + "/webhooks/rest/webhook", headers=headers,
                                 data=json.dumps({"sender": sender, "message": text}).encode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read()), served_by(r.headers)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (raw, e.headers.get("Content-Type")), served_by(e.headers)


def served_by(headers) -> str:
    cookie = headers.get("Set-Cookie") or ""
    return cookie.split(";", 1)[0].split("=", 1)[1] if cookie.startswith(COOKIE + "=") else ""


def stored_events(cluster, sender):
    """(type_name, action_name) of the conversation's events in PostgreSQL, in order."""
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster.database_url)
    try:
        with engine.connect() as db:
            return [tuple(r) for r in db.execute(
                text("SELECT type_name, action_name FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]
    finally:
        engine.dispose()


def wait_stored(cluster, sender, users: int, timeout: float = 30) -> None:
    """Until the conversation's `users` turns are stored in full (it waits for the person again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = stored_events(cluster, sender)
        if sum(t == "user" for t, _ in events) == users and events[-1] == ("action", "action_listen"):
            return
        time.sleep(0.2)
    raise AssertionError(f"turns of {sender} not stored: {stored_events(cluster, sender)}")


def buttons(out):
    return [b.get("title") for m in out for b in (m.get("buttons") or [])]


def test_turns_through_haproxy_are_answered_by_both_replicas_in_one_conversation_and_stored_in_postgres(both_up):
    sender = "cl-" + uuid.uuid4().hex[:10]
    status, out, first = say(both_up, sender, "my legs feel weak")
    assert status == 200 and SCREEN in " ".join(m.get("text", "") for m in out), out
    status, out, second = say(both_up, sender, "No")
    assert status == 200 and ONSET in buttons(out), out  # the second turn knew the first
    served = {first, second}
    for _ in range(4):
        served.add(say(both_up, "cl-" + uuid.uuid4().hex[:10], "hello")[2])
    assert served == {"replica1", "replica2"}  # without a cookie, turns are spread over the replicas
    events = stored_events(both_up, sender)
    assert sum(t == "user" for t, _ in events) == 2 and ("action", "utter_screen") in events


def test_a_stopped_replica_is_taken_out_and_the_conversation_continues_on_the_other(both_up):
    cluster = both_up
    sender = "cl-" + uuid.uuid4().hex[:10]
    status, out, where = say(cluster, sender, "my legs feel weak", replica="replica1")
    assert status == 200 and where == "" and SCREEN in " ".join(m.get("text", "") for m in out)  # stayed on 1
    pid, after = rasa_pid(cluster, 1), len(cluster.lines)
    os.kill(pid, signal.SIGSTOP)  # alive, answers nothing: its readiness fails
    try:
        deadline = time.monotonic() + 60  # "UP 1/2" (one check failed) still gets requests; "DOWN" none
        while not cluster.balancer.states()["replica1"].startswith("DOWN") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert cluster.balancer.states()["replica1"].startswith("DOWN")
        wait_line(cluster, "haproxy took replica 1 out (DOWN", after, timeout=10)  # the operator is told
        status, out, where = say(cluster, sender, "No", replica="replica1")  # its cookie still names replica 1
        assert status == 200 and where == "replica2", (status, out)
        assert ONSET in buttons(out), out  # in the right state: the answer to the screen's question
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    start = wait_line(cluster, "replica 1: Rasa server not answering", after)
    wait_line(cluster, "replica 1: Rasa server restarted and ready", start)
    cluster.balancer.wait_up(["replica1"], timeout=60)
    wait_line(cluster, "haproxy sends to replica 1 again", start, timeout=10)
    status, out, _ = say(cluster, sender, "gradually", replica="replica1")
    assert status == 200 and out


def test_a_turn_in_flight_on_a_killed_replica_gets_the_json_error_not_html(both_up):
    cluster = both_up
    pid, after = rasa_pid(cluster, 2), len(cluster.lines)
    result = {}
    os.kill(pid, signal.SIGSTOP)  # the turn below reaches it and waits...
    try:
        sender = "cl-" + uuid.uuid4().hex[:10]
        t = threading.Thread(target=lambda: result.update(r=say(cluster, sender, "hello", replica="replica2")))
        t.start()
        time.sleep(1.0)  # haproxy needs two failed checks (of 3 s each) to take it out: the turn is on it
        os.kill(pid, signal.SIGKILL)  # ...and the replica dies with it
        t.join(timeout=90)
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    status, (raw, ctype), _ = result["r"]
    assert status == 502 and ctype == "application/json", (status, raw)
    assert json.loads(raw) == {"error": channel_error_reply()}
    # haproxy did not send the turn to replica 1 behind the client's back: nothing was stored for it,
    # so the client's own second try (below) is the only copy
    assert not any(t == "user" for t, _ in stored_events(cluster, sender))
    status, out, _ = say(cluster, sender, "hello")
    assert status == 200 and out
    assert sum(t == "user" for t, _ in stored_events(cluster, sender)) == 1
    wait_line(cluster, "replica 2: Rasa server stopped (exit -9)", after, timeout=30)
    wait_line(cluster, "replica 2: Rasa server restarted and ready", after)


class Polling:
    """A socket.io client over engine.io long-polling only (no websocket), with or without cookies."""

    def __init__(self, url: str, cookies: bool):
        handlers = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())] if cookies else []
        self.opener = urllib.request.build_opener(*handlers)
        self.base = url + "/socket.io/?EIO=4&transport=polling"
        self.sid = None
        self.requests = 0

    def _call(self, data=None):
        url = self.base + (f"&sid={self.sid}" if self.sid else "")
        req = urllib.request.Request(url, data=data.encode() if data is not None else None,
                                     headers={"Content-Type": "text/plain;charset=UTF-8"})
        self.requests += 1
        try:
            with self.opener.open(req, timeout=40) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def handshake(self):
        status, body = self._call()
        assert status == 200, body
        self.sid = json.loads(body[1:])["sid"]

    def send(self, packet: str) -> int:
        return self._call(packet)[0]

    def receive(self):
        """The socket.io events of one poll; answers the server's pings."""
        status, body = self._call()
        if status != 200:
            return status, []
        events = []
        for packet in body.split("\x1e"):
            if packet == "2":
                self.send("3")
            elif packet.startswith("42"):
                events.append(json.loads(packet[2:]))
        return status, events

    def wait_event(self, name: str):
        for _ in range(10):
            status, events = self.receive()
            assert status == 200, status
            for event in events:
                if event[0] == name:
                    return event
        raise AssertionError(f"no {name} event")


def test_socketio_long_polling_through_haproxy_stays_on_its_replica(both_up):
    client = Polling(both_up.url, cookies=True)
    client.handshake()
    assert client.send("40") == 200
    client.receive()  # the namespace's connect answer
    assert client.send('42["session_request",{"session_id":null}]') == 200
    _, session_id, _token = client.wait_event("session_confirm")
    for _ in range(8):
        assert client.send("42" + json.dumps(["user_uttered", {"message": "hello", "session_id": session_id}])) == 200
        assert client.wait_event("bot_uttered")[1].get("text")
    assert client.requests >= 20
    # the same without the cookie: polls reach the other replica, which knows no such session
    failures = 0
    for _ in range(5):  # until one fails (a poll that lands on the right replica may wait for its ping)
        bare = Polling(both_up.url, cookies=False)
        bare.handshake()
        if bare.send("40") != 200 or bare.receive()[0] != 200:
            failures += 1
            break
    assert failures > 0


def test_the_web_widget_keeps_its_conversation_when_its_replica_is_killed(both_up):
    from tests.test_webchat import CHROMIUM, FLAGS

    from playwright.sync_api import sync_playwright

    cluster = both_up
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{cluster.settings.web_port}/")
            page.wait_for_selector(".lc-bot >> text=automated assistant", timeout=60000)
            page.fill("#lc-input", "my legs feel weak")
            page.press("#lc-input", "Enter")
            page.wait_for_selector(f".lc-bot >> text={SCREEN}", timeout=60000)
            page.wait_for_selector('#lc-replies button >> text="No"', timeout=30000)
            session = page.evaluate("JSON.parse(sessionStorage.getItem('legcare.chat.v1')).sessionId")
            # the person reads the question: the turn is complete and stored before the replica dies (one
            # killed in the middle of a turn takes that turn with it: see the in-flight test)
            wait_stored(cluster, session, users=2)
            # the replica holding the widget's websocket: the one haproxy has a connection open to
            stats = cluster.balancer.stats()
            serving = [n for n in (1, 2) if int(stats[f"replica{n}"]["scur"] or 0) > 0]
            assert len(serving) == 1, stats
            n, after = serving[0], len(cluster.lines)
            os.kill(rasa_pid(cluster, n), signal.SIGKILL)
            page.wait_for_selector("#lc-status >> text=Reconnecting", timeout=30000)  # the person sees it
            page.locator('#lc-replies button >> text="No"').click()  # answered once it is back
            try:
                page.wait_for_selector(f"#lc-replies button >> text={ONSET}", timeout=60000)
            finally:
                page.screenshot(path=str(Path(__file__).parent / "artifacts" / "cluster-failover.png"), full_page=True)
            texts = page.locator(".lc-bot").all_inner_texts()
            assert not any("reload the page" in t for t in texts), texts
            assert page.evaluate("JSON.parse(sessionStorage.getItem('legcare.chat.v1')).sessionId") == session
            assert not any(SCREEN in t for t in texts[-1:]), texts  # not a new conversation: no screen again
            wait_line(cluster, f"replica {n}: Rasa server stopped (exit -9)", after, timeout=30)
        finally:
            browser.close()
    cluster.balancer.wait_up(cluster.replica_names(), timeout=300)
