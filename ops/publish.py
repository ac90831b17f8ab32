"""`make publish`: switch the running Rasa server to the active model, without downtime.

Rasa loads the new model beside the old one and swaps them when it is ready;
conversations in progress continue (they live in the tracker store). Needs
the HTTP API, so the running server must have been started with
RASA_AUTH_TOKEN set, and this command needs the same token.

A running server keeps the engine bundle (knowledge, engine code, detector)
it was started with. When the new model's bundle differs, publishing would
pair the new model with the old engine, so this refuses and asks for a
restart (`make run`), which starts both from the gated bundle.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from legcare import bundle

from .settings import resolved
from .train import MODELS, active_model


def running_model(rasa_url: str, token: str) -> Optional[str]:
    req = urllib.request.Request(f"{rasa_url}/status", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return Path(json.loads(r.read()).get("model_file") or "").name or None


def publish(model: Path, rasa_url: str, token: str, timeout: float = 300) -> str:
    body = json.dumps({"model_file": str(model.resolve())}).encode()
    req = urllib.request.Request(f"{rasa_url}/model", data=body, method="PUT",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        if r.status != 204:
            raise RuntimeError(f"the server answered {r.status}")
    return running_model(rasa_url, token) or "?"


def main() -> int:
    env = resolved()
    token = env.get("RASA_AUTH_TOKEN", "").strip()
    model = active_model()
    if model is None:
        print("error: no active model yet; run `make train` first", file=sys.stderr)
        return 1
    if not token:
        print("error: set RASA_AUTH_TOKEN (the running server must use the same one) to publish", file=sys.stderr)
        return 1
    rasa_url = env.get("RASA_URL") or f"http://127.0.0.1:{env['RASA_PORT']}"
    try:
        current = running_model(rasa_url, token)
        if current == model.name:
            print(f"The running server already uses the active model: {model.name}")
            return 0
        if current and not bundle.same_engine(bundle.bundle_for(MODELS / current), bundle.bundle_for(model)):
            print(f"error: {model.name} changes the knowledge base, the engine or the red-flag detector, which "
                  f"a running server cannot swap; restart the assistant (Ctrl-C, then `make run`) to serve it",
                  file=sys.stderr)
            return 1
        print(f"Switching {rasa_url} from {current} to {model.name}...", flush=True)
        print(f"Active model: {publish(model, rasa_url, token)}")
    except urllib.error.HTTPError as exc:
        print(f"error: the server refused ({exc.code}); is RASA_AUTH_TOKEN the same as the server's?", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"error: no Rasa server at {rasa_url} ({exc})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
