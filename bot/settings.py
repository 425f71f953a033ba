"""Core settings, read from the environment once at start (names match app.json)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_POLICIES = Path(__file__).resolve().parent.parent / "policies"


class CoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    policy_dir: Path | None = Field(default=None, alias="POLICY_DIR",
                                    description="Corpus folder; the bundled policies/ when unset.")
    max_draft_chars: int = Field(default=100_000, alias="STEWARD_MAX_DRAFT_CHARS", ge=1,
                                 description="Longer drafts are refused with a clear message.")

    def corpus_dir(self, override: str | Path | None = None) -> Path:
        if override:
            return Path(override)
        return self.policy_dir or BUNDLED_POLICIES



class ServerSettings(BaseSettings):
    """`steward serve`: where it listens, what it runs in the background, how it logs."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    host: str = Field(default="127.0.0.1", alias="STEWARD_HOST",
                      description="Address to listen on; beyond 127.0.0.1 the web chat needs a sign-in.")
    port: int = Field(default=8080, alias="PORT", ge=1, le=65535,
                      description="TCP port to listen on (platforms such as Heroku set it).")
    dev: bool = Field(default=False, alias="STEWARD_DEV",
                      description="Development mode: a half-configured Slack or Teams only warns.")
    auto_migrate: bool | None = Field(default=None, alias="STEWARD_AUTO_MIGRATE",
                                      description="Apply migrations at start; default on for SQLite, off otherwise.")
    log_level: str = Field(default="INFO", alias="STEWARD_LOG_LEVEL", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR)$",
                           description="DEBUG, INFO, WARNING or ERROR. Draft texts appear only at DEBUG.")
    log_format: str = Field(default="auto", alias="STEWARD_LOG_FORMAT", pattern=r"^(auto|json|text)$",
                            description="json, text, or auto: JSON when standard output is not a terminal.")
    dispatch_interval: float = Field(default=1.0, alias="STEWARD_DISPATCH_INTERVAL", gt=0, le=60,
                                     description="Seconds between outbox passes when it is idle.")
    tick_interval: float = Field(default=30.0, alias="STEWARD_TICK_INTERVAL", gt=0, le=3600,
                                 description="Seconds between SLA runs (reminders, escalations, expiries).")
    shutdown_timeout: float = Field(default=20.0, alias="STEWARD_SHUTDOWN_TIMEOUT", gt=0, le=600,
                                    description="Seconds SIGTERM waits for in-flight requests and sends.")
    platforms: str = Field(default="local", alias="STEWARD_PLATFORMS",
                           description="Comma list of platforms the outbox writes for (local, web, slack, teams).")
