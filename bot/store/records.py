"""Records that are not workflow state: checks and questions (for reports), people, chat references.

The facade records every check and question, submitted or not; the reports
count these (volume, verdicts, rules that fire, knowledge gaps).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.checker.result import CheckResult
from bot.clock import Clock
from bot.store.database import Database
from bot.store.tables import CheckRecord, ConversationRef, MessageRef, PersonRow, QuestionRecord


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""


async def record_check(db: Database, clock: Clock, actor: str, result: CheckResult, *, draft: str = "",
                       department: str = "", platform: str = "", submission_id: int | None = None,
                       keep_draft: bool = False) -> int:
    """Store one check: who, when, verdict, categories, rules fired, corpus version. With `keep_draft`
    the text and the findings (with spans) stay too, so the check's id is a handle for "Send for
    approval" and for disputing a finding; the retention purge removes the text later."""
    categories = list(dict.fromkeys(list(result.categories) or [f.category for f in result.findings]))
    row = CheckRecord(at=clock.now(), actor=actor, department=department, platform=platform,
                      verdict=result.verdict, categories=categories,
                      rules=sorted({f.rule for f in result.findings}), corpus_version=result.corpus_version,
                      draft_hash=_sha(draft), submission_id=submission_id, draft=draft if keep_draft else None,
                      findings=[f.to_json() for f in result.findings] if keep_draft else [])
    async with db.transaction() as session:
        session.add(row)
        await session.flush()
    assert row.id is not None
    return row.id


async def record_question(db: Database, clock: Clock, actor: str, question: str, answered: bool, *,
                          categories: Iterable[str] = (), sections: Iterable[str] = (),
                          confidence: float | None = None, corpus_version: str = "", department: str = "",
                          platform: str = "") -> int:
    """Store one question; `answered=False` makes it a knowledge gap in the reports."""
    row = QuestionRecord(at=clock.now(), actor=actor, department=department, platform=platform,
                         question=question, question_hash=_sha(question), answered=answered,
                         categories=list(dict.fromkeys(categories)), sections=list(sections),
                         confidence=confidence, corpus_version=corpus_version)
    async with db.transaction() as session:
        session.add(row)
        await session.flush()
    assert row.id is not None
    return row.id


async def remember_person(db: Database, clock: Clock, email: str, *, name: str = "", department: str = "",
                          platform: str | None = None, user_id: str = "") -> None:
    """Create or update a person; a platform user id links that platform's account to the e-mail."""
    for attempt in range(2):
        try:
            await _upsert_person(db, clock, email, name, department, platform, user_id)
            return
        except IntegrityError:
            if attempt:   # not a race with a concurrent first sighting: a user id claimed by someone else
                raise


async def _upsert_person(db: Database, clock: Clock, email: str, name: str, department: str,
                         platform: str | None, user_id: str) -> None:
    async with db.transaction() as session:
        row = await session.get(PersonRow, email)
        if row is None:
            row = PersonRow(email=email, updated_at=clock.now())
            session.add(row)
        if name:
            row.name = name
        if department:
            row.department = department
        if platform == "slack" and user_id:
            row.slack_id = user_id
        elif platform == "teams" and user_id:
            row.teams_id = user_id
        row.updated_at = clock.now()


async def person_row(db: Database, email: str) -> PersonRow | None:
    async with db.reading() as session:
        return await session.get(PersonRow, email)


async def check_row(db: Database, check_id: int) -> CheckRecord | None:
    async with db.reading() as session:
        return await session.get(CheckRecord, check_id)


async def email_for(db: Database, platform: str, user_id: str) -> str | None:
    column = col(PersonRow.slack_id) if platform == "slack" else col(PersonRow.teams_id)
    async with db.reading() as session:
        return (await session.execute(select(col(PersonRow.email)).where(column == user_id))).scalar_one_or_none()


async def link_message(db: Database, clock: Clock, submission_id: int, platform: str, channel: str,
                       message_id: str, kind: str = "review_card", *, version: int | None = None) -> None:
    """Record a card's message; an upsert, so two deliveries recording it at once both succeed."""
    insert = pg_insert if db.is_postgres else sqlite_insert
    async with db.transaction() as session:
        await session.execute(insert(MessageRef).values(
            platform=platform, channel=channel, message_id=message_id, submission_id=submission_id,
            version=version, kind=kind, created_at=clock.now()).on_conflict_do_nothing(
            index_elements=["platform", "channel", "message_id"]))


async def card_for_message(db: Database, platform: str, channel: str,
                           message_id: str) -> tuple[int, int | None] | None:
    async with db.reading() as session:
        row = await session.get(MessageRef, (platform, channel, message_id))
        return (row.submission_id, row.version) if row else None


async def messages_for(db: Database, submission_id: int) -> list[tuple[str, str, str]]:
    """(platform, channel, message id) of every card posted about the submission."""
    async with db.reading() as session:
        rows = (await session.execute(select(MessageRef).where(col(MessageRef.submission_id) == submission_id)
                                      .order_by(col(MessageRef.created_at)))).scalars().all()
    return [(r.platform, r.channel, r.message_id) for r in rows]


async def save_conversation_ref(db: Database, clock: Clock, platform: str, address: str,
                                reference: dict[str, Any]) -> None:
    async with db.transaction() as session:
        row = await session.get(ConversationRef, (platform, address))
        if row is None:
            session.add(ConversationRef(platform=platform, address=address, reference=reference,
                                        updated_at=clock.now()))
        else:
            row.reference, row.updated_at = reference, clock.now()


async def conversation_ref(db: Database, platform: str, address: str) -> dict[str, Any] | None:
    async with db.reading() as session:
        row = await session.get(ConversationRef, (platform, address))
        return dict(row.reference) if row else None
