"""The hash-chained audit log: tampering is detected and named; purge keeps it verifiable; export."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from conftest import LEGAL, LEGAL_REVIEW, REQUESTER
from sqlalchemy import select, text, update

from bot.audit.chain import verify
from bot.audit.export import export
from bot.audit.retention import RetentionPolicy, purge
from bot.store.tables import AuditEvent, SubmissionVersion
from bot.workflow.service import WorkflowService


async def history(service: WorkflowService) -> int:
    """A small log: submit, two votes (decision), a second submission. Returns the event count."""
    out = await service.submit(REQUESTER, "We are being sued", LEGAL_REVIEW)
    sid = out.submission.id  # type: ignore[union-attr]
    await service.vote(sid, LEGAL[0], "approve")
    await service.vote(sid, LEGAL[1], "approve")
    await service.submit(REQUESTER, "Another lawsuit post", LEGAL_REVIEW)
    report = await verify(service.db)
    assert report.ok, report.problems
    return report.events


async def test_an_intact_log_verifies(service: WorkflowService) -> None:
    assert await history(service) == 5


async def test_an_altered_event_is_named(service: WorkflowService) -> None:
    await history(service)
    async with service.db.transaction() as s:
        await s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory@nw.example"))
    report = await verify(service.db, replay=False)   # the chain alone; replay is tested below
    assert [(p.kind, p.seq) for p in report.problems] == [("altered", 2)]
    assert "event #2 (voted) was altered" in report.problems[0].message


async def test_an_altered_event_with_a_rewritten_hash_breaks_the_next_link(service: WorkflowService) -> None:
    await history(service)
    async with service.db.transaction() as s:
        row = (await s.execute(select(AuditEvent).where(AuditEvent.seq == 3))).scalar_one()
        row.detail = {"value": "reject"}
        from bot.audit.chain import event_hash
        row.hash = event_hash(row.prev_hash, row.at, row.actor, row.action, row.submission_id, row.version,
                              row.corpus_version, row.detail)
    report = await verify(service.db, replay=False)   # the chain alone; replay is tested below
    assert [(p.kind, p.seq) for p in report.problems] == [("broken", 4)]
    assert "event #3 was altered" in report.problems[0].message


async def test_a_removed_event_is_named(service: WorkflowService) -> None:
    await history(service)
    async with service.db.transaction() as s:
        await s.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    report = await verify(service.db, replay=False)   # the chain alone; replay is tested below
    assert [(p.kind, p.seq) for p in report.problems] == [("removed", 4)]
    assert "event #3 was removed" in report.problems[0].message


async def test_events_removed_from_the_end_are_named(service: WorkflowService) -> None:
    await history(service)
    async with service.db.transaction() as s:
        await s.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    report = await verify(service.db, replay=False)   # the chain alone; replay is tested below
    assert [p.kind for p in report.problems] == ["truncated"]
    assert "event #4–#5 was removed from the end" in report.problems[0].message


async def test_reordered_events_are_named(service: WorkflowService) -> None:
    await history(service)
    async with service.db.transaction() as s:   # swap the positions of events 2 and 3
        await s.execute(text("UPDATE audit_event SET seq = -2 WHERE seq = 2"))
        await s.execute(text("UPDATE audit_event SET seq = 2 WHERE seq = 3"))
        await s.execute(text("UPDATE audit_event SET seq = 3 WHERE seq = -2"))
    report = await verify(service.db)
    kinds = {p.kind for p in report.problems}
    assert kinds == {"reordered"}, report.problems
    assert any("#2" in p.message and "out of order" in p.message for p in report.problems)


async def test_an_altered_draft_text_is_detected(service: WorkflowService) -> None:
    await history(service)
    async with service.db.transaction() as s:
        await s.execute(update(SubmissionVersion).where(SubmissionVersion.submission_id == 1)
                        .values(text="We are NOT being sued"))
    report = await verify(service.db)
    assert [p.kind for p in report.problems] == ["text_altered"]
    assert "submission #1 version 1" in report.problems[0].message


async def test_purge_removes_old_texts_keeps_hashes_and_the_chain_verifies(service: WorkflowService, clock) -> None:  # type: ignore[no-untyped-def]
    await history(service)          # #1 approved (settled), #2 still in review
    await service.record_question(REQUESTER, "Can I post about the lawsuit?", False)
    clock.advance(days=40)
    result = await purge(service.db, clock, timedelta(days=30), policy=RetentionPolicy(text_days=30))
    assert (result.drafts, result.questions) == (1, 1)
    async with service.db.reading() as s:
        rows = {v.submission_id: v for v in (await s.execute(select(SubmissionVersion))).scalars()}
    assert rows[1].text is None and len(rows[1].text_hash) == 64 and rows[1].purged_at is not None
    assert rows[2].text == "Another lawsuit post"        # in review: approvers still need it
    report = await verify(service.db)
    assert report.ok and report.events == 6 and report.texts_checked == 1
    view = await service.get(1)
    assert view is not None and view.text is None


async def test_export_jsonl_and_csv_since_a_date(service: WorkflowService, clock) -> None:  # type: ignore[no-untyped-def]
    await history(service)
    clock.advance(days=3)
    cutoff = clock.now()
    await service.submit(REQUESTER, "Later post", LEGAL_REVIEW)
    out = io.StringIO()
    assert await export(service.db, out, "jsonl") == 6
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3, 4, 5, 6]
    assert lines[0]["action"] == "submitted" and lines[1]["prev_hash"] == lines[0]["hash"]
    assert lines[1]["detail"] == {"value": "approve"}
    out = io.StringIO()
    assert await export(service.db, out, "csv", since=cutoff) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1 and rows[0]["action"] == "submitted" and rows[0]["seq"] == "6"
    assert json.loads(rows[0]["detail"])["text_hash"]
