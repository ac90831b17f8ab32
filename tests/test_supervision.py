"""`make run` keeps serving: a killed or wedged server is restarted, the other keeps answering.

One `python -m ops.run` for the module (quick liveness settings: a check a
second, three misses in a row mean wedged); each test breaks one server and
waits (bounded) for the supervisor's line and for the server to answer again.
"""
import os
import signal
import urllib.request
import uuid
from pathlib import Path

import pytest

from ops.settings import ROOT
from tests.runner import Run, is_emergency

pytestmark = pytest.mark.servers

DB_PASSWORD = "pw-" + uuid.uuid4().hex
ACTION_SECRET = "act-" + uuid.uuid4().hex
EMERGENCY = "my face is drooping and my left arm is weak"
NEEDS_ACTIONS = "what exercises can I do?"
UNAVAILABLE = "can't look that up right now"


@pytest.fixture(scope="module")
def run(trained_model, tmp_path_factory):
    var = tmp_path_factory.mktemp("supervised")
    # the banner shows TRACKER_STORE_URL; the servers use SQLite through their own endpoints file
    endpoints = (ROOT / "endpoints.yml").read_text().replace("${TRACKER_STORE_URL}", f"sqlite:///{var}/tracker.db")
    (var / "endpoints.yml").write_text(endpoints)
    r = Run(var, LIVENESS_INTERVAL="1", LIVENESS_TIMEOUT="1", LIVENESS_FAILURES="3",
            RASA_ENDPOINTS=str(var / "endpoints.yml"), ACTION_SERVER_SECRET=ACTION_SECRET,
            TRACKER_STORE_URL=f"postgresql://legcare:{DB_PASSWORD}@db.example.invalid:5432/legcare")
    try:
        r.wait_line("LegCare is running", timeout=300)
        yield r
    finally:
        r.stop()


def test_banner_hides_the_database_password_and_secrets(run):
    line = run.lines[run.wait_line("Conversations in:")]
    assert "postgresql://legcare:***@db.example.invalid:5432/legcare" in line
    assert DB_PASSWORD not in run.output and ACTION_SECRET not in run.output


def test_killed_action_server_is_restarted_while_rasa_keeps_answering(run):
    old = run.pid("actions")
    os.kill(old, signal.SIGKILL)
    status, out = run.say("sv-" + uuid.uuid4().hex[:8], EMERGENCY)  # the Rasa server did not stop
    assert status == 200 and out and is_emergency(out[0]), out
    start = run.wait_line("action server stopped (exit -9); restarting in 1 s", timeout=30)
    run.wait_line("action server restarted and ready", timeout=60, after=start)
    assert run.pid("actions") != old
    status, out = run.say("sv-" + uuid.uuid4().hex[:8], NEEDS_ACTIONS)
    assert status == 200 and out and not any(UNAVAILABLE in m.get("text", "") for m in out), out


def test_killed_rasa_server_is_restarted_and_the_conversation_continues(run):
    sender = "sv-" + uuid.uuid4().hex[:8]
    assert run.say(sender, "hello")[0] == 200
    actions, old = run.pid("actions"), run.pid("rasa")
    os.kill(old, signal.SIGKILL)
    start = run.wait_line("Rasa server stopped (exit -9); restarting in 1 s", timeout=30)
    run.wait_line("Rasa server restarted and ready", timeout=240, after=start)
    assert run.pid("rasa") != old and run.pid("actions") == actions  # the action server kept running
    status, out = run.say(sender, "hello")
    assert status == 200 and not out[0]["text"].startswith("Hello, I'm LegCare"), out  # greeted again: kept


def test_wedged_rasa_server_is_noticed_and_restarted(run):
    old = run.pid("rasa")
    after = len(run.lines)
    os.kill(old, signal.SIGSTOP)  # alive, but answers nothing
    try:
        start = run.wait_line("Rasa server not answering (3 liveness checks in a row); restarting in",
                              timeout=60, after=after)
    finally:
        try:
            os.kill(old, signal.SIGCONT)
        except ProcessLookupError:
            pass
    run.wait_line("Rasa server restarted and ready", timeout=240, after=start)
    assert run.pid("rasa") != old
    status, out = run.say("sv-" + uuid.uuid4().hex[:8], EMERGENCY)
    assert status == 200 and is_emergency(out[0])


def test_wedged_action_server_is_noticed_and_restarted(run):
    old = run.pid("actions")
    after = len(run.lines)
    os.kill(old, signal.SIGSTOP)
    try:
        start = run.wait_line("action server not answering (3 liveness checks in a row); restarting in",
                              timeout=60, after=after)
    finally:
        try:
            os.kill(old, signal.SIGCONT)
        except ProcessLookupError:
            pass
    run.wait_line("action server restarted and ready", timeout=60, after=start)
    status, out = run.say("sv-" + uuid.uuid4().hex[:8], NEEDS_ACTIONS)
    assert status == 200 and out and not any(UNAVAILABLE in m.get("text", "") for m in out), out


def test_only_a_signal_stops_everything(run):
    assert run.proc.poll() is None  # four servers died or hung and it is still running
    assert run.stop() == 0
    assert "Stopped." in run.output
    for port in (run.env["RASA_PORT"], run.env["ACTION_PORT"]):
        with pytest.raises(Exception):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
    logs = "".join(p.read_text(errors="replace") for p in Path(run.env["LEGCARE_VAR_DIR"], "logs").glob("*.log"))
    assert DB_PASSWORD not in run.output + logs and ACTION_SECRET not in run.output + logs
    assert EMERGENCY not in logs and NEEDS_ACTIONS not in logs  # no message text in the logs
