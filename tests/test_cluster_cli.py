"""`python -m ops.cluster` (what `make cluster` runs): its banner, Ctrl-C, and a part that cannot start.

One replica per run (the cluster's behaviour with two is in test_cluster.py);
what is checked is what the operator sees and what is left running.
"""
import os
import random
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

import pytest

from ops.servers import free_port
from tests.runner import Run

pytestmark = pytest.mark.servers


@pytest.fixture
def var():
    folder = Path(tempfile.mkdtemp(prefix="legcare-cluster-cli-"))
    os.chmod(folder, 0o755)  # PostgreSQL runs as `postgres` and must enter it
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def ports() -> dict:
    base = random.randrange(20000, 32000, 2)  # below the ports handed out to outgoing connections
    return {"REPLICAS": "1", "REPLICA_PORT_BASE": str(base), "CLUSTER_POSTGRES_PORT": str(free_port()),
            "CLUSTER_REDIS_PORT": str(free_port())}


def processes_of(var: Path, env: dict) -> dict:
    """pid -> command line of every process that belongs to the cluster with this data folder and ports."""
    base = int(env["REPLICA_PORT_BASE"])
    marks = [str(var), f"127.0.0.1:{env['CLUSTER_REDIS_PORT']}"]
    servers = {(b"ops.rasa_server", str(base).encode()), (b"ops.action_server", str(base + 1).encode())}
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state == "Z":
            continue
        line = b" ".join(args).decode(errors="replace")
        if any(m in line for m in marks) or any(mod in args and port in args for mod, port in servers):
            found[int(entry.name)] = line
    return found


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_the_banner_then_ctrl_c_stops_postgres_redis_haproxy_and_the_servers(trained_model, var):
    run = Run(var, module="ops.cluster", **ports())
    try:
        run.wait_line("Press Ctrl-C to stop.", timeout=400)
        out = run.output
        port = run.env["RASA_PORT"]
        assert "LegCare cluster is running" in out and "1 replicas" in out
        assert f"Web chat:         http://localhost:{run.env['WEB_PORT']}/" in out
        assert f"curl -s http://localhost:{port}/webhooks/rest/webhook" in out
        assert f"haproxy on 127.0.0.1:{port}" in out
        assert "Conversations in: postgresql://legcare:***@127.0.0.1:" in out
        for secret in ("postgres.password", "redis.password"):  # made up at first start, never shown
            assert (var / "cluster" / secret).read_text().strip() not in out
        status, reply = run.say("cli-" + uuid.uuid4().hex[:8], "hello")
        assert status == 200 and reply, reply
        running = processes_of(var, run.env)
        kinds = {k for k in ("postgres -D", "redis-server", "haproxy -db", "ops.rasa_server", "ops.action_server")
                 if any(k in line for line in running.values())}
        assert len(kinds) == 5, running
    finally:
        code = run.stop()
    assert code == 0 and run.lines[-1] == "Stopped.", run.output[-2000:]
    assert processes_of(var, run.env) == {}  # nothing it started is left
    base = int(run.env["REPLICA_PORT_BASE"])
    for p in (int(run.env["RASA_PORT"]), int(run.env["WEB_PORT"]), base, base + 1, int(run.env["CLUSTER_POSTGRES_PORT"]),
              int(run.env["CLUSTER_REDIS_PORT"])):
        assert not listening(p), p


def test_a_taken_port_stops_the_start_with_one_clear_line(trained_model, var):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        run = Run(var, module="ops.cluster", RASA_PORT=str(port), **ports())
        code = run.proc.wait(timeout=300)
    run.stop()
    assert code == 1
    errors = [line for line in run.lines if line.startswith("error")]
    assert errors == [f"error: the cluster cannot start: haproxy (RASA_PORT) cannot listen on 127.0.0.1:{port}: "
                      "another program uses that port"], run.output
    assert "LegCare cluster is running" not in run.output and "Traceback" not in run.output


def test_a_server_that_cannot_start_after_the_others_did_stops_them_all(trained_model, var):
    """PostgreSQL, Redis, haproxy and an action server are up when the Rasa server refuses its settings."""
    run = Run(var, module="ops.cluster", RASA_CORS="*", **ports())
    code = run.proc.wait(timeout=300)
    run.stop()
    assert code == 1
    errors = [line for line in run.lines if line.startswith("error")]
    assert len(errors) == 1 and errors[0].startswith("error: the cluster cannot start: replica 1: RASA_CORS must "
                                                     "list origins"), run.output
    assert (var / "cluster" / "haproxy.cfg").exists() and (var / "cluster" / "postgres" / "PG_VERSION").exists()
    assert processes_of(var, run.env) == {}  # what had started was stopped
