"""Fuzz: at least 1,000 bad inputs on every entry point, against one isolated stack.

The stack: the active model's servers on free ports (127.0.0.1) with a
throw-away data folder, the HTTP API on behind a random token, Telegram and
Slack on with random secrets and local stand-ins for their APIs
(tests/fakes.py), and the web page server (ops/web.py). Default HTTP limits
(HTTP_READ_TIMEOUT 10 s, 2 MiB bodies).

Inputs are generated from a fixed seed. Every message text, metadata value
and raw body carries a marker word (MARK + a number); afterwards the
servers' logs are searched for it (no message text in logs) and for
tracebacks. A request counts as a hang when it is neither answered nor
closed within HANG seconds. While the raw-HTTP part runs, a normal REST
message is sent every half second and its slowest answer is reported.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

from ops.servers import Stack, free_port
from ops.settings import ROOT

from .common import REST, LogWatch, clean_env

MARK = "zorbleflux"
HANG = 40.0
PER_ENTRY = 1000
BENCH_VENV = ROOT / ".venv-bench"
SPEC = Path(__file__).with_name("rasa_http_api.yml")
TELEGRAM = "/webhooks/telegram/webhook"
SLACK = "/webhooks/slack/webhook"


class Marks:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"{MARK}{self.n:05d}"


mark = Marks()

ODD_TEXT = ["\u202eright to left", "zero\u200bwidth\u200d", "e\u0301\u0301\u0301\u0301", "\U0001F9B5\U0001F9BF",
            "\ufeffbom", "\uffff\ufffe", "\x00nul", "tab\tnew\nline\r", "\u0000\u0001\u001f", "\ue000private",
            "\u0928\u092e\u0938\u094d\u0924\u0947", "\u4f60\u597d\u817f\u8f6f", "a" * 20_001, "\U00010348" * 50,
            "<script>alert(1)</script>", "'; drop table events; --", "${jndi:ldap://127.0.0.1/x}", "%s%s%n",
            "/greet", "/affirm{\"x\": 1}", "//", "/", "/emergency_screen", "{{7*7}}", "..\\..\\", ""]
WRONG = [None, 0, -1, 2 ** 70, 1.5, float("nan"), True, [], ["a"], {}, {"a": 1}, "", " ", "x" * 200]


def _text(rng: random.Random) -> str:
    base = rng.choice(["my legs are weak", "hello", "no", "yes", "what exercises can I do?", "my left leg went "
                       "weak suddenly", ""] + ODD_TEXT)
    return f"{base} {mark()}" if rng.random() < 0.95 else mark()


# ---------------------------------------------------------------- REST webhook

def rest_cases(rng: random.Random, n: int) -> List[Tuple[str, Dict[str, str], bytes, str]]:
    """(method, headers, body, kind) for POST /webhooks/rest/webhook."""
    out = []
    for i in range(n):
        kind = rng.choice(["bad_json", "wrong_types", "missing", "huge", "unicode", "content_type", "method",
                           "deep", "valid_odd"])
        headers = {"Content-Type": "application/json"}
        method = "POST"
        sender = f"fz-{uuid.uuid4().hex[:12]}"
        if kind == "bad_json":
            good = json.dumps({"sender": sender, "message": _text(rng)})
            body = rng.choice([good[: rng.randrange(1, len(good))], good + ",", "{" + good, good.replace('"', "'"),
                               '{"sender": NaN, "message": "' + mark() + '"}', "\ufeff" + good,
                               '{"sender": "a", "message": "' + mark() + '" /* c */}',
                               '{"sender": "a", "sender": 1, "message": "' + mark() + '"}']).encode()
            if rng.random() < 0.2:
                body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))) + mark().encode()
        elif kind == "wrong_types":
            payload: Any = {"sender": sender, "message": _text(rng)}
            field = rng.choice(["sender", "message", "metadata", "message_id", "input_channel"])
            payload[field] = rng.choice(WRONG)
            if field == "sender" and rng.random() < 0.5:
                payload = rng.choice([[payload], payload["message"], 7, None])
            body = json.dumps(payload).encode()
        elif kind == "missing":
            body = json.dumps(rng.choice([{}, {"message": _text(rng)}, {"sender": sender}, {"text": _text(rng)},
                                          {"sender": sender, "text": _text(rng)}])).encode()
        elif kind == "huge":
            size = rng.choice([20_001, 200_000, 1_900_000, 2_200_000])
            body = json.dumps({"sender": sender, "message": mark() + "x" * size}).encode()
            if rng.random() < 0.3:
                body = json.dumps({"sender": sender, "message": "hi " + mark(),
                                   "metadata": {"k": mark() + "y" * rng.choice([4000, 5000, 100_000])}}).encode()
        elif kind == "unicode":
            text = rng.choice(ODD_TEXT) + " " + mark()
            body = json.dumps({"sender": rng.choice([sender, sender + "\u202e", "\u00e9" * 10, sender + "\x00"]),
                               "message": text}, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
            if rng.random() < 0.3:
                body = ('{"sender": "%s", "message": "\\ud800\\udfff\\ud800 %s"}' % (sender, mark())).encode()
            if rng.random() < 0.2:
                body = b'{"sender": "' + sender.encode() + b'", "message": "\xff\xfe\xc0\xaf ' + mark().encode() + b'"}'
        elif kind == "content_type":
            headers = {"Content-Type": rng.choice(["text/plain", "application/x-www-form-urlencoded",
                                                   "multipart/form-data; boundary=x", "application/xml", "",
                                                   "application/json; charset=latin-1"])}
            body = rng.choice([json.dumps({"sender": sender, "message": _text(rng)}).encode(),
                               f"sender={sender}&message={mark()}".encode()])
        elif kind == "method":
            method = rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
            body = json.dumps({"sender": sender, "message": _text(rng)}).encode()
        elif kind == "deep":
            depth = rng.choice([100, 1000, 10_000, 100_000])
            body = ('{"sender": "%s", "message": "%s", "metadata": %s1%s}'
                    % (sender, mark(), '{"a":' * depth, "}" * depth)).encode()
            if rng.random() < 0.5:
                body = (("[" * depth) + '"' + mark() + '"' + ("]" * depth)).encode()
        else:
            payload = {"sender": sender, "message": _text(rng)}
            if rng.random() < 0.5:
                payload["message_id"] = rng.choice(["m1", "x" * 129, "\n", mark()])
            if rng.random() < 0.5:
                payload["metadata"] = rng.choice([{"note": mark()}, {"n": [1, 2, {"x": mark()}]}, {}])
            body = json.dumps(payload).encode()
        out.append((method, headers, body, kind))
    return out


async def _send_http(session: aiohttp.ClientSession, method: str, url: str, headers: Dict[str, str],
                     body: Optional[bytes]) -> Tuple[int, bytes, float]:
    t0 = time.perf_counter()
    try:
        async with session.request(method, url, data=body, headers=headers, allow_redirects=False,
                                   timeout=aiohttp.ClientTimeout(total=HANG)) as r:
            raw = await r.read()
            return r.status, raw, time.perf_counter() - t0
    except asyncio.TimeoutError:
        return -1, b"", time.perf_counter() - t0  # hang
    except aiohttp.ClientError:
        return 0, b"", time.perf_counter() - t0  # closed without an answer


async def _http_batch(url: str, cases: List[Tuple[str, Dict[str, str], Optional[bytes], str]],
                      concurrency: int = 8) -> Dict[str, Any]:
    statuses: Counter = Counter()
    kinds: Dict[str, Counter] = {}
    five: List[Dict[str, Any]] = []
    slowest = 0.0
    sem = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency, force_close=True),
                                     skip_auto_headers=["Content-Type"]) as session:
        async def one(case):
            nonlocal slowest
            method, headers, body, kind = case
            target = url if not kind.startswith("/") else url.rsplit("/webhooks", 1)[0] + kind
            async with sem:
                status, raw, seconds = await _send_http(session, method, target, headers, body)
            statuses[status] += 1
            kinds.setdefault(kind, Counter())[status] += 1
            slowest = max(slowest, seconds)
            if status >= 500 and len(five) < 10:
                five.append({"kind": kind, "status": status, "body": (body or b"")[:200].decode(errors="replace"),
                             "answer": raw[:300].decode(errors="replace")})
        await asyncio.gather(*(one(c) for c in cases))
    return {"inputs": len(cases), "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "5xx": sum(v for k, v in statuses.items() if k >= 500), "hangs": statuses.get(-1, 0),
            "closed_without_answer": statuses.get(0, 0), "slowest_s": round(slowest, 2),
            "by_kind": {k: {str(s): n for s, n in v.items()} for k, v in kinds.items()}, "5xx_samples": five}


# ---------------------------------------------------------------- Telegram and Slack webhooks

def _tg_message(rng: random.Random) -> Any:
    cid = rng.randrange(1, 10 ** 9)
    msg: Dict[str, Any] = {"message_id": rng.randrange(1, 10 ** 6), "date": int(time.time()),
                           "chat": {"id": cid, "type": "private"}, "from": {"id": cid, "is_bot": False,
                                                                            "first_name": "Ann"}}
    variant = rng.random()
    if variant < 0.4:
        msg["text"] = _text(rng)
    elif variant < 0.5:
        msg["text"] = rng.choice(WRONG)
    elif variant < 0.6:
        msg["sticker"] = {"file_id": mark()}
    elif variant < 0.7:
        msg["chat"] = rng.choice(WRONG)
        msg["text"] = _text(rng)
    elif variant < 0.8:
        return rng.choice(WRONG + [_text(rng)])
    else:
        msg.pop(rng.choice(["chat", "message_id", "date", "from"]))
        msg["text"] = _text(rng)
    return msg


def telegram_cases(rng: random.Random, n: int, secret: str) -> List[Tuple[str, Dict[str, str], bytes, str]]:
    out = []
    for _ in range(n):
        update: Any = {"update_id": rng.randrange(10 ** 9)}
        key = rng.choice(["message", "message", "edited_message", "callback_query", "channel_post", "poll"])
        if key == "callback_query":
            update[key] = rng.choice([{"id": "1", "data": rng.choice(["/affirm", "/deny", mark(), None]),
                                       "message": _tg_message(rng), "from": {"id": 5}}, mark(), 5, None])
        else:
            update[key] = _tg_message(rng)
        body = json.dumps(update).encode()
        if rng.random() < 0.1:
            body = rng.choice([b"{not json " + mark().encode(), b"[1, 2]", b"null", b"\"" + mark().encode() + b"\"",
                               body[: len(body) // 2]])
        signed = rng.random() < 0.6
        if signed:
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            kind = "signed"
        else:
            headers = rng.choice([{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                  {"X-Telegram-Bot-Api-Secret-Token": secret[:-1]},
                                  {"X-Telegram-Bot-Api-Secret-Token": ""},
                                  {"X-Telegram-Bot-Api-Secret-Token": "\u00e9t\u00e9" + secret}])
            kind = "not_signed"
        headers["Content-Type"] = "application/json"
        out.append(("POST", headers, body, kind))
    return out


def _slack_event(rng: random.Random) -> Any:
    event: Any = {"type": rng.choice(["message", "app_mention", "reaction_added", mark()]),
                  "user": rng.choice([f"U{rng.randrange(10 ** 8)}", None, 5, ""]),
                  "channel": rng.choice(["D123", "C1", None, 7]), "ts": str(time.time()),
                  "text": _text(rng) if rng.random() < 0.8 else rng.choice(WRONG)}
    if rng.random() < 0.1:
        event["bot_id"] = "B1"
    if rng.random() < 0.1:
        event["subtype"] = rng.choice(["bot_message", "message_changed", "file_share"])
    if rng.random() < 0.1:
        event = rng.choice(WRONG + [_text(rng)])
    body = {"type": rng.choice(["event_callback"] * 6 + ["url_verification", "app_rate_limited", mark()]),
            "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event": event, "team_id": "T1"}
    if body["type"] == "url_verification":
        body["challenge"] = rng.choice([mark(), 5, None])
    return body


def slack_cases(rng: random.Random, n: int, secret: str) -> List[Tuple[str, Dict[str, str], bytes, str]]:
    out = []
    for _ in range(n):
        if rng.random() < 0.8:
            body = json.dumps(_slack_event(rng)).encode()
            ctype = "application/json"
        else:
            payload = rng.choice([json.dumps({"type": "block_actions", "user": {"id": "U1"},
                                              "channel": {"id": "D1"}, "actions": [{"value": mark()}]}),
                                  "{" + mark(), json.dumps([mark()]), json.dumps({"type": "block_actions"})])
            from urllib.parse import quote
            body = ("payload=" + quote(payload)).encode()
            ctype = "application/x-www-form-urlencoded"
        if rng.random() < 0.05:
            body = rng.choice([b"{not json " + mark().encode(), b"null", b"[]", body[: len(body) // 2]])
        ts = str(int(time.time()))
        signed = rng.random() < 0.6
        kind = "signed" if signed else "not_signed"
        if not signed:
            ts = rng.choice([ts, str(int(time.time()) - 3600), "abc", "", "1e10", "-1"])
        sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
        if not signed:
            sig = rng.choice([sig if ts != str(int(time.time())) else "v0=" + "0" * 64, "", "v1=abc", sig[:-2],
                              "v0=\u00e9"])
        headers = {"Content-Type": ctype, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
        if rng.random() < 0.1:
            headers.pop(rng.choice(["X-Slack-Request-Timestamp", "X-Slack-Signature"]))
        if rng.random() < 0.15:
            headers["X-Slack-Retry-Num"] = rng.choice(["1", "2", "x", "-1"])
            headers["X-Slack-Retry-Reason"] = rng.choice(["http_timeout", "connection_failed", "unknown", mark()])
        headers = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
        out.append(("POST", headers, body, kind))
    return out


# ---------------------------------------------------------------- socket.io

async def socketio_fuzz(url: str, rng: random.Random, n: int) -> Dict[str, Any]:
    import socketio

    sent = replies = disconnects = health_ok = health_failed = connect_failed = 0
    per_client = 100
    clients = max(1, n // per_client)

    async def health() -> bool:
        """A fresh client gets a session and an answer within 30 s."""
        sio = socketio.AsyncClient(reconnection=False)
        got: List[Any] = []
        confirm = asyncio.Event()
        sio.on("bot_uttered", lambda data: got.append(data))
        sio.on("session_confirm", lambda *a: (got.append(("confirm",) + a), confirm.set()))
        try:
            await sio.connect(url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=30)
            await sio.emit("session_request", {})
            await asyncio.wait_for(confirm.wait(), 30)
            session_id = next(g for g in got if isinstance(g, tuple))[1]
            await sio.emit("user_uttered", {"session_id": session_id, "message": "hello"})
            for _ in range(300):
                if any(not isinstance(g, tuple) for g in got):
                    return True
                await asyncio.sleep(0.1)
            return False
        except Exception:
            return False
        finally:
            try:
                await sio.disconnect()
            except Exception:
                pass

    for c in range(clients):
        sio = socketio.AsyncClient(reconnection=False)
        received: List[Any] = []
        sio.on("bot_uttered", lambda data, received=received: received.append(data))
        sio.on("session_confirm", lambda *a, received=received: received.append(("confirm",) + a))
        try:
            await sio.connect(url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=30,
                              auth=rng.choice([None, {"token": mark()}, {"session_token": "0" * 64}]))
        except Exception:
            connect_failed += 1
            continue
        await sio.emit("session_request", {})
        await asyncio.sleep(0.5)
        own = [r[1] for r in received if isinstance(r, tuple) and len(r) > 1]
        for _ in range(per_client):
            event = rng.choice(["user_uttered"] * 6 + ["session_request"] * 3 + [mark(), "connect", "disconnect",
                                                                                 "bot_uttered", "message"])
            payload: Any
            choice = rng.random()
            if choice < 0.3 and own:
                payload = {"session_id": own[0], "message": _text(rng)}
                if rng.random() < 0.3:
                    payload["metadata"] = rng.choice([{"k": mark() * 300}, [mark()], mark(), {"k": mark()}])
            elif choice < 0.5:
                payload = {"session_id": rng.choice([str(uuid.uuid4()), "", None, 5, [], "x" * 10_000]),
                           "message": _text(rng), "session_token": rng.choice([None, "0" * 64, mark(), 5])}
            elif choice < 0.7:
                payload = rng.choice(WRONG + [_text(rng), {"message": _text(rng)}, {"session_id": own[0] if own
                                                                                   else "x"}])
            else:
                payload = {"session_id": rng.choice([own[0] if own else "x", str(uuid.uuid4())]),
                           "message": rng.choice(WRONG + [_text(rng)]),
                           "session_token": rng.choice(["", None, mark(), "f" * 64])}
            try:
                if isinstance(payload, float) and payload != payload:
                    payload = None
                await sio.emit(event, payload)
                sent += 1
            except Exception:
                disconnects += 1
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(2)
        replies += sum(1 for r in received if not isinstance(r, tuple))
        if not sio.connected:
            disconnects += 1
        try:
            await sio.disconnect()
        except Exception:
            pass
        if await health():
            health_ok += 1
        else:
            health_failed += 1
    return {"inputs": sent, "clients": clients, "connect_failed": connect_failed, "bot_replies": replies,
            "clients_disconnected_by_server": disconnects, "health_sessions_ok": health_ok,
            "health_sessions_failed": health_failed}


def engineio_cases(rng: random.Random, n: int) -> List[Tuple[str, Dict[str, str], Optional[bytes], str]]:
    out = []
    for _ in range(n):
        q = rng.choice(["EIO=4&transport=polling", "EIO=3&transport=polling", "EIO=abc&transport=polling",
                        "EIO=4&transport=websocket", "EIO=4&transport=" + mark(), "", "EIO=4",
                        f"EIO=4&transport=polling&sid={uuid.uuid4().hex}", "EIO=4&transport=polling&t=" + "x" * 5000])
        method = rng.choice(["GET", "GET", "POST", "OPTIONS", "PUT"])
        body = rng.choice([None, b"40", b"42[\"user_uttered\",{\"message\":\"" + mark().encode() + b"\"}]",
                           b"\xff\x00" + mark().encode()]) if method == "POST" else None
        out.append((method, {"Content-Type": "text/plain;charset=UTF-8"}, body, "/socket.io/?" + q))
    return out


# ---------------------------------------------------------------- web page server and raw HTTP

TRAVERSAL = ["/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
             "/%252e%252e/%252e%252e/etc/passwd", "/..\\..\\..\\etc\\passwd", "/vendor/../../../Makefile",
             "/....//....//etc/passwd", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "//etc/passwd", "/etc/passwd",
             "/index.html%00.js", "/.%2e/.%2e/README.md", "/../README.md", "/../ops/settings.py",
             "/./././../.venv/pyvenv.cfg", "/widget.js/../../.git/config", "/%2e%2e%5c%2e%2e%5cREADME.md",
             "/../models/active.json", "/" + "a/" * 2000, "/\u00e9\u00e9", "/%ff%fe", "/?" + "q" * 10_000,
             "/../../../../proc/self/environ", "/../var/tracker.db", "/config.js?../../", "/vendor/", "/vendor/..",
             "/*", "/%00", "/.git/HEAD", "/index.html", "/", "/widget.js", "/config.js"]


async def raw_request(port: int, data: List[bytes], pause: float = 0.0, bound: float = HANG) -> Tuple[int, bytes, float]:
    """Send `data` (pieces, `pause` s apart) on a new connection; read until closed or a whole answer.

    Returns (status, answer, seconds): status -1 for a hang (neither answered nor closed within `bound`),
    0 for closed without an answer."""
    t0 = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    except Exception:
        return 0, b"", time.perf_counter() - t0
    got = b""
    try:
        for i, piece in enumerate(data):
            writer.write(piece)
            await writer.drain()
            if pause and i < len(data) - 1:
                await asyncio.sleep(pause)
        deadline = t0 + bound
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return -1, got, time.perf_counter() - t0
            chunk = await asyncio.wait_for(reader.read(65536), left)
            if not chunk:
                break
            got += chunk
            head, sep, rest = got.partition(b"\r\n\r\n")
            if sep:
                length = [h.split(b":", 1)[1].strip() for h in head.split(b"\r\n")
                          if h.lower().startswith(b"content-length:")]
                if length and length[0].isdigit() and len(rest) >= int(length[0]):
                    break  # a whole answer; the connection may be kept alive
    except asyncio.TimeoutError:
        return -1, got, time.perf_counter() - t0
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
    seconds = time.perf_counter() - t0
    if got.startswith(b"HTTP/1."):
        try:
            return int(got.split(b" ", 2)[1]), got, seconds
        except ValueError:
            pass
    return 0, got, seconds


def web_cases(rng: random.Random, n: int) -> List[Tuple[List[bytes], str]]:
    out = []
    for _ in range(n):
        path = rng.choice(TRAVERSAL)
        if rng.random() < 0.3:
            path = path.replace("/", rng.choice(["/", "//", "/./", "\\"]))
        method = rng.choice(["GET"] * 8 + ["HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT"])
        extra = rng.choice(["", "Range: bytes=0-10\r\n", "X-Note: " + mark() + "\r\n", "Host: " + "h" * 5000 + "\r\n"])
        req = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n"
        out.append(([req.encode("utf-8", "surrogateescape")], method))
    return out


def _allowed_web_bodies(env: Dict[str, str]) -> set:
    from ops.web import PUBLIC, VENDOR
    bodies = {p.read_bytes() for p in PUBLIC.rglob("*") if p.is_file()}
    bodies |= {p.read_bytes() for p in VENDOR.values() if p.exists()}
    return bodies


async def web_fuzz(port: int, rng: random.Random, n: int, env: Dict[str, str]) -> Dict[str, Any]:
    allowed = _allowed_web_bodies(env)
    statuses: Counter = Counter()
    leaks: List[str] = []
    by_method: Dict[str, Counter] = {}
    sem = asyncio.Semaphore(8)

    async def one(case):
        data, method = case
        async with sem:
            status, raw, _ = await raw_request(port, data, bound=HANG)
        statuses[status] += 1
        by_method.setdefault(method, Counter())[status] += 1
        if status == 200 and method == "GET":
            body = raw.partition(b"\r\n\r\n")[2]
            if body not in allowed and not body.startswith(b"window.LEGCARE_CONFIG") and len(leaks) < 10:
                leaks.append(data[0][:120].decode(errors="replace"))
    await asyncio.gather(*(one(c) for c in web_cases(rng, n)))
    return {"inputs": n, "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "5xx": sum(v for k, v in statuses.items() if k >= 500), "hangs": statuses.get(-1, 0),
            "by_method": {m: {str(k): v for k, v in c.items()} for m, c in by_method.items()},
            "files_outside_the_page_served": len(leaks), "leak_samples": leaks}


def framing_cases(rng: random.Random, n: int) -> List[Tuple[List[bytes], float, str]]:
    """(pieces, pause between pieces, kind) of raw HTTP with broken framing for the Rasa server."""
    out = []
    paths = [REST, "/", TELEGRAM, SLACK, "/health/live", "/model/parse", "/socket.io/?EIO=4&transport=polling"]
    for _ in range(n):
        path = rng.choice(paths)
        body = json.dumps({"sender": f"fr-{uuid.uuid4().hex[:10]}", "message": "weak legs " + mark()}).encode()
        kind = rng.choice(["bad_length", "bad_length", "absurd_length", "lying_longer", "lying_shorter",
                           "te", "bad_chunked", "huge_header", "many_headers", "bad_request_line", "line_endings",
                           "slow_header", "slow_body", "garbage", "pipelined"])
        pieces: List[bytes]
        pause = 0.0
        host = "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
        if kind == "bad_length":
            cl = rng.choice(["-1", "-1000", "abc", "1e3", "0x10", " 5 ", "5 5", "+5", "1_0", "", "99999999999999999999",
                             "\u0665"])
            pieces = [f"POST {path} HTTP/1.1\r\n{host}Content-Length: {cl}\r\n\r\n".encode() + body]
            if rng.random() < 0.3:
                pieces = [f"POST {path} HTTP/1.1\r\n{host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n".encode()
                          + body]
        elif kind == "absurd_length":
            pieces = [f"POST {path} HTTP/1.1\r\n{host}Content-Length: {rng.choice([10 ** 12, 3 * 2 ** 20, 2 ** 63])}"
                      f"\r\n\r\n".encode() + body[:10]]
        elif kind == "lying_longer":
            pieces = [f"POST {path} HTTP/1.1\r\n{host}Content-Length: {len(body) + rng.randrange(1, 5000)}\r\n\r\n"
                      .encode() + body]
        elif kind == "lying_shorter":
            pieces = [f"POST {path} HTTP/1.1\r\n{host}Content-Length: {rng.randrange(0, len(body))}\r\n"
                      f"Connection: close\r\n\r\n".encode() + body]
        elif kind == "te":
            te = rng.choice(["gzip", "chunked, gzip", "identity", "chunked\r\nContent-Length: 5", "xchunked"])
            pieces = [f"POST {path} HTTP/1.1\r\n{host}Transfer-Encoding: {te}\r\n\r\n".encode() + body]
        elif kind == "bad_chunked":
            size = rng.choice(["zz", "-5", "ffffffffffffffff", "5;" + "x" * 5000, "100"])
            pieces = [f"POST {path} HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n{size}\r\n".encode() + body
                      + rng.choice([b"\r\n0\r\n\r\n", b"", b"\r\n"])]
        elif kind == "huge_header":
            pieces = [f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {mark()}{'a' * rng.choice([9000, 20000, 200000])}"
                      f"\r\n\r\n".encode()]
        elif kind == "many_headers":
            pieces = [(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                       "".join(f"X-H{i}: {i}\r\n" for i in range(rng.choice([100, 1000, 5000]))) + "\r\n").encode()]
        elif kind == "bad_request_line":
            pieces = [rng.choice([b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /\r\n\r\n",
                                  b"GET " + b"/" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                                  b"get / http/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                                  b"POST " + path.encode() + b" HTTP/1.1 extra\r\nHost: x\r\n\r\n",
                                  b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"])]
        elif kind == "line_endings":
            eol = rng.choice(["\n", "\r", "\r\r\n", "\n\r"])
            pieces = [f"POST {path} HTTP/1.1{eol}Host: x{eol}Content-Length: {len(body)}{eol}{eol}".encode() + body]
        elif kind == "slow_header":
            pieces = [f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode(), b"a", b"b"]
            pause = rng.choice([2.0, 4.0])
        elif kind == "slow_body":
            pieces = [f"POST {path} HTTP/1.1\r\n{host}Content-Length: {len(body)}\r\n\r\n".encode(),
                      body[:5], body[5:10]]
            pause = rng.choice([2.0, 4.0])
        elif kind == "garbage":
            pieces = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000))) + mark().encode()]
        else:  # two requests, the second broken
            good = f"POST {REST} HTTP/1.1\r\n{host}Content-Length: {len(body)}\r\n\r\n".encode() + body
            pieces = [good + f"POST {path} HTTP/1.1\r\n{host}Content-Length: -1\r\n\r\n{{}}".encode()]
        out.append((pieces, pause, kind))
    return out


async def framing_fuzz(url: str, port: int, rng: random.Random, n: int) -> Dict[str, Any]:
    statuses: Counter = Counter()
    kinds: Dict[str, Counter] = {}
    five: List[str] = []
    sem = asyncio.Semaphore(40)
    stop = asyncio.Event()
    probe: List[float] = []
    probe_failures = 0

    async def prober():
        nonlocal probe_failures
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    async with session.post(url + REST, json={"sender": "probe-" + uuid.uuid4().hex[:8],
                                                              "message": "hello"},
                                            timeout=aiohttp.ClientTimeout(total=30)) as r:
                        await r.read()
                        if r.status != 200:
                            probe_failures += 1
                except Exception:
                    probe_failures += 1
                probe.append(time.perf_counter() - t0)
                await asyncio.sleep(0.5)

    async def one(case):
        pieces, pause, kind = case
        async with sem:
            status, raw, _ = await raw_request(port, pieces, pause, bound=HANG)
        statuses[status] += 1
        kinds.setdefault(kind, Counter())[status] += 1
        if status >= 500 and len(five) < 10:
            five.append(f"{kind}: {raw[:200]!r}")

    task = asyncio.create_task(prober())
    t0 = time.perf_counter()
    await asyncio.gather(*(one(c) for c in framing_cases(rng, n)))
    stop.set()
    await task
    return {"inputs": n, "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "5xx": sum(v for k, v in statuses.items() if k >= 500), "hangs": statuses.get(-1, 0),
            "closed_without_answer": statuses.get(0, 0), "seconds": round(time.perf_counter() - t0, 1),
            "by_kind": {k: {str(s): c for s, c in v.items()} for k, v in kinds.items()},
            "normal_messages_meanwhile": len(probe), "normal_messages_failed": probe_failures,
            "slowest_normal_message_s": round(max(probe), 2) if probe else None, "5xx_samples": five}


# ---------------------------------------------------------------- HTTP API with schemathesis

def schemathesis_bin() -> Path:
    exe = BENCH_VENV / "bin" / "schemathesis"
    if not exe.exists():
        raise RuntimeError(f"{exe} is missing: run `make reliability` (it installs bench/requirements.txt there)")
    return exe


def api_fuzz(url: str, token: Optional[str], examples: int, out_dir: Path, label: str) -> Dict[str, Any]:
    har = out_dir / f"schemathesis-{label}.har"
    cmd = [str(schemathesis_bin()), "run", str(SPEC), "--url", url, "--checks", "not_a_server_error",
           "--max-examples", str(examples), "--seed", "12", "--workers", "2", "--request-timeout", str(HANG),
           "--generation-database", "none", "--no-color", "--continue-on-failure",
           "--report", "har", "--report-har-path", str(har), "--suppress-health-check", "all", "--no-shrink"]
    if token:
        cmd += ["--header", f"Authorization: Bearer {token}"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["SCHEMATHESIS_HOOKS"] = ""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=out_dir, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - t0
    statuses: Counter = Counter()
    by_op: Dict[str, Counter] = {}
    five: List[str] = []
    if har.exists():
        entries = json.loads(har.read_text())["log"]["entries"]
        for e in entries:
            status = e["response"]["status"]
            statuses[status] += 1
            path = e["request"]["url"].split("?")[0].replace(url, "")
            path = re.sub(r"^/conversations/.*/(tracker/events|tracker|story|execute|trigger_intent|predict|messages)$",
                          r"/conversations/{id}/\1", path)
            op = e["request"]["method"] + " " + path
            by_op.setdefault(op, Counter())[status] += 1
            if status >= 500 and len(five) < 10:
                five.append(f"{op} -> {status}: {str(e['response'].get('content', {}).get('text', ''))[:200]}")
        har.unlink()  # holds the token and generated bodies
    tail = [ln for ln in proc.stdout.splitlines() if ln.strip()][-6:]
    return {"inputs": sum(statuses.values()), "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "5xx": sum(v for k, v in statuses.items() if k >= 500), "hangs": statuses.get(0, 0),
            "operations": len(by_op), "by_operation": {k: {str(s): n for s, n in v.items()} for k, v in by_op.items()},
            "schemathesis_exit": proc.returncode, "schemathesis_summary": tail, "seconds": round(seconds, 1),
            "5xx_samples": five}


# ---------------------------------------------------------------- the stack and the run

def fuzz_env(var: Path, fakes: Dict[str, str], token: str, tg_secret: str, slack_secret: str) -> Dict[str, str]:
    return clean_env(RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), WEB_PORT=str(free_port()),
                     LEGCARE_VAR_DIR=str(var), TRACKER_STORE_URL=f"sqlite:///{var / 'tracker.db'}",
                     EMERGENCY_NUMBER="112", RASA_AUTH_TOKEN=token,
                     TELEGRAM_TOKEN="123456:bench-telegram-token", TELEGRAM_BOT_NAME="legcare_bench_bot",
                     TELEGRAM_WEBHOOK_URL="https://example.invalid/webhooks/telegram/webhook",
                     TELEGRAM_WEBHOOK_SECRET=tg_secret, TELEGRAM_API_URL=fakes["telegram"],
                     SLACK_BOT_TOKEN="xoxb-bench-token", SLACK_SIGNING_SECRET=slack_secret,
                     SLACK_API_URL=fakes["slack"] + "/api/")


class FuzzStack:
    """The servers under fuzz, the web page server and the fake platform APIs; a context manager."""

    def __init__(self, model: Path):
        self.model = model

    def __enter__(self) -> "FuzzStack":
        from ops.web import WebServer
        from tests.fakes import slack_api, telegram_api

        self.tmp = tempfile.TemporaryDirectory(prefix="legcare-reliability-fuzz-")
        self.var = Path(self.tmp.name)
        self.telegram, self.slack = telegram_api(), slack_api()
        self.token = "bench-" + uuid.uuid4().hex
        self.tg_secret = "tg-" + uuid.uuid4().hex
        self.slack_secret = "sl-" + uuid.uuid4().hex
        env = fuzz_env(self.var, {"telegram": self.telegram.url, "slack": self.slack.url}, self.token,
                       self.tg_secret, self.slack_secret)
        self.stack = Stack(model=self.model, env=env).start(timeout=240)
        self.env = self.stack.env
        self.web = WebServer(self.env).start()
        self.logs = LogWatch(svc.log for svc in self.stack.services.values())
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.web.stop()
        finally:
            self.stack.stop()
            self.telegram.stop()
            self.slack.stop()
            self.tmp.cleanup()


def run(fs: FuzzStack, per_entry: int = PER_ENTRY) -> Dict[str, Any]:
    rng = random.Random(12)
    url = fs.stack.rasa_url
    port = int(fs.env["RASA_PORT"])
    out: Dict[str, Any] = {}
    t0 = time.perf_counter()

    async def http_parts() -> None:
        out["REST webhook"] = await _http_batch(url + REST, rest_cases(rng, per_entry))
        tg = await _http_batch(url + TELEGRAM, telegram_cases(rng, per_entry, fs.tg_secret))
        out["Telegram webhook"] = tg
        out["Slack webhook"] = await _http_batch(url + SLACK, slack_cases(rng, per_entry, fs.slack_secret))
        out["socket.io events"] = await socketio_fuzz(url, rng, per_entry)
        out["engine.io HTTP"] = await _http_batch(url + REST, engineio_cases(rng, 200))
        out["web page server"] = await web_fuzz(int(fs.env["WEB_PORT"]), rng, per_entry, fs.env)
        out["raw HTTP framing"] = await framing_fuzz(url, port, rng, per_entry)

    asyncio.run(http_parts())
    for name in ("REST webhook", "Telegram webhook", "Slack webhook"):
        print(f"  {name}: {out[name]['inputs']} inputs", flush=True)
    examples = max(10, -(-per_entry // 16))  # operations in the spec: ~16
    work = Path(fs.var) / "schemathesis"
    work.mkdir(exist_ok=True)
    out["HTTP API (schemathesis, token)"] = api_fuzz(url, fs.token, examples * 2, work, "token")
    out["HTTP API (schemathesis, no token)"] = api_fuzz(url, None, 10, work, "no-token")
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out
