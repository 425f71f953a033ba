"""Rebuild the workflow's state from the audit log and name every way the tables differ from it.

The log is the record; the tables are a cache of it that decides outcomes. Replaying
the events (`Replay.feed`, one handler per action in `HANDLERS`) gives each
submission's requester, department, state, route and versions, every current vote,
comment, dispute and exception; `compare` reads the tables and reports each
difference in words ("vote of legal1@… on #3 v1 is approve in the table, reject in
the log").

Adding an event type is one handler registered in `HANDLERS`. Handlers read only
the payload fields they need, so fields added to a payload later change nothing;
actions without a handler (reminded, escalated, refused, purged, …) change no
state and are skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.database import Database
from bot.store.tables import METADATA


class LoggedEvent(NamedTuple):
    """One audit event as read back (a tuple: a million of them are made per verify)."""

    seq: int
    at: datetime
    actor: str
    action: str
    submission_id: int | None
    version: int | None
    corpus_version: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass
class SubmissionState:
    requester: str
    department: str
    state: str
    version: int
    verdict: str
    route: list[str]
    versions: dict[int, str] = field(default_factory=dict)      # number -> text hash
    posted_url: str = ""


@dataclass
class DisputeState:
    requester: str
    rule: str
    phrase: str
    department: str
    reason: str
    submission_id: int | None
    state: str = "open"
    resolver: str = ""


@dataclass
class SuppressionState:
    rule: str
    phrase: str
    department: str
    dispute_id: int | None
    revoked: bool = False


@dataclass
class State:
    submissions: dict[int, SubmissionState] = field(default_factory=dict)
    votes: dict[tuple[int, int, str], str] = field(default_factory=dict)      # (submission, version, approver)
    comments: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # id -> (submission, author, hash)
    disputes: dict[int, DisputeState] = field(default_factory=dict)
    suppressions: dict[int, SuppressionState] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)                  # actions with no state to replay
    problems: list[str] = field(default_factory=list)                      # the log contradicts itself


def decode_json(text: str | None) -> dict[str, Any]:
    """A JSON object stored as text (an event's detail, a route); {} for anything else."""
    try:
        value = orjson.loads(text or "{}")
    except orjson.JSONDecodeError:        # orjson is strict (no NaN): the standard library decides
        try:
            value = json.loads(text or "{}")
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


Handler = Callable[[State, LoggedEvent], None]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _submission(state: State, ev: LoggedEvent) -> SubmissionState | None:
    sub = state.submissions.get(ev.submission_id) if ev.submission_id is not None else None
    if sub is None:
        state.problems.append(f"event #{ev.seq} ({ev.action}) is about submission #{ev.submission_id}, "
                              "which the log never submitted")
    return sub


# --- one handler per action ---------------------------------------------------------------------


def on_submitted(state: State, ev: LoggedEvent) -> None:
    if ev.submission_id is None:
        state.problems.append(f"event #{ev.seq} (submitted) names no submission")
        return
    if ev.submission_id in state.submissions:
        state.problems.append(f"event #{ev.seq} submits #{ev.submission_id} a second time")
    version = ev.version or 1
    state.submissions[ev.submission_id] = SubmissionState(
        requester=ev.actor, department=str(ev.detail.get("department", "")), state="submitted", version=version,
        verdict=str(ev.detail.get("verdict", "")), route=list(ev.detail.get("route", [])),
        versions={version: str(ev.detail.get("text_hash", ""))})


def on_resubmitted(state: State, ev: LoggedEvent) -> None:
    sub = _submission(state, ev)
    if sub is None or ev.version is None:
        return
    sub.version = ev.version
    sub.state = "submitted"
    sub.versions[ev.version] = str(ev.detail.get("text_hash", ""))
    sub.verdict = str(ev.detail.get("verdict", sub.verdict))
    sub.route = list(ev.detail.get("route", sub.route))


def on_voted(state: State, ev: LoggedEvent) -> None:
    if _submission(state, ev) is None or ev.version is None:
        return
    state.votes[(ev.submission_id, ev.version, ev.actor)] = str(ev.detail.get("value", ""))  # type: ignore[index]


def on_vote_withdrawn(state: State, ev: LoggedEvent) -> None:
    if _submission(state, ev) is None or ev.version is None:
        return
    if state.votes.pop((ev.submission_id, ev.version, ev.actor), None) is None:  # type: ignore[arg-type]
        state.problems.append(f"event #{ev.seq} withdraws a vote of {ev.actor} on #{ev.submission_id} "
                              "that the log never recorded")


def _moves_to(new_state: str) -> Handler:
    def handler(state: State, ev: LoggedEvent) -> None:
        sub = _submission(state, ev)
        if sub is not None:
            sub.state = new_state
    return handler


def on_decided(state: State, ev: LoggedEvent) -> None:
    sub = _submission(state, ev)
    if sub is not None:
        sub.state = str(ev.detail.get("state", sub.state))


def on_posted(state: State, ev: LoggedEvent) -> None:
    sub = _submission(state, ev)
    if sub is not None:
        sub.state = "posted"
        sub.posted_url = str(ev.detail.get("url", ""))


def on_commented(state: State, ev: LoggedEvent) -> None:
    if _submission(state, ev) is None or "comment_id" not in ev.detail:
        return
    state.comments[int(ev.detail["comment_id"])] = (ev.submission_id, ev.actor,  # type: ignore[assignment]
                                                    str(ev.detail.get("body_hash", "")))


def on_disputed(state: State, ev: LoggedEvent) -> None:
    if "dispute" not in ev.detail:
        state.problems.append(f"event #{ev.seq} (disputed) names no dispute")
        return
    d = ev.detail
    state.disputes[int(d["dispute"])] = DisputeState(
        requester=ev.actor, rule=str(d.get("rule", "")), phrase=str(d.get("phrase", "")),
        department=str(d.get("department", "")), reason=str(d.get("reason", "")), submission_id=ev.submission_id)


def on_dispute_resolved(state: State, ev: LoggedEvent) -> None:
    d = ev.detail
    dispute = state.disputes.get(int(d.get("dispute", -1)))
    if dispute is None:
        state.problems.append(f"event #{ev.seq} resolves dispute #{d.get('dispute')}, which the log never opened")
        return
    dispute.state, dispute.resolver = str(d.get("decision", "")), ev.actor
    if d.get("suppression") is not None:
        state.suppressions[int(d["suppression"])] = SuppressionState(
            rule=str(d.get("rule", dispute.rule)), phrase=str(d.get("phrase", dispute.phrase)),
            department=str(d.get("department", dispute.department)), dispute_id=int(d["dispute"]))


def on_suppression_revoked(state: State, ev: LoggedEvent) -> None:
    key = ev.detail.get("suppression", ev.detail.get("exception"))
    supp = state.suppressions.get(int(key)) if key is not None else None
    if supp is None:
        state.problems.append(f"event #{ev.seq} revokes exception #{key}, which the log never granted")
        return
    supp.revoked = True


HANDLERS: dict[str, Handler] = {
    "submitted": on_submitted,
    "resubmitted": on_resubmitted,
    "voted": on_voted,
    "vote_changed": on_voted,
    "vote_withdrawn": on_vote_withdrawn,
    "decided": on_decided,
    "withdrawn": _moves_to("withdrawn"),
    "expired": _moves_to("expired"),
    "posted": on_posted,
    "commented": on_commented,
    "disputed": on_disputed,
    "dispute_resolved": on_dispute_resolved,
    "suppression_revoked": on_suppression_revoked,
    "exception_revoked": on_suppression_revoked,
}


class Replay:
    def __init__(self) -> None:
        self.state = State()

    def feed(self, ev: LoggedEvent) -> None:
        handler = HANDLERS.get(ev.action)
        if handler is None:
            self.state.skipped[ev.action] += 1
            return
        try:
            handler(self.state, ev)
        except (TypeError, ValueError) as exc:   # a payload of the wrong shape: name it, go on
            self.state.problems.append(f"event #{ev.seq} ({ev.action}) cannot be replayed: {exc}")


# --- comparing with the tables ----------------------------------------------------------------


async def _each(chunks: AsyncIterator[Sequence[Any]]) -> AsyncIterator[Any]:
    async for chunk in chunks:
        for row in chunk:
            yield row


def _diff(out: list[str], what: str, table: object, log: object) -> None:
    if table != log:
        out.append(f"{what} is {table!r} in the table but {log!r} in the audit log")


async def compare(db: Database, conn: AsyncConnection, state: State) -> list[str]:
    """Every difference between the tables and the replayed state, in words."""
    out = list(state.problems)
    await _compare_submissions(db, conn, state, out)
    await _compare_votes(db, conn, state, out)
    await _compare_comments(db, conn, state, out)
    await _compare_disputes(conn, state, out)
    return out


async def _compare_submissions(db: Database, conn: AsyncConnection, state: State, out: list[str]) -> None:
    seen: set[int] = set()
    t = METADATA.tables["submission"]
    rows = db.chunks(conn, select(t.c.id, t.c.requester, t.c.department, t.c.state, t.c.version, t.c.verdict,
                                  cast(t.c.route, Text), t.c.posted_url))
    async for sid, requester, department, st, version, verdict, route, posted_url in _each(rows):
        seen.add(sid)
        logged = state.submissions.get(sid)
        if logged is None:
            out.append(f"submission #{sid} is in the tables but the audit log never recorded it")
            continue
        name = f"submission #{sid}"
        _diff(out, f"the state of {name}", st, logged.state)
        _diff(out, f"the requester of {name}", requester, logged.requester)
        _diff(out, f"the current version of {name}", version, logged.version)
        _diff(out, f"the verdict of {name}", verdict, logged.verdict)
        _diff(out, f"the route of {name}", list(decode_json(route).get("route_ids", [])), logged.route)
        _diff(out, f"the department of {name}", department, logged.department)
        _diff(out, f"the posted link of {name}", posted_url, logged.posted_url)
    for sid in sorted(set(state.submissions) - seen):
        out.append(f"submission #{sid} is in the audit log but missing from the tables")
    versions: set[tuple[int, int]] = set()
    t = METADATA.tables["submission_version"]
    async for sid, number in _each(db.chunks(conn, select(t.c.submission_id, t.c.number))):
        versions.add((sid, number))
        logged = state.submissions.get(sid)
        if logged is None:
            continue           # already named above
        if number not in logged.versions:      # a hash that differs is named by the chain's text check
            out.append(f"version {number} of submission #{sid} is in the tables but not in the audit log")
    for sid, logged in sorted(state.submissions.items()):
        for number in sorted(logged.versions):
            if sid in seen and (sid, number) not in versions:
                out.append(f"version {number} of submission #{sid} is in the audit log but missing from the tables")


async def _compare_votes(db: Database, conn: AsyncConnection, state: State, out: list[str]) -> None:
    logged = dict(state.votes)
    t = METADATA.tables["vote"]
    rows = db.chunks(conn, select(t.c.submission_id, t.c.version, t.c.approver, t.c.value))
    async for sid, version, approver, value in _each(rows):
        expected = logged.pop((sid, version, approver), None)
        name = f"the vote of {approver} on #{sid} version {version}"
        if expected is None:
            out.append(f"{name} ({value}) is in the tables but the audit log has no such vote")
        else:
            _diff(out, name, value, expected)
    for (sid, version, approver), value in sorted(logged.items()):
        out.append(f"the vote of {approver} on #{sid} version {version} ({value}) is in the audit log "
                   "but missing from the tables")


async def _compare_comments(db: Database, conn: AsyncConnection, state: State, out: list[str]) -> None:
    logged = dict(state.comments)
    t = METADATA.tables["comment"]
    async for cid, sid, author, body in _each(db.chunks(conn, select(t.c.id, t.c.submission_id, t.c.author, t.c.body))):
        expected = logged.pop(cid, None)
        if expected is None:
            out.append(f"comment {cid} on #{sid} is in the tables but the audit log has no such comment")
            continue
        _diff(out, f"the submission of comment {cid}", sid, expected[0])
        _diff(out, f"the author of comment {cid}", author, expected[1])
        if _sha256(body.strip()) != expected[2]:
            out.append(f"the text of comment {cid} on #{sid} differs from the one the audit log recorded")
    for cid, (sid, _author, _digest) in sorted(logged.items()):
        out.append(f"comment {cid} on #{sid} is in the audit log but missing from the tables")


async def _compare_disputes(conn: AsyncConnection, state: State, out: list[str]) -> None:
    logged = dict(state.disputes)
    for row in await conn.execute(select(METADATA.tables["dispute"])):
        expected = logged.pop(row.id, None) if row.id is not None else None
        name = f"dispute #{row.id}"
        if expected is None:
            out.append(f"{name} is in the tables but the audit log never recorded it")
            continue
        for attr in ("state", "requester", "rule", "phrase", "department", "reason", "submission_id", "resolver"):
            _diff(out, f"the {attr.replace('_', ' ')} of {name}", getattr(row, attr), getattr(expected, attr))
    for did in sorted(logged):
        out.append(f"dispute #{did} is in the audit log but missing from the tables")
    granted = dict(state.suppressions)
    for supp in await conn.execute(select(METADATA.tables["suppression"])):
        expected_supp = granted.pop(supp.id, None) if supp.id is not None else None
        name = f"exception #{supp.id} ({supp.rule})"
        if expected_supp is None:
            out.append(f"{name} is in the tables but the audit log never granted it")
            continue
        for attr in ("rule", "phrase", "department", "dispute_id"):
            _diff(out, f"the {attr.replace('_', ' ')} of {name}", getattr(supp, attr), getattr(expected_supp, attr))
        _diff(out, f"whether {name} is revoked", supp.revoked_at is not None, expected_supp.revoked)
    for sid_ in sorted(granted):
        out.append(f"exception #{sid_} is in the audit log but missing from the tables")
