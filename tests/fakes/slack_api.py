"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that records calls and answers like Slack.

The app's AsyncWebClient reaches it through `base_url` (SLACK_API_URL), exactly as it would reach
slack.com. Failures are scripted per method: `fail("chat.postMessage", "ratelimited", retry_after=3)`
answers HTTP 429 with Retry-After; `fail(m, "channel_not_found")` answers 200 {"ok": false};
`fail(m, status=500)` answers a bare 500. Response URLs of commands and buttons point here too
(`/respond/<id>`), so private answers are recorded like every other call.

    async with FakeSlack(users={"U1": "ada@example.com"}) as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        ...
        slack.calls_to("chat.postMessage")     # [Call(method, args, token), …]
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str = ""


@dataclass
class Failure:
    error: str = ""
    status: int = 200
    retry_after: int | None = None
    times: int = 1


@dataclass
class FakeSlack:
    users: dict[str, str] = field(default_factory=dict)          # user id → e-mail ("": a guest without one)
    bot_user_id: str = "UBOT"
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)                # file id → the bytes uploaded

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}    # (channel, ts) → the latest content
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.changed = asyncio.Event()

    # ------------------------------------------------------------------ control

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{name}"

    def fail(self, method: str, error: str = "", *, status: int = 200, retry_after: int | None = None,
             times: int = 1) -> None:
        if retry_after is not None:
            status = 429
            error = error or "ratelimited"
        self.failures.setdefault(method, []).append(Failure(error, status, retry_after, times))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Until `count` calls to `method` arrived (work runs after the ack, so tests wait for it)."""
        async def enough() -> list[Call]:
            while len(found := self.calls_to(method)) < count:
                self.changed.clear()
                await self.changed.wait()
            return found

        return await asyncio.wait_for(enough(), timeout)

    # ------------------------------------------------------------------ server

    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(await request.post())
        for name in ("blocks", "view", "attachments"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        return args

    async def _respond(self, request: web.Request) -> web.Response:
        self._record(Call(f"respond:{request.match_info['name']}", await request.json()))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """Where files.getUploadURLExternal sends the bytes (Slack answers 200 "OK")."""
        data = await request.read()
        self.uploads[request.match_info["file_id"]] = data
        self._record(Call(f"upload:{request.match_info['file_id']}", {"bytes": len(data)}))
        return web.Response(text="OK")

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self.changed.set()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self._record(Call(method, args, token))
        queued = self.failures.get(method)
        if queued:
            failure = queued[0]
            failure.times -= 1
            if failure.times <= 0:
                queued.pop(0)
            if failure.status >= 500:
                return web.Response(status=failure.status, text="upstream error")
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        if not token.startswith("xoxb-"):
            return web.json_response({"ok": False, "error": "not_authed"})
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(answer(args))

    # ------------------------------------------------------------------ methods, answered like Slack

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user_id": self.bot_user_id, "bot_id": "BSTEWARD", "team_id": "T0001", "team": "Northwind"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        uid = args.get("user", "")
        if uid not in self.users:
            return {"ok": False, "error": "user_not_found"}
        profile = {"real_name": f"User {uid}"} | ({"email": self.users[uid]} if self.users[uid] else {})
        return {"ok": True, "user": {"id": uid, "name": uid.lower(), "is_bot": False, "profile": profile}}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        for uid, email in self.users.items():
            if email == args.get("email"):
                return {"ok": True, "user": {"id": uid}}
        return {"ok": False, "error": "users_not_found"}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # Slack's method name
        file_id = f"F{len(self.uploads) + len(self.calls_to('files.getUploadURLExternal')):07d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # Slack's method name
        files = args.get("files")
        listed = json.loads(files) if isinstance(files, str) else files or []
        return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title", "")} for f in listed]}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).lstrip("U")}}

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel.startswith("U"):
            channel = "D" + channel[1:]
        ts = self._next_ts()
        self.messages[(channel, ts)] = args
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text", "")}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key] = args
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": f"V{next(self._views):04d}", **args.get("view", {})}}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": args.get("view_id"), **args.get("view", {})}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VHOME", **args.get("view", {})}}


class SlackSigner:
    """What Slack's servers do when they call an app: sign the body (v0 HMAC-SHA256) and POST it."""

    def __init__(self, secret: str, url: str) -> None:
        from slack_sdk.signature import SignatureVerifier

        self.verifier, self.url = SignatureVerifier(secret), url
        self._ids = itertools.count(1)

    def headers(self, body: str, *, timestamp: int | None = None, content_type: str = "application/json",
                secret: str | None = None, retry: int | None = None) -> dict[str, str]:
        import time

        from slack_sdk.signature import SignatureVerifier

        ts = str(timestamp if timestamp is not None else int(time.time()))
        verifier = SignatureVerifier(secret) if secret else self.verifier
        headers = {"X-Slack-Request-Timestamp": ts, "Content-Type": content_type,
                   "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body) or ""}
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return headers

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> str:
        return json.dumps({"token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
                           "event_id": event_id or f"Ev{next(self._ids):06d}", "event_time": 1700000000,
                           "event": event})

    @staticmethod
    def command_body(command: str, text: str, user: str, *, response_url: str = "", channel: str = "C0PUBLIC",
                     trigger_id: str = "") -> str:
        from urllib.parse import urlencode

        return urlencode({"token": "legacy", "team_id": "T0001", "channel_id": channel, "user_id": user,
                          "command": command, "text": text, "response_url": response_url,
                          "trigger_id": trigger_id or f"trig.{user}.{abs(hash(text)) % 10**8}"})

    @staticmethod
    def interactive_body(payload: dict[str, Any]) -> str:
        from urllib.parse import urlencode

        return urlencode({"payload": json.dumps(payload)})

    @staticmethod
    def button(action_id: str, value: str, user: str, *, response_url: str = "", channel: str = "C0PUBLIC",
               message_ts: str = "1700000000.999999", action_ts: str = "1700000001.000001") -> dict[str, Any]:
        return {"type": "block_actions", "user": {"id": user}, "api_app_id": "A0001", "team": {"id": "T0001"},
                "trigger_id": f"trig.{action_ts}", "response_url": response_url, "channel": {"id": channel},
                "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                             "action_ts": action_ts}]}
