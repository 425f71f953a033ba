"""Each tampering from issue 13 is named by `verify`: on its own (state replay) and against a
signed checkpoint taken before it (anchors), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_history import head, rewrite_chain, rich_history, sql
from conftest import LEGAL

from bot.audit.chain import Anchor, VerifyReport, verify
from bot.audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    anchors_from,
    generate_key_pem,
    make_checkpoint,
    parse_private_key,
    read_checkpoints,
    write_checkpoint,
)
from bot.workflow.service import WorkflowService

KEY = parse_private_key(generate_key_pem(), "test key")


def kinds(report: VerifyReport) -> set[str]:
    return {p.kind for p in report.problems}


def said(report: VerifyReport, *words: str) -> bool:
    return any(all(w in p.message for w in words) for p in report.problems)


async def anchored(service: WorkflowService, folder: Path) -> list[Anchor]:
    """Write a signed checkpoint of the log as it stands; return the anchors verify reads back."""
    cp = await make_checkpoint(service.db, KEY, service.clock.now())
    write_checkpoint(cp, folder)
    anchors, problems = anchors_from(read_checkpoints(folder), KEY.public_key())
    assert not problems
    return anchors


async def test_the_rich_history_replays_cleanly(service: WorkflowService) -> None:
    await rich_history(service)
    report = await verify(service.db)
    assert report.ok, report.problems
    assert report.replayed and report.events > 20 and report.skipped_actions.get("refused") == 1


async def test_deleting_the_last_events_and_moving_the_head_back(service: WorkflowService, tmp_path: Path) -> None:
    await rich_history(service)
    anchors = await anchored(service, tmp_path)
    seq, _ = await head(service.db)
    await sql(service.db, f"DELETE FROM audit_event WHERE seq > {seq - 3}")
    async with service.db.reading() as s:
        from sqlalchemy import text
        last = (await s.execute(text(f"SELECT hash FROM audit_event WHERE seq = {seq - 3}"))).scalar_one()
    await sql(service.db, f"UPDATE audit_head SET seq = {seq - 3}, hash = '{last}'")
    alone = await verify(service.db)
    assert said(alone, "dispute #2", "in the tables but the audit log never recorded it"), alone.problems
    against = await verify(service.db, anchors=anchors)
    assert said(against, f"no event #{seq}", "events were removed")


async def test_emptying_the_log_and_resetting_the_head(service: WorkflowService, tmp_path: Path) -> None:
    await rich_history(service)
    anchors = await anchored(service, tmp_path)
    await sql(service.db, "DELETE FROM audit_event", f"UPDATE audit_head SET seq = 0, hash = '{'0' * 64}'")
    alone = await verify(service.db)
    assert alone.events == 0
    assert said(alone, "submission #1 is in the tables but the audit log never recorded it")
    assert said(alone, "submission #3 is in the tables but the audit log never recorded it")
    against = await verify(service.db, anchors=anchors)
    assert "truncated" in kinds(against) and said(against, "events were removed")


async def test_recomputing_every_hash_after_an_edit(service: WorkflowService, tmp_path: Path) -> None:
    await rich_history(service)
    anchors = await anchored(service, tmp_path)
    await sql(service.db, "UPDATE audit_event SET detail = '{\"value\": \"reject\"}' WHERE seq = 2")  # LEGAL[0] on #1
    await rewrite_chain(service.db)
    alone = await verify(service.db)
    assert kinds(alone) == {"state"}, alone.problems                 # the chain itself is consistent again
    assert said(alone, f"the vote of {LEGAL[0]} on #1 version 1", "'approve' in the table", "'reject' in the audit log")
    against = await verify(service.db, anchors=anchors)
    assert said(against, "the log was rewritten up to")


@pytest.mark.parametrize(("statement", "words"), [
    (f"UPDATE vote SET value = 'reject' WHERE approver = '{LEGAL[1]}' AND submission_id = 1",
     (f"the vote of {LEGAL[1]} on #1 version 1", "'reject' in the table", "'approve' in the audit log")),
    ("UPDATE submission SET state = 'approved' WHERE id = 3",
     ("the state of submission #3", "'approved' in the table", "'withdrawn' in the audit log")),
    ("UPDATE submission SET route = '{\"route_ids\": [\"financial\"], \"needs\": []}' WHERE id = 2",
     ("the route of submission #2", "['financial'] in the table", "['legal'] in the audit log")),
    ("DELETE FROM vote WHERE submission_id = 2 AND version = 2",
     (f"the vote of {LEGAL[1]} on #2 version 2", "missing from the tables")),
    (f"INSERT INTO vote (submission_id, version, approver, value, note, cast_at, text_hash) "
     f"VALUES (2, 2, '{LEGAL[2]}', 'approve', '', '2026-01-01 00:00:00', 'f00d')",
     (f"the vote of {LEGAL[2]} on #2 version 2", "the audit log has no such vote")),
    ("UPDATE submission_version SET text_hash = 'f00d' WHERE submission_id = 2 AND number = 1",
     ("the stored hash of submission #2 version 1's draft differs from the audit log's",)),
    ("UPDATE dispute SET state = 'false_positive' WHERE id = 2",
     ("the state of dispute #2", "'false_positive' in the table", "'uphold' in the audit log")),
    ("INSERT INTO suppression (rule, phrase, department, created_by, created_at, severity, revoked_by) "
     "VALUES ('finance.results', '', 'engineering', 'mallory', '2026-01-01 00:00:00', 'block', '')",
     ("exception #2 (finance.results) is in the tables but the audit log never granted it",)),
    ("UPDATE comment SET body = 'Not fine' WHERE id = 1",
     ("the text of comment 1 on #1 differs",)),
    ("UPDATE submission SET department = 'finance' WHERE id = 1",
     ("the department of submission #1",)),
])
async def test_changing_the_tables_with_sql(service: WorkflowService, statement: str, words: tuple[str, ...]) -> None:
    await rich_history(service)
    await sql(service.db, statement)
    report = await verify(service.db)
    assert kinds(report) <= {"state", "text_altered"} and said(report, *words), report.problems


async def test_rewriting_the_whole_chain_after_a_checkpoint(service: WorkflowService, tmp_path: Path) -> None:
    """An edit both the tables and the log agree on, with every hash recomputed: only an anchor sees it."""
    await rich_history(service)
    anchors = await anchored(service, tmp_path)
    await service.vote(2, LEGAL[2], "approve")                       # the log grows past the checkpoint
    await sql(service.db, "DELETE FROM audit_event WHERE action = 'refused'")
    await rewrite_chain(service.db)
    assert (await verify(service.db)).ok                              # self-consistent…
    report = await verify(service.db, anchors=anchors)                # …but not what was signed
    assert kinds(report) == {"rewritten"} and said(report, "the log was rewritten up to")


async def test_an_expected_head_is_checked(service: WorkflowService) -> None:
    await rich_history(service)
    seq, digest = await head(service.db)
    assert (await verify(service.db, anchors=[Anchor(seq, digest, "--expect")])).ok
    wrong = await verify(service.db, anchors=[Anchor(seq, "a" * 64, "--expect")])
    assert said(wrong, "--expect vouches that event", "rewritten")


async def test_a_forged_or_altered_checkpoint_is_refused(service: WorkflowService, tmp_path: Path) -> None:
    await rich_history(service)
    path = write_checkpoint(await make_checkpoint(service.db, KEY, service.clock.now()), tmp_path)
    data = json.loads(path.read_text())
    data["seq"] = 1
    forged = tmp_path / "checkpoint-000000000000001-forged.json"
    forged.write_text(json.dumps(data))
    other = parse_private_key(generate_key_pem(), "other")
    stranger = write_checkpoint(await make_checkpoint(service.db, other, service.clock.now()), tmp_path / "o")
    stranger.rename(tmp_path / "checkpoint-999999999999999-stranger.json")
    anchors, problems = anchors_from(read_checkpoints(tmp_path), KEY.public_key())
    assert len(anchors) == 1 and len(problems) == 2
    assert all("is not signed by the audit key" in p for p in problems)


async def test_checkpoint_files_are_write_once(service: WorkflowService, tmp_path: Path) -> None:
    await rich_history(service)
    cp = await make_checkpoint(service.db, KEY, service.clock.now())
    path = write_checkpoint(cp, tmp_path)
    assert write_checkpoint(cp, tmp_path) == path                     # the same again: nothing changes
    assert path.stat().st_mode & 0o222 == 0                           # read-only
    other = Checkpoint(cp.seq, "b" * 64, cp.root, cp.at, cp.key_id, cp.signature)
    with pytest.raises(CheckpointError, match="already holds a different checkpoint"):
        write_checkpoint(Checkpoint(cp.seq, cp.hash[:16] + "b" * 48, cp.root, cp.at, cp.key_id, cp.signature),
                         tmp_path)
    assert other.hash != cp.hash and json.loads(path.read_text())["hash"] == cp.hash
