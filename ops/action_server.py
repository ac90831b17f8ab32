"""The action server's entry point (started by ops.servers.Stack instead of `rasa run actions`).

    python -m ops.action_server --port 5055

rasa_sdk's own app with the actions in actions/, and:

- it listens on BIND_HOST (127.0.0.1 unless set; `rasa run actions` has no
  such option and listens on every interface);
- only the Rasa server may call it: every request except `GET /health`
  must carry the shared secret ACTION_SERVER_SECRET in the
  `X-LegCare-Action-Secret` header (the Rasa server sends it, see
  endpoints.yml); others get 401. `make run` makes up a random secret when
  the variable is unset, so set it only when the two servers run apart;
- no CORS: no browser ever needs to call it.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from typing import List, Optional

SECRET_HEADER = "X-LegCare-Action-Secret"
OPEN_PATHS = {"/health"}

logger = logging.getLogger("legcare.actions")


def create_app(secret: str):
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response

    if not secret:
        raise ValueError("ACTION_SERVER_SECRET is empty")
    app = sdk_app("actions", cors_origins=None)

    @app.on_request
    async def require_secret(request):
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(SECRET_HEADER) or ""
        if not hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode()):
            return response.json({"error": "not allowed"}, status=401)
        return None

    return app


def main(argv: Optional[List[str]] = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ops.action_server", description="LegCare's action server")
    p.add_argument("--port", type=int, default=5055)
    args = p.parse_args(argv)
    from rasa_sdk import utils

    utils.configure_colored_logging(os.environ.get("LOG_LEVEL") or "INFO")
    utils.update_sanic_log_level()
    secret = (os.environ.get("ACTION_SERVER_SECRET") or "").strip()
    if not secret:
        print("LegCare cannot start: ACTION_SERVER_SECRET is not set (the Rasa server must send it)",
              file=sys.stderr, flush=True)
        sys.exit(78)
    app = create_app(secret)
    host = os.environ.get("BIND_HOST") or "127.0.0.1"
    logger.info("Action server on %s:%s", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    sys.path.insert(1, os.getcwd())
    main()
