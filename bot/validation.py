"""Validators for everything that comes in from outside: chat events, CLI arguments, API calls.

Each returns the cleaned value or raises `InvalidInput` with a sentence a user can act on.
The facade turns that into an `Outcome(code="invalid")` before anything is stored; the CLI
into exit code 64. Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NOTE_CHARS = 4_000        # comments, vote notes, dispute reasons, resolution notes
MAX_KEY_CHARS = 200           # idempotency keys (namespaced by operation, stored in 255)
MAX_ID = 2 ** 63 - 1          # ids are BIGINT-safe on every backend
MAX_EMAIL_CHARS = 320
MAX_PLATFORM_ID_CHARS = 255

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# C0 and C1 controls except tab and newline, plus DEL: what a terminal would interpret.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class InvalidInput(ValueError):
    """Input refused before it reached the core; `str(exc)` is the message for the user."""


def _no_bad_code_points(value: str, what: str) -> None:
    if "\x00" in value:
        raise InvalidInput(f"the {what} contains a NUL character; remove it and try again")
    for ch in value:
        if "\ud800" <= ch <= "\udfff":
            raise InvalidInput(f"the {what} is not valid text (it contains a broken character, "
                               "often from a file or terminal that is not UTF-8)")


def text(value: object, what: str, *, max_chars: int = MAX_NOTE_CHARS, required: bool = True) -> str:
    """A piece of text: a string, valid Unicode, no NUL, at most `max_chars`; stripped."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"the {what} must be text")
    _no_bad_code_points(value, what)
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput(f"the {what} is empty")
    if len(cleaned) > max_chars:
        raise InvalidInput(f"the {what} is {len(cleaned):,} characters; the limit is {max_chars:,}")
    return cleaned


def identifier(value: object, what: str = "id") -> int:
    """A positive database id below 2^63; accepts '#12' and '12' as typed in chat."""
    if isinstance(value, bool):
        raise InvalidInput(f"the {what} must be a number")
    if isinstance(value, str):
        raw = value.strip().lstrip("#")
        if not raw.isascii() or not raw.isdigit():
            raise InvalidInput(f"the {what} must be a number, like 12")
        value = int(raw)
    if not isinstance(value, int):
        raise InvalidInput(f"the {what} must be a number")
    if not 1 <= value <= MAX_ID:
        raise InvalidInput(f"there is no {what} {value}: ids are whole numbers from 1 to {MAX_ID}")
    return value


def key(value: object) -> str | None:
    """An idempotency key (a platform's event id), or None."""
    if value is None or value == "":
        return None
    cleaned = text(value, "event key", max_chars=MAX_KEY_CHARS)
    if any(ch.isspace() for ch in cleaned):
        raise InvalidInput("the event key must not contain spaces")
    return cleaned


def email(value: object) -> str:
    cleaned = text(value, "e-mail address", max_chars=MAX_EMAIL_CHARS).lower()
    if not _EMAIL.match(cleaned):
        raise InvalidInput(f"'{escape_controls(cleaned)}' is not an e-mail address (name@company.com)")
    return cleaned


def platform_id(value: object, what: str) -> str:
    return text(value, what, max_chars=MAX_PLATFORM_ID_CHARS)


def choice(value: object, what: str, allowed: tuple[str, ...]) -> str:
    cleaned = text(value, what, max_chars=40).lower().replace("-", "_")
    if cleaned not in allowed:
        raise InvalidInput(f"'{escape_controls(cleaned)}' is not a {what}; use {' or '.join(allowed)}")
    return cleaned


def escape_controls(value: str) -> str:
    """Make control characters visible (\\x1b, \\x07) so printed text cannot drive the terminal.
    Tabs and newlines stay; bidirectional overrides are shown too."""
    value = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) == "Cf" and ch in _BIDI else ch
                   for ch in value)


_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
