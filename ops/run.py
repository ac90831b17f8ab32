"""`make run`: train if needed, start everything, print where to talk, stop on Ctrl-C."""
from __future__ import annotations

import signal
import sys
import time

from .servers import Stack
from .web import WebServer
from .settings import resolved
from .train import GateFailed, active_model, ensure_model


def main() -> int:
    env = resolved()
    try:
        model = ensure_model()
    except GateFailed as exc:
        model = active_model()
        if model is None:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"warning: the newly trained model failed the safety gate (report: {exc.report_path}); "
              f"running the previous safe model {model.name}", file=sys.stderr)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stack = Stack(model=model, env=env)
    stopping = {"flag": False}

    def _stop(signum, _frame):
        stopping["flag"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
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
    print(f"  Conversations in: {env['TRACKER_STORE_URL']}")
    for note in stack.notes:
        print(f"  {note}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stopping["flag"]:
            for name, svc in stack.services.items():
                if not svc.running:
                    print(f"error: the {name} server stopped unexpectedly; see {svc.log}", file=sys.stderr)
                    stopping["flag"] = True
            time.sleep(0.5)
    finally:
        print("\nStopping...", flush=True)
        web.stop()
        stack.stop()
        print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
