"""A chat platform's message API, faked over real HTTP (bolt-python's mock_web_api_server idea).

POST /messages {"key", "op", "to", "title", "message_id"} answers {"ok": true, "id": …}; the test
decides which requests fail (`fail_first[key] = n` answers 500 n times for that key). Every
request is kept in `requests` and every accepted message in `accepted`, so a test can assert
what arrived and how often.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.replies import Recipient
from bot.steward import Delivery, SendError


class FakeChatEndpoint:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.accepted: Counter[str] = Counter()
        self.fail_first: dict[str, int] = {}
        self.always_fail: set[str] = set()
        self._ids = 0
        app = web.Application()
        app.router.add_post("/messages", self._post)
        self.server = TestServer(app, host="127.0.0.1")

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        key = body["key"]
        if key in self.always_fail:
            return web.json_response({"ok": False, "error": "internal"}, status=500)
        if self.fail_first.get(key, 0) > 0:
            self.fail_first[key] -= 1
            return web.json_response({"ok": False, "error": "internal"}, status=500)
        self.accepted[key] += 1
        if body.get("op") == "update" and body.get("message_id"):
            return web.json_response({"ok": True, "id": body["message_id"], "channel": body.get("channel", "")})
        self._ids += 1
        return web.json_response({"ok": True, "id": f"m{self._ids}", "channel": body["to"]["address"]})

    @property
    def url(self) -> str:
        return str(self.server.make_url("/messages"))

    async def __aenter__(self) -> FakeChatEndpoint:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()


class HttpSender:
    """What an adapter's sender does, reduced to one HTTP call per delivery."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session: aiohttp.ClientSession | None = None

    async def send(self, delivery: Delivery) -> tuple[str, str]:
        if self.session is None:
            self.session = aiohttp.ClientSession()
        to: Recipient = delivery.to
        payload = {"key": delivery.key, "op": delivery.op, "to": to.model_dump(), "title": delivery.reply.title,
                   "message_id": delivery.message_id, "channel": delivery.channel}
        async with self.session.post(self.url, json=payload) as response:
            if response.status >= 500:
                raise SendError(f"HTTP {response.status}")
            if response.status >= 400:
                raise SendError(f"HTTP {response.status}", permanent=True)
            data = await response.json()
            return data["id"], data.get("channel", "")

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
