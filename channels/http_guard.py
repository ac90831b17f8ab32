"""HTTP framing checks and time limits for the Rasa server's Sanic app.

Sanic 21.12 trusts `Content-Length`: `-1` makes its body reader loop forever
without yielding (the whole server stops answering, at 100% CPU), a value
that is not a number is a 500, and a body that is announced but never sent
holds the connection for Rasa's response timeout (an hour). `install(app)`
configures the app, with Sanic's own settings and a signal, so that:

- a `Content-Length` that is not a plain decimal number, is repeated, or
  comes with `Transfer-Encoding`, is a 400; one above the size limit is a
  413; both before any of the body is read, and the connection is closed;
- a body (or a header) not received in full within the time limit is a 408
  and the connection is closed; other connections are never held up;
- headers above Sanic's 8 KB limit are a 413 (Sanic's default, kept);
- a request line whose URL httptools cannot parse (for example what is
  left of a body longer than its `Content-Length`, read as the next
  request) is a 400 and the connection is closed (Sanic answered 500).

Settings (environment variables): HTTP_MAX_BODY_BYTES (default 2 MiB),
HTTP_READ_TIMEOUT (seconds to receive a request's header, then its body;
default 10).

This changes no Sanic or Rasa code: it only uses the app's configuration
(including its request class, `GuardedRequest`) and its
`http.lifecycle.request` signal. It is called once, explicitly, when
the channels are registered on the app (`GuardedBlueprint.register`).
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
from typing import Any, Dict, Text

from httptools.parser.errors import HttpParserError  # type: ignore
from sanic import Blueprint, Sanic
from sanic.exceptions import InvalidUsage, PayloadTooLarge, RequestTimeout
from sanic.http import Stage
from sanic.request import Request

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 2 * 1024 * 1024
DEFAULT_READ_TIMEOUT = 10.0
_DIGITS = re.compile(r"[0-9]{1,18}")


def _setting(name: str, default: float) -> float:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be above 0")
    return value


class GuardedRequest(Request):
    """Sanic's request; a URL that cannot be parsed is marked (and refused by the framing check), not a 500.

    Sanic builds a request before any check runs, and builds one again to
    answer an error; with a URL httptools rejects, both raise, and the
    client got a 500 (with a traceback in the log). Here the request gets
    the path `/` and a mark instead.
    """

    def __init__(self, url_bytes: bytes, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(url_bytes, *args, **kwargs)
            self.ctx.legcare_bad_url = False
        except HttpParserError:
            super().__init__(b"/", *args, **kwargs)
            self.ctx.legcare_bad_url = True


def install(app: Sanic) -> None:
    """Configure `app` (once) to refuse broken framing and to time out slow requests."""
    if getattr(app.ctx, "legcare_http_guard", False):
        return
    app.ctx.legcare_http_guard = True
    max_body = int(_setting("HTTP_MAX_BODY_BYTES", DEFAULT_MAX_BODY))
    read_timeout = _setting("HTTP_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)
    app.config.REQUEST_MAX_SIZE = max_body
    app.config.REQUEST_TIMEOUT = read_timeout
    if app.request_class is Request:
        app.request_class = GuardedRequest

    async def check_framing(request: Request) -> None:
        if getattr(request.ctx, "legcare_bad_url", False):
            raise InvalidUsage("The request URL cannot be read.")
        headers = request.headers
        lengths = headers.getall("content-length", [])
        encodings = headers.getall("transfer-encoding", [])
        if encodings and (lengths or [e.strip().lower() for e in encodings] != ["chunked"]):
            raise InvalidUsage("Unsupported Transfer-Encoding.")
        if lengths:
            if len(lengths) > 1 or not _DIGITS.fullmatch(lengths[0].strip()):
                raise InvalidUsage("Content-Length must be one whole number of bytes.")
            if int(lengths[0]) > max_body:
                raise PayloadTooLarge(f"The request body is too large (at most {max_body} bytes).")
        if lengths or encodings:
            asyncio.get_running_loop().call_later(read_timeout, _body_deadline, request)

    app.signal("http.lifecycle.request")(check_framing)


def _body_deadline(request: Request) -> None:
    """Answer 408 and close the connection if the body has still not arrived in full."""
    http = request.stream
    if http is None or http.request is not request or not http.request_body:
        return  # finished, or the connection moved on
    if http.stage is not Stage.HANDLER or http.upgrade_websocket:
        return
    task = getattr(http.protocol, "_task", None)
    if task is None or task.done():
        return
    logger.info("Closed a connection whose request body did not arrive in time")
    http.exception = RequestTimeout("The request body did not arrive in time.")
    http.keep_alive = False
    http.request_body = None  # Sanic would otherwise wait for the rest of it after answering
    task.cancel()


class GuardedBlueprint(Blueprint):
    """A channel blueprint that installs the HTTP checks on the app it is registered on."""

    def register(self, app: Any, options: Dict[Text, Any]) -> None:
        install(app)
        super().register(app, options)
