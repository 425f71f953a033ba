// Steward web chat: renders nothing itself. The server sends HTML it rendered and escaped;
// this script fetches it, posts actions back with the session's CSRF token, and listens for
// live updates (server-sent events).
"use strict";
(() => {
  const $ = (s, el = document) => el.querySelector(s);
  let state = null, current = null, source = null;
  const uid = () => (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(36).slice(2);

  async function call(method, url, body) {
    const opts = {method, headers: {"Accept": "application/json"}, credentials: "same-origin"};
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = state ? state.csrf : "";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(url, opts);
    let data = {};
    try { data = await res.json(); } catch (e) { data = {ok: false}; }
    return data;
  }

  function toast(html) {
    const t = $("#toast");
    t.innerHTML = html; t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 8000);
  }

  function put(msg) {
    const log = $("#log");
    const old = document.getElementById("m-" + msg.id);
    const tpl = document.createElement("template");
    tpl.innerHTML = msg.html.trim();
    const el = tpl.content.firstElementChild;
    if (old && old.outerHTML === el.outerHTML) return;
    if (old) { old.replaceWith(el); el.classList.add("flash"); }
    else { log.appendChild(el); }
    log.scrollTop = log.scrollHeight;
  }

  async function load() {
    $("#toast").hidden = true;
    state = await call("GET", "/api/state");
    const signin = $("#signin");
    signin.hidden = state.signed_in && (state.demo || state.me);
    $("#signin-secret-row").hidden = state.sign_in !== "secret";
    $("#signin-email-row").hidden = state.demo;
    const row = $("#persona-row"), sel = $("#persona");
    row.hidden = !(state.demo && state.signed_in);
    if (!row.hidden) {
      sel.innerHTML = "";
      const none = new Option("— choose a person —", "");
      sel.add(none);
      for (const p of state.personas) {
        const o = new Option(`${p.name} — ${p.role === "employee" ? p.department : p.role}`, p.email);
        o.selected = state.me && state.me.email === p.email;
        sel.add(o);
      }
    }
    $("#sign-out").hidden = !(state.signed_in && state.sign_in === "secret");
    const me = $("#me");
    me.textContent = "";
    if (state.me) {
      me.innerHTML = `<span class="avatar" aria-hidden="true"></span><span class="who"></span><span class="role"></span>`;
      $(".avatar", me).textContent = state.me.name.split(/\s+/).map(w => w[0]).join("").slice(0, 2).toUpperCase();
      $(".who", me).textContent = state.me.name;
      $(".role", me).textContent = `${state.me.role}${state.me.department ? " · " + state.me.department : ""}`;
    }
    const list = $("#channels");
    list.innerHTML = "";
    for (const c of state.channels) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button"; b.className = "channel"; b.dataset.channel = c.id;
      b.textContent = (c.id.startsWith("#") ? "# " : "✉ ") + c.name;
      b.title = c.hint;
      li.appendChild(b); list.appendChild(li);
    }
    const keep = state.channels.find(c => c.id === current);
    await open(keep ? keep.id : (state.channels[0] ? state.channels[0].id : null));
    listen();
  }

  async function open(id) {
    current = id;
    const log = $("#log");
    log.innerHTML = "";
    document.querySelectorAll(".channel").forEach(b => b.setAttribute("aria-current", b.dataset.channel === id ? "page" : "false"));
    const c = state.channels.find(x => x.id === id);
    $("#channel-title").textContent = c ? (id.startsWith("#") ? "# " + c.name : "Steward") : "Steward";
    $("#channel-hint").textContent = c ? (id.startsWith("#") ? "Approvers' channel: cards update live; react ✅ to approve." : "Your private chat with Steward.") : "Choose who you are to start.";
    $("#composer").hidden = !c || id.startsWith("#");
    if (!c) return;
    const data = await call("GET", "/api/channel?c=" + encodeURIComponent(id));
    (data.messages || []).forEach(put);
  }

  function listen() {
    if (source) source.close();
    if (!state.me) return;
    source = new EventSource("/api/stream");
    source.addEventListener("hello", () => $("#live").classList.add("on"));
    source.addEventListener("message", ev => {
      const m = JSON.parse(ev.data);
      if (m.channel === current) put(m);
      else {
        const b = document.querySelector(`.channel[data-channel="${CSS.escape(m.channel)}"]`);
        if (b) b.classList.add("unread");
      }
    });
    source.onerror = () => $("#live").classList.remove("on");
  }

  function show(data) {
    const here = current && current.startsWith("@");
    for (const m of data.messages || []) { if (here) put(m); else toast(m.html); }
    if (data.html) toast(data.html);
  }

  async function send(text) {
    if (!text.trim()) return;
    const data = await call("POST", "/api/message", {text});
    show(data);
  }

  document.addEventListener("click", async ev => {
    const t = ev.target.closest("button");
    if (!t) return;
    if (t.dataset.channel) { t.classList.remove("unread"); return open(t.dataset.channel); }
    if (t.dataset.example) { const box = $("#composer-text"); box.value = t.dataset.example; box.focus(); return; }
    const card = t.closest(".msg");
    if (t.dataset.react && card) {
      t.disabled = true;
      const data = await call("POST", "/api/react", {channel: card.dataset.channel, message_id: card.dataset.messageId,
                                                     value: t.dataset.react, key: uid()});
      t.disabled = false;
      return show(data);
    }
    if (t.dataset.action) {
      const note = card ? $("input[name=note]", card) : null;
      const text = note ? note.value : "";
      if (t.dataset.text === "required" && !text.trim()) { if (note) { note.focus(); note.setAttribute("aria-invalid", "true"); } return; }
      t.disabled = true;
      const data = await call("POST", "/api/action", {action: t.dataset.action, args: JSON.parse(t.dataset.args || "{}"),
                                                      note: text, key: uid()});
      t.disabled = false;
      if (note && data.ok) note.value = "";
      show(data);
    }
  });

  $("#composer").addEventListener("submit", async ev => {
    ev.preventDefault();
    const box = $("#composer-text");
    const text = box.value; box.value = "";
    await send(text);
    box.focus();
  });
  $("#composer-text").addEventListener("keydown", ev => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("#composer").requestSubmit(); }
  });
  $("#persona").addEventListener("change", async ev => {
    if (!ev.target.value) return;
    await call("POST", "/api/persona", {email: ev.target.value});
    current = null;
    await load();
  });
  $("#sign-out").addEventListener("click", async () => {
    await call("POST", "/api/sign-out", {});
    current = null;
    await load();
  });
  $("#signin").addEventListener("submit", async ev => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const data = await call("POST", "/api/sign-in", {secret: f.get("secret") || "", email: f.get("email") || ""});
    if (!data.ok) return toast(data.html || "Sign-in failed");
    await load();
  });
  load();
})();
