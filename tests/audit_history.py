"""A history that touches every kind of state the audit replay rebuilds, and tools to tamper with it."""

from __future__ import annotations

from conftest import ENG, LEGAL, REQUESTER, make_result
from sqlalchemy import select, text, update

from bot.audit.chain import event_hash
from bot.store.database import GENESIS_HASH, Database
from bot.store.tables import AuditEvent, AuditHead
from bot.workflow.service import WorkflowService

LEGAL_REVIEW = make_result(("legal", "review", "legal.litigation"))


async def rich_history(service: WorkflowService) -> None:
    """Approved, changes-requested-then-resubmitted, withdrawn and posted submissions; a changed and a
    withdrawn vote; comments; a refused vote; a dispute ruled a false positive and one upheld."""
    s1 = (await service.submit(REQUESTER, "We are being sued", LEGAL_REVIEW)).submission.id  # type: ignore[union-attr]
    await service.vote(s1, LEGAL[0], "approve")
    await service.comment(s1, LEGAL[1], "Fine by me")
    await service.vote(s1, LEGAL[1], "approve")                    # decided: approved
    await service.mark_posted(s1, REQUESTER, "https://example.invalid/post/1")
    s2 = (await service.submit(REQUESTER, "A second lawsuit post", LEGAL_REVIEW)).submission.id  # type: ignore[union-attr]
    await service.vote(s2, LEGAL[2], "approve")
    await service.vote(s2, REQUESTER, "approve")                   # refused: own draft
    await service.withdraw_vote(s2, LEGAL[2])
    await service.vote(s2, LEGAL[2], "approve")
    await service.vote(s2, LEGAL[2], "changes")                    # changed; decided: changes requested
    await service.resubmit(s2, REQUESTER, "A second lawsuit post, revised", LEGAL_REVIEW)
    await service.vote(s2, LEGAL[1], "approve")                    # a vote on version 2, still open
    await service.comment(s2, REQUESTER, "Revised as asked")
    s3 = (await service.submit(REQUESTER, "Third post", LEGAL_REVIEW)).submission.id  # type: ignore[union-attr]
    await service.withdraw(s3, REQUESTER)
    d1 = (await service.dispute(REQUESTER, "legal.litigation", "It is a board game", category="legal",
                                phrase="sued")).data["dispute_id"]
    await service.resolve_dispute(d1, LEGAL[0], "false_positive", "a game")
    d2 = (await service.dispute(ENG[0], "legal.litigation", "Not a lawsuit", category="legal")).data["dispute_id"]
    await service.resolve_dispute(d2, LEGAL[1], "uphold")


async def sql(db: Database, *statements: str) -> None:
    async with db.transaction() as s:
        for statement in statements:
            await s.execute(text(statement))


async def rewrite_chain(db: Database) -> None:
    """What an operator with write access does to hide an edit: recompute every link and the head."""
    async with db.transaction() as s:
        rows = (await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
        prev = GENESIS_HASH
        for i, row in enumerate(rows, start=1):
            digest = event_hash(prev, row.at, row.actor, row.action, row.submission_id, row.version,
                                row.corpus_version, row.detail)
            await s.execute(update(AuditEvent).where(AuditEvent.seq == row.seq)
                            .values(seq=-i, prev_hash=prev, hash="x" + digest[1:]))
            prev = digest
        for i in range(1, len(rows) + 1):   # in two steps, so no intermediate state breaks a unique key
            row = (await s.execute(select(AuditEvent).where(AuditEvent.seq == -i))).scalar_one()
            await s.execute(update(AuditEvent).where(AuditEvent.seq == -i)
                            .values(seq=i, hash=event_hash(row.prev_hash, row.at, row.actor, row.action,
                                                           row.submission_id, row.version, row.corpus_version,
                                                           row.detail)))
        await s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=len(rows), hash=prev))


async def head(db: Database) -> tuple[int, str]:
    async with db.reading() as s:
        row = (await s.execute(select(AuditHead))).scalar_one()
        return row.seq, row.hash
