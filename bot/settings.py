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

