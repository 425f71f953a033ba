"""PostgreSQL: `db harden` makes the audit log append-only and leaves the app a restricted role;
lost connections are retried (bounded) and then reported as "try again"."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from audit_history import rich_history
from conftest import Target, _pg_admin, postgres_target, routing_spec
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.audit.chain import verify
from bot.audit.harden import HardenError, harden
from bot.clock import ManualClock
from bot.directory import Directory
from bot.store.database import Database, DatabaseUnavailable
from bot.store.settings import sqlite_url
from bot.workflow.service import WorkflowService


@pytest.fixture
def pg_target() -> Iterator[Target]:
    yield from postgres_target()


@pytest.fixture
async def pg(pg_target: Target) -> AsyncIterator[Database]:
    db = pg_target.database()
    await db.create_all()
    try:
        yield db
    finally:
        await db.dispose()


async def refused(db: Database, *statements: str) -> str:
    """Run `statements` in one transaction; return the database's refusal (fails if none)."""
    with pytest.raises(DBAPIError) as caught:
        async with db.engine.begin() as conn:
            for s in statements:
                await conn.execute(text(s))
    return str(caught.value.orig)


async def test_harden_refuses_edits_of_the_log_and_the_workflow_still_runs(pg: Database) -> None:
    role = f"steward_t_{uuid.uuid4().hex[:8]}"
    try:
        done = await harden(pg, role)
        assert any("refused by triggers" in line for line in done)
        assert await harden(pg, role)                                        # idempotent
        service = WorkflowService(pg, Directory(routing_spec()), ManualClock())
        await rich_history(service)                                          # appends pass the triggers
        assert (await verify(pg)).ok
        assert "append-only: UPDATE" in await refused(pg, "UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
        assert "append-only: DELETE" in await refused(pg, "DELETE FROM audit_event WHERE seq > 20")
        assert "append-only: TRUNCATE" in await refused(pg, "TRUNCATE audit_event")
        assert "cannot move back" in await refused(pg, "UPDATE audit_head SET seq = 3")
        assert "cannot be deleted" in await refused(pg, "DELETE FROM audit_head")
        assert "does not name the last event" in await refused(
            pg, "UPDATE audit_head SET seq = seq + 1")                    # a head ahead of the log, at commit
        # The restricted role: may add events and run the workflow, may not even try to edit the log.
        async with pg.engine.connect() as conn:
            await conn.execute(text(f"SET ROLE {role}"))
            denied = await conn.execute(text("SELECT has_table_privilege(current_user, 'audit_event', 'UPDATE'), "
                                             "has_table_privilege(current_user, 'audit_event', 'DELETE'), "
                                             "has_table_privilege(current_user, 'audit_event', 'INSERT'), "
                                             "has_table_privilege(current_user, 'vote', 'UPDATE')"))
            assert tuple(denied.one()) == (False, False, True, True)
            await conn.rollback()
    finally:
        await _pg_admin(f"DROP OWNED BY {role}")
        await _pg_admin(f"DROP ROLE IF EXISTS {role}")


async def test_harden_explains_itself_on_sqlite_and_for_bad_role_names(pg: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lite = Database(sqlite_url(tmp_path / "x.db"))
    try:
        with pytest.raises(HardenError, match="is for PostgreSQL"):
            await harden(lite)
    finally:
        await lite.dispose()
    with pytest.raises(HardenError, match="not a plain role name"):
        await harden(pg, "app; DROP TABLE vote")


async def test_a_connection_lost_mid_transaction_is_retried_and_writes_once(pg: Database) -> None:
    attempts = 0

    async def work(session) -> int:  # type: ignore[no-untyped-def]
        nonlocal attempts
        attempts += 1
        await session.execute(text("INSERT INTO comment_probe (n) VALUES (1)"))
        if attempts < 3:     # the server drops this connection, as a failover or an idle-timeout would
            await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return attempts

    async with pg.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE comment_probe (n int)"))
    assert await pg.retrying(work) == 3
    async with pg.reading() as s:
        assert (await s.execute(text("SELECT count(*) FROM comment_probe"))).scalar_one() == 1


async def test_a_connection_that_keeps_dropping_says_try_again(pg: Database) -> None:
    async def work(session) -> None:  # type: ignore[no-untyped-def]
        await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    with pytest.raises(DatabaseUnavailable, match="try again"):
        await pg.retrying(work, attempts=3)
