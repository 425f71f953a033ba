"""The database handle: one async engine, transactions that serialize what must be serialized.

    db = Database(database_url())          # or Database("postgresql://…"), Database(sqlite_url(path))
    async with db.transaction() as session:     # BEGIN IMMEDIATE on SQLite; row locks on PostgreSQL
        ...
    result = await db.retrying(fn)         # fn(session) in a transaction, retried on lock timeouts
                                           # and lost connections (bounded; then DatabaseUnavailable)
    await db.dispose()

SQLite: WAL journal, a 30 s busy timeout, and `BEGIN IMMEDIATE` for writing
transactions, so concurrent writers (tasks, processes, replicas on one file)
queue instead of failing or interleaving. PostgreSQL: READ COMMITTED plus
`SELECT … FOR UPDATE` on the rows a transaction decides from (see `lock`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Select
from sqlmodel import col

from bot.store.settings import normalize_url

T = TypeVar("T")

GENESIS_HASH = "0" * 64
_READ_ONLY = "steward_read_only"


class DatabaseUnavailable(ConnectionError):
    """The database could not be reached or kept dropping the connection; the message says to try again."""


class Database:
    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False,
                 pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = normalize_url(url)
        self.schema = schema
        self.is_sqlite = self.url.startswith("sqlite")
        self.is_postgres = not self.is_sqlite
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_postgres:
            settings: dict[str, str] = {"application_name": "steward"}
            if schema:
                settings["search_path"] = schema
            kwargs["connect_args"] = {"server_settings": settings}
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
        else:
            kwargs["connect_args"] = {"timeout": 30}
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False, autoflush=False)

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A writing transaction: committed when the block ends, rolled back on an exception."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction (does not take SQLite's write lock)."""
        async with self._read_sessions() as session, session.begin():
            yield session

    def read_only_connection(self) -> Any:
        """`async with db.read_only_connection() as conn:` a connection whose transactions never
        take SQLite's write lock (start-up schema checks, `audit verify`)."""
        return self.engine.execution_options(**{_READ_ONLY: True}).connect()

    async def retrying(self, work: Callable[[AsyncSession], Awaitable[T]], *, attempts: int = 6) -> T:
        """Run `work(session)` in a transaction; retry when the database says to try again
        (SQLite busy past its timeout, a PostgreSQL deadlock or serialization failure) or the
        connection was lost before the commit — nothing was written then, so trying again is
        safe, and callers' idempotency keys make a repeated delivery a no-op anyway. A
        connection lost during the commit itself is not retried: whether it committed is unknown."""
        for attempt in range(attempts):
            committing = False
            try:
                async with self.sessions() as session:
                    async with session.begin():
                        result = await work(session)
                        committing = True
                    return result
            except (OperationalError, DBAPIError, OSError) as exc:
                lost = is_connection_lost(exc)
                if lost and committing:
                    raise DatabaseUnavailable("the database connection was lost while saving; the change may "
                                              "or may not have been saved: check, then try again") from exc
                if not (lost or is_transient(exc)):
                    raise
                if attempt == attempts - 1:
                    if lost:
                        raise DatabaseUnavailable(f"the database connection was lost {attempts} times in a row; "
                                                  "try again in a moment") from exc
                    raise
                await asyncio.sleep(0.01 * 2 ** attempt)
        raise AssertionError("unreachable")

    async def chunks(self, conn: AsyncConnection, stmt: Select[Any], size: int = 10_000) -> AsyncIterator[Sequence[Any]]:
        """The rows of `stmt` (plain columns needing no result processing: numbers, text, timestamps),
        a chunk at a time, for reads over millions of rows (`audit verify`). On PostgreSQL they come
        straight from asyncpg's cursor: SQLAlchemy's per-row handling would cost more than the rest."""
        if self.is_sqlite:
            result = await conn.stream(stmt.execution_options(yield_per=size))
            async for chunk in result.partitions():
                yield chunk
            return
        compiled = stmt.compile(dialect=conn.dialect)
        args = [compiled.params[name] for name in (compiled.positiontup or ())]
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        cursor = await driver.cursor(str(compiled), *args)   # inside the transaction `conn` is in
        while batch := await cursor.fetch(size):
            yield batch

    def lock(self, stmt: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
        """Lock the selected rows until commit (PostgreSQL). SQLite needs nothing: a writing
        transaction already holds the database's single write lock."""
        if self.is_postgres:
            return stmt.with_for_update(skip_locked=skip_locked)
        return stmt

    async def create_all(self) -> None:
        """Create the tables straight from the models (tests); deployments use `steward db upgrade`."""
        from bot.store.registry import METADATA

        async with self.engine.begin() as conn:
            await conn.run_sync(METADATA.create_all)
        await seed(self)

    async def drop_all(self) -> None:
        from bot.store.registry import METADATA

        async with self.engine.begin() as conn:
            await conn.run_sync(METADATA.drop_all)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def seed(db: Database) -> None:
    """Rows the schema needs: the audit chain's head."""
    from sqlalchemy import select

    from bot.store.tables import AuditHead

    async with db.transaction() as session:
        if (await session.execute(select(col(AuditHead.id)))).first() is None:
            session.add(AuditHead(id=1, seq=0, hash=GENESIS_HASH))


def is_transient(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None) or getattr(
        getattr(getattr(exc, "orig", None), "__cause__", None), "sqlstate", None)
    return ("database is locked" in text or "deadlock" in text or "could not serialize" in text
            or code in {"40001", "40P01"})


# SQLSTATE classes meaning "the connection went away": 08 connection exception,
# 57P01-03 admin/crash shutdown, cannot connect now.
_LOST_STATES = ("08", "57P01", "57P02", "57P03")


def is_connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, OSError):            # refused, reset, unreachable: raised before the driver wraps it
        return True
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    if isinstance(code, str) and code.startswith(_LOST_STATES):
        return True
    cause = getattr(orig, "__cause__", None) or orig
    name = type(cause).__name__
    return name in {"ConnectionDoesNotExistError", "ConnectionResetError", "ConnectionRefusedError",
                    "InterfaceError"} and "closed" in str(cause).lower() or isinstance(cause, OSError)


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver, so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")
