"""How the Rasa server answers and logs a request that failed: installed explicitly by ops/rasa_server.py.

Two things, each applied once at server start (`install(app)` after the app
is built, `install_log_privacy()` once logging is configured):

1. `ErrorHandler`, the Sanic app's error handler. Rasa's HTTP API handlers
   trust their input: a body of the wrong shape (a list for an object, a
   number for a text, a missing key) raises TypeError, KeyError,
   AttributeError... which Sanic answers with a 500, or which Rasa wraps in
   its own 500 ("An unexpected error occurred", even around its own 400).
   Here an exception whose root cause is one of those (or a Rasa or schema
   validation error, or a 4xx error underneath) is a 400 in Rasa's JSON
   error format, unless it was raised inside the server's own machinery
   (the database and Redis drivers, LegCare's engine, components and
   actions: there it is a fault of ours, not of the request); anything else
   (storage down, a bug) stays a 500, with a generic JSON body. Either way the log gets one line: the status, the
   route's name, the exception's type and where it was raised; never the
   URL, the body or a traceback.
2. `install_log_privacy()`: no log record of this process carries a
   traceback or an exception's text (which can quote a message), whoever
   logs it (Sanic, Rasa, engine.io...): the traceback becomes the
   exception's type and the place it was raised; the line Rasa's
   `ErrorResponse` logs (it quotes the request: a sender, an intent, an
   exception's text) says only that an error was answered, and a
   traceback logged as a message (Rasa logs some) becomes one line.
"""
from __future__ import annotations

import logging
from typing import Any, List, Optional, Tuple

from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler as SanicErrorHandler
from sanic.response import json as json_response

logger = logging.getLogger("legcare.http")

BAD_REQUEST_MESSAGE = ("The request does not fit this endpoint: check its body and parameters against the "
                       "HTTP API's documentation.")
SERVER_ERROR_MESSAGE = "Sorry, something went wrong on the server while handling this request."


def _client_error_types() -> Tuple[type, ...]:
    types: List[type] = [KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError]
    try:
        import jsonschema
        types.append(jsonschema.ValidationError)
    except ImportError:  # pragma: no cover
        pass
    try:  # Telegram refused what the request asked for (e.g. `output_channel=telegram` for an id that is no chat)
        from aiogram.utils.exceptions import BadRequest
        types.append(BadRequest)
    except ImportError:  # pragma: no cover
        pass
    try:
        from rasa.shared.exceptions import RasaException
        types.append(RasaException)
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


# where a TypeError or KeyError means a fault of the server's, whatever the request held
SERVER_SIDE_PACKAGES = ("sqlalchemy", "psycopg2", "redis", "sqlite3", "aiohttp", "components", "legcare", "actions",
                        "ops")


def _innermost(exception: BaseException) -> Optional[Any]:
    """The traceback entry where the exception was raised (None if it was never raised)."""
    tb = exception.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def _innermost_path(exception: BaseException) -> str:
    tb = _innermost(exception)
    return "" if tb is None else tb.tb_frame.f_code.co_filename.replace("\\", "/")


def _raised_in_server_machinery(exception: BaseException) -> bool:
    """Whether the exception was raised in a driver of ours or in LegCare's own code, not in request parsing."""
    from ops.settings import ROOT

    path = _innermost_path(exception)
    root = str(ROOT).replace("\\", "/").rstrip("/") + "/"
    if "/site-packages/" in path:
        top = path.split("/site-packages/", 1)[1].split("/", 1)[0]
    elif path.startswith(root):
        top = path[len(root):].split("/", 1)[0]
    else:  # the standard library
        top = path.rsplit("/", 2)[-2] if path.count("/") >= 2 else ""
    return top.split(".", 1)[0] in SERVER_SIDE_PACKAGES


def _chain(exception: BaseException) -> List[BaseException]:
    """The exception and those it was raised from or while handling, outermost first."""
    out: List[BaseException] = []
    current: Optional[BaseException] = exception
    while current is not None and current not in out and len(out) < 20:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def where(exception: BaseException) -> str:
    """The file (within its package) and line an exception was raised at; no values."""
    tb = _innermost(exception)
    if tb is None:
        return "?"
    path = tb.tb_frame.f_code.co_filename
    parts = path.replace("\\", "/").split("/")
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1:]
    else:
        parts = parts[-2:]
    return f"{'/'.join(parts)}:{tb.tb_lineno}"


def _rasa_error_response() -> Optional[type]:
    try:
        from rasa.server import ErrorResponse
        return ErrorResponse
    except ImportError:  # pragma: no cover
        return None


def classify(exception: BaseException) -> Optional[Tuple[int, Any, BaseException]]:
    """(status, body, the exception that decided it), or None to leave the exception to Sanic and Rasa."""
    rasa_error = _rasa_error_response()
    if isinstance(exception, SanicException):
        return None  # Sanic's own 4xx/5xx (404, 405, 413...): its status and page are right
    if rasa_error is not None and isinstance(exception, rasa_error) and exception.status < 500:
        return None  # Rasa's own 4xx, in Rasa's format
    chain = _chain(exception)
    for e in chain[1:]:
        if rasa_error is not None and isinstance(e, rasa_error) and e.status < 500:
            return int(e.status), e.error_info, e  # Rasa's 400, which Rasa then wrapped in a 500
        if isinstance(e, SanicException) and getattr(e, "status_code", 500) < 500:
            return e.status_code, _body(e.status_code, "BadRequest", str(e)), e
    root = chain[-1]
    if isinstance(root, _client_error_types()) and not _raised_in_server_machinery(root):
        return 400, _body(400, "BadRequest", BAD_REQUEST_MESSAGE, type(root).__name__), root
    return 500, _body(500, "ServerError", SERVER_ERROR_MESSAGE), root


def _body(status: int, reason: str, message: str, error: Optional[str] = None) -> Any:
    try:
        import rasa
        version = rasa.__version__
    except Exception:  # pragma: no cover
        version = None
    return {"version": version, "status": "failure", "message": message, "reason": reason,
            "details": {"error": error} if error else {}, "help": None, "code": status}


def _route(request: Any) -> str:
    try:
        return request.name or "no route"
    except Exception:
        return "no route"


class ErrorHandler(SanicErrorHandler):
    """See the module docstring: client mistakes are 400s, and failures are logged in one line."""

    def response(self, request: Any, exception: BaseException) -> Any:
        decided = classify(exception)
        if decided is None:
            return super().response(request, exception)
        status, body, cause = decided
        (logger.error if status >= 500 else logger.info)(
            "HTTP %d for a request to %s (%s at %s)", status, _route(request), type(cause).__name__,
            where(cause))
        return json_response(body, status=status)

    @staticmethod
    def log(request: Any, exception: BaseException) -> None:
        status = getattr(exception, "status_code", 500) or 500
        if getattr(exception, "quiet", False) and status < 500:
            return
        (logger.error if status >= 500 else logger.info)(
            "HTTP %s for a request to %s (%s at %s)", status, _route(request), type(exception).__name__,
            where(exception))


def install(app: Any) -> None:
    """Give `app` the error handler above, keeping the exception handlers already registered (Rasa's).

    Sanic-CORS wraps the app's handler (its `orig_handler`) to add CORS
    headers to error responses: the innermost handler is the one replaced.
    """
    owner, attr = app, "error_handler"
    while hasattr(getattr(owner, attr), "orig_handler"):
        owner, attr = getattr(owner, attr), "orig_handler"
    old = getattr(owner, attr)
    if isinstance(old, ErrorHandler):
        return
    new = ErrorHandler()
    new.handlers = old.handlers
    new.cached_handlers = old.cached_handlers
    new.debug = old.debug
    new.base = old.base
    new._fallback = old._fallback
    setattr(owner, attr, new)


# ---------------------------------------------------------------- log privacy

_factory_installed = False


def _redact(msg: Any) -> Any:
    if isinstance(msg, BaseException):
        return f"{type(msg).__name__} (details not logged)"
    if isinstance(msg, str) and "Traceback (most recent call last)" in msg:  # traceback.format_exc() as a message
        last = [ln for ln in msg.strip().splitlines() if ln and not ln.startswith(" ")][-1:]
        kind = last[0].split(":", 1)[0].strip() if last else "?"
        return f"An exception occurred: {kind} (traceback not logged)"
    return msg


def install_log_privacy() -> None:
    """From now on, log records of this process carry no traceback and no exception text (see above)."""
    global _factory_installed
    if _factory_installed:
        return
    _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name == "rasa.server" and record.funcName == "__init__":
            # the line Rasa's ErrorResponse logs: its message quotes the request (a sender, an intent, a
            # parse error of the text); the status and route are logged by ErrorHandler above
            record.msg, record.args = "Rasa's HTTP API answered a request with an error (details not logged)", ()
        record.msg = _redact(record.msg)
        exc_info = record.exc_info
        if exc_info and exc_info is not True and exc_info[1] is not None:
            exc = exc_info[1]
            note = f" [{type(exc).__name__} at {where(exc)}]"
            if record.args:
                try:
                    record.msg, record.args = record.getMessage(), ()
                except Exception:
                    record.msg, record.args = str(record.msg), ()
            record.msg = _redact(str(record.msg)) + note
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return record

    logging.setLogRecordFactory(factory)
