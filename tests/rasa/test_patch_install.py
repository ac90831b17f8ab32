"""LegCare's changes to Rasa are applied where the Rasa server starts, never by importing a component."""
import json
import subprocess
import sys
import urllib.request

import pytest

from ops.settings import ROOT

CHECK = """
import json
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event
import rasa.server
before = {"validator": RemoteAction._validate_action_result, "run": RemoteAction.run,
          "graph": DaskGraphRunner.run, "events": Event.resolve_by_type, "store": Agent._create_tracker_store,
          "message": MessageProcessor.handle_message, "auth": rasa.server.requires_auth,
          "save": MessageProcessor.save_tracker}
import components, components.lock_store, components.tracker_store, components.perf, components.nlg, components.emergency_policy
import components.findings_policy, components.legcare_nlu, components.intent_classifier, components.message_guard
after = {"validator": RemoteAction._validate_action_result, "run": RemoteAction.run,
         "graph": DaskGraphRunner.run, "events": Event.resolve_by_type, "store": Agent._create_tracker_store,
         "message": MessageProcessor.handle_message, "auth": rasa.server.requires_auth,
         "save": MessageProcessor.save_tracker}
print(json.dumps(sorted(k for k in before if before[k] is not after[k] and before[k] != after[k])))
"""


def test_importing_components_leaves_rasa_unchanged():
    p = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert json.loads(p.stdout.strip().splitlines()[-1]) == []


@pytest.mark.servers
def test_the_running_server_has_them(stack):
    with urllib.request.urlopen(stack.rasa_url + "/health/ready", timeout=30) as r:
        state = json.loads(r.read())
    assert state["ready"] is True
    assert {"speed", "strict_tracker_store", "action_unavailable_reply", "bearer_token",
            "fenced_saves"} <= set(state["patches"])
