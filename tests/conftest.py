"""Shared fixtures: one trained model and one set of servers per test session.

The model is reused whenever its inputs' fingerprint matches (ops.train),
so a warm run trains nothing. Servers start on free ports with their own
SQLite tracker store in a temporary folder, and the HTTP API enabled with a
test token so tests can read trackers back.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from ops.servers import Stack, free_port
from ops.train import ensure_model

TEST_TOKEN = "test-" + uuid.uuid4().hex


@pytest.fixture(scope="session")
def backing_dir():
    """A folder for PostgreSQL and Redis data that the `postgres` user can enter (pytest's own is root-only)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="legcare-backing-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(backing_dir):
    """A real PostgreSQL (Debian's), once per session; `postgres.url`, `.restart(down_for)`, `.kill()`."""
    from ops.backing import Postgres

    server = Postgres(backing_dir / "postgres", free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(backing_dir):
    """A real Redis (Debian's), once per session; `redis_server.url`, `.restart(down_for)`, `.kill()`."""
    from ops.backing import Redis

    server = Redis(backing_dir / "redis", free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def engine():
    from legcare.engine import Engine
    return Engine()


@pytest.fixture(scope="session")
def kb(engine):
    return engine.kb


@pytest.fixture(scope="session")
def trained_model() -> Path:
    return ensure_model(quiet=True)


TELEGRAM_TOKEN = "123456:TEST-telegram-token"
TELEGRAM_SECRET = "telegram-secret-" + uuid.uuid4().hex
SLACK_SECRET = "slack-signing-" + uuid.uuid4().hex


@pytest.fixture(scope="session")
def fake_telegram():
    from tests.fakes import telegram_api
    api = telegram_api()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def fake_slack():
    from tests.fakes import slack_api
    api = slack_api()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory, fake_telegram, fake_slack):
    var = tmp_path_factory.mktemp("var")
    env = dict(os.environ)
    env.update({
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_BOT_NAME": "legcare_test_bot",
        "TELEGRAM_WEBHOOK_URL": "https://example.invalid/webhooks/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET, "TELEGRAM_API_URL": fake_telegram.url,
        "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": fake_slack.url + "/api/",
    })
    env.update({
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
        "LEGCARE_VAR_DIR": str(var), "RASA_AUTH_TOKEN": TEST_TOKEN,
        "TRACKER_STORE_URL": f"sqlite:///{var / 'tracker.db'}",
        "EMERGENCY_NUMBER": "112",
    })
    for key in ("ACTION_ENDPOINT_URL", "RASA_ENDPOINTS"):
        env.pop(key, None)
    s = Stack(model=trained_model, env=env).start()
    yield s
    s.stop()


class Chat:
    """Talks to the running Rasa server over the REST channel."""

    def __init__(self, stack: Stack):
        self.stack = stack

    def post(self, body: Any, raw: Optional[bytes] = None, path: str = "/webhooks/rest/webhook"):
        data = raw if raw is not None else json.dumps(body).encode()
        req = urllib.request.Request(self.stack.rasa_url + path, data=data,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body)
            except ValueError:
                return e.code, body.decode(errors="replace")

    def say(self, sender: str, text: str) -> List[Dict[str, Any]]:
        status, out = self.post({"sender": sender, "message": text})
        assert status == 200, (status, out)
        return out

    def texts(self, sender: str, text: str) -> List[str]:
        return [m.get("text", "") for m in self.say(sender, text)]

    def get(self, path: str, token: Optional[str] = TEST_TOKEN):
        url = self.stack.rasa_url + path + (f"?token={token}" if token else "")
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def tracker(self, sender: str) -> Dict[str, Any]:
        status, body = self.get(f"/conversations/{sender}/tracker")
        assert status == 200, body
        return body


@pytest.fixture(scope="session")
def chat(stack) -> Chat:
    return Chat(stack)


@pytest.fixture
def sender() -> str:
    return "t-" + uuid.uuid4().hex[:12]
