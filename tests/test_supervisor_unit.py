"""The supervisor's decisions, on stand-in servers and a stand-in clock (no processes, no waiting)."""
from types import SimpleNamespace

import pytest

from ops import supervisor
from ops.supervisor import Supervisor, Timing


class FakeProc:
    def __init__(self):
        self.code = None

    def poll(self):
        return self.code


class FakeService:
    def __init__(self, name):
        self.name = name
        self.proc = FakeProc()
        self.starts = self.kills = 0
        self.live_url = lambda: f"{name}/live"

    def start(self, env):
        self.starts += 1
        self.proc = FakeProc()

    def kill(self):
        self.kills += 1
        if self.proc.code is None:
            self.proc.code = -9

    def ready_url(self):
        return f"{self.name}/ready"

    def fatal_reason(self):
        return "conversations cannot be stored in sqlite:///x.db" if self.name == "rasa" else None


@pytest.fixture
def world(monkeypatch):
    state = {"now": 0.0, "answering": {"rasa/live": True, "rasa/ready": True, "actions/live": True,
                                       "actions/ready": True}}
    monkeypatch.setattr(supervisor, "answers", lambda url, timeout: state["answering"][url])
    services = {"actions": FakeService("actions"), "rasa": FakeService("rasa")}
    lines = []
    sup = Supervisor(SimpleNamespace(env={}, services=services), lines.append,
                     Timing(interval=1, timeout=1, failures=3, startup=100), clock=lambda: state["now"])

    def advance(seconds, step=0.5):
        end = state["now"] + seconds
        while state["now"] < end:
            state["now"] += step
            sup.check()

    return SimpleNamespace(state=state, services=services, lines=lines, advance=advance)


def test_a_server_that_keeps_crashing_waits_longer_each_time_and_the_other_is_left_alone(world):
    rasa, actions = world.services["rasa"], world.services["actions"]
    for expected in ("1", "2", "4", "8"):
        rasa.proc.code = 1
        world.advance(0.5)
        assert world.lines[-1] == f"Rasa server stopped (exit 1); restarting in {expected} s"
        world.advance(int(expected))  # started again after the wait, not before
    assert rasa.starts == 4
    world.advance(1)
    assert world.lines[-1] == "Rasa server restarted and ready"
    world.advance(61)  # up for a minute: the next failure waits 1 s again
    rasa.proc.code = -9
    world.advance(0.5)
    assert world.lines[-1] == "Rasa server stopped (exit -9); restarting in 1 s"
    assert actions.starts == 0 and actions.kills == 0


def test_a_wedged_server_is_killed_after_three_missed_checks_only(world):
    actions = world.services["actions"]
    world.state["answering"]["actions/live"] = False
    world.advance(2)
    assert world.lines == [] and actions.kills == 0  # two misses are not enough
    world.state["answering"]["actions/live"] = True
    world.advance(2)
    world.state["answering"]["actions/live"] = False
    world.advance(3)
    assert world.lines == ["action server not answering (3 liveness checks in a row); restarting in 1 s"]
    assert actions.kills == 1
    world.state["answering"]["actions/live"] = True
    world.advance(2)
    assert actions.starts == 1 and world.lines[-1] == "action server restarted and ready"


def test_a_server_that_never_becomes_ready_is_restarted(world):
    rasa = world.services["rasa"]
    rasa.proc.code = -9
    world.state["answering"]["rasa/ready"] = False
    world.advance(1.5)
    assert rasa.starts == 1
    world.advance(101)
    assert world.lines[-1] == "Rasa server not ready 100 s after starting; restarting in 2 s"


def test_a_server_that_cannot_start_says_why(world):
    rasa = world.services["rasa"]
    rasa.proc.code = 78
    world.advance(0.5)
    assert world.lines[-1] == ("Rasa server stopped (exit 78: conversations cannot be stored in sqlite:///x.db); "
                               "restarting in 1 s")


def test_several_replicas_each_restarted_with_its_own_settings_and_named_in_the_line(monkeypatch):
    """`make cluster`: one supervisor for every replica; a line names the replica, a restart uses its ports."""
    now = {"t": 0.0}
    monkeypatch.setattr(supervisor, "answers", lambda url, timeout: True)
    envs = []

    class Recording(FakeService):
        def start(self, env):
            envs.append(env["RASA_PORT"])
            super().start(env)

    replicas = {f"replica {n}": SimpleNamespace(env={"RASA_PORT": str(5100 + n)},
                                                services={"actions": Recording(f"a{n}"), "rasa": Recording(f"r{n}")})
                for n in (1, 2)}
    lines = []
    sup = Supervisor(replicas, lines.append, Timing(interval=1, timeout=1, failures=3, startup=100),
                     clock=lambda: now["t"])
    replicas["replica 2"].services["rasa"].proc.code = -9
    for _ in range(4):
        now["t"] += 0.5
        sup.check()
    assert lines == ["replica 2: Rasa server stopped (exit -9); restarting in 1 s",
                     "replica 2: Rasa server restarted and ready"]
    assert envs == ["5102"]  # started again on replica 2's ports, not replica 1's
    assert replicas["replica 1"].services["rasa"].kills == 0 and replicas["replica 1"].services["rasa"].starts == 0
