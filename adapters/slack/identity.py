"""Slack user → Person: the facade's remembered link first, else users.info's e-mail (cached).

The e-mail is the identity across Slack, Teams and the web chat. users.info needs the
`users:read.email` scope; its answer is cached for SLACK_IDENTITY_TTL seconds so a busy approver
costs one Web API call an hour, and concurrent first sightings share one lookup.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.replies import Person
from bot.steward import UnknownUser


class NoEmail(LookupError):
    """Slack gave no e-mail for the user (a bot, a guest without one, or a missing scope)."""


class Identities:
    def __init__(self, steward: Any, client: AsyncWebClient, ttl: float = 3600.0) -> None:
        self.steward, self.client, self.ttl = steward, client, ttl
        self._cache: dict[str, tuple[float, Person]] = {}
        self._lookups: dict[str, asyncio.Future[Person]] = {}

    async def person(self, user_id: str) -> Person:
        hit = self._cache.get(user_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        running = self._lookups.get(user_id)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Person] = asyncio.get_running_loop().create_future()
        self._lookups[user_id] = future
        try:
            found = await self._resolve(user_id)
            self._cache[user_id] = (time.monotonic() + self.ttl, found)
            future.set_result(found)
            return found
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()      # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            del self._lookups[user_id]

    async def _resolve(self, user_id: str) -> Person:
        try:
            return await self.steward.whoami("slack", user_id)
        except UnknownUser:
            pass
        info = await self.client.users_info(user=user_id)
        user = info.get("user") or {}
        profile = user.get("profile") or {}
        email = profile.get("email")
        if not email or user.get("is_bot"):
            raise NoEmail(user_id)
        name = profile.get("real_name") or user.get("real_name") or user.get("name") or ""
        return await self.steward.whoami("slack", user_id, email=email, name=name)
