"""`make cluster`'s settings and the keeper of PostgreSQL, Redis and haproxy, without starting anything."""
from pathlib import Path

import pytest

from ops.cluster import ClusterError, ClusterSettings, Keeper


def test_replicas_get_their_own_ports_from_the_base():
    s = ClusterSettings.from_env({"REPLICAS": "3", "REPLICA_PORT_BASE": "6000", "LEGCARE_VAR_DIR": "/srv/legcare"})
    assert [s.replica_ports(n) for n in (1, 2, 3)] == [(6000, 6001), (6002, 6003), (6004, 6005)]
    assert s.port == 5005 and s.web_port == 8080 and s.folder == Path("/srv/legcare/cluster")
    assert not s.own_redis and s.database_url == ""  # both are started here


@pytest.mark.parametrize("env, message", [
    ({"REPLICAS": "two"}, "REPLICAS must be a whole number, not 'two'"),
    ({"REPLICAS": "0"}, "REPLICAS must be between 1 and 16, not 0"),
    ({"TRACKER_STORE_URL": "sqlite:///var/tracker.db"}, "TRACKER_STORE_URL must be a PostgreSQL URL for a cluster"),
    ({"LOCK_STORE_TYPE": "redis"}, "LOCK_STORE_TYPE are no longer read"),
])
def test_a_setting_it_cannot_use_is_one_clear_error(env, message):
    with pytest.raises(ClusterError) as err:
        ClusterSettings.from_env(env)
    assert message in str(err.value)


def test_your_own_database_and_redis_are_used_instead_of_starting_them():
    s = ClusterSettings.from_env({"TRACKER_STORE_URL": "postgresql://u:p@db.internal/legcare",
                                  "REDIS_URL": "redis://:pw@cache.internal:6379/0"})
    assert s.database_url == "postgresql://u:p@db.internal/legcare" and s.own_redis
    assert not any("PostgreSQL" in what or "Redis" in what for what, _, _ in s.ports())


class FakeDaemon:
    def __init__(self):
        self.running, self.fails, self.starts = True, 0, 0
        self.proc = type("P", (), {"returncode": None})()

    def start(self):
        self.starts += 1
        if self.fails:
            self.fails -= 1
            raise RuntimeError("PostgreSQL did not listen on 127.0.0.1:55432 within 60 s")
        self.running = True


def test_a_stopped_postgres_is_started_again_waiting_longer_while_it_fails():
    now = {"t": 0.0}
    pg, lines = FakeDaemon(), []
    keeper = Keeper({"PostgreSQL": pg, "Redis": None}, lines.append, clock=lambda: now["t"])

    def advance(seconds):
        end = now["t"] + seconds
        while now["t"] < end:
            now["t"] += 0.5
            keeper.check()

    advance(2)
    assert lines == [] and pg.starts == 0
    pg.running, pg.proc.returncode, pg.fails = False, -9, 1
    advance(0.5)
    assert lines == ["PostgreSQL stopped (exit -9); restarting in 1 s"]
    advance(1)
    assert pg.starts == 1 and lines[-1] == ("PostgreSQL did not start again (PostgreSQL did not listen on "
                                            "127.0.0.1:55432 within 60 s); next try in 2 s")
    advance(1.5)
    assert pg.starts == 1  # not before its time
    advance(0.5)
    assert pg.starts == 2 and lines[-1] == "PostgreSQL restarted" and pg.running


def test_a_server_that_never_gets_ready_is_reported_with_what_its_readiness_says():
    # the operator (and a failing test) sees which check fails, not only "503"
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from ops.servers import wait_http

    class NotReady(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = json.dumps({"ready": False, "checks": {"tracker_store": "OperationalError"}}).encode()
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotReady)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(TimeoutError) as err:
            wait_http(f"http://127.0.0.1:{httpd.server_address[1]}/health/ready", 1)
    finally:
        httpd.shutdown()
    assert "503" in str(err.value) and "tracker_store" in str(err.value) and "OperationalError" in str(err.value)
