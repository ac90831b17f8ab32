"""Local stand-ins for the Telegram Bot API and the Slack Web API (127.0.0.1 only).

They record every call so tests can check what the assistant sent.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List
from urllib.parse import parse_qs


class FakeAPI:
    def __init__(self, answer: Callable[[str, Dict[str, Any]], Dict[str, Any]]):
        self.calls: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    try:
                        data = json.loads(raw or "{}")
                    except ValueError:
                        data = {}
                elif "multipart/form-data" in ctype:
                    data = _multipart(raw, ctype)
                else:
                    data = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rstrip("/").split("/")[-1]
                with outer.lock:
                    outer.calls.append({"method": method, "path": self.path, "data": data,
                                        "headers": dict(self.headers)})
                answered = answer(method, data)
                body = json.dumps(answered).encode()
                # an error answer (Telegram's "ok": false) has its HTTP status in "error_code"
                self.send_response(answered.get("error_code", 200) if answered.get("ok") is False else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, predicate: Callable[[Dict[str, Any]], bool], count: int = 1, timeout: float = 30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [c for c in self.calls if predicate(c)]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        with self.lock:
            raise AssertionError(f"expected {count} matching calls, got {len(found)}: "
                                 f"{[c['method'] for c in self.calls][-20:]}")

    def matching(self, predicate) -> List[Dict[str, Any]]:
        with self.lock:
            return [c for c in self.calls if predicate(c)]


def _multipart(raw: str, ctype: str) -> Dict[str, Any]:
    boundary = ctype.split("boundary=", 1)[1].strip('"')
    out = {}
    for part in raw.split("--" + boundary):
        if "name=\"" not in part:
            continue
        head, _, value = part.partition("\r\n\r\n")
        name = head.split("name=\"", 1)[1].split("\"", 1)[0]
        out[name] = value.rstrip("\r\n")
    return out


def telegram_api() -> FakeAPI:
    def answer(method: str, data: Dict[str, Any]) -> Dict[str, Any]:
        if method == "sendMessage":
            try:
                chat_id = int(data.get("chat_id", 0))
            except (TypeError, ValueError):  # as Telegram answers a chat id that is not a number
                return {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            return {"ok": True, "result": {"message_id": 1, "date": 0, "text": data.get("text", ""),
                                           "chat": {"id": chat_id, "type": "private"}}}
        if method == "getMe":
            return {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "LegCare",
                                           "username": "legcare_test_bot"}}
        return {"ok": True, "result": True}
    return FakeAPI(answer)


def slack_api() -> FakeAPI:
    def answer(method: str, data: Dict[str, Any]) -> Dict[str, Any]:
        return {"ok": True, "channel": data.get("channel", "C1"), "ts": "1.0"}
    return FakeAPI(answer)
