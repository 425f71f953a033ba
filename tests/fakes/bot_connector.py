"""A fake Bot Connector: a real HTTP server on 127.0.0.1 that answers like Teams' connector
service (`/v3/conversations/...`), records every call, and can be told to fail (429 with
Retry-After, 500) for the next few calls. Tests point activities' `serviceUrl` at it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str
    conversation: str
    activity_id: str              # in the path: the activity replied to or updated
    body: dict[str, Any]
    authorization: str
    created: str = ""             # the id this call's new activity was given


@dataclass
class FakeConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)   # user id → member profile
    calls: list[Call] = field(default_factory=list)
    failures: list[tuple[int, str | None]] = field(default_factory=list)
    server: TestServer | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        self.failures += [(status, retry_after)] * times

    def sent(self, conversation: str | None = None, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method != "GET" and (conversation is None or c.conversation == conversation)
                and (method is None or c.method == method)]

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conv}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conv}/activities/{id}", self._activity)
        app.router.add_put("/v3/conversations/{conv}/activities/{id}", self._activity)
        app.router.add_get("/v3/conversations/{conv}/members/{user}", self._member)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def _failure(self) -> web.Response | None:
        if not self.failures:
            return None
        status, retry_after = self.failures.pop(0)
        headers = {"Retry-After": retry_after} if retry_after else {}
        return web.json_response({"error": {"code": "Throttled" if status == 429 else "ServiceError"}},
                                 status=status, headers=headers)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call("CREATE", "", "", body, request.headers.get("Authorization", "")))
        return web.json_response({"id": f"a:created-{next(self._ids)}"})

    async def _activity(self, request: web.Request) -> web.Response:
        failed = self._failure()
        body = await request.json()
        self.calls.append(Call(request.method, request.match_info["conv"], request.match_info.get("id", ""),
                               body, request.headers.get("Authorization", "")))
        if failed is not None:
            return failed
        if request.method == "PUT":
            return web.json_response({"id": request.match_info["id"]})
        self.calls[-1].created = str(next(self._ids))
        return web.json_response({"id": self.calls[-1].created})

    async def _member(self, request: web.Request) -> web.Response:
        self.calls.append(Call("GET", request.match_info["conv"], request.match_info["user"], {},
                               request.headers.get("Authorization", "")))
        member = self.members.get(request.match_info["user"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(member)
