"""Mount Teams on the aiohttp server at /api/messages: the SDK glue chosen by
STEWARD_TEAMS_SDK, the turn logic, and the outbox sender for platform "teams"."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from adapters.teams.connector import Connector
from adapters.teams.host import Background, TeamsHost
from adapters.teams.sender import TeamsSender
from adapters.teams.settings import TeamsSettings
from adapters.teams.turns import TeamsTurns
from bot.steward import Steward

log = logging.getLogger("steward.teams")
ROUTE = "/api/messages"
MAX_BODY = 256 * 1024            # Teams activities are small; a card action with a note is a few KB


def make_host(settings: TeamsSettings) -> TeamsHost:
    if settings.sdk == "botbuilder":
        from adapters.teams.sdk_botbuilder import BotbuilderHost

        return BotbuilderHost(settings)
    from adapters.teams.sdk_agents import AgentsSdkHost

    return AgentsSdkHost(settings)


async def mount(app: web.Application, settings: TeamsSettings, steward: Steward) -> TeamsTurns:
    if settings.anonymous:
        log.warning("teams: STEWARD_TEAMS_ANONYMOUS=true: requests to %s are NOT authenticated. "
                    "Local development only.", ROUTE)
    host = make_host(settings)
    connector = Connector(host.token)
    turns = TeamsTurns(steward, connector)
    background = turns.background = Background()
    steward.register_sender("teams", TeamsSender(steward, connector))

    async def messages(request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": "activity too large"}, status=413)
        try:
            activity: Any = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "the body must be an activity in JSON"}, status=400)
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str) \
                or not isinstance(activity.get("conversation"), dict) or not activity.get("serviceUrl"):
            return web.json_response({"error": "an activity needs type, conversation and serviceUrl"}, status=400)
        try:
            return await host.handle(request, activity, turns, background)
        except ValidationError as exc:      # the SDK's own activity model refused it
            log.info("teams: malformed activity refused: %s", exc.error_count())
            return web.json_response({"error": "malformed activity"}, status=400)

    async def close(_: web.Application) -> None:
        await background.drain()          # turns already answered with 202 finish before we stop
        await connector.close()

    app.router.add_post(ROUTE, messages)
    app.on_cleanup.append(close)
    return turns
