"""The Bot Connector REST calls Steward makes itself: proactive posts, in-place card updates,
member lookups. Plain aiohttp over the Activity protocol, the same for both SDKs; only the
token comes from the SDK in use (a `TokenSource`).

Why not the SDKs' connector clients: both need a live turn or their own adapter to create
one, while the outbox sends long after the turn, from any replica. Why the member lookup
here: `microsoft-agents-hosting-teams` 1.x (its TeamsInfo) needs Python 3.12 and pip falls
back to 0.9.1 on 3.11; `GET /v3/conversations/{id}/members/{user}` is one call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.steward import SendError

TokenSource = Callable[[], Awaitable[str]]   # a bearer token for the connector ("" when anonymous)


class ConnectorError(Exception):
    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"connector answered {status}: {message}")
        self.status, self.retry_after = status, retry_after

    def as_send_error(self) -> SendError:
        """429 and 5xx are worth retrying (after Retry-After when given); other 4xx are not."""
        permanent = 400 <= self.status < 500 and self.status not in (408, 429)
        return SendError(str(self), permanent=permanent, retry_after=self.retry_after)


class Connector:
    def __init__(self, token: TokenSource, *, timeout: float = 10.0) -> None:
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        token = await self._token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self._session.request(method, url, json=body, headers=headers) as resp:
            if resp.status >= 400:
                retry = resp.headers.get("Retry-After")
                text = (await resp.text())[:200]
                raise ConnectorError(resp.status, text, float(retry) if retry and retry.isdigit() else None)
            if resp.content_length == 0 or resp.status == 204:
                return {}
            data = await resp.json(content_type=None)
            return data if isinstance(data, dict) else {}

    @staticmethod
    def _url(service_url: str, *parts: str) -> str:
        return service_url.rstrip("/") + "/v3/conversations" + "".join("/" + quote(p, safe="") for p in parts)

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> dict[str, Any]:
        return await self._call("GET", self._url(service_url, conversation_id, "members", user_id))

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        """Post a new message (a channel id as conversation starts a new thread there)."""
        out = await self._call("POST", self._url(service_url, conversation_id, "activities"), activity)
        return str(out.get("id") or "")

    async def reply(self, service_url: str, conversation_id: str, reply_to: str, activity: dict[str, Any]) -> str:
        out = await self._call("POST", self._url(service_url, conversation_id, "activities", reply_to),
                               {**activity, "replyToId": reply_to})
        return str(out.get("id") or "")

    async def update(self, service_url: str, conversation_id: str, activity_id: str,
                     activity: dict[str, Any]) -> str:
        await self._call("PUT", self._url(service_url, conversation_id, "activities", activity_id),
                         {**activity, "id": activity_id})
        return activity_id

    async def open_personal(self, service_url: str, bot: dict[str, Any], user_id: str, tenant_id: str) -> str:
        """Create (or find) the 1:1 chat with a user; returns its conversation id."""
        out = await self._call("POST", service_url.rstrip("/") + "/v3/conversations",
                               {"bot": bot, "members": [{"id": user_id}], "isGroup": False,
                                "tenantId": tenant_id, "channelData": {"tenant": {"id": tenant_id}}})
        return str(out.get("id") or "")
