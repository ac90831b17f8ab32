"""The PostgreSQL and Redis that `make cluster` and the cluster tests run (ops/backing.py)."""
import socket

import redis
import sqlalchemy as sa


def _listeners(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_postgres_answers_with_its_password_only_and_comes_back_after_a_restart(postgres):
    engine = sa.create_engine(postgres.url)
    with engine.connect() as c:
        assert c.execute(sa.text("select current_database()")).scalar() == "legcare"
    wrong = sa.create_engine(postgres.url.replace(postgres.password, "wrong"))
    try:
        wrong.connect()
        raise AssertionError("a wrong password was accepted")
    except sa.exc.OperationalError as exc:
        assert "password authentication failed" in str(exc)
    postgres.restart(down_for=0.4)
    engine.dispose()
    with engine.connect() as c:
        assert c.execute(sa.text("select 1")).scalar() == 1


def test_redis_requires_its_password_and_listens_on_loopback(redis_server):
    assert redis.Redis.from_url(redis_server.url).ping()
    try:
        redis.Redis(host="127.0.0.1", port=redis_server.port).ping()
        raise AssertionError("Redis answered without the password")
    except redis.exceptions.AuthenticationError:
        pass
    assert _listeners(redis_server.port)
