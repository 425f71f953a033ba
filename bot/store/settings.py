"""Where the database is.

    DATABASE_URL   a SQLAlchemy URL; `postgresql://…` and `postgres://…` are taken to mean
                   the asyncpg driver, `sqlite:///path` the aiosqlite one.
    STEWARD_DB     when DATABASE_URL is unset: the path of the SQLite file (default `steward.db`
                   in the working directory). Zero set-up: the file is created on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SQLITE_FILE = "steward.db"


class DatabaseUrlError(ValueError):
    """DATABASE_URL names a database Steward cannot use."""


def normalize_url(url: str) -> str:
    """Pick the async driver for a plain URL; refuse what Steward does not support."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://"):]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    scheme = url.split(":", 1)[0] if ":" in url else url
    raise DatabaseUrlError(
        f"DATABASE_URL '{scheme}:…' is not supported; use postgresql://user@host:port/db or sqlite:///path/file.db")


def sqlite_url(path: str | Path) -> str:
    return f"sqlite+aiosqlite:///{Path(path).expanduser()}"


def database_url(environ: dict[str, str] | None = None) -> str:
    """DATABASE_URL if set, else the SQLite file STEWARD_DB (default ./steward.db)."""
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip()
    if url:
        return normalize_url(url)
    return sqlite_url(env.get("STEWARD_DB", "").strip() or DEFAULT_SQLITE_FILE)


def redact(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
