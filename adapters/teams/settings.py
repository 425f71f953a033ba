"""Teams settings, from the environment (and `.env`), validated at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TeamsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_id: str = Field(default="", alias="TEAMS_APP_ID",
                        description="The Teams bot's Microsoft app (client) id; turns Teams on at /api/messages.")
    app_password: SecretStr | None = Field(default=None, alias="TEAMS_APP_PASSWORD",
                                           description="The bot's client secret.")
    tenant_id: str = Field(default="", alias="TEAMS_TENANT_ID", description="The Entra tenant of the app registration.")
    sdk: Literal["agents", "botbuilder"] = Field(default="agents", alias="STEWARD_TEAMS_SDK",
                                                 description="agents (default) or botbuilder.")
    anonymous: bool = Field(default=False, alias="STEWARD_TEAMS_ANONYMOUS",
                            description="true: no authentication, for the local Agents Playground only.")

    @model_validator(mode="after")
    def _not_anonymous_with_an_app(self) -> TeamsSettings:
        if self.anonymous and self.app_id:
            raise ValueError("STEWARD_TEAMS_ANONYMOUS=true turns authentication off and is for local "
                             "development only; it cannot be combined with TEAMS_APP_ID")
        return self

    @property
    def configured(self) -> bool:
        """Mount Teams: an app id is set, or the anonymous development mode is asked for."""
        return bool(self.app_id) or self.anonymous

    @property
    def secret(self) -> str:
        return self.app_password.get_secret_value() if self.app_password is not None else ""

    def problems(self) -> list[str]:
        """A half-configured Teams, one line each (the server refuses to start, or warns in dev)."""
        if self.app_id and not self.secret:
            return ["TEAMS_APP_ID is set but TEAMS_APP_PASSWORD is not: Steward needs the app's client "
                    "secret to answer in Teams; set it, or unset TEAMS_APP_ID"]
        if self.app_id and not self.tenant_id:
            return ["TEAMS_APP_ID is set but TEAMS_TENANT_ID is not: give the Entra tenant the app "
                    "registration lives in (single-tenant bots are the norm)"]
        if self.secret and not self.app_id:
            return ["TEAMS_APP_PASSWORD is set but TEAMS_APP_ID is not; set both or neither"]
        return []
