"""Alembic environment for Steward's schema.

Run through `steward db upgrade` (bot.store.migrate), which passes an open
connection in `config.attributes["connection"]`; the `alembic` command line
(alembic.ini at the repository root) works too and reads DATABASE_URL / STEWARD_DB.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.registry import METADATA  # every table, the reports' included

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=METADATA, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    from bot.store.database import Database
    from bot.store.settings import database_url

    db = Database(config.get_main_option("sqlalchemy.url") or database_url())
    try:
        async with db.engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await db.dispose()


if context.is_offline_mode():
    from bot.store.settings import database_url

    context.configure(url=config.get_main_option("sqlalchemy.url") or database_url(),
                      target_metadata=METADATA, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        asyncio.run(_run_async())
