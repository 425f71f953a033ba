"""The web chat's settings (one pydantic-settings class per adapter; names match app.json)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    enabled: bool = Field(default=False, alias="STEWARD_WEB_CHAT",
                          description="Serve the web chat at / (off unless set).")
    demo: bool = Field(default=False, alias="STEWARD_DEMO",
                       description="Demo mode: pick any person of the directory as a persona. Never in production.")
    secret: SecretStr | None = Field(default=None, alias="STEWARD_WEB_SECRET",
                                     description="Shared secret people type to sign in to the web chat.")
    user_header: str = Field(default="", alias="STEWARD_WEB_USER_HEADER",
                             description="Header a trusted reverse proxy sets to the signed-in user's e-mail "
                                         "(e.g. X-Forwarded-Email).")
    session_key: SecretStr | None = Field(default=None, alias="STEWARD_WEB_SESSION_KEY",
                                          description="Key that signs session cookies; set the same on every "
                                                      "replica (default: derived from STEWARD_WEB_SECRET, else "
                                                      "random per process).")

    @property
    def sign_in(self) -> str:
        """How people sign in: "proxy" (a trusted header), "secret" (a shared secret), or "open"."""
        if self.user_header:
            return "proxy"
        return "secret" if self.secret is not None and self.secret.get_secret_value() else "open"

    def problems(self, host: str) -> list[str]:
        if not self.enabled:
            return []
        if not is_loopback(host) and self.sign_in == "open":
            return [f"STEWARD_HOST={host} exposes the web chat beyond this machine, and it has no sign-in: set "
                    "STEWARD_WEB_SECRET (a shared secret) or STEWARD_WEB_USER_HEADER (a trusted proxy's "
                    "user header), or listen on 127.0.0.1"]
        return []


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
