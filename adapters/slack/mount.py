"""Put Steward's Slack app on the `steward serve` aiohttp server (or on Socket Mode).

    await mount(app, SlackSettings(), steward)  # adds POST /slack/events, registers the "slack" sender,
                                             # starts Socket Mode when SLACK_APP_TOKEN is set
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import SlackBot
from adapters.slack.sender import SlackSender
from adapters.slack.settings import SlackSettings
from adapters.slack.translate import malformed
from bot.steward import Steward

log = logging.getLogger("steward.slack")

EVENTS_PATH = "/slack/events"
MAX_BODY = 1 << 20           # Slack's payloads are far smaller; anything bigger is not Slack
BOT_KEY: web.AppKey[SlackBot] = web.AppKey("steward_slack", SlackBot)


async def mount(app: web.Application, settings: SlackSettings, steward: Steward) -> SlackBot:
    """Add Slack to `app`. Refuses to start half configured (SlackConfigError says what to set)."""
    settings.validate_complete()
    facade = steward
    bot = SlackBot(facade, settings)
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    sender = SlackSender(AsyncWebClient(token=token, base_url=settings.api_url))
    facade.register_sender("slack", sender)
    app[BOT_KEY] = bot
    app.cleanup_ctx.append(_lifetime(bot, sender))
    if settings.socket_mode:
        app.cleanup_ctx.append(_socket_mode(bot, settings))
    else:
        app.router.add_post(EVENTS_PATH, events_handler(bot, settings))
    return bot


def _lifetime(bot: SlackBot, sender: SlackSender) -> Any:
    """One connection pool for the app's and the sender's Web API calls; on the way out, the work
    started after acks finishes before the pool closes."""
    async def run(_app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        sender.client.session = session
        await bot.start(session)
        try:
            yield
        finally:
            await bot.drain()
            await session.close()

    return run


def events_handler(bot: SlackBot, settings: SlackSettings) -> Any:
    assert settings.signing_secret is not None
    verifier = SignatureVerifier(settings.signing_secret.get_secret_value())

    async def handle(request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413, text="too large")
        raw = await request.read()
        if len(raw) > MAX_BODY:
            return web.Response(status=413, text="too large")
        # Verified before parsing: nothing unsigned is even read as JSON. Bolt verifies again (cheap).
        if not verifier.is_valid_request(raw, dict(request.headers)):
            return web.Response(status=401, text="invalid signature")
        try:
            body = raw.decode("utf-8")
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                            headers=dict(request.headers))
        except (UnicodeDecodeError, ValueError) as exc:
            log.info("slack: malformed request refused (%s)", type(exc).__name__)
            return web.Response(status=400, text="malformed payload")
        why = malformed(bolt_request.body)
        if why is not None:
            log.info("slack: malformed payload refused (%s)", why)
            return web.Response(status=400, text="malformed payload")
        response = await bot.bolt.async_dispatch(bolt_request)
        if response.status == 404:   # a payload type or event Steward does not handle: received, ignored
            return web.Response(status=200, text="")
        return await to_aiohttp_response(response)

    return handle


def socket_handler(bot: SlackBot, settings: SlackSettings) -> AsyncSocketModeHandler:
    """Bolt's Socket Mode handler on the bot's app; its Web API calls go to SLACK_API_URL too."""
    assert settings.app_token is not None
    app_client = AsyncWebClient(base_url=settings.api_url)       # apps.connections.open takes the app token
    return AsyncSocketModeHandler(bot.bolt, settings.app_token.get_secret_value(), web_client=app_client)


def _socket_mode(bot: SlackBot, settings: SlackSettings) -> Any:
    async def run(_app: web.Application) -> AsyncIterator[None]:
        handler = socket_handler(bot, settings)
        await handler.connect_async()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(handler.close_async(), timeout=5)

    return run
