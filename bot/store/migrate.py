"""Apply the schema migrations (Alembic) without an ini file: the scripts ship in the package.

    await upgrade(db)                 # inside a running event loop (server start-up)
    await current_revision(db)        # None on an empty database
    await ensure_schema(db)           # SQLite: upgrade; PostgreSQL: raise SchemaError when behind
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.store.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaError(RuntimeError):
    """The database's schema is not the one this version of Steward needs."""


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(db: Database, revision: str = "head") -> str:
    """Bring the schema up to `revision`; returns the revision the database is now at."""
    cfg = alembic_config(db.url)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)
    now = await current_revision(db)
    return now or ""


async def current_revision(db: Database) -> str | None:
    def read(connection: Connection) -> Any:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.read_only_connection() as conn:   # never SQLite's write lock: read paths stay unblocked
        return await conn.run_sync(read)


async def ensure_schema(db: Database, *, auto_upgrade: bool | None = None) -> None:
    """Make sure the schema is current. SQLite upgrades itself (zero set-up) unless told not to;
    on PostgreSQL an out-of-date schema is an error that says what to run."""
    current = await current_revision(db)
    head = head_revision()
    if current == head:
        return
    if auto_upgrade if auto_upgrade is not None else db.is_sqlite:
        await upgrade(db)
        return
    state = "empty" if current is None else f"at revision {current}"
    raise SchemaError(f"the database schema is {state}, but this Steward needs {head}; run `steward db upgrade`")
