"""Database fixtures: every storage and workflow test runs on SQLite and on PostgreSQL.

`db` is parametrized over both backends. SQLite uses a fresh file in tmp_path;
PostgreSQL (TEST_DATABASE_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/test)
gets a fresh schema per test, dropped afterwards, so runs never interfere. When
the server is unreachable the PostgreSQL cases are skipped with the connection
error as the reason — visible in the summary (`-ra`), never silently passed.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.checker.result import CheckResult, Finding, PolicyRef
from bot.clock import ManualClock
from bot.directory import Directory
from bot.directory.models import Department, Group, Person, Requirement, Route, RoutingFile, Sla
from bot.store.database import Database
from bot.store.settings import sqlite_url
from bot.workflow.service import WorkflowService

# Trained models and other caches go to the repository's own test-artifacts/ (git-ignored), never
# the user's cache: keyed by corpus version, so a run after a policy change trains once and the
# runs after it load in milliseconds.
_CACHE = Path(__file__).resolve().parent.parent / "test-artifacts" / "steward-cache"
os.environ["STEWARD_CACHE_DIR"] = str(_CACHE)

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgres")
_pg_status: dict[str, str | None] = {}


def postgres_unavailable() -> str | None:
    """None when the PostgreSQL server answers, else why not (checked once per session)."""
    if "reason" not in _pg_status:
        async def probe() -> None:
            import asyncpg

            from bot.store.settings import normalize_url

            url = normalize_url(PG_URL).replace("postgresql+asyncpg://", "postgresql://")
            conn = await asyncio.wait_for(asyncpg.connect(url), timeout=5)
            await conn.close()

        try:
            asyncio.run(probe())
            _pg_status["reason"] = None
        except Exception as exc:  # any failure to connect is a reason to skip, shown to the reader
            _pg_status["reason"] = f"PostgreSQL at {PG_URL} unreachable: {type(exc).__name__}: {exc}"
    return _pg_status["reason"]


@pytest.fixture(autouse=True, scope="session")
def isolated_user_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The suite never reads or writes the user's own files.

    Everything a test (or a `steward` process it starts, which inherits this
    environment) could reach by default points into one temporary home: the SQLite
    file (./steward.db otherwise) and the XDG folders; the corpus and model cache
    (~/.cache/steward otherwise) is the repository's test-artifacts/steward-cache. A DATABASE_URL or POLICY_DIR set in the developer's shell is
    ignored, so their database and corpus are never touched either.
    """
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        for var, sub in (("XDG_CACHE_HOME", ".cache"), ("XDG_CONFIG_HOME", ".config"),
                         ("XDG_DATA_HOME", ".local/share"), ("XDG_STATE_HOME", ".local/state")):
            mp.setenv(var, str(home / sub))
        mp.setenv("STEWARD_CACHE_DIR", str(_CACHE))
        mp.setenv("STEWARD_DB", str(home / "steward.db"))
        mp.delenv("DATABASE_URL", raising=False)
        mp.delenv("POLICY_DIR", raising=False)
        _train_the_default_corpus()
        yield home


def _train_the_default_corpus() -> None:
    """Train (or load) the default corpus's learned layer before any test runs, so that no test
    with a deadline (a Slack response URL, a subprocess timeout) is the one that pays for it."""
    from bot.checker.engine import Checker
    from bot.policy import load_corpus

    Checker(load_corpus(Path(__file__).resolve().parent.parent / "policies"))


@dataclass(frozen=True)
class Target:
    """Where a test's database lives: a URL, plus a schema of its own on PostgreSQL."""

    backend: str
    url: str
    schema: str | None = None

    def database(self, **kwargs: object) -> Database:
        return Database(self.url, schema=self.schema, **kwargs)  # type: ignore[arg-type]


async def _pg_admin(sql: str) -> None:
    db = Database(PG_URL)
    try:
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await db.dispose()


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """An empty database on each backend (no tables yet)."""
    if request.param == "sqlite":
        yield Target("sqlite", sqlite_url(tmp_path / "steward-test.db"))
        return
    yield from postgres_target()


def postgres_target() -> Iterator[Target]:
    """A fresh, empty PostgreSQL schema for one test (skipped, with the reason, without a server)."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f"CREATE SCHEMA {schema}"))
    try:
        yield Target("postgres", PG_URL, schema)
    finally:
        asyncio.run(_pg_admin(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


@pytest.fixture
async def db(target: Target) -> AsyncIterator[Database]:
    """A database with Steward's tables, on SQLite and on PostgreSQL."""
    database = target.database()
    await database.create_all()
    try:
        yield database
    finally:
        await database.dispose()


# --- an org small enough to reason about ------------------------------------------------------

HUB = ("hub1@nw.example", "hub2@nw.example")
LEGAL = ("legal1@nw.example", "legal2@nw.example", "legal3@nw.example")
ENG = ("eng1@nw.example", "eng2@nw.example")
REQUESTER = "ada@nw.example"


def routing_spec(**sla: object) -> RoutingFile:
    return RoutingFile(
        hub="coe-hub",
        sla=Sla(**sla) if sla else Sla(remind_after="4h", escalate_after="1d", expire_after="7d"),  # type: ignore[arg-type]
        departments={"engineering": Department(name="Engineering", advisors="eng-advisors")},
        groups={
            "coe-hub": Group(members=HUB, slack_channel="CHUB", teams_channel="19:hub@thread.tacv2"),
            "legal": Group(members=LEGAL, slack_channel="CLEGAL"),
            "eng-advisors": Group(members=(*ENG, REQUESTER)),          # the requester is an advisor too
            "investor-relations": Group(members=("ir1@nw.example",), backups=("ir-backup@nw.example",)),
        },
        people=(Person(email=REQUESTER, department="engineering"),),
        routes=(
            Route(id="legal", categories=("legal",), require=(Requirement(group="legal", count=2),)),
            Route(id="financial", categories=("financial",),
                  require=(Requirement(group="investor-relations"), Requirement(group="department"))),
        ),
    )


@pytest.fixture
def directory() -> Directory:
    return Directory(routing_spec())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def service(db: Database, directory: Directory, clock: ManualClock) -> WorkflowService:
    return WorkflowService(db, directory, clock, replica_id="replica-a")


def make_result(*findings: tuple[str, str] | tuple[str, str, str], corpus_version: str = "corpus-1") -> CheckResult:
    """A CheckResult built by hand: (category, severity[, rule]) per finding."""
    out = []
    for i, f in enumerate(findings):
        category, severity = f[0], f[1]
        rule = f[2] if len(f) > 2 else f"{category}.example"
        out.append(Finding(category=category, severity=severity, rule=rule, message=f"{category} finding",
                           span=(0, 5 + i), policy=PolicyRef(id="policy", title="Section", section=f"{category}-sec"),
                           fix="fix it"))
    verdict = max((f.severity for f in out), key={"allow": 0, "review": 1, "block": 2}.__getitem__, default="allow")
    return CheckResult(verdict=verdict, findings=tuple(out), corpus_version=corpus_version,
                       categories=tuple(dict.fromkeys(f.category for f in out)))


LEGAL_REVIEW = make_result(("legal", "review", "legal.litigation"))
