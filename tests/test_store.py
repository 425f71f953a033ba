"""Storage: settings, migrations equal to the models on both backends, records, CLI plumbing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import LEGAL, REQUESTER, make_result

from bot.store.migrate import current_revision, ensure_schema, head_revision, upgrade
from bot.store.settings import DatabaseUrlError, database_url, normalize_url
from bot.store.tables import METADATA, CheckRecord, QuestionRecord
from bot.workflow.service import WorkflowService

ROOT = Path(__file__).resolve().parent.parent


def test_database_url_defaults_to_a_sqlite_file_and_picks_async_drivers() -> None:
    assert database_url({}) == "sqlite+aiosqlite:///steward.db"
    assert database_url({"STEWARD_DB": "/var/lib/steward/s.db"}) == "sqlite+aiosqlite:////var/lib/steward/s.db"
    assert database_url({"DATABASE_URL": "postgres://u:p@h:5432/d", "STEWARD_DB": "x.db"}) == (
        "postgresql+asyncpg://u:p@h:5432/d")
    assert normalize_url("sqlite:///a.db") == "sqlite+aiosqlite:///a.db"
    with pytest.raises(DatabaseUrlError, match="mysql"):
        normalize_url("mysql://h/d")


async def test_migrations_build_exactly_the_models_schema(target) -> None:  # type: ignore[no-untyped-def]
    db = target.database()
    try:
        assert await current_revision(db) is None
        assert await upgrade(db) == head_revision()
        assert await upgrade(db) == head_revision()          # idempotent
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), METADATA))
        assert diff == []
        await ensure_schema(db, auto_upgrade=False)          # current: no error
        from conftest import routing_spec

        from bot.directory import Directory
        svc = WorkflowService(db, Directory(routing_spec()))
        out = await svc.submit(REQUESTER, "sued", make_result(("legal", "review")))
        assert out.ok                                        # the migration seeded the audit head
    finally:
        await db.dispose()


async def test_checks_and_questions_are_recorded_for_reports(service: WorkflowService) -> None:
    cid = await service.record_check(REQUESTER, make_result(("legal", "review", "legal.litigation"),
                                                            ("claims", "allow", "claims.tip")),
                                     draft="We are being sued", platform="slack")
    qid = await service.record_question(LEGAL[0], "Can I post my salary?", False, corpus_version="c1")
    async with service.db.reading() as s:
        check = await s.get(CheckRecord, cid)
        question = await s.get(QuestionRecord, qid)
    assert check is not None and check.rules == ["claims.tip", "legal.litigation"] and check.verdict == "review"
    assert check.categories == ["legal", "claims"] and len(check.draft_hash) == 64
    assert question is not None and question.answered is False and question.question == "Can I post my salary?"


async def test_people_and_message_references(service: WorkflowService) -> None:
    await service.remember_person("Ada@NW.example", name="Ada", platform="slack", user_id="U1")
    await service.remember_person("ada@nw.example", platform="teams", user_id="29:abc")
    assert await service.email_for_platform_user("slack", "U1") == "ada@nw.example"
    assert await service.email_for_platform_user("teams", "29:abc") == "ada@nw.example"
    sid = (await service.submit(REQUESTER, "sued", make_result(("legal", "review")))).submission.id  # type: ignore[union-attr]
    await service.link_message(sid, "slack", "CLEGAL", "1700000000.0001")
    await service.link_message(sid, "slack", "CLEGAL", "1700000000.0001")    # a retry changes nothing
    assert await service.submission_for_message("slack", "CLEGAL", "1700000000.0001") == sid
    assert await service.messages_for(sid) == [("slack", "CLEGAL", "1700000000.0001")]
    await service.save_conversation_ref("teams", "ada@nw.example", {"conversation": {"id": "a:1"}})
    assert await service.conversation_ref("teams", "ada@nw.example") == {"conversation": {"id": "a:1"}}


def _steward(tmp_path: Path, *args: str, stdin: str | None = None,
             **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STEWARD_DB": str(tmp_path / "cli.db"), "POLICY_DIR": str(ROOT / "policies"), **extra_env}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, input=stdin, timeout=120)


def test_cli_submit_approve_verify_export_purge(tmp_path: Path) -> None:
    ada, rachel = "ada.lovelace@northwindlabs.com", "rachel.adams@northwindlabs.com"
    up = _steward(tmp_path, "db", "upgrade")
    assert up.returncode == 0 and "upgraded (empty) → 0003" in up.stdout
    sub = _steward(tmp_path, "submit", "--as", ada, "-", stdin="We're being sued by Contoso over Beacon.")
    assert sub.returncode == 0, sub.stderr
    assert "Sent for approval: #1" in sub.stdout and "review_request to group legal" in sub.stdout
    own = _steward(tmp_path, "approve", "1v1", "--as", ada)
    assert own.returncode == 1 and "own draft" in own.stdout
    assert "#1 from " + ada in _steward(tmp_path, "pending", "--as", rachel).stdout
    assert _steward(tmp_path, "show", "1", "--as", "priya.shah@northwindlabs.com").returncode == 1   # not hers
    assert "version 1" in _steward(tmp_path, "show", "1", "--as", rachel).stdout
    ok = _steward(tmp_path, "approve", "1", "--version", "1", "--as", rachel, "--json")
    assert ok.returncode == 0 and '"state": "approved"' in ok.stdout
    verify = _steward(tmp_path, "audit", "verify")
    assert verify.returncode == 0 and "audit log OK: 5 events" in verify.stdout   # the refused show too
    coe = "maria.lopez@northwindlabs.com"       # the CoE hub in the bundled routing.yaml
    export = _steward(tmp_path, "audit", "export", "--as", coe, "--format", "csv", "--since", "2000-01-01")
    assert export.returncode == 0 and export.stdout.count("\n") == 6
    refused = _steward(tmp_path, "audit", "export", "--as", rachel)
    assert refused.returncode == 1 and "may not export" in refused.stderr and refused.stdout == ""
    bad = _steward(tmp_path, "audit", "export", "--as", coe, "--since", "last week")
    assert bad.returncode == 64 and "not a date" in bad.stderr and "Traceback" not in bad.stderr
    too_soon = _steward(tmp_path, "purge", "--older-than", "0")
    assert too_soon.returncode == 1 and "kept at least 90 days" in too_soon.stderr
    purged = _steward(tmp_path, "purge", "--older-than", "0", STEWARD_RETENTION_TEXT_DAYS="0")
    assert purged.returncode == 0 and "purged 1 draft text(s)" in purged.stdout
    assert _steward(tmp_path, "audit", "verify").returncode == 0


def test_cli_reports_a_broken_audit_log_and_a_bad_database_url(tmp_path: Path) -> None:
    import sqlite3

    _steward(tmp_path, "submit", "--as", "ada.lovelace@northwindlabs.com", "We're being sued.")
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute("UPDATE audit_event SET actor = 'mallory' WHERE seq = 1")
    broken = _steward(tmp_path, "audit", "verify")
    assert broken.returncode == 70 and "event #1 (submitted) was altered" in broken.stderr
    env = {**os.environ, "DATABASE_URL": "mysql://x/y"}
    bad = subprocess.run([sys.executable, "-m", "bot", "pending", "--as", "a@b.example"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert bad.returncode == 64 and "not supported" in bad.stderr and "Traceback" not in bad.stderr

