"""WorkflowService: the approval workflow the chat adapters and the facade call.

    service = WorkflowService(db, directory, clock)
    out = await service.submit("ada@northwind.example", text, check_result, idempotency_key=event_id)
    out = await service.vote(out.submission.id, "bo@northwind.example", "approve", idempotency_key=event_id)
    for n in out.notifications: send(n.to, n.reply)      # adapters render and deliver
    reply_to_actor(out.reply)

Every method is async, returns an `Outcome` (ok, code, reply for the actor,
notifications to send, the submission as it now stands) and never raises for a
user's mistake: a refused attempt is a reply with the reason, recorded in the
audit log like every state change.

Methods (all e-mails are identities; ids are submission or dispute numbers):
    submit(requester, text, result, *, department=None, platform="", idempotency_key=None)
    resubmit(submission_id, requester, text, result, *, idempotency_key=None)
    vote(submission_id, approver, value: "approve"|"reject"|"changes", *, note="", corpus_version=None,
         idempotency_key=None)
    withdraw_vote(submission_id, approver, *, idempotency_key=None)     # a removed reaction
    comment(submission_id, author, text, *, idempotency_key=None)
    withdraw(submission_id, requester, *, idempotency_key=None)
    mark_posted(submission_id, requester, url="", *, idempotency_key=None)
    dispute(requester, rule, reason, *, category="general", phrase="", department=None, submission_id=None,
            corpus_version="", idempotency_key=None)
    resolve_dispute(dispute_id, approver, decision: "uphold"|"false_positive", note="", *, idempotency_key=None)
    suppressions_for(department) -> list[Suppression]           # pass to the checker
    pending(approver) -> Outcome (a list reply; data["submissions"], data["disputes"])
    mine(requester) -> Outcome (the requester's submissions)
    get(submission_id) -> SubmissionView | None
    remind_overdue(now=None) -> Outcome (reminders, escalations, expiries due; each run by one replica)
    record_check(actor, result, *, draft="", department="", platform="", submission_id=None) -> int
    record_question(actor, question, answered, *, ...) -> int
    remember_person / email_for_platform_user / link_message / submission_for_message / messages_for
    save_conversation_ref / conversation_ref

Exactly once: an `idempotency_key` (the platform's event id) is stored with the
reply in the same transaction as the change, so a retried delivery, on any
replica, gets the same reply and no notifications. Without a key, a repeated
identical vote is still a no-op (one vote row per approver and version).
Decisions are taken while holding the submission's row lock (PostgreSQL) or
SQLite's write lock, so exactly one transaction moves a submission to a
decision and emits the decision notifications.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.audit.chain import Event, append, text_hash
from bot.checker.result import CheckResult, Suppression
from bot.clock import Clock, SystemClock, as_utc
from bot.directory.routing import Directory, Platform, Recipient, RoutePlan
from bot.outbox import Outbox
from bot.outbox.dispatch import Planned
from bot.replies import Fact, Reply, error, notice
from bot.replies import Notification as SentNotification
from bot.store import records
from bot.store.database import Database
from bot.store.tables import (
    CheckRecord,
    Comment,
    Dispute,
    ProcessedEvent,
    SlaJob,
    Submission,
    SubmissionApprover,
    SubmissionVersion,
    SuppressionRow,
    Vote,
)
from bot.workflow import states
from bot.workflow.messages import (
    VOTE_WORDS,
    CommentView,
    Notification,
    Outcome,
    SubmissionView,
    VoteView,
    card_key,
    submission_reply,
)

VOTE_VALUES = ("approve", "reject", "changes")
DISPUTE_DECISIONS = ("uphold", "false_positive")
MAX_DRAFT_CHARS = 100_000   # as STEWARD_MAX_DRAFT_CHARS' default


class _Refusal(Exception):
    """Raised inside a unit of work to refuse the attempt: rolled back, then audited."""

    def __init__(self, reason: str, *, code: str = "refused", submission_id: int | None = None,
                 version: int | None = None, title: str = "Not done") -> None:
        super().__init__(reason)
        self.reason, self.code, self.submission_id, self.version, self.title = (
            reason, code, submission_id, version, title)


class _Duplicate(Exception):
    def __init__(self, seen: ProcessedEvent) -> None:
        self.reply, self.submission_id, self.notifications = seen.reply, seen.submission_id, seen.notifications
        self.action = seen.action


class WorkflowService:
    def __init__(self, db: Database, directory: Directory, clock: Clock | None = None, *,
                 replica_id: str | None = None, max_draft_chars: int = MAX_DRAFT_CHARS,
                 outbox: Outbox | None = None, exception_days: float = 90.0) -> None:
        self.db = db
        self.max_draft_chars = max_draft_chars
        self.directory = directory
        self.clock: Clock = clock or SystemClock()
        self.replica_id = replica_id or f"{socket.gethostname()}:{os.getpid()}"
        self.outbox = outbox or Outbox(db, directory, self.clock, replica_id=self.replica_id)
        self.exception_days = exception_days

    # ------------------------------------------------------------------ machinery

    async def _unit(self, action: str, actor: str, key: str | None,
                    work: Callable[[AsyncSession, datetime], Awaitable[Outcome]]) -> Outcome:
        """Run `work` in one transaction with idempotency and audited refusals."""
        for _attempt in range(3):
            try:
                return await self.db.retrying(lambda s: self._attempt(s, action, actor, key, work))
            except _Duplicate as dup:
                return await self._duplicate(dup)
            except _Refusal as refusal:
                return await self._refused(action, actor, key, refusal)
            except IntegrityError:
                # A concurrent delivery of the same event committed first; the next attempt sees it.
                if key is None:
                    raise
        raise RuntimeError(f"{action}: could not complete after repeated conflicts")

    async def _attempt(self, session: AsyncSession, action: str, actor: str, key: str | None,
                       work: Callable[[AsyncSession, datetime], Awaitable[Outcome]]) -> Outcome:
        now = self.clock.now()
        marker = None
        if key is not None:
            seen = await session.get(ProcessedEvent, _namespaced(action, key))
            if seen is not None:
                raise _Duplicate(seen)
            marker = ProcessedEvent(key=_namespaced(action, key), action=action, actor=actor, reply={}, at=now)
            session.add(marker)
            await session.flush()   # a concurrent duplicate fails (or waits) here, before any work
        outcome = await work(session, now)
        outcome = await self.enqueue(session, outcome, now)
        if marker is not None:
            marker.reply = outcome.reply.model_dump(mode="json")
            marker.submission_id = outcome.submission.id if outcome.submission else None
            marker.notifications = [n.model_dump(mode="json") for n in outcome.outbox]
        # Audit events go last: appending locks the chain head until commit, so keep that short.
        for event, at in session.info.pop("audit", []):
            await append(session, self.db, event, at)
        return outcome

    async def enqueue(self, session: AsyncSession, outcome: Outcome, now: datetime) -> Outcome:
        """Write the outcome's notifications to the outbox, in the change's own transaction."""
        return replace(outcome, outbox=await self.enqueue_notes(session, outcome.notifications, now))

    async def enqueue_notes(self, session: AsyncSession, notes: Iterable[Notification],
                            now: datetime) -> tuple[SentNotification, ...]:
        planned = [Planned(to=n.to, reply=n.reply, key=n.dedupe_key, kind=n.kind, submission_id=n.submission_id,
                           version=n.version, op=n.op, card_key=n.card_key) for n in notes]
        rows = self.outbox.rows(planned, now)
        await self.outbox.write(session, rows)
        return tuple(self.outbox.public(r) for r in rows)

    async def _duplicate(self, dup: _Duplicate) -> Outcome:
        reply = Reply.model_validate(dup.reply) if dup.reply else notice("Already done")
        view = await self.get(dup.submission_id) if dup.submission_id is not None else None
        sent = tuple(SentNotification.model_validate(n) for n in dup.notifications or ())
        # A retried delivery gets the first reply and notifications again (nothing is enqueued twice);
        # it was a refusal if that reply was an error.
        return Outcome(ok=reply.kind != "error", code="duplicate", reply=reply, submission=view, duplicate=True,
                       outbox=sent)

    async def _refused(self, action: str, actor: str, key: str | None, refusal: _Refusal) -> Outcome:
        """Record the refused attempt (once per idempotency key) and tell the actor why."""
        reply = error(refusal.title, refusal.reason)

        async def record(session: AsyncSession) -> bool:
            now = self.clock.now()
            if key is not None:
                if await session.get(ProcessedEvent, _namespaced(action, key)) is not None:
                    return False
                session.add(ProcessedEvent(key=_namespaced(action, key), action=action, actor=actor,
                                           reply=reply.model_dump(mode="json"),
                                           submission_id=refusal.submission_id, at=now))
                await session.flush()
            await append(session, self.db, Event(actor=actor, action="refused", submission_id=refusal.submission_id,
                                                 version=refusal.version,
                                                 detail={"attempt": action, "reason": refusal.reason,
                                                         "code": refusal.code}), now)
            return True

        with contextlib.suppress(IntegrityError):   # the same refused delivery, recorded concurrently
            await self.db.retrying(record)
        view = await self.get(refusal.submission_id) if refusal.submission_id is not None else None
        return Outcome(ok=False, code=refusal.code, reply=reply, submission=view)

    async def refuse(self, action: str, actor: str, reason: str, *, code: str = "forbidden",
                     submission_id: int | None = None, title: str = "Not allowed") -> Outcome:
        """Record a refusal decided outside a unit of work (e.g. reading what one may not see)."""
        return await self._refused(action, _email(actor), None, _Refusal(reason, code=code,
                                                                         submission_id=submission_id, title=title))

    async def _lock_submission(self, session: AsyncSession, submission_id: int) -> Submission:
        stmt = self.db.lock(select(Submission).where(col(Submission.id) == submission_id)).execution_options(
            populate_existing=True)
        sub = (await session.execute(stmt)).scalar_one_or_none()
        if sub is None:
            raise _Refusal(f"there is no submission #{submission_id}", code="not_found", title="Not found")
        return sub

    async def _audit(self, session: AsyncSession, event: Event, now: datetime) -> None:
        """Queue an audit event; `_attempt` appends the queue just before commit, in order."""
        session.info.setdefault("audit", []).append((event, now))

    async def _view(self, session: AsyncSession, sub: Submission, version: int | None = None) -> SubmissionView:
        number = version or sub.version
        assert sub.id is not None
        ver = await self._version_row(session, sub.id, number)
        votes = (await session.execute(select(Vote).where(
            col(Vote.submission_id) == sub.id, col(Vote.version) == number).order_by(col(Vote.cast_at), col(Vote.id)))).scalars().all()
        comments = (await session.execute(select(Comment).where(
            col(Comment.submission_id) == sub.id).order_by(col(Comment.at), col(Comment.id)))).scalars().all()
        return self._view_of(sub, ver, list(votes), list(comments))

    @staticmethod
    def _view_of(sub: Submission, ver: SubmissionVersion, votes: list[Vote], comments: list[Comment]) -> SubmissionView:
        assert sub.id is not None
        return SubmissionView(
            id=sub.id, requester=sub.requester, department=sub.department, state=sub.state, version=ver.number,
            text=ver.text, verdict=ver.verdict, categories=tuple(sub.categories), findings=tuple(ver.findings),
            corpus_version=ver.corpus_version, plan=RoutePlan.from_json(sub.route),
            votes=tuple(VoteView(v.approver, v.value, as_utc(v.cast_at), v.note) for v in votes),
            comments=tuple(CommentView(c.author, c.body, as_utc(c.at)) for c in comments),
            created_at=as_utc(sub.created_at), decided_at=as_utc(sub.decided_at) if sub.decided_at else None,
            decision_corpus_version=sub.decision_corpus_version, posted_url=sub.posted_url,
            text_hash=ver.text_hash, version_created_at=as_utc(ver.created_at))

    # ------------------------------------------------------------------ recipients

    def _approver_recipients(self, plan: RoutePlan, *, with_backups: bool = False) -> list[Recipient]:
        out: dict[tuple[str, str], Recipient] = {}
        for group in plan.groups:
            for r in self.directory.group_recipients(group, with_backups=with_backups):
                out.setdefault((r.kind, r.id), r)
        return list(out.values())

    def _notify(self, recipients: Iterable[Recipient], reply: Reply, kind: str, submission_id: int | None,
                key: str, *, version: int | None = None) -> list[Notification]:
        return [Notification(to=r, reply=reply, dedupe_key=f"{key}:{r.kind}:{r.id}", kind=kind,
                             submission_id=submission_id, version=version) for r in recipients]

    def _card_update(self, sub: Submission, view: SubmissionView, title: str, kind: str = "card") -> list[Notification]:
        """Edit the approvers' card of the current version in place (one update per change)."""
        assert sub.id is not None
        sub.revision += 1
        card = submission_reply(view, title=title)
        return [Notification(to=r, reply=card, dedupe_key=f"sub:{sub.id}:r{sub.revision}:{kind}:{r.kind}:{r.id}",
                             kind=kind, submission_id=sub.id, version=sub.version, op="update",
                             card_key=card_key(sub.id, sub.version, r))
                for r in self._approver_recipients(view.plan)]

    def _review_cards(self, sub: Submission, view: SubmissionView, title: str) -> list[Notification]:
        assert sub.id is not None
        card = submission_reply(view, title=title)
        return [Notification(to=r, reply=card, dedupe_key=card_key(sub.id, sub.version, r), kind="review_request",
                             submission_id=sub.id, version=sub.version)
                for r in self._approver_recipients(view.plan)]

    async def _set_approvers(self, session: AsyncSession, sub: Submission, plan: RoutePlan) -> None:
        """The people who may decide the current version, for `pending()`'s single query."""
        assert sub.id is not None
        from sqlalchemy import delete

        await session.execute(delete(SubmissionApprover).where(col(SubmissionApprover.submission_id) == sub.id))
        people = sorted({m for need in plan.needs for m in need.members} - {sub.requester})
        session.add_all([SubmissionApprover(submission_id=sub.id, email=m) for m in people])
        sub.open_route = any(need.open for need in plan.needs)

    def _requester(self, email: str) -> Recipient:
        return self.directory.person_recipient(email)

    # ------------------------------------------------------------------ submit & resubmit

    def _validate_draft(self, text: str, result: CheckResult) -> str:
        text = text.strip()
        if not text:
            raise _Refusal("the draft is empty; paste the text you want to post", code="invalid")
        if len(text) > self.max_draft_chars:
            raise _Refusal(f"the draft is {len(text):,} characters; the limit is {self.max_draft_chars:,}",
                           code="invalid")
        if result.verdict == "block":
            rules = ", ".join(sorted({f.rule for f in result.findings if f.severity == "block"})) or "a block rule"
            raise _Refusal(f"this draft must not be posted in any form ({rules}), so it cannot be approved. "
                           "Remove what the check flags and check it again, or dispute a finding you think "
                           "is wrong.", code="blocked", title="Cannot send for approval")
        return text

    async def _add_version(self, session: AsyncSession, sub: Submission, number: int, text: str,
                           result: CheckResult, now: datetime) -> SubmissionVersion:
        assert sub.id is not None
        findings = [f.to_json() for f in result.findings]
        ver = SubmissionVersion(submission_id=sub.id, number=number, text=text, text_hash=text_hash(text),
                                verdict=result.verdict, findings=findings, corpus_version=result.corpus_version,
                                created_at=now)
        session.add(ver)
        plan = RoutePlan.from_json(sub.route)
        for kind, after in (("remind", plan.remind_after), ("escalate", plan.escalate_after),
                            ("expire", plan.expire_after)):
            if after is not None:
                session.add(SlaJob(submission_id=sub.id, version=number, kind=kind, due_at=now + after))
        await session.flush()
        return ver

    def _categories(self, result: CheckResult) -> list[str]:
        cats = list(result.categories) or [f.category for f in result.findings]
        return list(dict.fromkeys(cats))

    async def submit(self, requester: str, text: str, result: CheckResult, *, department: str | None = None,
                     platform: str = "", idempotency_key: str | None = None, check_id: int | None = None) -> Outcome:
        """Send a checked draft for approval. With `check_id`, the check is linked to the submission
        and submitting the same check again returns the first submission."""
        requester = _email(requester)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            check = None
            if check_id is not None:
                check = (await session.execute(self.db.lock(select(CheckRecord).where(
                    col(CheckRecord.id) == check_id)).execution_options(populate_existing=True))).scalar_one_or_none()
                if check is not None and check.submission_id is not None:
                    earlier = await self._lock_submission(session, check.submission_id)
                    view = await self._view(session, earlier)
                    return Outcome(ok=True, code="unchanged", submission=view, reply=submission_reply(
                        view, audience="requester", title=f"Already sent for approval: #{earlier.id}"))
            draft = self._validate_draft(text, result)
            dept = department if department is not None else self.directory.department_of(requester)
            plan = self.directory.plan(((f.category, f.severity, f.rule) for f in result.findings), dept, requester)
            sub = Submission(requester=requester, department=dept, platform=platform, state=states.SUBMITTED,
                             version=1, verdict=result.verdict, categories=self._categories(result),
                             route=plan.to_json(), created_at=now, updated_at=now)
            session.add(sub)
            await session.flush()
            assert sub.id is not None
            if check is not None:
                check.submission_id = sub.id
            await self._set_approvers(session, sub, plan)
            ver = await self._add_version(session, sub, 1, draft, result, now)
            await self._audit(session, Event(
                actor=requester, action="submitted", submission_id=sub.id, version=1,
                corpus_version=result.corpus_version,
                detail={"text_hash": ver.text_hash, "verdict": result.verdict, "route": list(plan.route_ids),
                        "rules": sorted({f.rule for f in result.findings}), "department": dept}), now)
            view = await self._view(session, sub)
            notes = self._review_cards(sub, view, f"Review request #{sub.id} from {requester}")
            body = f"Sent to {plan.describe()}."
            if plan.notes:
                body += " " + " ".join(plan.notes) + "."
            reply = submission_reply(view, audience="requester", title=f"Sent for approval: #{sub.id}", body=body)
            return Outcome(ok=True, code="recorded", reply=reply, notifications=tuple(notes), submission=view)

        return await self._unit("submit", requester, idempotency_key, work)

    async def resubmit(self, submission_id: int, requester: str, text: str, result: CheckResult, *,
                       idempotency_key: str | None = None, check_id: int | None = None) -> Outcome:
        requester = _email(requester)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            sub = await self._lock_submission(session, submission_id)
            self._only_requester(sub, requester, "resubmit")
            self._transition(sub, "resubmit")
            draft = self._validate_draft(text, result)
            plan = self.directory.plan(((f.category, f.severity, f.rule) for f in result.findings), sub.department,
                                       requester)
            previous = sub.version
            sub.version = previous + 1
            sub.state = states.SUBMITTED
            sub.route = plan.to_json()
            sub.verdict = result.verdict
            sub.categories = self._categories(result)
            sub.updated_at = now
            sub.reminded_at = sub.escalated_at = None
            await self._set_approvers(session, sub, plan)
            if check_id is not None:
                check = await session.get(CheckRecord, check_id)
                if check is not None:
                    check.submission_id = submission_id
            ver = await self._add_version(session, sub, sub.version, draft, result, now)
            await self._audit(session, Event(
                actor=requester, action="resubmitted", submission_id=submission_id, version=sub.version,
                corpus_version=result.corpus_version,
                detail={"text_hash": ver.text_hash, "previous_version": previous, "verdict": result.verdict,
                        "route": list(plan.route_ids)}), now)
            old = await self._view(session, sub, previous)
            notes = self._old_cards(sub, old, previous, f"Superseded by version {sub.version}: #{submission_id}")
            view = await self._view(session, sub)
            notes += self._review_cards(sub, view, f"Review request #{submission_id} (version {sub.version}) "
                                                   f"from {requester}")
            reply = submission_reply(view, audience="requester",
                                     title=f"Version {sub.version} of #{submission_id} sent for approval",
                                     body=f"Sent to {plan.describe()}; earlier votes no longer count.")
            return Outcome(ok=True, code="recorded", reply=reply, notifications=tuple(notes), submission=view)

        return await self._unit("resubmit", requester, idempotency_key, work)

    def _old_cards(self, sub: Submission, old: SubmissionView, version: int, title: str) -> list[Notification]:
        """Close the previous version's cards: no more buttons on a text nobody may vote on."""
        assert sub.id is not None
        sub.revision += 1
        closed = replace(old, state=states.SUPERSEDED)
        card = submission_reply(closed, title=title)
        return [Notification(to=r, reply=card, dedupe_key=f"sub:{sub.id}:r{sub.revision}:superseded:{r.kind}:{r.id}",
                             kind="card", submission_id=sub.id, version=version, op="update",
                             card_key=card_key(sub.id, version, r))
                for r in self._approver_recipients(old.plan)]

    def _only_requester(self, sub: Submission, actor: str, what: str) -> None:
        if actor != sub.requester:
            raise _Refusal(f"only {sub.requester}, who sent #{sub.id}, may {what} it", submission_id=sub.id,
                           version=sub.version)

    def _transition(self, sub: Submission, action: str) -> str:
        try:
            return states.transition(sub.state, action)
        except states.IllegalTransition as exc:
            raise _Refusal(f"#{sub.id} cannot be changed now: {exc.reason}", code="illegal_transition",
                           submission_id=sub.id, version=sub.version) from None

    # ------------------------------------------------------------------ votes

    async def vote(self, submission_id: int, approver: str, value: str, *, note: str = "",
                   corpus_version: str | None = None, idempotency_key: str | None = None,
                   version: int | None = None) -> Outcome:
        """Vote on `version` (the one the approver saw; None: the current one, for trusted callers).
        A vote for a superseded version is refused: it never counts for a text its voter did not read."""
        approver = _email(approver)
        value = value.strip().lower()

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            if value not in VOTE_VALUES:
                raise _Refusal(f"'{value}' is not a vote; use approve, reject or changes", code="invalid",
                               submission_id=submission_id)
            sub = await self._lock_submission(session, submission_id)
            plan = RoutePlan.from_json(sub.route)
            if sub.state != states.SUBMITTED:
                raise _Refusal(f"#{submission_id} is {states.describe(sub.state)}; the decision is final",
                               code="final", submission_id=submission_id, version=sub.version)
            if approver == sub.requester:
                raise _Refusal("you cannot decide on your own draft", code="self_approval",
                               submission_id=submission_id, version=sub.version)
            if not plan.eligible(approver, sub.requester):
                raise _Refusal(f"only {plan.describe()} may decide on #{submission_id}", code="not_approver",
                               submission_id=submission_id, version=sub.version)
            self._same_version(sub, version)
            # All votes on this version at once: the one to change, and the card's tally after it.
            votes = list((await session.execute(select(Vote).where(
                col(Vote.submission_id) == submission_id, col(Vote.version) == sub.version)
                .order_by(col(Vote.cast_at), col(Vote.id)))).scalars())
            existing = next((v for v in votes if v.approver == approver), None)
            if existing is not None and existing.value == value:
                view = await self._view(session, sub)
                return Outcome(ok=True, code="unchanged", submission=view,
                               reply=notice(f"Your vote on #{submission_id} is already recorded",
                                            f"You {VOTE_WORDS[value]} it."))
            previous = existing.value if existing is not None else None
            ver = await self._version_row(session, submission_id, sub.version)
            seen_hash = ver.text_hash
            if existing is None:
                row = Vote(submission_id=submission_id, version=sub.version, approver=approver, value=value,
                           note=note, cast_at=now, text_hash=seen_hash)
                session.add(row)
                votes.append(row)
            else:
                existing.value, existing.note, existing.cast_at, existing.text_hash = value, note, now, seen_hash
                votes.remove(existing)
                votes.append(existing)            # ordered by cast time, as a fresh read would be
            await session.flush()
            detail: dict[str, Any] = {"value": value}
            if previous:
                detail["previous"] = previous
            if note:
                detail["note"] = note
            await self._audit(session, Event(actor=approver, action="vote_changed" if previous else "voted",
                                             submission_id=submission_id, version=sub.version, detail=detail), now)
            comments = list((await session.execute(select(Comment).where(
                col(Comment.submission_id) == submission_id).order_by(col(Comment.at), col(Comment.id)))).scalars())
            view = self._view_of(sub, ver, votes, comments)
            return await self._after_vote(session, sub, approver, value, now, corpus_version, view)

        return await self._unit("vote", approver, idempotency_key, work)

    def _same_version(self, sub: Submission, version: int | None) -> None:
        if version is not None and version != sub.version:
            raise _Refusal(f"you acted on version {version} of #{sub.id}, but it is now at version {sub.version}; "
                           f"read version {sub.version} and vote again", code="stale_version",
                           submission_id=sub.id, version=sub.version, title="That version was replaced")

    async def _version_row(self, session: AsyncSession, submission_id: int, version: int) -> SubmissionVersion:
        return (await session.execute(select(SubmissionVersion).where(
            col(SubmissionVersion.submission_id) == submission_id,
            col(SubmissionVersion.number) == version))).scalar_one()

    async def _after_vote(self, session: AsyncSession, sub: Submission, approver: str, value: str, now: datetime,
                          corpus_version: str | None, view: SubmissionView) -> Outcome:
        assert sub.id is not None
        action = {"reject": "reject", "changes": "request_changes"}.get(value)
        if action is None and view.tally.met:
            action = "approve"
        if action is None:
            # The approvers' card shows the new count; the requester hears only about the decision.
            notes = self._card_update(sub, view, f"Review request #{sub.id}: {approver} {VOTE_WORDS[value]} it")
            reply = notice(f"Vote recorded on #{sub.id} (version {sub.version})",
                           f"Still needed: {_still_needed(view)}.")
            return Outcome(ok=True, code="recorded", reply=reply, notifications=tuple(notes), submission=view)
        sub.state = self._transition(sub, action)
        sub.decided_at = sub.updated_at = now
        sub.decision_corpus_version = corpus_version or view.corpus_version
        await self._audit(session, Event(
            actor=approver, action="decided", submission_id=sub.id, version=sub.version,
            corpus_version=sub.decision_corpus_version,
            detail={"state": sub.state, "votes": {v.approver: v.value for v in view.votes}}), now)
        view = replace(view, state=sub.state, decided_at=now, decision_corpus_version=sub.decision_corpus_version)
        title = {states.APPROVED: f"Approved: #{sub.id}", states.REJECTED: f"Rejected: #{sub.id}",
                 states.CHANGES_REQUESTED: f"Changes requested: #{sub.id}"}[sub.state]
        key = f"sub:{sub.id}:v{sub.version}:decision"
        notes = self._notify([self._requester(sub.requester)], submission_reply(view, audience="requester",
                                                                               title=title),
                             "decision", sub.id, key, version=sub.version)
        notes += self._card_update(sub, view, title, kind="decision")
        reply = notice(f"{title} (your vote decided it)", f"{sub.requester} has been told.")
        return Outcome(ok=True, code="decided", reply=reply, notifications=tuple(notes), submission=view)

    async def withdraw_vote(self, submission_id: int, approver: str, *, idempotency_key: str | None = None,
                            version: int | None = None) -> Outcome:
        approver = _email(approver)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            sub = await self._lock_submission(session, submission_id)
            if sub.state != states.SUBMITTED:
                raise _Refusal(f"#{submission_id} is {states.describe(sub.state)}; votes can no longer change",
                               code="final", submission_id=submission_id, version=sub.version)
            self._same_version(sub, version)
            existing = (await session.execute(select(Vote).where(
                col(Vote.submission_id) == submission_id, col(Vote.version) == sub.version,
                col(Vote.approver) == approver))).scalar_one_or_none()
            if existing is None:
                raise _Refusal(f"you have no vote on #{submission_id} to withdraw", code="no_vote",
                               submission_id=submission_id, version=sub.version)
            await session.delete(existing)
            await session.flush()
            await self._audit(session, Event(actor=approver, action="vote_withdrawn", submission_id=submission_id,
                                             version=sub.version, detail={"value": existing.value}), now)
            view = await self._view(session, sub)
            notes = self._card_update(sub, view, f"Review request #{submission_id}: {approver} withdrew their vote")
            return Outcome(ok=True, code="recorded", notifications=tuple(notes), submission=view,
                           reply=notice(f"Vote withdrawn from #{submission_id}"))

        return await self._unit("withdraw_vote", approver, idempotency_key, work)

    # ------------------------------------------------------------------ comments, withdraw, posted

    async def comment(self, submission_id: int, author: str, text: str, *,
                      idempotency_key: str | None = None) -> Outcome:
        author = _email(author)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            body = text.strip()
            if not body:
                raise _Refusal("the comment is empty", code="invalid", submission_id=submission_id)
            sub = await self._lock_submission(session, submission_id)
            plan = RoutePlan.from_json(sub.route)
            is_requester = author == sub.requester
            if not is_requester and not plan.eligible(author, sub.requester) and not self.is_coe(author):
                raise _Refusal(f"only {sub.requester}, {plan.describe()} and the CoE hub may comment on "
                               f"#{submission_id}", code="not_approver", submission_id=submission_id,
                               version=sub.version)
            row = Comment(submission_id=submission_id, version=sub.version, author=author, body=body, at=now)
            session.add(row)
            await session.flush()
            await self._audit(session, Event(actor=author, action="commented", submission_id=submission_id,
                                             version=sub.version,
                                             detail={"comment_id": row.id, "body_hash": text_hash(body)}), now)
            view = await self._view(session, sub)
            reply = Reply(kind="notice", title=f"{author} commented on #{submission_id}", body=body,
                          facts=(Fact(label="State", value=states.describe(sub.state)),))
            notes = []
            if not is_requester:
                notes = self._notify([self._requester(sub.requester)], reply, "comment", submission_id,
                                     f"comment:{row.id}", version=sub.version)
            # In the approvers' channel the comment goes into the card's thread, and the card shows it.
            notes += [replace(n, kind="comment", card_key=card_key(submission_id, sub.version, n.to))
                      for n in self._notify(self._approver_recipients(plan), reply, "comment", submission_id,
                                            f"comment:{row.id}", version=sub.version)]
            notes += self._card_update(sub, view, f"Review request #{submission_id}: {author} commented")
            return Outcome(ok=True, code="recorded", reply=notice(f"Comment added to #{submission_id}"),
                           notifications=tuple(notes), submission=view)

        return await self._unit("comment", author, idempotency_key, work)

    async def withdraw(self, submission_id: int, requester: str, *, idempotency_key: str | None = None) -> Outcome:
        requester = _email(requester)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            sub = await self._lock_submission(session, submission_id)
            self._only_requester(sub, requester, "withdraw")
            sub.state = self._transition(sub, "withdraw")
            sub.decided_at = sub.updated_at = now
            await self._audit(session, Event(actor=requester, action="withdrawn", submission_id=submission_id,
                                             version=sub.version), now)
            view = await self._view(session, sub)
            notes = self._card_update(sub, view, f"Withdrawn: #{submission_id}", kind="withdrawn")
            return Outcome(ok=True, code="recorded", reply=notice(f"#{submission_id} withdrawn"),
                           notifications=tuple(notes), submission=view)

        return await self._unit("withdraw", requester, idempotency_key, work)

    async def mark_posted(self, submission_id: int, requester: str, url: str = "", *,
                          idempotency_key: str | None = None) -> Outcome:
        requester = _email(requester)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            sub = await self._lock_submission(session, submission_id)
            self._only_requester(sub, requester, "mark as posted")
            sub.state = self._transition(sub, "mark_posted")
            sub.posted_at = sub.updated_at = now
            sub.posted_url = url.strip()
            await self._audit(session, Event(actor=requester, action="posted", submission_id=submission_id,
                                             version=sub.version, detail={"url": sub.posted_url}), now)
            view = await self._view(session, sub)
            return Outcome(ok=True, code="recorded", reply=notice(f"#{submission_id} marked as posted"),
                           submission=view)

        return await self._unit("mark_posted", requester, idempotency_key, work)

    # ------------------------------------------------------------------ disputes

    async def dispute(self, requester: str, rule: str, reason: str, *, category: str = "general", phrase: str = "",
                      severity: str = "review", submission_id: int | None = None, corpus_version: str = "",
                      check_id: int | None = None, idempotency_key: str | None = None) -> Outcome:
        """An employee says a finding is wrong. The caller (the facade) takes the rule, its category and
        severity from the corpus and the phrase from the check: never from the requester. Routed like a
        draft with that finding, in the requester's department as the directory knows it."""
        requester = _email(requester)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            if not rule.strip():
                raise _Refusal("name the rule you dispute (the id shown with the finding)", code="invalid")
            if not reason.strip():
                raise _Refusal("say why you think the finding is wrong; the approver decides on your reason",
                               code="invalid")
            dept = self.directory.department_of(requester)
            plan = self.directory.plan([(category, "review", rule.strip())], dept, requester)
            row = Dispute(requester=requester, department=dept, rule=rule.strip(), category=category,
                          severity=severity, phrase=phrase.strip(), reason=reason.strip(),
                          submission_id=submission_id, check_id=check_id, corpus_version=corpus_version,
                          route=plan.to_json(), created_at=now)
            session.add(row)
            await session.flush()
            await self._audit(session, Event(actor=requester, action="disputed", submission_id=submission_id,
                                             corpus_version=corpus_version,
                                             detail={"dispute": row.id, "rule": row.rule, "phrase": row.phrase,
                                                     "severity": severity, "check": check_id,
                                                     "department": dept, "reason": row.reason}), now)
            card = _dispute_reply(row, f"Dispute #{row.id}: {requester} says {row.rule} is wrong")
            notes = self._notify(self._approver_recipients(plan), card, "dispute", submission_id,
                                 f"dispute:{row.id}")
            return Outcome(ok=True, code="recorded", notifications=tuple(notes), data={"dispute_id": row.id},
                           reply=notice(f"Dispute #{row.id} sent to {plan.describe()}",
                                        "You will hear back when it is decided."))

        return await self._unit("dispute", requester, idempotency_key, work)

    def is_coe(self, email: str) -> bool:
        hub = self.directory.group(self.directory.hub)
        email = _email(email)
        return hub is not None and (email in hub.members or email in hub.backups)

    def rule_owners(self, category: str, rule: str) -> tuple[str, ...]:
        return self.directory.rule_owners(category, rule)

    async def resolve_dispute(self, dispute_id: int, approver: str, decision: str, note: str = "", *,
                              idempotency_key: str | None = None) -> Outcome:
        """`uphold` keeps the finding; `false_positive` adds an exception (rule, phrase, department) that
        expires. On a block rule it needs a phrase and a resolver from the rule's owner group."""
        approver = _email(approver)
        decision = decision.strip().lower().replace("-", "_").replace(" ", "_")

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            if decision not in DISPUTE_DECISIONS:
                raise _Refusal(f"'{decision}' is not a dispute decision; use uphold or false_positive",
                               code="invalid")
            row = (await session.execute(self.db.lock(select(Dispute).where(col(Dispute.id) == dispute_id))
                                         .execution_options(populate_existing=True))).scalar_one_or_none()
            if row is None:
                raise _Refusal(f"there is no dispute #{dispute_id}", code="not_found", title="Not found")
            if row.state != "open":
                raise _Refusal(f"dispute #{dispute_id} was already decided ({row.state.replace('_', ' ')})",
                               code="final")
            plan = RoutePlan.from_json(row.route)
            if approver == row.requester:
                raise _Refusal("you cannot decide your own dispute", code="self_approval")
            if not plan.eligible(approver, row.requester) and not self.is_coe(approver):
                raise _Refusal(f"only {plan.describe()} or the CoE hub may decide dispute #{dispute_id}",
                               code="not_approver")
            detail: dict[str, Any] = {"dispute": row.id, "decision": decision, "rule": row.rule}
            if decision == "false_positive" and row.severity == "block":
                owners = self.rule_owners(row.category, row.rule)
                if not row.phrase:
                    raise _Refusal(f"{row.rule} blocks drafts; an exception to it needs the exact phrase it "
                                   "flagged, and this dispute has none", code="invalid")
                if not any(approver in self.directory.members_of(g) for g in owners):
                    raise _Refusal(f"{row.rule} blocks drafts; only its owners ({', '.join(owners)}) may rule it "
                                   "a false positive", code="not_approver")
            row.state, row.resolver, row.resolution_note, row.resolved_at = decision, approver, note.strip(), now
            if decision == "false_positive":
                expires = now + timedelta(days=self.exception_days)
                supp = SuppressionRow(rule=row.rule, phrase=row.phrase, department=row.department,
                                      severity=row.severity, dispute_id=row.id, created_by=approver,
                                      created_at=now, expires_at=expires)
                session.add(supp)
                await session.flush()
                detail.update(suppression=supp.id, phrase=row.phrase, department=row.department,
                              expires_at=expires.isoformat())
            await self._audit(session, Event(actor=approver, action="dispute_resolved",
                                             submission_id=row.submission_id, corpus_version=row.corpus_version,
                                             detail=detail), now)
            words = ("upheld: the finding stands" if decision == "uphold"
                     else f"a false positive: until {now + timedelta(days=self.exception_days):%Y-%m-%d}, checks "
                          "in your department will not raise it for "
                          + (f"“{row.phrase}”" if row.phrase else "any text"))
            reply = _dispute_reply(row, f"Dispute #{row.id} decided: {words}")
            notes = self._notify([self._requester(row.requester)], reply, "dispute_resolved", row.submission_id,
                                 f"dispute:{row.id}:resolved")
            return Outcome(ok=True, code="recorded", reply=notice(f"Dispute #{row.id}: {words}"),
                           notifications=tuple(notes), data={"dispute_id": row.id})

        return await self._unit("resolve_dispute", approver, idempotency_key, work)

    async def suppressions_for(self, department: str) -> list[Suppression]:
        """The exceptions in force for `department` (false-positive disputes, not revoked or expired)."""
        now = self.clock.now()
        async with self.db.reading() as session:
            rows = (await session.execute(select(SuppressionRow).where(
                col(SuppressionRow.department) == department, col(SuppressionRow.revoked_at).is_(None))
                .order_by(col(SuppressionRow.id)))).scalars().all()
        return [Suppression(rule=r.rule, phrase=r.phrase or None) for r in rows
                if r.expires_at is None or as_utc(r.expires_at) > now]

    async def exceptions(self, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        now = self.clock.now()
        async with self.db.reading() as session:
            rows = (await session.execute(select(SuppressionRow).order_by(col(SuppressionRow.id)))).scalars().all()
        out = []
        for r in rows:
            expired = r.expires_at is not None and as_utc(r.expires_at) <= now
            active = r.revoked_at is None and not expired
            if active or include_inactive:
                out.append({"id": r.id, "rule": r.rule, "phrase": r.phrase, "department": r.department,
                            "severity": r.severity, "dispute_id": r.dispute_id, "created_by": r.created_by,
                            "created_at": as_utc(r.created_at).isoformat(),
                            "expires_at": as_utc(r.expires_at).isoformat() if r.expires_at else None,
                            "revoked_at": as_utc(r.revoked_at).isoformat() if r.revoked_at else None,
                            "revoked_by": r.revoked_by, "active": active})
        return out

    async def revoke_exception(self, exception_id: int, actor: str, reason: str, *,
                               idempotency_key: str | None = None) -> Outcome:
        """End an exception now: the CoE hub, or the owners of its rule."""
        actor = _email(actor)

        async def work(session: AsyncSession, now: datetime) -> Outcome:
            row = (await session.execute(self.db.lock(select(SuppressionRow).where(
                col(SuppressionRow.id) == exception_id)).execution_options(populate_existing=True))).scalar_one_or_none()
            if row is None:
                raise _Refusal(f"there is no exception #{exception_id}", code="not_found", title="Not found")
            dispute = await session.get(Dispute, row.dispute_id) if row.dispute_id is not None else None
            owners = self.rule_owners(dispute.category if dispute else "", row.rule)
            if not self.is_coe(actor) and not any(actor in self.directory.members_of(g) for g in owners):
                raise _Refusal(f"only the CoE hub or the owners of {row.rule} may revoke exception #{exception_id}",
                               code="forbidden", title="Not allowed")
            if row.revoked_at is not None:
                raise _Refusal(f"exception #{exception_id} was already revoked", code="final")
            row.revoked_at, row.revoked_by = now, actor
            await self._audit(session, Event(actor=actor, action="exception_revoked",
                                             detail={"suppression": row.id, "rule": row.rule, "reason": reason}), now)
            return Outcome(ok=True, code="recorded", data={"exception_id": row.id},
                           reply=notice(f"Exception #{row.id} revoked",
                                        f"{row.rule} applies again in {row.department or 'every department'}."))

        return await self._unit("revoke_exception", actor, idempotency_key, work)

    # ------------------------------------------------------------------ queries

    async def get(self, submission_id: int) -> SubmissionView | None:
        async with self.db.reading() as session:
            sub = await session.get(Submission, submission_id)
            return await self._view(session, sub) if sub is not None else None

    async def pending(self, approver: str, *, limit: int | None = 50, offset: int = 0) -> Outcome:
        """What `approver` may decide now: submissions waiting in their routes (oldest first, `limit`
        of them from `offset`; `data["total"]` counts them all), and open disputes. Three statements
        whatever the number of submissions: the page of submissions with their current version and
        the total, the votes on those versions, the open disputes."""
        approver = _email(approver)
        async with self.db.reading() as session:
            mine = select(col(SubmissionApprover.submission_id)).where(
                col(SubmissionApprover.email) == approver)
            # Only the columns a list needs; the route as raw JSON text, parsed once per distinct route.
            rows = (await session.execute(
                select(col(Submission.id), col(Submission.requester), col(Submission.department),
                       col(Submission.version), cast(col(Submission.route), Text),
                       col(Submission.created_at), col(SubmissionVersion.text), col(SubmissionVersion.text_hash),
                       col(SubmissionVersion.verdict), col(SubmissionVersion.corpus_version),
                       col(SubmissionVersion.created_at), func.count().over())
                .join(SubmissionVersion, (col(SubmissionVersion.submission_id) == col(Submission.id))
                      & (col(SubmissionVersion.number) == col(Submission.version)))
                .where(col(Submission.state) == states.SUBMITTED, col(Submission.requester) != approver,
                       col(Submission.open_route) | col(Submission.id).in_(mine))
                .order_by(col(Submission.id)).limit(limit).offset(offset))).all()
            total = rows[0][-1] if rows else 0
            ids = [r[0] for r in rows]
            votes: dict[tuple[int, int], list[Vote]] = {}
            if ids:
                for v in (await session.execute(select(Vote).where(col(Vote.submission_id).in_(ids))
                                                .order_by(col(Vote.cast_at), col(Vote.id)))).scalars():
                    votes.setdefault((v.submission_id, v.version), []).append(v)
            disputes = (await session.execute(select(Dispute).where(col(Dispute.state) == "open")
                                              .order_by(col(Dispute.id)))).scalars().all()
        views = [SubmissionView(
            id=sid, requester=requester, department=dept, state=states.SUBMITTED, version=number, text=text,
            verdict=verdict, categories=(), findings=(), corpus_version=corpus_version, plan=_plan(route),
            votes=tuple(VoteView(v.approver, v.value, as_utc(v.cast_at), v.note) for v in votes.get((sid, number), [])),
            created_at=as_utc(created), text_hash=digest, version_created_at=as_utc(version_created))
            for (sid, requester, dept, number, route, created, text, digest, verdict, corpus_version, version_created,
                 _total) in rows]
        open_disputes = [d for d in disputes if RoutePlan.from_json(d.route).eligible(approver, d.requester)
                         or (self.is_coe(approver) and approver != d.requester)]
        facts = []
        for view in views:
            voted = next((x.value for x in view.votes if x.approver == approver), None)
            status = f"you {VOTE_WORDS[voted]} it" if voted else "waiting for you"
            excerpt = " ".join((view.text or "").split())
            excerpt = f" — “{excerpt[:77]}…”" if len(excerpt) > 78 else f" — “{excerpt}”" if excerpt else ""
            facts.append(Fact(label=f"#{view.id} from {view.requester}",
                              value=f"version {view.version}, {status}; {_still_needed(view)} still needed"
                                    f"{excerpt}"))
        facts += [Fact(label=f"Dispute #{d.id} from {d.requester}", value=f"{d.rule}: {d.reason}")
                  for d in open_disputes]
        title = (f"{total} submission(s) and {len(open_disputes)} dispute(s) waiting"
                 if total or open_disputes else "Nothing waiting for you")
        if len(views) < total:
            title += f" (showing {offset + 1}–{offset + len(views)})"
        reply = Reply(kind="list", title=title, facts=tuple(facts))
        return Outcome(ok=True, code="list", reply=reply,
                       data={"submissions": views, "disputes": [d.id for d in open_disputes], "total": total})

    def visible_to(self, view: SubmissionView, person: str) -> bool:
        """The requester, anyone who may decide it (any version's route) and the CoE hub."""
        person = _email(person)
        return person == view.requester or view.plan.eligible(person, view.requester) or self.is_coe(person)

    async def mine(self, requester: str, *, limit: int = 20) -> Outcome:
        requester = _email(requester)
        async with self.db.reading() as session:
            subs = (await session.execute(select(Submission).where(col(Submission.requester) == requester)
                                          .order_by(col(Submission.id).desc()).limit(limit))).scalars().all()
            views = [await self._view(session, s) for s in subs]
        facts = tuple(Fact(label=f"#{v.id} (version {v.version})", value=states.describe(v.state)) for v in views)
        title = f"Your submissions ({len(views)})" if views else "You have no submissions"
        return Outcome(ok=True, code="list", reply=Reply(kind="list", title=title, facts=facts),
                       data={"submissions": views})

    # ------------------------------------------------------------------ SLA

    async def remind_overdue(self, now: datetime | None = None, *, limit: int = 500) -> Outcome:
        """Run the reminders, escalations and expiries due at `now` (the clock's time by default).
        Safe to call from every replica at once: each job is claimed by exactly one."""
        from bot.workflow.sla import run_due_jobs

        return await run_due_jobs(self, as_utc(now) if now is not None else self.clock.now(), limit=limit)

    # ------------------------------------------------------------------ records for reports

    async def record_check(self, actor: str, result: CheckResult, *, draft: str = "", department: str | None = None,
                           platform: str = "", submission_id: int | None = None) -> int:
        dept = department if department is not None else self.directory.department_of(actor)
        return await records.record_check(self.db, self.clock, _email(actor), result, draft=draft, department=dept,
                                          platform=platform, submission_id=submission_id)

    async def record_question(self, actor: str, question: str, answered: bool, *, categories: Iterable[str] = (),
                              sections: Iterable[str] = (), confidence: float | None = None,
                              corpus_version: str = "", department: str | None = None, platform: str = "") -> int:
        dept = department if department is not None else self.directory.department_of(actor)
        return await records.record_question(self.db, self.clock, _email(actor), question, answered,
                                             categories=categories, sections=sections, confidence=confidence,
                                             corpus_version=corpus_version, department=dept, platform=platform)

    # ------------------------------------------------------------------ identities and chat references

    async def remember_person(self, email: str, *, name: str = "", department: str = "",
                              platform: Platform | None = None, user_id: str = "") -> None:
        await records.remember_person(self.db, self.clock, _email(email), name=name, department=department,
                                      platform=platform, user_id=user_id)

    async def email_for_platform_user(self, platform: Platform, user_id: str) -> str | None:
        """routing.yaml first, then people seen before (remember_person)."""
        return self.directory.email_for(platform, user_id) or await records.email_for(self.db, platform, user_id)

    async def link_message(self, submission_id: int, platform: str, channel: str, message_id: str,
                           kind: str = "review_card", *, version: int | None = None) -> None:
        await records.link_message(self.db, self.clock, submission_id, platform, channel, message_id, kind,
                                   version=version)

    async def submission_for_message(self, platform: str, channel: str, message_id: str) -> int | None:
        found = await records.card_for_message(self.db, platform, channel, message_id)
        return found[0] if found else None

    async def card_for_message(self, platform: str, channel: str, message_id: str) -> tuple[int, int | None] | None:
        """(submission id, version the card showed) of a card message."""
        return await records.card_for_message(self.db, platform, channel, message_id)

    async def messages_for(self, submission_id: int) -> list[tuple[str, str, str]]:
        return await records.messages_for(self.db, submission_id)

    async def save_conversation_ref(self, platform: str, address: str, reference: dict[str, Any]) -> None:
        await records.save_conversation_ref(self.db, self.clock, platform, address, reference)

    async def conversation_ref(self, platform: str, address: str) -> dict[str, Any] | None:
        return await records.conversation_ref(self.db, platform, address)


def _email(value: str) -> str:
    return value.strip().lower()


@lru_cache(maxsize=1024)
def _plan(route_json: str) -> RoutePlan:
    """Routes repeat across submissions: each distinct one is parsed once."""
    return RoutePlan.from_json(json.loads(route_json))


def _namespaced(action: str, key: str) -> str:
    """Idempotency keys are per operation: a vote reusing a submit's event id is a different event."""
    return f"{action}:{key}"


def _still_needed(view: SubmissionView) -> str:
    missing = view.tally.missing()
    return ", ".join(f"{n} from {need.label}" for need, n in missing) or "nothing"


def _dispute_reply(row: Dispute, title: str) -> Reply:
    from bot.replies import Action

    facts = [Fact(label="Rule", value=row.rule), Fact(label="Requester", value=row.requester),
             Fact(label="Reason", value=row.reason)]
    if row.phrase:
        facts.insert(1, Fact(label="Phrase", value=row.phrase))
    if row.department:
        facts.append(Fact(label="Department", value=row.department))
    if row.resolution_note:
        facts.append(Fact(label="Note", value=row.resolution_note))
    actions: tuple[Action, ...] = ()
    if row.state == "open":
        actions = (Action(id="uphold", label="Uphold finding", value=str(row.id)),
                   Action(id="false_positive", label="False positive", value=str(row.id), style="primary"))
    return Reply(kind="notice", title=title, facts=tuple(facts), actions=actions)
