"""Slack settings, read from the environment (names match app.json and .env.example)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API = "https://slack.com/api/"


class SlackConfigError(ValueError):
    """The Slack adapter is half configured: the message names what is missing."""


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN",
                                        description="Bot token (xoxb-…) of the installed app.")
    signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET",
                                             description="Verifies every request Slack sends over HTTP.")
    app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN",
                                        description="App-level token (xapp-…): Socket Mode instead of HTTP.")
    api_url: str = Field(default=SLACK_API, alias="SLACK_API_URL",
                         description="Web API base URL (GovSlack, a proxy, the tests' fake).")
    identity_ttl: float = Field(default=3600.0, alias="SLACK_IDENTITY_TTL", gt=0,
                                description="Seconds a users.info e-mail lookup is cached.")

    @model_validator(mode="after")
    def _complete(self) -> SlackSettings:
        if not self.api_url.endswith("/"):
            self.api_url += "/"
        return self

    @property
    def enabled(self) -> bool:
        return any((self.bot_token, self.signing_secret, self.app_token))

    @property
    def configured(self) -> bool:
        """Anything of Slack's is set: the server mounts it, or says what is missing."""
        return self.enabled

    def problems(self) -> list[str]:
        """What a half or wrongly configured Slack lacks, one line (the server's start-up check)."""
        if not self.configured:
            return []
        try:
            self.validate_complete()
        except SlackConfigError as exc:
            return [str(exc)]
        return []

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def validate_complete(self) -> None:
        """Refuse to start half configured, with a message that says what to set."""
        missing = []
        if self.bot_token is None:
            missing.append("SLACK_BOT_TOKEN (the app's xoxb- bot token)")
        if self.app_token is None and self.signing_secret is None:
            missing.append("SLACK_SIGNING_SECRET (HTTP mode verifies every request; "
                           "or set SLACK_APP_TOKEN for Socket Mode)")
        if missing:
            raise SlackConfigError("Slack is half configured; set " + " and ".join(missing) + ".")
        token = self.bot_token.get_secret_value() if self.bot_token else ""
        if not token.startswith("xoxb-"):
            raise SlackConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
        if self.app_token is not None and not self.app_token.get_secret_value().startswith("xapp-"):
            raise SlackConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
