"""What each SDK's glue provides, so the rest of the Teams adapter never names an SDK."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from adapters.teams.turns import TeamsTurns


class TeamsHost(Protocol):
    """One SDK's glue: authenticate the request, run the turn, answer; and mint connector tokens."""

    async def handle(self, request: web.Request, activity: dict[str, Any], turns: TeamsTurns) -> web.Response: ...

    async def token(self) -> str: ...
