"""`make run`'s entry point starts both servers, answers over REST and stops cleanly on Ctrl-C."""
import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from ops.servers import free_port, wait_http
from ops.settings import ROOT

pytestmark = pytest.mark.servers


def test_make_run_answers_and_stops_cleanly(trained_model, tmp_path):
    env = dict(os.environ, RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), WEB_PORT=str(free_port()),
               LEGCARE_VAR_DIR=str(tmp_path))
    env.pop("RASA_AUTH_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "ops.run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        wait_http(f"http://127.0.0.1:{env['RASA_PORT']}/", 180, proc)
        wait_http(f"http://127.0.0.1:{env['ACTION_PORT']}/health", 60, proc)

        def say(text):
            req = urllib.request.Request(f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook",
                                         data=json.dumps({"sender": "mr", "message": text}).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())

        assert "automated assistant" in say("hello")[0]["text"]
        assert say("my legs have felt weak for a week")[0]["text"]
        assert (tmp_path / "tracker.db").exists()  # conversations are kept in SQLite
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "Model up to date" in output and "LegCare is running" in output and "Stopped." in output
    # nothing it started is left listening
    for port in (env["RASA_PORT"], env["ACTION_PORT"]):
        with pytest.raises(Exception):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def test_second_install_does_nothing():
    p = subprocess.run(["make", "-q", "install"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, "make install would redo work although nothing changed"
