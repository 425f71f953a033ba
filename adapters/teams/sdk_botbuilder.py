"""Glue for botbuilder-core 4.17 (`STEWARD_TEAMS_SDK=botbuilder`), for companies still on the
Bot Framework SDK, which Microsoft stopped supporting on 2025-12-31. Same TeamsTurns, same
cards; only authentication, the turn object and tokens differ.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from aiohttp import web
from botbuilder.core import BotFrameworkAdapter, BotFrameworkAdapterSettings, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from adapters.teams.host import Background
from adapters.teams.settings import TeamsSettings
from adapters.teams.turns import TeamsTurns

log = logging.getLogger("steward.teams")


class BotbuilderHost:
    def __init__(self, settings: TeamsSettings) -> None:
        self.settings = settings
        adapter_settings = BotFrameworkAdapterSettings(
            app_id=settings.app_id or "", app_password=settings.secret,
            channel_auth_tenant=settings.tenant_id or None)
        self.adapter = BotFrameworkAdapter(adapter_settings)
        self.adapter.on_turn_error = _on_turn_error

    async def handle(self, request: web.Request, activity: dict[str, Any], turns: TeamsTurns,
                     background: Background) -> web.Response:
        parsed = Activity().deserialize(activity)

        async def logic(context: TurnContext) -> None:
            turn = await turns.handle(activity)
            for reply in turn.replies:
                await context.send_activity(Activity().deserialize(reply))
            if parsed.type == ActivityTypes.invoke:
                from botbuilder.core import InvokeResponse

                await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                     value=InvokeResponse(status=turn.status, body=turn.invoke)))

        try:
            # botbuilder's own split of process_activity: authenticate now, run the turn now or after the 202
            identity = await self.adapter._authenticate_request(parsed, request.headers.get("Authorization", ""))
            if parsed.type != ActivityTypes.invoke:
                background.run(self.adapter.process_activity_with_identity(parsed, identity, logic))
                return web.Response(status=202)
            response = await self.adapter.process_activity_with_identity(parsed, identity, logic)
        except (PermissionError, jwt.PyJWTError):   # botframework-connector lets PyJWT's errors through
            return web.json_response({"error": "Invalid token or authentication failed."}, status=401)
        except OSError as exc:   # its OpenID key endpoint (login.botframework.com) is unreachable
            log.warning("teams: cannot fetch Bot Framework signing keys: %s", type(exc).__name__)
            return web.json_response({"error": "cannot verify the token right now"}, status=503)
        if response is not None:
            return web.json_response(response.body, status=response.status)
        return web.Response(status=202 if parsed.type != ActivityTypes.invoke else 200)

    async def token(self) -> str:
        if not self.settings.app_id:
            return ""
        from botframework.connector.auth import MicrosoftAppCredentials

        return str(MicrosoftAppCredentials(self.settings.app_id, self.settings.secret).get_access_token())


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    log.exception("teams: turn failed", exc_info=error)
    await context.send_activity("Sorry, something went wrong on my side. Please try again in a minute.")
