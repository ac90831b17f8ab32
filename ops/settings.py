"""Settings from environment variables, with the embedded defaults.

Every deployment setting is an environment variable; this module fills the
defaults so that `make run` works on a fresh machine and keeps its data.
"""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import Dict, List, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"

DEFAULTS = {
    "RASA_PORT": "5005",
    "ACTION_PORT": "5055",
    "WEB_PORT": "8080",
    "LOCK_STORE_TYPE": "in_memory",
    "LOCK_STORE_URL": "",
    "BIND_HOST": "127.0.0.1",
}


def local_host(env: Mapping[str, str]) -> str:
    """Where this machine reaches the servers: loopback unless they listen on one other address only."""
    host = (env.get("BIND_HOST") or "127.0.0.1").strip()
    return "127.0.0.1" if host in ("0.0.0.0", "::", "", "localhost") or is_loopback(host) else host


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def var_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("LEGCARE_VAR_DIR") or ROOT / "var")


def resolved(env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment with every setting the servers read filled in."""
    out = dict(os.environ if env is None else env)
    for key, value in DEFAULTS.items():
        out.setdefault(key, value)
        if not out[key] and value:
            out[key] = value
    vdir = var_dir(out)
    out.setdefault("LEGCARE_VAR_DIR", str(vdir))
    if not out.get("TRACKER_STORE_URL"):
        out["TRACKER_STORE_URL"] = f"sqlite:///{vdir / 'tracker.db'}"
    if not out.get("ACTION_ENDPOINT_URL"):
        out["ACTION_ENDPOINT_URL"] = f"http://{local_host(out)}:{out['ACTION_PORT']}/webhook"
    if not (out.get("ACTION_SERVER_SECRET") or "").strip():
        # only the Rasa server may call the action server; both get this secret from the environment
        out["ACTION_SERVER_SECRET"] = secrets.token_urlsafe(32)
    # socket.io session tokens: one key for this `make run`, so they outlive a restarted Rasa server
    if not (out.get("SOCKETIO_SESSION_SECRET") or "").strip():
        out["SOCKETIO_SESSION_SECRET"] = secrets.token_hex(32)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), out.get("PYTHONPATH", "")) if p)
    # thinc/TensorFlow/sanic chatter is not useful to the people running it
    out.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    out.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    out.setdefault("RASA_TELEMETRY_ENABLED", "false")  # no data leaves the machine
    return out


def cors_origins(env: Mapping[str, str]) -> List[str]:
    """Origins whose pages may call the Rasa server from a browser (with credentials).

    RASA_CORS (or CORS_ORIGINS): origins separated by spaces or commas, such
    as `https://chat.example.org`; by default the web page's own origin
    (http://localhost:WEB_PORT and http://127.0.0.1:WEB_PORT). `*` and
    `null` are refused: Rasa answers with credentials allowed, so either
    would let any page (or a sandboxed one) read the replies.
    """
    raw = (env.get("RASA_CORS") or env.get("CORS_ORIGINS") or "").replace(",", " ").split()
    if not raw:
        port = env.get("WEB_PORT") or DEFAULTS["WEB_PORT"]
        return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    bad = [o for o in raw if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", o.rstrip("/"))]
    if bad:
        raise RuntimeError(f"RASA_CORS must list origins such as https://chat.example.org; not allowed: "
                           f"{', '.join(bad)}")
    return [o.rstrip("/") for o in raw]


def endpoints_file(env: Mapping[str, str]) -> Path:
    return Path(env.get("RASA_ENDPOINTS") or ROOT / "endpoints.yml")


CHANNELS = {
    # class path: (variables that turn it on, module with missing_settings)
    "channels.telegram.TelegramInput": ("TELEGRAM_TOKEN", "channels.telegram"),
    "channels.slack.SlackInput": ("SLACK_BOT_TOKEN", "channels.slack"),
}


def credentials_file(env: Mapping[str, str]) -> "tuple[Path, list[str]]":
    """credentials.yml plus the channels whose environment variables are set.

    Returns the file to give Rasa and a list of messages for the person
    running it (a channel that is only partly configured is left off, with the
    variables still missing, instead of stopping the whole assistant).
    """
    import importlib

    import yaml

    base = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    notes = []
    for cls, (switch, module) in CHANNELS.items():
        if not (env.get(switch) or "").strip():
            continue
        missing = importlib.import_module(module).missing_settings(dict(env))
        if missing:
            notes.append(f"{cls.split('.')[1].capitalize()} is off: set {', '.join(missing)} to turn it on.")
            continue
        base[cls] = {}
        notes.append(f"{cls.split('.')[1].capitalize()} is on.")
    out = var_dir(env) / "credentials.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(base, sort_keys=False))
    return out, notes
