"""The Rasa server's entry point (started by ops.servers.Stack instead of `rasa run`).

    python -m ops.rasa_server --model models/X.tar.gz --port 5005 --endpoints endpoints.yml \
        --credentials var/credentials.yml --cors http://localhost:8080

It does what `rasa run` does (Rasa's own app, channels, agent loading and
clean-up), and also:

- applies LegCare's changes to Rasa from one place (ops/rasa_patches.py),
  here and nowhere else;
- listens on BIND_HOST (127.0.0.1 unless set);
- reads the HTTP API token from RASA_AUTH_TOKEN, so it never appears on the
  command line (`ps`); the API is on only when the token is set;
- checks before serving that conversations can be stored (a test write,
  rolled back) and that the lock store's settings can be used (REDIS_URL...,
  see ops/settings.py): if not, it stops with one clear line and exit status 78;
- answers a malformed request to Rasa's HTTP API with a 400 instead of a
  500, and logs no traceback and no exception text (ops/http_errors.py,
  installed here);
- answers `GET /health/live` (the server's event loop answers) and
  `GET /health/ready` (200 only when the model is loaded and the tracker
  store and lock store answer, Redis included when it is configured; 503
  otherwise), without a token.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from functools import partial
from typing import Any, Dict, List, NoReturn, Optional

logger = logging.getLogger("legcare.server")

EXIT_STORAGE = 78  # EX_CONFIG: the storage cannot be used; restarting will not help by itself
FATAL_PREFIX = "LegCare cannot start: "
PROBE_ID = "__legcare_readiness_probe__"
CHECK_TIMEOUT = 3.0


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ops.rasa_server", description="LegCare's Rasa server")
    p.add_argument("--model", required=True)
    p.add_argument("--port", type=int, default=5005)
    p.add_argument("--endpoints", required=True)
    p.add_argument("--credentials", required=True)
    p.add_argument("--cors", nargs="+", default=[], help="origins whose pages may call the server (ops.settings.cors_origins)")
    return p.parse_args(argv)


def fatal(message: str, status: int) -> NoReturn:
    print(FATAL_PREFIX + message, file=sys.stderr, flush=True)
    sys.exit(status)


def check_storage(endpoints: Any) -> None:
    """Stop with a clear message if the tracker store cannot be created or written to."""
    from rasa.core.tracker_store import TrackerStore
    from sqlalchemy.exc import DBAPIError

    try:
        store = TrackerStore.create(endpoints.tracker_store)
    except Exception as exc:
        database_error = exc if isinstance(exc, DBAPIError) else exc.__cause__  # Rasa wraps it
        if isinstance(database_error, DBAPIError):  # the database refuses connections, a wrong password...
            fatal(f"conversations cannot be stored in {url_description(endpoints.tracker_store)} "
                  f"({_short(database_error)}). Make sure the database is running and TRACKER_STORE_URL is "
                  f"right.", EXIT_STORAGE)
        fatal(f"the tracker store cannot be opened ({_short(exc)}). Check TRACKER_STORE_URL "  # the class does not load
              f"and the tracker_store section of the endpoints file.", EXIT_STORAGE)
    check = getattr(store, "check_writable", None)
    if check is None:
        return
    try:
        check()
    except Exception as exc:
        fatal(f"conversations cannot be stored in {store_description(store)} ({_short(exc)}). Make sure "
              f"the database is writable, or set TRACKER_STORE_URL to one that is.", EXIT_STORAGE)
    finally:
        engine = getattr(store, "engine", None)
        if engine is not None:
            engine.dispose()


def check_lock_store(endpoints: Any) -> Any:
    """Stop with a clear message if the lock store's settings cannot be used; returns the store.

    Redis not answering is not fatal here (it may be starting too): /health/ready says 503 until it does.
    """
    from rasa.core.lock_store import LockStore

    from ops.settings import SettingError

    try:
        return LockStore.create(endpoints.lock_store)
    except SettingError as exc:
        fatal(f"the lock store cannot be used: {exc}.", EXIT_STORAGE)
    except Exception as exc:
        fatal(f"the lock store cannot be opened ({type(exc).__name__}). Check REDIS_URL (or REDIS_HOST...) and the "
              f"lock_store section of the endpoints file.", EXIT_STORAGE)


def store_description(store: Any) -> str:
    engine = getattr(store, "engine", None)
    if engine is None:
        return type(store).__name__
    return engine.url.render_as_string(hide_password=True)


def url_description(config: Any) -> str:
    """The database URL of a tracker store's endpoint configuration, its password hidden."""
    from sqlalchemy.engine import make_url

    url = getattr(config, "url", None) or ""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL: say nothing of it (it could hold a password)
        return "the configured tracker store"


def _short(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)  # SQLAlchemy: the driver's own message, without the statement
    return f"{type(orig or exc).__name__}: {orig or exc}".splitlines()[0]


async def readiness(app: Any) -> Dict[str, Any]:
    """What /health/ready reports: each check True or the reason it failed."""
    from ops import rasa_patches

    checks: Dict[str, Any] = {"model": False, "tracker_store": False, "lock_store": False}
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        return {"ready": False, "checks": checks}
    checks["model"] = True
    store = agent.tracker_store
    try:  # one read, not retried: while the database is away this answers at once (and keeps no thread)
        check = store.ping() if hasattr(store, "ping") else store.retrieve(PROBE_ID)
        await asyncio.wait_for(check, CHECK_TIMEOUT)
        checks["tracker_store"] = True
    except Exception as exc:
        checks["tracker_store"] = type(exc).__name__
    try:
        check = getattr(agent.lock_store, "check", None)  # LegcareLockStore: Redis answers a PING
        if check is not None:
            await asyncio.wait_for(check(), CHECK_TIMEOUT)
        else:
            loop = asyncio.get_running_loop()
            await asyncio.wait_for(loop.run_in_executor(None, agent.lock_store.get_lock, PROBE_ID), CHECK_TIMEOUT)
        checks["lock_store"] = True
    except Exception as exc:
        checks["lock_store"] = type(exc).__name__
    return {"ready": all(v is True for v in checks.values()), "checks": checks,
            "patches": rasa_patches.installed()}


def add_health_routes(app: Any) -> None:
    from sanic import response

    @app.get("/health/live")
    async def live(_request: Any) -> Any:
        return response.json({"status": "alive"})

    @app.get("/health/ready")
    async def ready(request: Any) -> Any:
        state = await readiness(request.app)
        return response.json(dict(state, status="ready" if state["ready"] else "not ready"),
                             status=200 if state["ready"] else 503)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.utils.common import configure_logging_and_warnings, update_sanic_log_level
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
    tf_env.setup_tf_environment()
    rasa.utils.io.configure_colored_logging(None)
    configure_structlog(None)

    from ops import http_errors, rasa_patches

    http_errors.install_log_privacy()

    rasa_patches.install()  # before anything of Rasa's is built

    import rasa.core.run
    import rasa.core.utils
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    check_storage(endpoints)
    lock_store = check_lock_store(endpoints)
    logger.info("Conversation locks: %s", lock_store.describe() if hasattr(lock_store, "describe")
                else type(lock_store).__name__)
    token = (os.environ.get("RASA_AUTH_TOKEN") or "").strip() or None
    channels = rasa.core.run.create_http_input_channels(None, args.credentials)
    app = rasa.core.run.configure_app(channels, args.cors, token, enable_api=token is not None,
                                      port=args.port, endpoints=endpoints)
    http_errors.install(app)
    add_health_routes(app)
    app.register_listener(partial(rasa.core.run.load_agent_on_start, args.model, endpoints, None),
                          "before_server_start")
    app.register_listener(rasa.core.run.close_resources, "after_server_stop")
    update_sanic_log_level()
    host = os.environ.get("BIND_HOST") or "127.0.0.1"
    logger.info("Starting the Rasa server on %s:%s (HTTP API %s)", host, args.port,
                "on" if token else "off")
    app.run(host=host, port=args.port, backlog=int(os.environ.get("SANIC_BACKLOG", "100")),
            # several Sanic workers only with a lock they share (Redis); in-memory locks are per process
            workers=rasa.core.utils.number_of_sanic_workers(
                None if getattr(lock_store, "memory", None) is not None else endpoints.lock_store))


if __name__ == "__main__":
    sys.path.insert(1, os.getcwd())
    main()
