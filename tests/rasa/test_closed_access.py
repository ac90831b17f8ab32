"""Only loopback by default; the action server answers only the Rasa server; the API token stays secret."""
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ops.action_server import SECRET_HEADER
from tests.conftest import TEST_TOKEN
from tests.runner import post

pytestmark = pytest.mark.servers


def listening_addresses(port: int):
    """The local addresses of the listening TCP sockets on `port` (IPv4 and IPv6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            host, _, hex_port = address.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(host)
    return found


def test_servers_listen_on_loopback_only_by_default(stack):
    for port in (stack.env["RASA_PORT"], stack.env["ACTION_PORT"]):
        assert listening_addresses(int(port)) == ["0100007F"], port  # 127.0.0.1, nothing else


def test_web_page_server_listens_on_loopback_by_default(stack):
    from ops.web import WebServer
    env = {k: v for k, v in stack.env.items() if k != "BIND_HOST"}
    web = WebServer(dict(env, WEB_PORT="0"))
    try:
        assert web.httpd.server_address[0] == "127.0.0.1"
    finally:
        web.httpd.server_close()


def test_action_server_answers_only_with_the_shared_secret(stack):
    url = stack.actions_url + "/webhook"
    call = {"next_action": "action_self_care", "sender_id": "x", "tracker": {}, "version": "3.6.21"}
    assert post(url, call)[0] == 401
    assert post(url, call, headers={SECRET_HEADER: "wrong"})[0] == 401
    assert _get_status(stack.actions_url + "/actions", {}) == 401


def test_action_server_health_needs_no_secret_and_the_right_secret_is_accepted(stack):
    with urllib.request.urlopen(stack.actions_url + "/health", timeout=10) as r:
        assert r.status == 200
    req = urllib.request.Request(stack.actions_url + "/actions",
                                 headers={SECRET_HEADER: stack.env["ACTION_SERVER_SECRET"]})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert "action_self_care" in [a["name"] for a in json.loads(r.read())]


def test_secrets_are_not_on_any_command_line(stack):
    for name in ("rasa", "actions"):
        cmdline = Path(f"/proc/{stack.services[name].proc.pid}/cmdline").read_bytes().decode()
        assert TEST_TOKEN not in cmdline and stack.env["ACTION_SERVER_SECRET"] not in cmdline, name


def _status(stack, headers):
    return _get_status(stack.rasa_url + "/status", headers)


def _get_status(url, headers):
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_api_token_is_accepted_as_a_bearer_token(stack):
    assert _status(stack, {"Authorization": f"Bearer {TEST_TOKEN}"}) == 200
    assert _status(stack, {"Authorization": "Bearer wrong"}) == 401
    assert _status(stack, {"Authorization": f"Basic {TEST_TOKEN}"}) == 401
    assert _status(stack, {}) == 401
