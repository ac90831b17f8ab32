"""Strangers: each hole listed in issue 12 ("Strangers get in") tried against the running stack.

Runs on the fuzz part's stack (HTTP API on behind a token, Telegram and Slack on). Each row says what
was tried, what came back, and whether the hole is closed.
"""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ops.action_server import SECRET_HEADER

from .common import REST


def _req(url: str, data: Any = None, headers: Optional[Dict[str, str]] = None, method: Optional[str] = None,
         raw: Optional[bytes] = None) -> Tuple[int, Dict[str, str], Any]:
    body = raw if raw is not None else (json.dumps(data).encode() if data is not None else None)
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(url, data=body, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
            status, hdrs = r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        text, status, hdrs = e.read(), e.code, dict(e.headers)
    try:
        return status, hdrs, json.loads(text) if text else None
    except ValueError:
        return status, hdrs, text.decode(errors="replace")


def _listening(port: int) -> List[str]:
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            host, _, hex_port = f[1].rpartition(":")
            if f[3] == "0A" and int(hex_port, 16) == port:
                found.append({"0100007F": "127.0.0.1", "00000000": "0.0.0.0"}.get(host, host))
    return found


def _cmdlines() -> str:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    return "\n".join(out)


async def _hijack(url: str) -> Dict[str, Any]:
    import socketio

    class C:
        def __init__(self):
            self.sio = socketio.AsyncClient(reconnection=False)
            self.got: List[Any] = []
            self.confirm: Optional[tuple] = None
            self.ev = asyncio.Event()
            self.sio.on("bot_uttered", lambda d: self.got.append(d))
            self.sio.on("session_confirm", self._c)

        def _c(self, *a):
            self.confirm = a
            self.ev.set()

        async def start(self, **req):
            if not self.sio.connected:
                await self.sio.connect(url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=30)
            self.ev.clear()
            await self.sio.emit("session_request", req)
            await asyncio.wait_for(self.ev.wait(), 30)
            return self.confirm[0]

        async def wait(self, n):
            for _ in range(300):
                if len(self.got) >= n:
                    return
                await asyncio.sleep(0.1)

    victim, attacker = C(), C()
    sid = await victim.start()
    await victim.sio.emit("user_uttered", {"session_id": sid, "message": "hello"})
    await victim.wait(1)
    with_id = await attacker.start(session_id=sid)
    with_forged = await attacker.start(session_id=sid, session_token="0" * 64)
    await attacker.sio.emit("user_uttered", {"session_id": sid, "message": "attacker writes here"})
    await attacker.wait(1)
    refused = bool(attacker.got) and "reload the page" in (attacker.got[-1].get("text") or "")
    seen = len(attacker.got)
    await victim.sio.emit("user_uttered", {"session_id": sid, "message": "what exercises can I do?"})
    await victim.wait(2)
    await asyncio.sleep(1)
    leaked = len(attacker.got) - seen
    await attacker.sio.disconnect()
    await victim.sio.disconnect()
    return {"session_id": sid, "same_session_with_id_only": with_id == sid,
            "same_session_with_forged_token": with_forged == sid, "write_refused": refused,
            "victim_replies_received_by_attacker": leaked}


def run(fs) -> List[Dict[str, Any]]:
    url, env, token = fs.stack.rasa_url, fs.env, fs.token
    bearer = {"Authorization": f"Bearer {token}"}
    rows: List[Dict[str, Any]] = []

    def row(hole: str, tried: str, result: str, closed: bool) -> None:
        rows.append({"hole": hole, "tried": tried, "result": result, "closed": closed})

    # 1. a REST request without sender joins a shared "default" conversation
    def default_users() -> int:
        status, _, body = _req(url + "/conversations/default/tracker", headers=bearer)
        return len([e for e in body.get("events", []) if e.get("event") == "user"]) if status == 200 else -1
    before = default_users()
    s1 = _req(url + REST, {"message": "my legs are weak"})[0]
    s2 = _req(url + REST, {"sender": None, "message": "my legs are weak"})[0]
    after = default_users()
    row("REST message without `sender`", "no sender; sender null",
        f"HTTP {s1}, {s2}; user turns in 'default': {before} -> {after}", s1 == 400 and s2 == 400 and after == before)

    # 2. socket.io session id as a bearer credential
    h = asyncio.run(_hijack(url))
    row("socket.io session id works as a credential",
        "a second client asks for the victim's session id (no token, then a forged one) and writes into it",
        f"same session: {h['same_session_with_id_only']}/{h['same_session_with_forged_token']}; write refused: "
        f"{h['write_refused']}; victim's replies received by the attacker: {h['victim_replies_received_by_attacker']}",
        not h["same_session_with_id_only"] and not h["same_session_with_forged_token"] and h["write_refused"]
        and h["victim_replies_received_by_attacker"] == 0)

    # 3. servers listen on 0.0.0.0
    listen = {name: _listening(int(env[key])) for name, key in
              (("Rasa", "RASA_PORT"), ("actions", "ACTION_PORT"), ("web page", "WEB_PORT"))}
    row("servers listen on every interface", "listening sockets of the three servers (/proc/net/tcp, tcp6)",
        "; ".join(f"{k}: {', '.join(v)}" for k, v in listen.items()),
        all(v == ["127.0.0.1"] for v in listen.values()))

    # 4. action server without authentication
    call = {"next_action": "action_self_care", "sender_id": "stranger", "tracker": {}, "version": "3.6.21"}
    a1 = _req(fs.stack.actions_url + "/webhook", call)[0]
    a2 = _req(fs.stack.actions_url + "/webhook", call, headers={SECRET_HEADER: "guess"})[0]
    a3 = _req(fs.stack.actions_url + "/actions")[0]
    a4 = _req(fs.stack.actions_url + "/actions", headers={SECRET_HEADER: env["ACTION_SERVER_SECRET"]})[0]
    row("action server has no authentication", "POST /webhook without and with a wrong secret; GET /actions",
        f"HTTP {a1}, {a2}, {a3} (with the secret: {a4})", a1 == 401 and a2 == 401 and a3 == 401 and a4 == 200)

    # 5. CORS echoes any origin, null included, with credentials
    results = []
    for origin in ("https://evil.example", "null", "http://localhost:1"):
        for method in ("POST", "OPTIONS"):
            headers = {"Origin": origin}
            if method == "OPTIONS":
                headers.update({"Access-Control-Request-Method": "POST",
                                "Access-Control-Request-Headers": "content-type"})
                _, hdrs, _ = _req(url + REST, headers=headers, method="OPTIONS")
            else:
                _, hdrs, _ = _req(url + REST, {"sender": "cors-" + uuid.uuid4().hex[:8], "message": ""}, headers)
            results.append(hdrs.get("Access-Control-Allow-Origin"))
    page = f"http://127.0.0.1:{env['WEB_PORT']}"
    _, hdrs, _ = _req(url + REST, {"sender": "cors-" + uuid.uuid4().hex[:8], "message": ""}, {"Origin": page})
    row("CORS echoes any Origin (even null) with credentials", "foreign, null and other-port origins, POST and preflight",
        f"Access-Control-Allow-Origin given to {sum(1 for r in results if r)} of {len(results)}; "
        f"the page's own origin: {hdrs.get('Access-Control-Allow-Origin')}",
        not any(results) and hdrs.get("Access-Control-Allow-Origin") == page)

    # 6. API token only as ?token= and visible in ps
    cmdlines = _cmdlines()
    secrets = {"API token": token, "action server secret": env["ACTION_SERVER_SECRET"],
               "socket.io session secret": env["SOCKETIO_SESSION_SECRET"], "Telegram secret": fs.tg_secret,
               "Slack signing secret": fs.slack_secret}
    shown = [k for k, v in secrets.items() if v in cmdlines]
    b_ok = _req(url + "/status", headers=bearer)[0]
    b_bad = _req(url + "/status", headers={"Authorization": "Bearer wrong"})[0]
    none = _req(url + "/status")[0]
    row("API token only as ?token=, shown in ps", "every process's command line; /status with Bearer, wrong, none",
        f"secrets on a command line: {', '.join(shown) or 'none'}; /status: Bearer {b_ok}, wrong {b_bad}, "
        f"none {none}", not shown and b_ok == 200 and b_bad == 401 and none == 401)

    # 7. metadata without a size limit
    sender = "meta-" + uuid.uuid4().hex[:10]
    m1 = _req(url + REST, {"sender": sender, "message": "hello", "metadata": {"note": "x" * 1_000_000}})[0]
    m2 = _req(url + REST, {"sender": sender, "message": "hello", "metadata": {"note": "x" * 5000}})[0]
    m3 = _req(url + REST, {"sender": sender, "message": "hello", "metadata": {"note": "x" * 1000}})[0]
    status, _, tracker = _req(url + f"/conversations/{sender}/tracker", headers=bearer)
    stored = len(json.dumps(tracker)) if status == 200 else -1
    row("metadata has no size limit", "1 MB, 5 KB and 1 KB metadata",
        f"HTTP {m1}, {m2}, {m3}; the conversation's stored size {stored / 1000:.1f} KB",
        m1 == 413 and m2 == 413 and m3 == 200 and stored < 50_000)

    # 8. a message starting with '/' written to rasa.log
    marker = "wombatslash" + uuid.uuid4().hex[:8]
    from .common import LogWatch
    watch = LogWatch(svc.log for svc in fs.stack.services.values())
    sender = "slash-" + uuid.uuid4().hex[:10]
    texts = [f"/{marker}", f"/{marker} my legs", f"/greet{{\"{marker}\": 1}}", f"/affirm{{{marker}",
             f"//{marker}@0.9", f"/emergency{{\"text\": \"{marker}\"}}"]
    codes = [_req(url + REST, {"sender": sender, "message": t})[0] for t in texts]
    import time as _t
    _t.sleep(1)
    hits = watch.new().count(marker)
    row("a '/' message is written to rasa.log", f"{len(texts)} messages starting with '/' carrying a marker word",
        f"HTTP {sorted(set(codes))}; lines in the logs with the marker: {hits}", hits == 0 and set(codes) == {200})
    return rows


def markdown(rows: List[Dict[str, Any]]) -> str:
    out = ["| hole (issue 12) | tried | result | closed |", "| --- | --- | --- | --- |"]
    out += [f"| {r['hole']} | {r['tried']} | {r['result']} | {'yes' if r['closed'] else '**NO**'} |" for r in rows]
    return "\n".join(out)
