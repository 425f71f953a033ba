"""Who is at the browser: a signed session cookie (itsdangerous), a CSRF token in it, an Origin check.

The cookie holds {email, csrf, signed_in}; nothing else is kept on the server, so any replica
can serve any request when they share STEWARD_WEB_SESSION_KEY. Every state-changing request
must carry the session's token in `X-CSRF-Token` and, when the browser sends one, an `Origin`
equal to the page's own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "steward_session"
MAX_AGE = 12 * 3600


@dataclass
class Session:
    email: str = ""
    signed_in: bool = False
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def to_json(self) -> dict[str, Any]:
        return {"email": self.email, "signed_in": self.signed_in, "csrf": self.csrf}


class Sessions:
    def __init__(self, key: str | None, secret: str | None) -> None:
        if not key and secret:   # replicas sharing the sign-in secret share sessions too
            key = hashlib.sha256(b"steward-web-session:" + secret.encode()).hexdigest()
        self.serializer = URLSafeTimedSerializer(key or secrets.token_hex(32), salt="steward-web")

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self.serializer.loads(cookie, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        return Session(email=str(data.get("email", "")), signed_in=bool(data.get("signed_in")), csrf=data["csrf"])

    def dump(self, session: Session) -> str:
        return self.serializer.dumps(session.to_json())


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given), expected)


def origin_allowed(origin: str | None, host: str | None, scheme: str) -> bool:
    """No Origin (a non-browser client, which a forged cross-site request cannot be) or this page's."""
    if not origin:
        return True
    return bool(host) and origin in (f"{scheme}://{host}", f"http://{host}", f"https://{host}")
