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
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"

DEFAULTS = {
    "RASA_PORT": "5005",
    "ACTION_PORT": "5055",
    "WEB_PORT": "8080",
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


# Redis: the conversation lock shared by several Rasa servers (components/lock_store.py) and Slack's
# memory of the events already answered (channels/slack.py). Unset: one Rasa server, both in its memory.
#
#   REDIS_URL       redis://[:password@]host:port/db, or rediss://... for TLS
#   or the parts    REDIS_HOST, REDIS_PORT (6379), REDIS_PASSWORD, REDIS_DB (0), REDIS_TLS (true/false)
#
# REDIS_PASSWORD may also go with a REDIS_URL that has no password (to keep the secret in its own
# variable). The password is never printed or logged (RedisSettings.safe_url). LOCK_STORE_TYPE and
# LOCK_STORE_URL, the previous pair, are refused with a message saying what to set instead: silently
# falling back to one server's memory on a cluster would let two servers answer one conversation at once.

REDIS_PARTS = ("REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_TLS")
OLD_LOCK_SETTINGS = ("LOCK_STORE_TYPE", "LOCK_STORE_URL")
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class SettingError(ValueError):
    """A setting that cannot be used; the message names the variable and what to set instead."""


@dataclass(frozen=True)
class RedisSettings:
    host: str
    port: int = 6379
    db: int = 0
    password: Optional[str] = field(default=None, repr=False)
    username: Optional[str] = None
    tls: bool = False

    def __repr__(self) -> str:  # never the password, whoever prints this
        return f"RedisSettings({self.safe_url()})"

    def safe_url(self) -> str:
        user = quote(self.username or "", safe="")
        auth = f"{user}:***@" if self.password else (f"{user}@" if user else "")
        return f"{'rediss' if self.tls else 'redis'}://{auth}{self.host}:{self.port}/{self.db}"

    def client(self, timeout: float = 2.0, **kwargs: object):
        """A redis-py client (thread-safe, with its own connection pool); nothing is connected yet."""
        import redis

        return redis.Redis(host=self.host, port=self.port, db=self.db, username=self.username,
                           password=self.password, ssl=self.tls, socket_timeout=timeout,
                           socket_connect_timeout=timeout, health_check_interval=5, **kwargs)


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not low <= number <= high:
        raise SettingError(f"{name} must be a whole number from {low} to {high}")
    return number


def redis_settings(env: Optional[Mapping[str, str]] = None) -> Optional[RedisSettings]:
    """Where Redis is, from REDIS_URL or REDIS_HOST and its parts; None when neither is set (one server)."""
    env = os.environ if env is None else env
    old = [k for k in OLD_LOCK_SETTINGS if (env.get(k) or "").strip() not in ("", "in_memory")]
    if old:
        raise SettingError(f"{' and '.join(old)} are no longer read: set REDIS_URL=redis://[:password@]host:port/db "
                           f"(or REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_DB) for the lock store shared by "
                           f"several Rasa servers, and unset {', '.join(old)}")
    url = (env.get("REDIS_URL") or "").strip()
    password = env.get("REDIS_PASSWORD") or None
    parts = [k for k in REDIS_PARTS if (env.get(k) or "").strip()]
    if url:
        if parts:
            raise SettingError(f"set either REDIS_URL or {', '.join(parts)}, not both")
        try:
            u = urlsplit(url)
            port = u.port or 6379
        except ValueError:
            raise SettingError("REDIS_URL must look like redis://[:password@]host:port/db") from None
        if u.scheme not in ("redis", "rediss") or not u.hostname:
            raise SettingError("REDIS_URL must look like redis://[:password@]host:port/db (rediss:// for TLS)")
        if u.password and password:
            raise SettingError("REDIS_URL has a password and REDIS_PASSWORD is set too: keep one")
        path = u.path.strip("/")
        return RedisSettings(host=u.hostname, port=port, db=_int("the database of REDIS_URL", path or "0", 0, 10000),
                             password=unquote(u.password) if u.password else password,
                             username=unquote(u.username) if u.username else None, tls=u.scheme == "rediss")
    host = (env.get("REDIS_HOST") or "").strip()
    if not host:
        if parts or password:
            raise SettingError(f"{', '.join(parts + (['REDIS_PASSWORD'] if password else []))} set without "
                               f"REDIS_HOST (or REDIS_URL): set where Redis is")
        return None
    tls = (env.get("REDIS_TLS") or "").strip().lower()
    if tls not in TRUE + FALSE:
        raise SettingError("REDIS_TLS must be true or false")
    return RedisSettings(host=host, port=_int("REDIS_PORT", (env.get("REDIS_PORT") or "6379").strip(), 1, 65535),
                         db=_int("REDIS_DB", (env.get("REDIS_DB") or "0").strip(), 0, 10000),
                         password=password, tls=tls in TRUE)
