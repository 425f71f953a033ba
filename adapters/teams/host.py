"""What each SDK's glue provides, so the rest of the Teams adapter never names an SDK."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from aiohttp import web

from adapters.teams.turns import TeamsTurns


class TeamsHost(Protocol):
    """One SDK's glue: authenticate the request, run the turn, answer; and mint connector tokens."""

    async def handle(self, request: web.Request, activity: dict[str, Any], turns: TeamsTurns,
                     background: Background) -> web.Response: ...

    async def token(self) -> str: ...


class Background:
    """Turns that need no synchronous answer (messages, reactions, installs) run after the HTTP 202,
    so the Bot Connector is answered at once and the reply follows through the connector; a replica
    shutting down waits for them (`drain`)."""

    def __init__(self, concurrency: int = 2) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        # A few turns at a time: the rest wait without taking the event loop, so new requests
        # are still answered at once when a burst arrives.
        self._slots = asyncio.Semaphore(concurrency)

    async def _limited(self, work: Coroutine[Any, Any, Any]) -> Any:
        async with self._slots:
            return await work

    def run(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._limited(work))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logging.getLogger("steward.teams").error("teams: a turn failed after its 202",
                                                     exc_info=task.exception())

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
