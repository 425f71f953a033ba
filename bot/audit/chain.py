"""The hash-chained audit log: one door in (`append`), one check (`verify`).

Each event's hash is SHA-256 over the previous event's hash and the event's
content (time, actor, action, submission, version, corpus version, detail) in
canonical JSON. The sequence number is deliberately not part of the content:
the chain's order is the order of its links, so an event moved to another
position is reported as *reordered*, one taken out as *removed*, and one whose
content changed as *altered*. Draft texts never enter the log (only their
hashes), so purging texts leaves the chain intact.

A chain without a secret proves integrity against edits, not against someone
who rewrites every hash from the edit onwards: `steward audit verify` prints the
head's hash so it can be anchored elsewhere (a ticket, a signed e-mail).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import as_utc
from bot.store.database import GENESIS_HASH, Database
from bot.store.tables import AuditEvent, AuditHead, SubmissionVersion


@dataclass(frozen=True, slots=True)
class Event:
    """What happened. `action` is a past-tense verb: submitted, voted, vote_changed, vote_withdrawn,
    decided, refused, commented, withdrawn, resubmitted, posted, reminded, escalated, expired,
    disputed, dispute_resolved, purged."""

    actor: str
    action: str
    submission_id: int | None = None
    version: int | None = None
    corpus_version: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def canonical_time(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, at: datetime, actor: str, action: str, submission_id: int | None,
               version: int | None, corpus_version: str, detail: dict[str, Any]) -> str:
    content = json.dumps(
        {"at": canonical_time(at), "actor": actor, "action": action, "submission": submission_id,
         "version": version, "corpus_version": corpus_version, "detail": detail},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def append(session: AsyncSession, db: Database, event: Event, at: datetime) -> AuditEvent:
    """Append `event` inside the caller's transaction. Locks the chain head until commit, so
    concurrent appends (any replica) queue and each links to the one before."""
    stmt = db.lock(select(AuditHead).where(col(AuditHead.id) == 1)).execution_options(populate_existing=True)
    head = (await session.execute(stmt)).scalar_one_or_none()
    if head is None:
        raise RuntimeError("the audit log is not initialised; run `steward db upgrade`")
    at = as_utc(at)
    digest = event_hash(head.hash, at, event.actor, event.action, event.submission_id, event.version,
                        event.corpus_version, event.detail)
    row = AuditEvent(seq=head.seq + 1, at=at, actor=event.actor, action=event.action,
                     submission_id=event.submission_id, version=event.version,
                     corpus_version=event.corpus_version, detail=dict(event.detail),
                     prev_hash=head.hash, hash=digest)
    session.add(row)
    head.seq = row.seq
    head.hash = digest
    await session.flush()
    return row


# --- verification ---------------------------------------------------------------------

ProblemKind = Literal["altered", "removed", "reordered", "broken", "truncated", "text_altered"]


@dataclass(frozen=True, slots=True)
class ChainProblem:
    kind: ProblemKind
    seq: int | None
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class VerifyReport:
    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    texts_checked: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _events(session: AsyncSession) -> AsyncIterator[AuditEvent]:
    result = await session.stream(select(AuditEvent).order_by(col(AuditEvent.seq)).execution_options(yield_per=1000))
    async for row in result.scalars():
        yield row


async def verify(db: Database) -> VerifyReport:
    """Walk the whole chain and the stored draft texts; name every event that does not fit."""
    report = VerifyReport()
    async with db.reading() as session:
        head = (await session.execute(select(AuditHead).where(col(AuditHead.id) == 1))).scalar_one_or_none()
        checker = _ChainWalker(report)
        async for row in _events(session):
            checker.feed(row)
        checker.finish(head)
        await _verify_texts(session, report, checker.text_hashes)
    return report


class _ChainWalker:
    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        self.prev: tuple[int, str] | None = None        # (seq, stored hash) of the previous row
        self.seen: dict[str, int] = {}                  # stored hash -> seq
        self.waiting: dict[str, int] = {}               # a link to a hash not seen yet -> seq of the linker
        self.text_hashes: dict[tuple[int, int], str] = {}  # (submission, version) -> hash the chain holds

    def problem(self, kind: ProblemKind, seq: int | None, message: str) -> None:
        self.report.problems.append(ChainProblem(kind, seq, message))

    def feed(self, row: AuditEvent) -> None:
        self.report.events += 1
        computed = event_hash(row.prev_hash, row.at, row.actor, row.action, row.submission_id, row.version,
                              row.corpus_version, row.detail)
        if computed != row.hash:
            self.problem("altered", row.seq,
                         f"event #{row.seq} ({row.action}) was altered: its content no longer matches its hash")
        expected = self.prev[1] if self.prev else GENESIS_HASH
        expected_seq = self.prev[0] + 1 if self.prev else 1
        if row.prev_hash != expected:
            if row.seq > expected_seq:
                span = f"#{expected_seq}" if row.seq == expected_seq + 1 else f"#{expected_seq}–#{row.seq - 1}"
                self.problem("removed", row.seq, f"event {span} was removed: event #{row.seq} links to an event "
                                                 "that is no longer there")
            elif row.prev_hash in self.seen:
                self.problem("reordered", row.seq,
                             f"event #{row.seq} ({row.action}) is out of order: it was written after "
                             f"#{self.seen[row.prev_hash]}, not after #{self.prev[0] if self.prev else 0}")
            else:
                self.waiting[row.prev_hash] = row.seq
        if row.hash in self.waiting:
            linker = self.waiting.pop(row.hash)
            self.problem("reordered", linker,
                         f"event #{linker} is out of order: it was written after #{row.seq}, which is stored later")
        self.seen[row.hash] = row.seq
        self.prev = (row.seq, row.hash)
        if row.submission_id is not None and row.version is not None and "text_hash" in row.detail:
            self.text_hashes[(row.submission_id, row.version)] = str(row.detail["text_hash"])

    def finish(self, head: AuditHead | None) -> None:
        for seq in self.waiting.values():
            before = seq - 1
            self.problem("broken", seq, f"the link into event #{seq} is broken: event #{before} was altered "
                                        f"(and its hash rewritten) or an event before #{seq} was removed")
        last_seq, last_hash = self.prev if self.prev else (0, GENESIS_HASH)
        if head is None:
            self.problem("truncated", None, "the audit chain's head record is missing")
            return
        self.report.head_seq, self.report.head_hash = head.seq, head.hash
        if head.seq > last_seq:
            span = f"#{last_seq + 1}" if head.seq == last_seq + 1 else f"#{last_seq + 1}–#{head.seq}"
            self.problem("truncated", last_seq + 1, f"event {span} was removed from the end of the log "
                                                    f"(the head records #{head.seq})")
        elif head.hash != last_hash or head.seq != last_seq:
            self.problem("truncated", head.seq, f"the head (#{head.seq}) does not match the last event "
                                                f"(#{last_seq}): the end of the log was changed")


async def _verify_texts(session: AsyncSession, report: VerifyReport,
                        chained: dict[tuple[int, int], str]) -> None:
    """A draft's hash must be the one the chain recorded, and a text still kept must match it."""
    for version in (await session.execute(select(SubmissionVersion))).scalars():
        name = f"submission #{version.submission_id} version {version.number}"
        recorded = chained.get((version.submission_id, version.number))
        if recorded is not None and recorded != version.text_hash:
            report.problems.append(ChainProblem("text_altered", None,
                                                f"the stored hash of {name}'s draft differs from the audit log's"))
        if version.text is not None:
            report.texts_checked += 1
            if text_hash(version.text) != version.text_hash:
                report.problems.append(ChainProblem("text_altered", None, f"the draft text of {name} was altered"))
