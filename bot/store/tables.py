"""The tables. Every table is in `SQLModel.metadata`; migrations create the same schema.

Timestamps are UTC (`DateTime(timezone=True)`; SQLite hands them back naive, see
`bot.clock.as_utc`). Texts a retention purge may remove (draft texts, question
texts) sit next to their SHA-256, which stays, so the audit chain — which only
ever holds the hashes — still verifies after a purge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


def _json() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PersonRow(SQLModel, table=True):
    """One person across platforms; the e-mail address is the identity."""

    __tablename__ = "person"
    email: str = Field(primary_key=True, max_length=320)
    name: str = ""
    department: str = ""
    slack_id: str | None = Field(default=None, index=True, unique=True)
    teams_id: str | None = Field(default=None, index=True, unique=True)
    updated_at: datetime = _ts()


class ConversationRef(SQLModel, table=True):
    """A platform's stored address for proactive messages (e.g. a Teams ConversationReference)."""

    __tablename__ = "conversation_ref"
    platform: str = Field(primary_key=True, max_length=20)
    address: str = Field(primary_key=True, max_length=320)   # an e-mail or a group/channel id
    reference: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _ts()


class CheckRecord(SQLModel, table=True):
    """Every check of a draft, submitted or not: the reports count these."""

    __tablename__ = "check_record"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(index=True)
    department: str = ""
    platform: str = ""
    verdict: str
    categories: list[str] = _json()
    rules: list[str] = _json()               # ids of the rules that fired (override rates)
    corpus_version: str = ""
    draft_hash: str = ""
    draft: str | None = None                 # kept so "Send for approval" and disputes refer to the check
    findings: list[dict[str, Any]] = _json()  # with spans: a dispute names a finding by its index here
    submission_id: int | None = None
    purged_at: datetime | None = _ts(nullable=True)


class QuestionRecord(SQLModel, table=True):
    """Every policy question; unanswered ones are the CoE's knowledge gaps."""

    __tablename__ = "question_record"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(index=True)
    department: str = ""
    platform: str = ""
    question: str | None = None              # None once purged
    question_hash: str = ""
    answered: bool
    categories: list[str] = _json()
    sections: list[str] = _json()            # cited section ids, best first
    confidence: float | None = None
    corpus_version: str = ""
    purged_at: datetime | None = _ts(nullable=True)


class Submission(SQLModel, table=True):
    __tablename__ = "submission"
    id: int | None = Field(default=None, primary_key=True)
    requester: str = Field(index=True)
    department: str = ""
    platform: str = ""
    state: str = Field(index=True)
    version: int = 1                         # the current version's number
    revision: int = 0                        # bumped on every change: stable keys for card updates
    open_route: bool = False                 # anyone but the requester may approve (an open group)
    verdict: str = ""
    categories: list[str] = _json()
    route: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    decided_at: datetime | None = _ts(nullable=True)
    decision_corpus_version: str = ""
    reminded_at: datetime | None = _ts(nullable=True)
    escalated_at: datetime | None = _ts(nullable=True)
    posted_at: datetime | None = _ts(nullable=True)
    posted_url: str = ""


class SubmissionVersion(SQLModel, table=True):
    """Each text sent for approval; a resubmission adds version n+1 (the link to n is the number)."""

    __tablename__ = "submission_version"
    __table_args__ = (UniqueConstraint("submission_id", "number", name="uq_submission_version"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    number: int
    text: str | None = None                  # None once purged
    text_hash: str
    verdict: str
    findings: list[dict[str, Any]] = _json()  # rule, category, severity, span (no excerpts: they are draft text)
    corpus_version: str = ""
    created_at: datetime = _ts()
    purged_at: datetime | None = _ts(nullable=True)


class SubmissionApprover(SQLModel, table=True):
    """Who may decide the current version (members and backups of the route's groups): lets
    `pending()` be one indexed query instead of reading every route."""

    __tablename__ = "submission_approver"
    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    email: str = Field(primary_key=True, max_length=320, index=True)


class Vote(SQLModel, table=True):
    """An approver's current vote on one version; changing it updates the row, withdrawing deletes it.
    The history of every change is in the audit log."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("submission_id", "version", "approver", name="uq_vote_once"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    version: int
    approver: str
    value: str                               # approve | reject | changes
    note: str = ""
    text_hash: str = ""                      # of the version the approver saw
    cast_at: datetime = _ts()


class Comment(SQLModel, table=True):
    __tablename__ = "comment"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    version: int
    author: str
    body: str
    at: datetime = _ts()


class ProcessedEvent(SQLModel, table=True):
    """Idempotency: the key of every event handled (e.g. a Slack event id), with the reply given,
    so a retried delivery is answered the same way and changes nothing."""

    __tablename__ = "processed_event"
    key: str = Field(primary_key=True, max_length=255)
    action: str
    actor: str = ""
    submission_id: int | None = None
    reply: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    notifications: list[dict[str, Any]] = _json()   # what the first delivery enqueued, returned again
    at: datetime = _ts()


class SlaJob(SQLModel, table=True):
    """A reminder, escalation or expiry due at `due_at`; `done_at` is set by the one replica that ran it."""

    __tablename__ = "sla_job"
    __table_args__ = (
        UniqueConstraint("submission_id", "version", "kind", name="uq_sla_job"),
        Index("ix_sla_job_due", "done_at", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id")
    version: int
    kind: str                                # remind | escalate | expire
    due_at: datetime = _ts()
    done_at: datetime | None = _ts(nullable=True)
    claimed_by: str = ""
    outcome: str = ""                        # done | stale (the submission had moved on)


class Dispute(SQLModel, table=True):
    __tablename__ = "dispute"
    id: int | None = Field(default=None, primary_key=True)
    requester: str = Field(index=True)
    department: str = ""
    rule: str = Field(index=True)
    category: str = ""
    severity: str = ""                       # the rule's, from the corpus
    phrase: str = ""
    reason: str
    submission_id: int | None = None
    check_id: int | None = None
    state: str = Field(default="open", index=True)   # open | upheld | false_positive
    resolver: str = ""
    resolution_note: str = ""
    corpus_version: str = ""
    route: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    resolved_at: datetime | None = _ts(nullable=True)


class SuppressionRow(SQLModel, table=True):
    """A scoped exception from a dispute resolved as a false positive: this rule, this phrase
    (any text when empty), this department."""

    __tablename__ = "suppression"
    id: int | None = Field(default=None, primary_key=True)
    rule: str
    phrase: str = ""
    department: str = Field(default="", index=True)
    dispute_id: int | None = Field(default=None, foreign_key="dispute.id")
    severity: str = ""
    created_by: str = ""
    created_at: datetime = _ts()
    expires_at: datetime | None = _ts(nullable=True)
    revoked_at: datetime | None = _ts(nullable=True)
    revoked_by: str = ""


class MessageRef(SQLModel, table=True):
    """A chat message the bot posted about a submission (a review card), so a reaction on it can be
    traced back and the card updated when the decision is made."""

    __tablename__ = "message_ref"
    platform: str = Field(primary_key=True, max_length=20)
    channel: str = Field(primary_key=True, max_length=255)
    message_id: str = Field(primary_key=True, max_length=255)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    version: int | None = None               # the version the card showed: a reaction votes on it
    kind: str = "review_card"
    created_at: datetime = _ts()


class OutboxRow(SQLModel, table=True):
    """A notification to deliver, written in the same transaction as the change that causes it.
    state: pending → sending (claimed until `claimed_until`) → sent | dead; superseded for a card
    update overtaken by a newer one."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=400)
    platform: str = Field(max_length=20)
    recipient_kind: str = "person"           # person | group
    recipient_id: str = ""                   # e-mail or group id
    address: str = ""                        # platform address (channel id, user id) when known
    recipient_name: str = ""
    kind: str = ""                           # review_request, card, decision, comment, reminder, …
    op: str = "post"                         # post | update
    card_key: str = Field(default="", index=True)   # for updates: the key of the card's first send
    submission_id: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    claimed_until: datetime | None = _ts(nullable=True)
    claimed_by: str = ""
    last_error: str = ""
    message_id: str = ""
    channel: str = ""
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)


class AuditEvent(SQLModel, table=True):
    """Append-only and hash-chained: `hash` = SHA-256 of `prev_hash` and the event's content."""

    __tablename__ = "audit_event"
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: datetime = _ts(index=True)
    actor: str
    action: str
    submission_id: int | None = Field(default=None, index=True)
    version: int | None = None
    corpus_version: str = ""
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str = Field(unique=True)


class AuditHead(SQLModel, table=True):
    """One row: the last event's number and hash. Appending locks it, which orders the chain;
    it also reveals events removed from the end."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    hash: str


METADATA = SQLModel.metadata
