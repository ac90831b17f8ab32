"""Serves the chat page on WEB_PORT: local files only, no CDN.

/                 webchat/public/index.html
/widget.js, ...   webchat/public/
/vendor/socket.io.min.js   from webchat/node_modules (installed from npm by `make install`)
/config.js        where the widget finds the Rasa server (RASA_PUBLIC_URL, or this host on RASA_PORT)
"""
from __future__ import annotations

import json
import logging
import mimetypes
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Optional, Tuple

from .settings import ROOT

logger = logging.getLogger(__name__)

PUBLIC = ROOT / "webchat" / "public"
MAX_PATH_CHARS = 2048  # longer request paths get 414: no file of the page has one
ALLOWED = "GET, HEAD"
VENDOR = {"/vendor/socket.io.min.js": ROOT / "webchat" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"}


def make_handler(env: Dict[str, str]):
    rasa_port = env.get("RASA_PORT", "5005")
    public_url = env.get("RASA_PUBLIC_URL", "").rstrip("/")
    connect = f"'self' http://*:{rasa_port} ws://*:{rasa_port}"
    if public_url:
        connect += f" {public_url} {public_url.replace('http', 'ws', 1)}"
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

    class Handler(BaseHTTPRequestHandler):
        server_version = "LegCareWeb"

        def log_message(self, fmt: str, *args) -> None:  # no request logging: URLs are not needed
            pass

        def _send(self, status: int, body: bytes, ctype: str, **extra: str) -> None:
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _resolve(self) -> Optional[Tuple[bytes, str]]:
            path = self.path.split("?", 1)[0]
            if len(path) > MAX_PATH_CHARS:
                return None
            if path == "/config.js":
                cfg = {"socketPath": "/socket.io"}
                body = ("window.LEGCARE_CONFIG = " + json.dumps(cfg) + ";\n"
                        "window.LEGCARE_CONFIG.socketUrl = " +
                        (json.dumps(public_url) if public_url else
                         f"window.location.protocol + '//' + window.location.hostname + ':{rasa_port}'") + ";\n")
                return body.encode(), "application/javascript"
            if path in VENDOR:
                f = VENDOR[path]
            else:
                f = (PUBLIC / ("index.html" if path in ("", "/") else path.lstrip("/"))).resolve()
                if PUBLIC.resolve() not in f.parents:
                    return None
            try:
                if not f.is_file():
                    return None
                data = f.read_bytes()
            except OSError:  # a name too long for the file system, a folder we may not read...
                return None
            ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype == "application/javascript":
                ctype += "; charset=utf-8"
            return data, ctype

        def do_GET(self) -> None:
            if len(self.path) > MAX_PATH_CHARS:
                self._send(414, b"URI too long", "text/plain; charset=utf-8")
                return
            found = self._resolve()
            if found is None:
                self._send(404, b"not found", "text/plain; charset=utf-8")
            else:
                self._send(200, *found)

        do_HEAD = do_GET

        def _not_allowed(self) -> None:
            self.close_connection = True  # a body it may have sent is not read
            self._send(405, b"method not allowed", "text/plain; charset=utf-8", Allow=ALLOWED, Connection="close")

        def __getattr__(self, name: str):
            # every other method (POST, PUT, DELETE, OPTIONS, TRACE, CONNECT...): 405, not http.server's 501
            if name.startswith("do_") and name[3:].isalpha():
                return self._not_allowed
            raise AttributeError(name)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # never a traceback (it could quote a request)
        logger.warning("Web page server: a request failed (%s)", (sys.exc_info()[0] or Exception).__name__)


class WebServer:
    def __init__(self, env: Dict[str, str]):
        self.port = int(env.get("WEB_PORT", "8080"))
        self.httpd = _Server((env.get("BIND_HOST") or "127.0.0.1", self.port), make_handler(env))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "WebServer":
        if not VENDOR["/vendor/socket.io.min.js"].exists():
            raise RuntimeError("webchat/node_modules is missing: run `make install`")
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():  # shutdown() waits for serve_forever, forever if it never ran
            self.httpd.shutdown()
        self.httpd.server_close()
