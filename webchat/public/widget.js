/* LegCare chat widget: socket.io to Rasa, safe rendering, emergency banner.
 * Every text from the bot or the user is put on the page with textContent,
 * never as HTML, so markup in a message is shown as text and never runs. */
(function () {
  "use strict";
  var cfg = window.LEGCARE_CONFIG || {};
  var STORE = "legcare.chat.v1";
  var log = document.getElementById("lc-log");
  var banner = document.getElementById("lc-banner");
  var replies = document.getElementById("lc-replies");
  var form = document.getElementById("lc-form");
  var input = document.getElementById("lc-input");
  var statusEl = document.getElementById("lc-status");

  // the conversation lives in sessionStorage: it survives a reload and is
  // gone when the tab is closed (messages are health data)
  // sessionToken: issued by the server with the session id; resuming the
  // conversation needs both (the id alone is not enough)
  var state = load() || { sessionId: null, sessionToken: null, messages: [], emergency: null };

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE)); } catch (e) { return null; }
  }
  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* storage full or off */ }
  }

  function render(msg) {
    var li = document.createElement("li");
    li.className = "lc-msg " + (msg.from === "user" ? "lc-user" : "lc-bot") + (msg.emergency ? " lc-emergency" : "");
    var who = document.createElement("span");
    who.className = "lc-visually-hidden";
    who.textContent = msg.from === "user" ? "You said: " : "LegCare said: ";
    li.appendChild(who);
    li.appendChild(document.createTextNode(msg.text));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function showBanner(triage) {
    if (!triage) { banner.hidden = true; return; }
    var number = triage.emergency_number || "your local emergency number";
    banner.textContent = "";
    var title = document.createElement("div");
    title.textContent = "This could be an emergency. Call " + number + " now.";
    banner.appendChild(title);
    var digits = (number.match(/\b\d{3}\b/) || [])[0];
    if (digits) {
      var a = document.createElement("a");
      a.href = "tel:" + digits;
      a.textContent = "Call " + digits;
      banner.appendChild(a);
    }
    banner.hidden = false;
  }

  function showReplies(list) {
    replies.textContent = "";
    (list || []).forEach(function (r) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = r.title;
      b.addEventListener("click", function () { send(r.payload, r.title); });
      replies.appendChild(b);
    });
  }

  function addMessage(msg) {
    state.messages.push(msg);
    save();
    render(msg);
  }

  // withCredentials: the cookie a load balancer sets to keep this connection's requests on one server
  // (`make cluster`: haproxy) is sent with long-polling requests too (the page's origin is allowed by CORS)
  var socket = io(cfg.socketUrl, { path: cfg.socketPath || "/socket.io", transports: ["websocket", "polling"],
                                   withCredentials: true });

  // messages typed while the connection is down (a server restarting, a replica replaced) wait here and
  // are sent once the session is confirmed again, instead of reaching a connection that has no session yet
  var confirmed = false;
  var pending = [];

  socket.on("connect", function () {
    statusEl.textContent = "";
    socket.emit("session_request", { session_id: state.sessionId, session_token: state.sessionToken });
  });
  socket.on("connect_error", function () { statusEl.textContent = "Can't reach the assistant. Retrying..."; });
  socket.on("disconnect", function () { confirmed = false; statusEl.textContent = "Connection lost. Reconnecting..."; });
  socket.on("session_confirm", function (sessionId, sessionToken) {
    var isNew = state.sessionId !== sessionId && state.messages.length === 0;
    state.sessionId = sessionId;
    state.sessionToken = sessionToken || null;
    save();
    if (isNew) { socket.emit("user_uttered", { message: "/greet", session_id: state.sessionId }); }
    confirmed = true;
    pending.splice(0).forEach(function (payload) {
      statusEl.textContent = "LegCare is typing...";
      socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
    });
  });
  socket.on("bot_uttered", function (data) {
    if (!data) { return; }
    var triage = data.custom && data.custom.triage;
    var emergency = !!(triage && triage.level === "emergency");
    if (emergency) {
      state.emergency = { level: "emergency", emergency_number: triage.emergency_number, red_flags: triage.red_flags };
      showBanner(state.emergency);
    }
    if (typeof data.text === "string" && data.text) {
      addMessage({ from: "bot", text: data.text, emergency: emergency });
    }
    showReplies(data.quick_replies);
    statusEl.textContent = "";
  });

  function send(payload, shown) {
    if (!payload || !state.sessionId) { return; }
    addMessage({ from: "user", text: shown || payload });
    showReplies([]);
    if (!confirmed) { pending.push(payload); return; }
    statusEl.textContent = "LegCare is typing...";
    socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    input.value = "";
    send(text);
    input.focus();
  });

  document.getElementById("lc-clear").addEventListener("click", function () {
    sessionStorage.removeItem(STORE);
    window.location.reload();
  });

  // restore after a reload
  state.messages.forEach(render);
  showBanner(state.emergency);
})();
