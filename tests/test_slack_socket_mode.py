"""Socket Mode and configuration: bolt's Socket Mode handler fed built SocketModeRequests; settings
that refuse to start half configured; the app's e-mail identity."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack.mount import EVENTS_PATH, mount, socket_handler
from adapters.slack.settings import SlackConfigError, SlackSettings
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.steward import Steward
from bot.store.database import Database
from bot.workflow.service import WorkflowService
from tests.fakes.slack_api import FakeSlack
from tests.support import POLICIES

ADA = "ada.lovelace@northwindlabs.com"


class RecordingSocket:
    """Stands in for the websocket to Slack: what the handler acknowledges, by envelope id."""

    def __init__(self) -> None:
        import logging

        self.logger = logging.getLogger("socket-test")
        self.acks: list[SocketModeResponse] = []

    async def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.acks.append(response)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(POLICIES)


def settings_for(slack: FakeSlack, **kw: Any) -> SlackSettings:
    return SlackSettings(SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-1-test", SLACK_API_URL=slack.api_url,
                         **kw)


async def test_socket_mode_requests_are_acked_and_answered(db: Database, corpus) -> None:
    async with FakeSlack(users={"UADA": ADA}) as slack:
        steward = Steward(corpus, db=db, directory=load_directory(POLICIES), platforms=("slack",))
        settings = settings_for(slack)
        app = web.Application()
        bot = await mount(app, settings, steward)
        assert not [r for r in app.router.routes() if r.resource and r.resource.canonical == EVENTS_PATH]
        await bot.start()
        handler = socket_handler(bot, settings)
        socket = RecordingSocket()
        command = SocketModeRequest(type="slash_commands", envelope_id="env-1", payload={
            "command": "/canipost", "text": "Sunrise run this morning", "user_id": "UADA", "channel_id": "C0PUB",
            "team_id": "T0001", "response_url": slack.response_url("sm"), "trigger_id": "t1"})
        await handler.handle(socket, command)   # type: ignore[arg-type]
        dm = SocketModeRequest(type="events_api", envelope_id="env-2", payload={
            "type": "event_callback", "event_id": "EvSM1", "team_id": "T0001",
            "event": {"type": "message", "channel_type": "im", "channel": "DADA", "user": "UADA",
                      "text": "who approves posts about lawsuits?", "ts": "1700000000.1"}})
        await handler.handle(socket, dm)   # type: ignore[arg-type]
        unknown = SocketModeRequest(type="events_api", envelope_id="env-3", payload={
            "type": "event_callback", "event_id": "EvSM2", "event": {"type": "star_added", "user": "UADA"}})
        await handler.handle(socket, unknown)   # type: ignore[arg-type]
        await bot.drain()
        assert [a.envelope_id for a in socket.acks] == ["env-1", "env-2", "env-3"]   # the unknown one too
        checked = (await slack.wait_for("respond:sm"))[0].args
        assert "Fine to post" in json.dumps(checked)
        answer = [c.args for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "DADA"]
        assert answer and "legal" in json.dumps(answer[0]).lower()


def test_half_configured_refuses_to_start_and_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        SlackSettings(SLACK_BOT_TOKEN="xoxb-1", _env_file=None).validate_complete()   # type: ignore[call-arg]
    with pytest.raises(SlackConfigError, match="SLACK_BOT_TOKEN"):
        SlackSettings(SLACK_SIGNING_SECRET="s", _env_file=None).validate_complete()   # type: ignore[call-arg]
    with pytest.raises(SlackConfigError, match="xoxb-"):
        SlackSettings(SLACK_BOT_TOKEN="xoxp-user", SLACK_SIGNING_SECRET="s",
                      _env_file=None).validate_complete()   # type: ignore[call-arg]
    ok = SlackSettings(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1", _env_file=None)   # type: ignore[call-arg]
    ok.validate_complete()
    assert ok.socket_mode and ok.api_url == "https://slack.com/api/"
    monkeypatch.setenv("SLACK_API_URL", "https://slack-gov.com/api")
    assert SlackSettings(_env_file=None).api_url == "https://slack-gov.com/api/"   # type: ignore[call-arg]


def test_secrets_never_show_in_settings_output() -> None:
    s = SlackSettings(SLACK_BOT_TOKEN="xoxb-very-secret", SLACK_SIGNING_SECRET="shh",
                      _env_file=None)   # type: ignore[call-arg]
    assert "very-secret" not in repr(s) and "shh" not in str(s.model_dump())


async def test_mount_refuses_http_mode_without_a_signing_secret(corpus, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.store.settings import sqlite_url

    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    steward = Steward(corpus, workflow=WorkflowService(Database(sqlite_url(tmp_path / "s.db")),
                                                       load_directory(POLICIES)))
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        await mount(web.Application(), SlackSettings(SLACK_BOT_TOKEN="xoxb-1", _env_file=None), steward)  # type: ignore[call-arg]
