"""The hash-chained audit log: one door in (`append`), one check (`verify`).

Each event's hash is SHA-256 over the previous event's hash and the event's
content (time, actor, action, submission, version, corpus version, detail) in
canonical JSON. The sequence number is deliberately not part of the content:
the chain's order is the order of its links, so an event moved to another
position is reported as *reordered*, one taken out as *removed*, and one whose
content changed as *altered*. Draft texts never enter the log (only their
hashes), so purging texts leaves the chain intact.

A chain without a secret proves integrity against edits, not against someone
who rewrites every hash from the edit onwards: anchors fix that. `verify` takes
signed checkpoints (bot/audit/checkpoint.py) and `--expect SEQ:HASH` pairs and
checks the log still holds each; it also replays the state from the events
(bot/audit/replay.py) and names every table row that disagrees with the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from bot.clock import as_utc
from bot.store.database import GENESIS_HASH, Database
from bot.store.tables import METADATA, AuditEvent, AuditHead


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
    moment = as_utc(moment)
    if moment.year >= 1000:    # isoformat is several times faster and the same text from year 1000 on
        return moment.isoformat(timespec="microseconds")[:26] + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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

ProblemKind = Literal["altered", "removed", "reordered", "broken", "truncated", "text_altered", "state",
                      "checkpoint", "rewritten"]


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
    root: str = ""
    texts_checked: int = 0
    checkpoints_checked: int = 0
    replayed: bool = False
    skipped_actions: dict[str, int] = field(default_factory=dict)
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class Anchor:
    """A (seq, hash[, root]) the log must still contain, from a signed checkpoint or `--expect`."""

    seq: int
    hash: str
    source: str
    root: str | None = None


async def verify(db: Database, *, anchors: Sequence[Anchor] = (), replay: bool = True) -> VerifyReport:
    """Walk the whole chain, check every anchor against it, replay the state and compare it with
    the tables, and check the stored draft texts; name everything that does not fit."""
    from bot.audit.merkle import TreeBuilder
    from bot.audit.replay import LoggedEvent, Replay, compare, decode_json

    report = VerifyReport()
    tree = TreeBuilder()
    replayer = Replay()
    wanted = {a.seq for a in anchors}
    found: dict[int, tuple[str, str]] = {}      # anchored seq -> (hash, root) in the log
    t = METADATA.tables["audit_event"]
    # Core rows, the detail as its stored text (decoded here once, with orjson), a chunk at a time:
    # a million events is a million rows, and per-row ORM or event-loop work would dominate.
    stmt = select(t.c.seq, t.c.at, t.c.actor, t.c.action, t.c.submission_id, t.c.version, t.c.corpus_version,
                  cast(t.c.detail, Text), t.c.prev_hash, t.c.hash).order_by(t.c.seq)
    async with db.reading() as session:
        head = (await session.execute(select(AuditHead).where(col(AuditHead.id) == 1))).scalar_one_or_none()
        checker = _ChainWalker(report)
        conn = await session.connection()
        async for rows in db.chunks(conn, stmt):
            for seq, at, actor, action, submission_id, version, corpus_version, detail, prev_hash, digest in rows:
                row = LoggedEvent(seq, at, actor, action, submission_id, version, corpus_version, decode_json(detail),
                                  prev_hash, digest)
                checker.feed(row)
                tree.add(row.hash)
                if row.seq in wanted:
                    found[row.seq] = (row.hash, tree.root() if tree.size == row.seq else "")
                if replay:
                    replayer.feed(row)
        checker.finish(head)
        report.root = tree.root()
        _check_anchors(report, anchors, found)
        await _verify_texts(db, conn, report, checker.text_hashes)
        if replay:
            report.replayed = True
            report.skipped_actions = dict(replayer.state.skipped)
            for message in await compare(db, conn, replayer.state):
                report.problems.append(ChainProblem("state", None, message))
    return report


def fast_event_hash(prev_hash: str, at: datetime, actor: str, action: str, submission_id: int | None,
                    version: int | None, corpus_version: str, detail: dict[str, Any]) -> str:
    """`event_hash` with orjson, whose sorted compact output is the same bytes as the reference
    encoding for what events hold; anything it cannot encode goes to the reference."""
    try:
        content = orjson.dumps(
            {"at": canonical_time(at), "actor": actor, "action": action, "submission": submission_id,
             "version": version, "corpus_version": corpus_version, "detail": detail}, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return event_hash(prev_hash, at, actor, action, submission_id, version, corpus_version, detail)
    return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()


def _check_anchors(report: VerifyReport, anchors: Sequence[Anchor], found: dict[int, tuple[str, str]]) -> None:
    for a in anchors:
        report.checkpoints_checked += 1
        if a.seq == 0:
            continue
        if a.seq not in found:
            report.problems.append(ChainProblem(
                "truncated", a.seq, f"{a.source} vouches for event #{a.seq}, but the log has no event #{a.seq} "
                                    f"(it ends at #{report.events}): events were removed"))
            continue
        digest, root = found[a.seq]
        if digest != a.hash:
            report.problems.append(ChainProblem(
                "rewritten", a.seq, f"{a.source} vouches that event #{a.seq} hashed {a.hash[:16]}…, but the log's "
                                    f"#{a.seq} hashes {digest[:16]}…: the log was rewritten up to #{a.seq}"))
        elif a.root is not None and root and root != a.root:
            report.problems.append(ChainProblem(
                "rewritten", a.seq, f"{a.source}: the Merkle root of events #1–#{a.seq} differs from the signed "
                                    "one: events before it were rewritten"))


class _ChainWalker:
    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        self.prev: tuple[int, str] | None = None        # (seq, stored hash) of the previous row
        self.seen: dict[str, int] = {}                  # stored hash -> seq
        self.waiting: dict[str, int] = {}               # a link to a hash not seen yet -> seq of the linker
        self.text_hashes: dict[tuple[int, int], str] = {}  # (submission, version) -> hash the chain holds

    def problem(self, kind: ProblemKind, seq: int | None, message: str) -> None:
        self.report.problems.append(ChainProblem(kind, seq, message))

    def feed(self, row: Any) -> None:
        self.report.events += 1
        args = (row.prev_hash, row.at, row.actor, row.action, row.submission_id, row.version, row.corpus_version,
                row.detail)
        if fast_event_hash(*args) != row.hash and event_hash(*args) != row.hash:
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


async def _verify_texts(db: Database, conn: AsyncConnection, report: VerifyReport,
                        chained: dict[tuple[int, int], str]) -> None:
    """A draft's hash must be the one the chain recorded, and a text still kept must match it."""
    t = METADATA.tables["submission_version"]
    async for chunk in db.chunks(conn, select(t.c.submission_id, t.c.number, t.c.text, t.c.text_hash)):
        for submission_id, number, draft, digest in chunk:
            _check_text(report, chained, submission_id, number, draft, digest)


def _check_text(report: VerifyReport, chained: dict[tuple[int, int], str], submission_id: int, number: int,
            draft: str | None, digest: str) -> None:
    name = f"submission #{submission_id} version {number}"
    recorded = chained.get((submission_id, number))
    if recorded is not None and recorded != digest:
        report.problems.append(ChainProblem("text_altered", None,
                                            f"the stored hash of {name}'s draft differs from the audit log's"))
    if draft is not None:
        report.texts_checked += 1
        if text_hash(draft) != digest:
            report.problems.append(ChainProblem("text_altered", None, f"the draft text of {name} was altered"))
