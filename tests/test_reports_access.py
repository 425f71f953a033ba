"""Who may run /coe commands, the digest job claimed by exactly one replica, export and replay in-process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

from reports_history import ADA, HUB1, NOW, build, directory
from sqlalchemy import select
from sqlmodel import col

from bot.audit.chain import verify
from bot.clock import FixedClock
from bot.policy import load_corpus
from bot.reports import Reports, claim_digest, digest_due, is_coe, refuse
from bot.reports.replay import replay
from bot.settings import BUNDLED_POLICIES
from bot.store.database import Database
from bot.store.tables import AuditEvent, Submission, SubmissionVersion


def test_only_the_hub_holds_the_coe_role() -> None:
    d = directory()
    assert is_coe(HUB1, d) and is_coe(" HUB1@nw.example ", d)
    assert not is_coe(ADA, d) and not is_coe("", d)


async def test_a_refusal_is_polite_and_audited(db: Database) -> None:
    reply = await refuse(db, FixedClock(NOW), ADA, "coe report 30d")
    assert reply.kind == "notice" and "Only members of the CoE hub" in reply.body
    async with db.reading() as s:
        events = (await s.execute(select(AuditEvent))).scalars().all()
    assert [(e.actor, e.action, e.detail) for e in events] == [
        (ADA, "refused", {"command": "coe report 30d", "reason": "not in the CoE role"})]
    assert (await verify(db)).ok


async def test_the_weekly_digest_is_claimed_by_exactly_one_replica(db: Database) -> None:
    import bot.reports.jobs  # noqa: F401  (the report_job table)

    monday_morning = NOW - timedelta(hours=4)                 # 08:00: this Monday's 09:00 slot is not due yet
    assert digest_due(monday_morning) == "2026-W09"           # last week's slot
    assert digest_due(NOW) == "2026-W10"
    claims = await asyncio.gather(*(claim_digest(db, NOW, f"replica-{i}") for i in range(4)))
    assert sorted(c or "" for c in claims) == ["", "", "", "2026-W10"]
    assert await claim_digest(db, NOW + timedelta(days=2), "replica-9") is None     # same week: already posted
    assert await claim_digest(db, NOW + timedelta(days=7), "replica-9") == "2026-W11"


async def test_export_rows_and_votes(db: Database) -> None:
    d = directory()
    await build(db, d)
    reports = Reports(db, d, FixedClock(NOW))
    file = await reports.export("30d", "csv")
    rows = list(csv.DictReader(io.StringIO(file.data.decode())))
    assert [r["submission"] for r in rows] == ["7", "1", "2", "3", "4"]     # by decision time
    assert rows[2]["state"] == "rejected" and rows[2]["votes"] == "eng2@nw.example:reject"
    assert rows[0]["hours_to_decision"] == "168.0" and rows[0]["votes"] == ""
    assert file.filename == "steward-decisions-2026-01-31-to-2026-03-02.csv" and file.rows == 5
    only = await reports.export("30d", "jsonl", "marketing")
    assert [json.loads(line)["submission"] for line in only.data.decode().splitlines()] == [3]


async def test_replay_shows_verdicts_that_would_change(db: Database) -> None:
    d = directory()
    await build(db, d)
    async with db.transaction() as s:
        versions = (await s.execute(select(SubmissionVersion).order_by(col(SubmissionVersion.id)))).scalars().all()
        versions[0].text = "We are being sued by a former supplier over the contract."   # was review: stays
        versions[0].findings = [{"rule": "legal.litigation"}]
        versions[1].text, versions[1].verdict = "Email me at jane.doe@gmail.com", "review"  # → block
        versions[2].text = None                                                        # purged
        sub = await s.get(Submission, versions[2].submission_id)
        assert sub is not None
    report = await replay(db, load_corpus(BUNDLED_POLICIES), FixedClock(NOW))
    figures = {f.key: f.value for f in report.sections[0].figures}
    assert figures == {"replayed": 6, "changed": 5, "stricter": 1, "looser": 4, "rules_only": 0, "purged": 1}
    rows = {r[0]: r for r in report.table("changes").rows}
    assert rows["#2 v1"][2:5] == ("review → block", "privacy.email", "—")
    assert "#1 v1" not in rows
    later = await replay(db, load_corpus(BUNDLED_POLICIES), FixedClock(NOW), since=NOW - timedelta(days=5))
    assert {f.key: f.value for f in later.sections[0].figures}["replayed"] == 1            # only #5


async def test_daily_rollup_is_built_once_then_day_by_day(db: Database) -> None:
    from sqlalchemy import func

    from bot.reports.rollup import ReportDaily, refresh
    from bot.store.tables import CheckRecord

    d = directory()
    await build(db, d)

    async def rolled_checks() -> int:
        async with db.reading() as s:
            total = (await s.execute(select(func.sum(col(ReportDaily.n))).where(
                col(ReportDaily.kind) == "verdict"))).scalar_one()
        return int(total or 0)

    marks = await asyncio.gather(*(refresh(db, NOW) for _ in range(3)))     # replicas at once: built once
    assert set(marks) == {NOW.replace(hour=0)}
    assert await rolled_checks() == 8                                        # every check before today
    async with db.transaction() as s:
        s.add(CheckRecord(at=NOW, actor=ADA, department="engineering", verdict="block", rules=["privacy.email"]))
    assert await refresh(db, NOW + timedelta(hours=1)) == NOW.replace(hour=0)    # today is not over
    later = Reports(db, d, FixedClock(NOW + timedelta(days=1, hours=2)))
    report = await later.report("30d")
    assert await rolled_checks() == 9
    assert report.figure("checks").value == 5          # NOW-29d fell out of the window, NOW came in
    assert report.table("rules").rows[:2] == (("legal.litigation", 2), ("privacy.email", 2))


async def test_rollup_counts_a_rule_whatever_its_position_in_the_list(db: Database) -> None:
    """Regression: grouping by the label `key` picked json_each's own `key` (the array index) on SQLite."""
    from bot.reports.rollup import refresh
    from bot.store.tables import CheckRecord

    at = NOW - timedelta(days=1)
    async with db.transaction() as s:
        s.add(CheckRecord(at=at, actor=ADA, department="engineering", verdict="review",
                          rules=["claims.comparison", "legal.litigation"], categories=["claims", "legal"]))
        s.add(CheckRecord(at=at, actor=ADA, department="engineering", verdict="review",
                          rules=["legal.litigation"], categories=["legal"]))
    await refresh(db, NOW)
    report = await Reports(db, directory(), FixedClock(NOW)).report("7d")
    assert report.table("rules").rows == (("legal.litigation", 2), ("claims.comparison", 1))
    assert report.table("categories").rows == (("legal", 2), ("claims", 1))
