"""Glue for the Microsoft 365 Agents SDK (the default): its CloudAdapter runs the turn, its
JWT validator checks the Bot Connector's token, MSAL mints the token for proactive sends.

Pinned at 1.9.x: the SDK's Teams package (`microsoft-agents-hosting-teams` 1.x) needs Python
3.12 and pip silently falls back to 0.9.1 on 3.11, so it is not used; the member lookup goes
through adapters/teams/connector.py instead.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentAuthConfiguration, TurnContext
from microsoft_agents.hosting.core.authorization import AuthTypes, JwtTokenValidator

from adapters.teams.host import Background
from adapters.teams.settings import TeamsSettings
from adapters.teams.turns import TeamsTurns

log = logging.getLogger("steward.teams")
CONNECTOR_SCOPE = "https://api.botframework.com/.default"


class _Agent:
    """The SDK's Agent protocol: one method, which hands the activity to TeamsTurns."""

    def __init__(self, turns: TeamsTurns) -> None:
        self.turns = turns

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity.model_dump(mode="json", by_alias=True, exclude_none=True)
        turn = await self.turns.handle(activity)
        for reply in turn.replies:
            await context.send_activity(Activity.model_validate(reply))
        if context.activity.type == ActivityTypes.invoke:
            await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                 value=InvokeResponse(status=turn.status, body=turn.invoke)))


class AgentsSdkHost:
    def __init__(self, settings: TeamsSettings) -> None:
        from microsoft_agents.authentication.msal import MsalConnectionManager

        anonymous = settings.anonymous
        self.config = AgentAuthConfiguration(
            auth_type=AuthTypes.client_secret, client_id=settings.app_id or None,
            tenant_id=settings.tenant_id or None, client_secret=settings.secret or None,
            anonymous_allowed=anonymous)
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": self.config})
        self.adapter = CloudAdapter(connection_manager=connections)
        self.adapter.on_turn_error = _on_turn_error
        self.anonymous = anonymous
        self._msal: Any = None
        self.validator = JwtTokenValidator(self.config)

    async def handle(self, request: web.Request, activity: dict[str, Any], turns: TeamsTurns,
                     background: Background) -> web.Response:
        claims = await self._claims(request.headers.get("Authorization"))
        if claims is None:
            return web.json_response({"error": "Invalid token or authentication failed."}, status=401)
        claimed_url = claims.get_claim_value("serviceurl") if claims.claims else None
        if claimed_url and claimed_url.rstrip("/") != str(activity.get("serviceUrl", "")).rstrip("/"):
            return web.json_response({"error": "the activity's serviceUrl is not the token's"}, status=401)
        if activity.get("type") != ActivityTypes.invoke:
            # answered now, worked after: the reply goes back through the connector
            background.run(self.adapter.process_activity(claims, Activity.model_validate(activity),
                                                         _Agent(turns).on_turn))
            return web.Response(status=202)
        request["claims_identity"] = claims  # the SDK request adapter reads this plain key
        response = await self.adapter.process(request, _Agent(turns))
        return response if response is not None else web.Response(status=202)

    async def _claims(self, header: str | None) -> Any:
        """The SDK's validator on the Bot Connector's bearer token (signature, audience, tenant)."""
        if not header:
            return self.validator.get_anonymous_claims() if self.anonymous else None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return await self.validator.validate_token(token.strip())
        except Exception as exc:   # PyJWT errors, ValueError, key fetch failures: all mean "not authenticated"
            log.warning("teams: token refused: %s", type(exc).__name__)
            return None

    async def token(self) -> str:
        if self.anonymous:
            return ""
        if self._msal is None:
            from microsoft_agents.authentication.msal import MsalAuth

            self._msal = MsalAuth(self.config)
        return str(await self._msal.get_access_token(CONNECTOR_SCOPE.removesuffix("/.default"), [CONNECTOR_SCOPE]))


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # The SDK's default tells the user the exception text; Steward logs it and apologises.
    log.exception("teams: turn failed", exc_info=error)
    await context.send_activity("Sorry, something went wrong on my side. Please try again in a minute.")
