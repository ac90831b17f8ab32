"""`make run`: train if needed, start everything, print where to talk, keep it serving, stop on Ctrl-C.

While it runs, ops/supervisor.py restarts a server that stops or stops
answering; only Ctrl-C (SIGINT) or SIGTERM stops everything.
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit

from .servers import Stack
from .supervisor import Supervisor
from .web import WebServer
from .settings import SettingError, redis_settings, resolved
from .train import GateFailed, active_model, ensure_model

SECRET_WORDS = ("password", "passwd", "pwd", "secret", "token", "key")


def safe_url(url: str) -> str:
    """`url` with any password (user:password@ or a query parameter) replaced by ***, for printing."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(set, not shown)"
    out = url
    userinfo, at, host = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        out = out.replace(parts.netloc, f"{userinfo.partition(':')[0]}:***@{host}", 1)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(any(w in k.lower() for w in SECRET_WORDS) for k, _ in pairs):
        query = urlencode([(k, "***" if any(w in k.lower() for w in SECRET_WORDS) else v) for k, v in pairs],
                          safe="*")
        out = out.split("?", 1)[0] + "?" + query + (f"#{parts.fragment}" if parts.fragment else "")
    return out


def model_to_serve() -> Optional[Path]:
    """The model to serve (trained and gated if needed), or None after printing why there is none."""
    try:
        return ensure_model()
    except GateFailed as exc:
        model = active_model()
        if model is None:
            print(f"error: {exc}", file=sys.stderr)
            return None
        print(f"warning: the newly trained model failed the safety gate (report: {exc.report_path}); "
              f"running the previous safe model {model.name}", file=sys.stderr)
        return model
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def stop_on_signals() -> Callable[[], bool]:
    """From now on Ctrl-C (SIGINT) and SIGTERM only ask to stop; the function returned says whether one came."""
    stopping = {"flag": False}

    def _stop(signum, _frame):
        stopping["flag"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    return lambda: stopping["flag"]


def main() -> int:
    env = resolved()
    try:
        redis = redis_settings(env)
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    model = model_to_serve()
    if model is None:
        return 1
    stack = Stack(model=model, env=env)
    stop_requested = stop_on_signals()
    print("Starting the action server and the Rasa server (about 20 s)...", flush=True)
    try:
        stack.start()
        web = WebServer(env).start()
    except (RuntimeError, OSError) as exc:
        stack.stop()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rasa = f"http://localhost:{env['RASA_PORT']}"
    print(f"\nLegCare is running (model {model.name}).")
    print(f"  Web chat:         http://localhost:{env['WEB_PORT']}/")
    print(f"  Chat over REST:   curl -s {rasa}/webhooks/rest/webhook -H 'Content-Type: application/json' "
          "-d '{\"sender\": \"me\", \"message\": \"hello\"}'")
    print(f"  Socket.IO:        {rasa}/socket.io")
    print(f"  Action server:    http://localhost:{env['ACTION_PORT']}/health")
    print(f"  HTTP API:         {'on, token required' if env.get('RASA_AUTH_TOKEN') else 'off (set RASA_AUTH_TOKEN to enable)'}")
    print(f"  Conversations in: {safe_url(env['TRACKER_STORE_URL'])}")
    print(f"  Locks:            {'Redis at ' + redis.safe_url() if redis else 'in memory (one Rasa server)'}")
    print(f"  Listening on:     {env['BIND_HOST']} (BIND_HOST); health: {rasa}/health/live and /health/ready")
    for note in stack.notes:
        print(f"  {note}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        Supervisor(stack, lambda line: print(line, flush=True)).run(stop_requested)
    finally:
        print("\nStopping...", flush=True)
        web.stop()
        stack.stop()
        print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
