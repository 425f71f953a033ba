"""Teams settings, from the environment (and `.env`), validated at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TeamsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_id: str = Field("", alias="TEAMS_APP_ID")
    app_password: str = Field("", alias="TEAMS_APP_PASSWORD", repr=False)
    tenant_id: str = Field("", alias="TEAMS_TENANT_ID")
    sdk: Literal["agents", "botbuilder"] = Field("agents", alias="STEWARD_TEAMS_SDK")
    anonymous: bool = Field(False, alias="STEWARD_TEAMS_ANONYMOUS")

    @model_validator(mode="after")
    def _consistent(self) -> TeamsSettings:
        if self.anonymous and self.app_id:
            raise ValueError("STEWARD_TEAMS_ANONYMOUS=true turns authentication off and is for local "
                             "development only; it cannot be combined with TEAMS_APP_ID")
        if self.app_id and not self.tenant_id:
            raise ValueError("TEAMS_APP_ID is set but TEAMS_TENANT_ID is not: give the Entra tenant the app "
                             "registration lives in (single-tenant bots are the norm)")
        if self.app_id and not self.app_password:
            raise ValueError("TEAMS_APP_ID is set but TEAMS_APP_PASSWORD is not: Steward needs the app's "
                             "client secret to answer in Teams")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.app_id) or self.anonymous
