"""Built-in detectors of personal data and credentials.

Each detector takes a `Normalized` draft and returns `Hit`s whose spans are in
the draft as written. The rule engine names them in the corpus by their key in
`DETECTORS` (the `detector:` field of a rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.checker.normalize import Normalized


@dataclass(frozen=True, slots=True)
class Hit:
    start: int      # span in the ORIGINAL text
    end: int
    kind: str       # "email", "phone", "card", "iban", "ssn", "aws_access_key", "password", ...
    detail: str = ""  # short human description, never the secret itself


Detector = Callable[[Normalized], list[Hit]]

# The detector modules import Hit from here, so they are imported after it.
from bot.checker.detectors.address import detect_address  # noqa: E402
from bot.checker.detectors.bidi import detect_bidi_override  # noqa: E402
from bot.checker.detectors.pii import (  # noqa: E402
    detect_card,
    detect_email,
    detect_iban,
    detect_national_id,
    detect_phone,
    phone_detector,
)
from bot.checker.detectors.secrets import detect_secret  # noqa: E402

DETECTORS: dict[str, Detector] = {
    "email": detect_email,
    "phone": detect_phone,
    "card": detect_card,
    "iban": detect_iban,
    "national_id": detect_national_id,
    "secret": detect_secret,
    "address": detect_address,
    "bidi": detect_bidi_override,
}

__all__ = [
    "DETECTORS", "Detector", "Hit",
    "detect_address", "detect_card", "detect_email", "detect_iban", "detect_national_id", "detect_phone",
    "detect_secret", "phone_detector",
]
