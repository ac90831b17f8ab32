"""haproxy's configuration for `make cluster`: text and error files only (ops/balancer.py runs haproxy).

What the generated configuration does, and why:

- **Health checks on readiness.** Each replica's Rasa server is checked with
  `GET /health/ready` (200 only when the model is loaded and the tracker
  store and lock store answer). `GET /` answers "Hello from Rasa" even when
  every message fails, so it is never used. A replica is taken out after
  CHECK_FALL failed checks in a row (one every CHECK_INTERVAL seconds) and
  put back after CHECK_RISE good ones.
- **Stickiness for socket.io.** engine.io keeps a session in the memory of
  the server that made it; long-polling requests that land on another
  replica get "Invalid session". haproxy inserts a cookie (COOKIE, naming
  the replica, HttpOnly, SameSite=Lax) and sends each request carrying it to
  that replica while it is up; the web widget sends it (withCredentials).
  A websocket stays on its replica for its whole life anyway. When the
  replica is down, `option redispatch` sends the request elsewhere; the
  widget's socket.io client reconnects and resumes its conversation there
  (the session token's key and the conversations are shared).
- **Retries only where a request cannot have been processed.** A request
  whose connection could not be made (`conn-failure`: nothing was sent) is
  retried on another replica, for every method. A GET or HEAD (health,
  trackers, socket.io polling reads: nothing changes on the server) is also
  retried when the replica closed without answering or answered junk or
  503. A POST (a turn over REST, a socket.io message, Telegram/Slack
  updates) that reached a replica is never sent again by haproxy: the
  replica may have processed and stored the turn before dying, and a second
  copy would be a second turn (two replies, findings counted twice). The
  client gets a JSON 502 and may send the turn again itself, with a
  `message_id` (README "Sending a turn again is safe") so that it is not
  processed twice.
- **An answer for every turn: one request per client connection.** When a
  replica dies while a request is in flight, haproxy answers a JSON 502 only
  if that request was the first on its client connection; a later request on
  a kept-alive connection gets the connection closed without a word and
  without a log line (haproxy's rule for keep-alive: "the client is required
  to retry", which a client must not do with a POST it cannot know was not
  processed). Measured with the reliability suite's kill -9 of a replica
  under load, run on its own: 6 of 1,022 turns dropped that way with
  keep-alive, 0 of 1,108 (4 JSON 502s) with `option httpclose`. So haproxy closes each client
  connection after its answer; the cost is a new TCP connection per request
  from the client (websockets are one long request and are not affected).
- **JSON errors.** haproxy's own 400, 403, 408, 500, 502, 503 and 504 pages
  are replaced by `{"error": "..."}` bodies, the shape of the channels'
  errors (channels/common.py ERROR_REPLY for the 5xx).
- **Timeouts aligned with the servers.** `http-request` = HTTP_READ_TIMEOUT
  (the Rasa server's own limit for a request's header and body); `server` is
  above both the longest turn (waiting for the conversation's lock, up to
  the lock store's `wait_timeout` in the endpoints file, then two calls to
  the action server of ACTION_TIMEOUT each, plus margin) and engine.io's
  long-poll (ping interval 25 s), so haproxy never cuts an answer the
  server would still give;
  websockets (`tunnel`) live an hour between frames at most (engine.io pings
  every 25 s).
- **Logs without content.** Only failed requests and replica state changes
  are logged, with the path and never the query string (it may carry a
  `?token=`), and no message text (haproxy does not log bodies).
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Sequence

from .settings import ROOT, endpoints_file

COOKIE = "LEGCARE_SERVER"
BACKEND = "rasa"
FRONTEND = "legcare"
CHECK_INTERVAL = 2    # seconds between readiness checks of a replica
CHECK_FALL = 2        # failed checks in a row: out
CHECK_RISE = 2        # good checks in a row: back in
ENGINEIO_PING_INTERVAL = 25  # python-engineio's default: a long-poll is answered within this
REASONS = {400: "Bad Request", 403: "Forbidden", 408: "Request Time-out", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}


def channel_error_reply() -> str:
    """channels/common.py's ERROR_REPLY, read from the source (importing it would load Rasa)."""
    tree = ast.parse((ROOT / "channels" / "common.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ERROR_REPLY" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError("channels/common.py has no ERROR_REPLY")


def error_messages() -> Dict[int, str]:
    reply = channel_error_reply()
    return {400: "The request could not be read.", 403: "Forbidden.",
            408: "The request was not received in time.", 500: reply, 502: reply, 503: reply, 504: reply}


def error_response(status: int, message: str) -> bytes:
    """A whole HTTP response, as haproxy's errorfile wants it."""
    body = json.dumps({"error": message}).encode()
    head = (f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name) or default)
    except ValueError:
        raise RuntimeError(f"{name} must be a number of seconds, not {env.get(name)!r}") from None
    if value <= 0:
        raise RuntimeError(f"{name} must be above 0")
    return value


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.0
    http_request: float = 10.0   # = the servers' HTTP_READ_TIMEOUT
    server: float = 115.0        # > lock wait + 2 x ACTION_TIMEOUT + margin, > engine.io's long-poll
    tunnel: float = 3600.0       # an open websocket without a frame (engine.io pings every 25 s)
    queue: float = 10.0
    check: float = 3.0           # one readiness check (the server's own checks take at most 3 s each)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Timeouts":
        action = _seconds(env, "ACTION_TIMEOUT", 30.0)
        read = _seconds(env, "HTTP_READ_TIMEOUT", 10.0)
        turn = lock_wait(env) + 2 * action + 10
        return cls(http_request=read, server=max(turn, ENGINEIO_PING_INTERVAL + 20))


def lock_wait(env: Mapping[str, str]) -> float:
    """How long a turn may wait for its conversation's lock: the lock store's wait_timeout (endpoints file)."""
    import yaml

    try:
        section = (yaml.safe_load(endpoints_file(env).read_text()) or {}).get("lock_store") or {}
        return max(float(section.get("wait_timeout", 0) or 0), 0.0)
    except (OSError, ValueError, TypeError, AttributeError, yaml.YAMLError):
        return 0.0


@dataclass(frozen=True)
class Replica:
    name: str   # haproxy's server name and the cookie's value
    host: str
    port: int


def _s(seconds: float) -> str:
    return f"{int(seconds * 1000)}ms"


def render(bind_host: str, port: int, replicas: Sequence[Replica], errors: Mapping[int, Path], stats_socket: Path,
           timeouts: Timeouts) -> str:
    """The configuration text."""
    lines: List[str] = [
        "# Generated by ops/haproxy_config.py for `make cluster` at each start: edits here are overwritten.",
        "global",
        "    log stdout format raw daemon info",
        f"    stats socket {stats_socket} mode 600 level admin",
        "    maxconn 4096",
        "    noreuseport",  # a port another program (or another haproxy) listens on is an error, not shared
        "",
        "http-errors legcare-json",
        *[f"    errorfile {status} {path}" for status, path in sorted(errors.items())],
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option dontlog-normal",   # failed requests only
        # the path, never the query string (it may carry ?token=); no client address, no body
        '    log-format "%ft %b/%s %ST %tsc %TR/%Tw/%Tc/%Tr/%Ta %{+Q}HM %{+Q}HPO"',
        "    errorfiles legcare-json",
        f"    timeout connect {_s(timeouts.connect)}",
        f"    timeout http-request {_s(timeouts.http_request)}",
        f"    timeout client {_s(timeouts.server)}",
        f"    timeout server {_s(timeouts.server)}",
        f"    timeout tunnel {_s(timeouts.tunnel)}",
        f"    timeout queue {_s(timeouts.queue)}",
        f"    timeout check {_s(timeouts.check)}",
        "",
        f"frontend {FRONTEND}",
        f"    bind {bind_host}:{port}",
        # one request per client connection: see "An answer for every turn" above
        "    option httpclose",
        f"    default_backend {BACKEND}",
        "",
        f"backend {BACKEND}",
        "    balance leastconn",
        "    option httpchk",
        "    http-check send meth GET uri /health/ready",
        "    http-check expect status 200",
        f'    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"',
        # a request that could not be sent is retried on another replica; one that reached a replica only
        # when it is a GET or HEAD (nothing changes on the server): a POST may have been processed
        "    retries 2",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response junk-response 503",
        "    http-request disable-l7-retry unless METH_GET",
        f"    default-server check inter {CHECK_INTERVAL}s fall {CHECK_FALL} rise {CHECK_RISE}",
        *[f"    server {r.name} {r.host}:{r.port} cookie {r.name}" for r in replicas],
        "",
    ]
    return "\n".join(lines)


def write(folder: Path, bind_host: str, port: int, replicas: Sequence[Replica], env: Mapping[str, str]) -> Path:
    """Write the error files and haproxy.cfg into `folder`; returns the configuration's path."""
    folder.mkdir(parents=True, exist_ok=True)
    errors_dir = folder / "errors"
    errors_dir.mkdir(exist_ok=True)
    errors = {}
    for status, message in error_messages().items():
        path = errors_dir / f"{status}.http"
        path.write_bytes(error_response(status, message))
        errors[status] = path
    cfg = folder / "haproxy.cfg"
    cfg.write_text(render(bind_host, port, replicas, errors, folder / "haproxy.sock", Timeouts.from_env(env)))
    return cfg
