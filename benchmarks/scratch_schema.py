"""A PostgreSQL schema of its own for one benchmark run, dropped afterwards (shared by the benchmarks)."""

from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.store.database import Database  # noqa: E402


@contextlib.asynccontextmanager
async def scratch_schema(url: str, prefix: str = "bench") -> AsyncIterator[str]:
    """Create a fresh schema on the server at `url`, yield its name, drop it with everything in it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = Database(url)
    try:
        async with admin.engine.begin() as conn:
            await conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            yield schema
        finally:
            async with admin.engine.begin() as conn:
                await conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await admin.dispose()
