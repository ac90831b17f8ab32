"""socket.io: a session id is not a credential, and an unsupported option stops the server at start."""
import asyncio
import os
import uuid

import pytest
import socketio
import yaml

from ops.servers import Stack, free_port

pytestmark = pytest.mark.servers
WAIT = 30


class Client:
    """A socket.io client that records what it receives."""

    def __init__(self, url):
        self.url, self.received, self.confirm = url, [], None
        self.sio = socketio.AsyncClient(reconnection=False)
        self._confirmed = asyncio.Event()
        self.sio.on("bot_uttered", lambda data: self.received.append(data))
        self.sio.on("session_confirm", self._on_confirm)

    def _on_confirm(self, *args):
        self.confirm = args
        self._confirmed.set()

    async def start(self, **request):
        if not self.sio.connected:
            await self.sio.connect(self.url, socketio_path="/socket.io", transports=["websocket"],
                                   wait_timeout=WAIT)
        self._confirmed.clear()
        await self.sio.emit("session_request", request)
        await asyncio.wait_for(self._confirmed.wait(), WAIT)
        return self.confirm[0], (self.confirm[1] if len(self.confirm) > 1 else None)  # (session id, token)

    async def say(self, session_id, text):
        await self.sio.emit("user_uttered", {"session_id": session_id, "message": text})

    async def wait_for_reply(self, count=1):
        for _ in range(WAIT * 10):
            if len(self.received) >= count:
                return self.received
            await asyncio.sleep(0.1)
        raise AssertionError(f"no reply: {self.received}")

    async def stop(self):
        await self.sio.disconnect()


def user_texts(chat, session_id):
    return [e["text"] for e in chat.tracker(session_id)["events"] if e["event"] == "user"]


def test_session_id_alone_gives_no_access(chat, stack):
    async def scenario():
        victim, attacker = Client(stack.rasa_url), Client(stack.rasa_url)
        session_id, token = await victim.start()
        await victim.say(session_id, "hello")
        await victim.wait_for_reply()

        # the attacker knows the session id (no token, or a made-up one): it gets a session of its own
        other, _ = await attacker.start(session_id=session_id)
        assert other != session_id
        third, _ = await attacker.start(session_id=session_id, session_token="0" * 64)
        assert third != session_id
        # writing into the victim's conversation is refused
        await attacker.say(session_id, "attacker writes here")
        await attacker.wait_for_reply()
        assert "reload the page" in attacker.received[-1]["text"]
        # and the victim's next replies do not reach the attacker
        seen = len(attacker.received)
        await victim.say(session_id, "what exercises can I do?")
        await victim.wait_for_reply(count=2)
        await asyncio.sleep(1)
        assert len(attacker.received) == seen
        await attacker.stop()
        await victim.stop()
        return session_id

    session_id = asyncio.run(scenario())
    assert user_texts(chat, session_id) == ["hello", "what exercises can I do?"]


def test_session_resumes_with_its_token(chat, stack):
    async def scenario():
        first = Client(stack.rasa_url)
        session_id, token = await first.start()
        await first.say(session_id, "hello")
        await first.wait_for_reply()
        await first.stop()
        again = Client(stack.rasa_url)  # a page reload: a new connection
        resumed, _ = await again.start(session_id=session_id, session_token=token)
        assert resumed == session_id
        await again.say(session_id, "what exercises can I do?")
        await again.wait_for_reply()
        await again.stop()
        return session_id

    session_id = asyncio.run(scenario())
    assert user_texts(chat, session_id) == ["hello", "what exercises can I do?"]


def test_message_before_a_session_is_refused(stack):
    async def scenario():
        client = Client(stack.rasa_url)
        await client.sio.connect(stack.rasa_url, socketio_path="/socket.io", transports=["websocket"],
                                 wait_timeout=WAIT)
        await client.say("any-" + uuid.uuid4().hex, "hello")
        await client.wait_for_reply()
        await client.stop()
        return client.received

    assert "reload the page" in asyncio.run(scenario())[0]["text"]


@pytest.mark.parametrize("options, expected", [
    ({"jwt_key": "do-not-print-me", "jwt_method": "HS256"}, "unsupported option(s) jwt_key, jwt_method"),
    ({"session_persistence": "false"}, "`session_persistence` must be true or false"),
])
def test_unsupported_option_stops_the_server_at_start(trained_model, tmp_path, options, expected):
    creds = {"channels.rest.RestInput": {},
             "channels.socketio.SocketIOInput": dict({"user_message_evt": "user_uttered"}, **options)}
    path = tmp_path / "credentials.yml"
    path.write_text(yaml.safe_dump(creds))
    env = dict(os.environ)
    for key in ("ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "RASA_AUTH_TOKEN", "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(key, None)
    env.update({"RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "LEGCARE_VAR_DIR": str(tmp_path),
                "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}"})
    stack = Stack(model=trained_model, env=env, credentials=path)
    with pytest.raises(RuntimeError, match="exited with code"):
        stack.start(["rasa"], timeout=120)
    log = stack.services["rasa"].log.read_text(errors="replace")
    assert expected in log
    assert "do-not-print-me" not in log
