"""Structured logs: JSON lines when stdout is not a terminal (python-json-logger), text on a terminal.

Every record carries the request id of the request being served (a contextvar set by the
server's middleware). Secrets never reach a record: settings hold them as SecretStr, and
this filter masks any value of a known secret that slips into a message or an extra field.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class Context(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        if self.secrets:
            record.msg = self._mask(record.getMessage())
            record.args = None
            for name, value in list(record.__dict__.items()):
                if name not in _STANDARD and isinstance(value, str):
                    setattr(record, name, self._mask(value))
        return True

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "********")
        return text


class Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in record.__dict__.items()
                          if k not in _STANDARD and k != "request_id" and not k.startswith("_"))
        rid = getattr(record, "request_id", "")
        return (f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
                + (f" [{rid}]" if rid else "") + (f" {extras}" if extras else ""))


def setup(level: str = "INFO", fmt: str = "auto", secrets: Iterable[str] = ()) -> None:
    use_json = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
                         if use_json else Text())
    handler.addFilter(Context(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's own access log repeats what our middleware logs, without the request id.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
