"""The web chat: a page, a small JSON API and a live stream, mounted on the server's aiohttp app.

    mount(app, web_settings, steward, kick)   # kick(): ask the outbox dispatcher to run now

Requests become facade calls; replies are stored as messages in the person's chat with Steward
(`@email`); notifications reach channels and chats only through the outbox (WebSender).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response

from adapters.web.render import render_message, render_reply
from adapters.web.sender import PLATFORM, WebSender
from adapters.web.session import COOKIE, MAX_AGE, Session, Sessions, origin_allowed, same_token
from adapters.web.settings import WebSettings
from adapters.web.store import WebStore, dm_channel, group_channel
from bot.replies import Outcome, Person, Reply, error, notice
from bot.steward import Steward, UnknownUser

log = logging.getLogger("steward.web")
STATIC = Path(__file__).parent / "static"
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
MAX_BODY = 256 * 1024
HELP = ("Type a draft to check it, or a question to ask about the policy. Commands: /check TEXT, "
        "/ask QUESTION, /mine (your submissions), /pending (waiting for your decision), /coe pending, "
        "/coe report 30d, /coe gaps, /coe rules, /coe spokes, /coe export (CoE hub).")

STEWARD = web.AppKey("web_steward", Steward)
STORE = web.AppKey("web_store", WebStore)
SESSIONS = web.AppKey("web_sessions", Sessions)
SETTINGS = web.AppKey("web_settings", WebSettings)
KICK: web.AppKey[Callable[[], None]] = web.AppKey("web_kick")
STOPPING = web.AppKey("web_stopping", asyncio.Event)
PEOPLE: web.AppKey[dict[str, tuple[float, Person]]] = web.AppKey("web_people")


async def mount(app: web.Application, settings: WebSettings, steward: Steward,
                kick: Callable[[], None] = lambda: None) -> WebStore:
    store = WebStore(steward.db.engine)
    await store.create()
    steward.register_sender(PLATFORM, WebSender(store))
    secret = settings.secret.get_secret_value() if settings.secret else None
    app[STEWARD], app[STORE], app[SETTINGS], app[KICK] = steward, store, settings, kick
    app[SESSIONS] = Sessions(settings.session_key.get_secret_value() if settings.session_key else None, secret)
    app[STOPPING] = asyncio.Event()
    app[PEOPLE] = {}

    async def stop_streams(app: web.Application) -> None:
        app[STOPPING].set()
        async with store.changed:
            store.changed.notify_all()

    app.on_shutdown.append(stop_streams)
    app.router.add_get("/", page)
    app.router.add_static("/static/", STATIC, name="static", append_version=True)
    for path, handler in (("/api/sign-in", sign_in), ("/api/sign-out", sign_out), ("/api/persona", persona),
                          ("/api/message", message), ("/api/action", action), ("/api/react", react)):
        app.router.add_post(path, handler)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/channel", channel)
    app.router.add_get("/api/stream", stream)
    return store


# ---------------------------------------------------------------------------------- sessions


def _session(request: web.Request) -> Session:
    found = request.app[SESSIONS].load(request.cookies.get(COOKIE))
    session = found or Session()
    settings = request.app[SETTINGS]
    if settings.sign_in == "proxy":   # the trusted proxy decides who this is, on every request
        header = request.headers.get(settings.user_header, "").strip().lower()
        session.email, session.signed_in = (header, True) if EMAIL.match(header) else ("", False)
    elif settings.sign_in == "open":
        session.signed_in = True
    request["session"], request["session_new"] = session, found is None
    return session


def _respond(request: web.Request, data: dict[str, Any], status: int = 200) -> web.Response:
    response = web.json_response(data, status=status)
    session: Session | None = request.get("session")
    if session is not None:
        response.set_cookie(COOKIE, request.app[SESSIONS].dump(session), max_age=MAX_AGE, httponly=True,
                            samesite="Strict", secure=request.scheme == "https", path="/")
    return response


def _problem(request: web.Request, status: int, title: str, body: str) -> web.Response:
    return _respond(request, {"ok": False, "html": render_reply(error(title, body))}, status)


async def _person(request: web.Request, session: Session) -> Person | None:
    """Who the session is, as the facade resolves them; kept a minute per replica (whoami writes)."""
    if not session.signed_in or not session.email:
        return None
    cache = request.app[PEOPLE]
    now = time.monotonic()
    hit = cache.get(session.email)
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        person = await request.app[STEWARD].whoami(PLATFORM, session.email, email=session.email)
    except UnknownUser:
        return None
    if len(cache) > 10_000:
        cache.clear()
    cache[session.email] = (now + 60, person)
    return person


Handler = Callable[[web.Request, Session, dict[str, Any]], Awaitable[web.Response]]


def guarded(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A state-changing request: same origin, the session's CSRF token, a JSON object body."""

    async def run(request: web.Request) -> web.Response:
        session = _session(request)
        if not origin_allowed(request.headers.get("Origin"), request.host, request.scheme):
            return _problem(request, 403, "Refused", "This request came from another site.")
        if request["session_new"] or not same_token(request.headers.get("X-CSRF-Token"), session.csrf):
            return _problem(request, 403, "Refused", "Your session expired or the request was forged; "
                                                     "reload the page.")
        if (request.content_length or 0) > MAX_BODY:
            return _problem(request, 413, "Too big", "That request is too large.")
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return _problem(request, 400, "Not understood", "The request body must be JSON.")
        if not isinstance(body, dict):
            return _problem(request, 400, "Not understood", "The request body must be a JSON object.")
        return await handler(request, session, body)

    return run


# ---------------------------------------------------------------------------------- page and state


async def page(request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC / "index.html")
    response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                   "style-src 'self'; script-src 'self'; frame-ancestors 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _channels(steward: Steward, person: Person) -> list[dict[str, str]]:
    out = [{"id": dm_channel(person.email), "name": "Steward", "hint": "your chat with Steward"}]
    out += [{"id": group_channel(g), "name": steward.group_name(g), "hint": "approvers' channel"}
            for g in person.groups]
    return out


async def state(request: web.Request) -> web.Response:
    session = _session(request)
    settings, steward = request.app[SETTINGS], request.app[STEWARD]
    person = await _person(request, session)
    data: dict[str, Any] = {"sign_in": settings.sign_in, "demo": settings.demo, "csrf": session.csrf,
                            "signed_in": session.signed_in, "me": None, "channels": [], "personas": []}
    if session.signed_in and settings.demo:
        data["personas"] = [{"email": p.email, "name": p.name, "department": p.department,
                             "role": _role(steward, p)} for p in steward.people()]
    if person is not None:
        data["me"] = {"email": person.email, "name": person.name or person.email, "department": person.department,
                      "role": _role(steward, person)}
        data["channels"] = _channels(steward, person)
    return _respond(request, data)


def _role(steward: Steward, p: Person) -> str:
    if p.is_coe:
        return "CoE hub"
    names = [steward.group_name(g) for g in p.groups]
    return ", ".join(names) if names else "employee"


@guarded
async def sign_in(request: web.Request, session: Session, body: dict[str, Any]) -> web.Response:
    settings = request.app[SETTINGS]
    if settings.sign_in == "proxy":
        return _problem(request, 400, "Not here", "Your proxy signs you in.")
    if settings.sign_in == "secret":
        expected = settings.secret.get_secret_value() if settings.secret else ""
        if not same_token(str(body.get("secret", "")), expected):
            log.info("web sign-in refused")
            return _problem(request, 403, "Wrong secret", "That is not the web chat's secret.")
        session.signed_in = True
    if not settings.demo:
        email = str(body.get("email", "")).strip().lower()
        if not EMAIL.match(email):
            return _problem(request, 400, "Who are you?", "Give your work e-mail address.")
        session.email = email
    return _respond(request, {"ok": True})


@guarded
async def sign_out(request: web.Request, session: Session, body: dict[str, Any]) -> web.Response:
    session.email, session.signed_in = "", request.app[SETTINGS].sign_in == "open"
    return _respond(request, {"ok": True})


@guarded
async def persona(request: web.Request, session: Session, body: dict[str, Any]) -> web.Response:
    steward = request.app[STEWARD]
    if not request.app[SETTINGS].demo:
        return _problem(request, 403, "Not in this mode", "Personas are only for the demo (STEWARD_DEMO).")
    if not session.signed_in:
        return _problem(request, 401, "Sign in first", "Sign in to the web chat first.")
    email = str(body.get("email", "")).strip().lower()
    if email not in {p.email for p in steward.people()}:
        return _problem(request, 400, "Unknown persona", "Pick a person from the list.")
    session.email = email
    return _respond(request, {"ok": True})


# ---------------------------------------------------------------------------------- channels


async def _visible(request: web.Request, session: Session, channel_id: str) -> Person | web.Response:
    person = await _person(request, session)
    if person is None:
        return _problem(request, 401, "Sign in first", "Choose who you are first.")
    if channel_id not in {c["id"] for c in _channels(request.app[STEWARD], person)}:
        return _problem(request, 403, "Not your channel", "You are not a member of that channel.")
    return person


async def channel(request: web.Request) -> web.Response:
    session = _session(request)
    channel_id = request.query.get("c", "")
    person = await _visible(request, session, channel_id)
    if isinstance(person, web.Response):
        return person
    messages = await request.app[STORE].history(channel_id)
    reactions = channel_id.startswith("#")
    return _respond(request, {"ok": True, "messages": [
        {"id": m["message_id"], "html": render_message(m, reactions=reactions)} for m in messages]})


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every new or edited message in the channels this person may see."""
    session = _session(request)
    person = await _person(request, session)
    if person is None:
        return _problem(request, 401, "Sign in first", "Choose who you are first.")
    store, stopping = request.app[STORE], request.app[STOPPING]
    channels = [c["id"] for c in _channels(request.app[STEWARD], person)]
    last = int(request.query.get("after", "0") or 0) if request.query.get("after", "0").isdigit() else 0
    last = last or await store.last_seq()
    sent = {seq for seq, _, _ in await store.changes(channels, last) if seq <= last}   # the page has these
    async with sse_response(request) as resp:
        await resp.send(json.dumps({"seq": last}), event="hello")
        while not stopping.is_set() and resp.is_connected():
            for seq, ch, mid in await store.changes(channels, last):
                if seq in sent:
                    continue
                sent.add(seq)
                found = await store.message(ch, mid)
                if found is not None:
                    html = render_message(found, reactions=ch.startswith("#"))
                    await resp.send(json.dumps({"seq": seq, "channel": ch, "id": mid, "html": html}),
                                    event="message")
                last = max(last, seq)
            if len(sent) > 2000:
                sent = {s for s in sent if s > last - 100}
            await store.wait(0.5)
    return resp


# ---------------------------------------------------------------------------------- actions


async def _signed(request: web.Request, session: Session) -> Person | web.Response:
    person = await _person(request, session)
    if person is None:
        return _problem(request, 401, "Sign in first", "Choose who you are first.")
    return person


async def _say(request: web.Request, person: Person, reply: Reply, *, draft: str | None = None,
               kind: str = "") -> dict[str, Any]:
    """Store Steward's reply in the person's chat and return it rendered."""
    store = request.app[STORE]
    channel_id = dm_channel(person.email)
    mid = await store.post(channel_id, kind=kind or reply.kind, reply=reply.model_dump(mode="json"), draft=draft)
    return {"id": mid, "html": render_message({"message_id": mid, "channel": channel_id, "author": "steward",
                                               "kind": kind or reply.kind, "reply": reply.model_dump(mode="json"),
                                               "draft": draft})}


@guarded
async def message(request: web.Request, session: Session, body: dict[str, Any]) -> web.Response:
    person = await _signed(request, session)
    if isinstance(person, web.Response):
        return person
    steward, store = request.app[STEWARD], request.app[STORE]
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _problem(request, 400, "Nothing to do", "Type a draft or a question.")
    word, _, rest = text.strip().partition(" ")
    command = word.lower() if word.startswith("/") else ""
    draft = None
    if command == "/help":
        reply = notice("What I can do", HELP)
    elif command == "/coe":
        reply = await _coe(steward, person, rest.strip())
    elif command in ("/pending", "/mine"):
        out = await (steward.pending(person) if command == "/pending" else steward.mine(person))
        reply = out.reply
    elif command in ("/check", "/ask") or not command:
        subject = rest if command else text
        if command == "/ask" or (not command and steward.looks_like_question(text)):
            reply = await steward.ask_question(person, subject, PLATFORM)
        else:
            draft = subject
            reply = await steward.check_draft(person, subject, PLATFORM)
            log.info("web check", extra={"verdict": reply.verdict, "check_id": reply.check_id,
                                         "chars": len(subject)})
            log.debug("web check draft", extra={"draft": subject})
    else:
        reply = error("Unknown command", f"{word} is not a command. {HELP}")
    channel_id = dm_channel(person.email)
    said: dict[str, Any] = {"author": person.email, "author_name": person.name, "text": text}
    answer: dict[str, Any] = {"kind": reply.kind, "reply": reply.model_dump(mode="json"), "draft": draft}
    ids = await store.post_many(channel_id, [said, answer])
    return _respond(request, {"ok": True, "messages": [
        {"id": mid, "html": render_message({**m, "message_id": mid, "channel": channel_id,
                                            "author": m.get("author", "steward")})}
        for mid, m in zip(ids, (said, answer), strict=True)]})


async def _coe(steward: Steward, person: Person, args: str) -> Reply:
    """`/coe …`: the facade decides who may (the CoE hub) and answers with the report as data."""
    return (await steward.coe(person, args)).reply


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 2**63:
        return value
    if isinstance(value, str) and value.isdigit() and 0 < int(value) < 2**63:
        return int(value)
    return None


async def _act(steward: Steward, person: Person, name: str, args: dict[str, Any], note: str,
               key: str | None) -> Outcome | Reply:
    sid, version = _int(args.get("submission_id")), _int(args.get("version"))
    if name == "submit" and (check_id := _int(args.get("check_id"))) is not None:
        return await steward.submit(person, check_id, key=key)
    if name == "dispute" and isinstance(args.get("finding_id"), str):
        if not note.strip():
            return error("Say why", "Type why the finding is wrong in the box, then press the button again.")
        return await steward.dispute(person, args["finding_id"], note, key=key)
    if name in ("uphold", "false_positive") and (did := _int(args.get("dispute_id") or args.get("value"))):
        return await steward.resolve_dispute(person, did, name, note, key=key)
    if sid is None:
        return error("Not understood", f"'{name}' needs a submission.")
    if name in ("approve", "reject", "changes") and version is not None:
        return await steward.vote(person, sid, version, name, note, key=key)
    if name == "unvote" and version is not None:
        return await steward.unvote(person, sid, version, key=key)
    if name == "comment":
        if not note.strip():
            return error("Nothing to say?", "Type the comment in the box, then press Comment.")
        return await steward.comment(person, sid, note, key=key)
    if name == "withdraw":
        return await steward.withdraw(person, sid, key=key)
    if name == "mark_posted":
        return await steward.mark_posted(person, sid, key=key)
    if name == "resubmit":
        return error("Resubmit from your chat", "Check the new draft, then send it for approval.")
    return error("Not understood", f"'{name}' is not something I can do here.")


@guarded
async def action(request: web.Request, session: Session, body: dict[str, Any]) -> web.Response:
    person = await _signed(request, session)
    if isinstance(person, web.Response):
        return person
    name, args, note = body.get("action"), body.get("args"), body.get("note", "")
    key = body.get("key") if isinstance(body.get("key"), str) and 0 < len(body["key"]) <= 200 else None
    if not isinstance(name, str) or not isinstance(args, dict) or not isinstance(note, str):
        return _problem(request, 400, "Not understood", "An action needs a name and its arguments.")
    out = await _act(request.app[STEWARD], person, name, args, note, key)
    request.app[KICK]()
    reply = out.reply if isinstance(out, Outcome) else out
    log.info("web action", extra={"action": name, "ok": isinstance(out, Outcome) and out.ok,
                                  "code": out.code if isinstance(out, Outcome) else "invalid"})
    said = await _say(request, person, reply)
    return _respond(request, {"ok": isinstance(out, Outcome) and out.ok, "messages": [said]})


@guarded
async def react(request: web.Request, session: Session, body: dict[str, Any]) -> web.Response:
    """A ✅ / ❌ reaction on a card in an approvers' channel: a vote on the version the card shows."""
    channel_id, mid, value = body.get("channel"), body.get("message_id"), body.get("value")
    if not isinstance(channel_id, str) or not isinstance(mid, str) or value not in ("approve", "reject"):
        return _problem(request, 400, "Not understood", "A reaction needs a channel, a message and ✅ or ❌.")
    person = await _visible(request, session, channel_id)
    if isinstance(person, web.Response):
        return person
    key = body.get("key") if isinstance(body.get("key"), str) and 0 < len(body["key"]) <= 200 else None
    out = await request.app[STEWARD].vote_on_message(person, PLATFORM, channel_id, mid, str(value), key=key)
    request.app[KICK]()
    said = await _say(request, person, out.reply)
    return _respond(request, {"ok": out.ok, "messages": [said]})
