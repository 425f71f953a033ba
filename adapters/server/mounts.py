"""What the server mounts: one entry per adapter, each with its settings class and its module.

An adapter module exposes `async def mount(app, settings, steward) -> None` adding its routes
(Slack at /slack/events, Teams at /api/messages) and registering its outbox sender. The Slack and
Teams adapters arrive on their own branches; until their module exists, configuring them is an
error that says so (a warning with STEWARD_DEV=true).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.teams.settings import TeamsSettings


def _set(value: SecretStr | str | None) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(value and value.strip())


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN",
                                        description="Slack bot token (xoxb-…); with SLACK_SIGNING_SECRET turns Slack on.")
    signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET",
                                             description="Slack signing secret: verifies requests to /slack/events.")
    app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN",
                                        description="Slack app-level token (xapp-…) for Socket Mode instead of "
                                                    "/slack/events.")

    @property
    def configured(self) -> bool:
        return _set(self.bot_token)

    def problems(self) -> list[str]:
        if _set(self.bot_token) and not (_set(self.signing_secret) or _set(self.app_token)):
            return ["SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: Slack requests could not be "
                    "verified; set it (or SLACK_APP_TOKEN for Socket Mode), or unset SLACK_BOT_TOKEN"]
        if not _set(self.bot_token) and (_set(self.signing_secret) or _set(self.app_token)):
            return ["SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: Steward could "
                    "not post; set SLACK_BOT_TOKEN, or unset the others"]
        return []


@dataclass(frozen=True)
class Mount:
    name: str
    path: str
    module: str
    settings: type[SlackSettings] | type[TeamsSettings]

    def available(self) -> bool:
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False


PLATFORM_MOUNTS = (
    Mount("slack", "/slack/events", "adapters.slack.mount", SlackSettings),
    Mount("teams", "/api/messages", "adapters.teams.mount", TeamsSettings),
)


def load_mount(m: Mount) -> Callable[..., Awaitable[None]]:
    mount: Callable[..., Awaitable[None]] = importlib.import_module(m.module).mount
    return mount
