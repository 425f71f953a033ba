"""The neutral reply model: what the core says, before any platform draws it.

Adapters render a Reply as text (terminal), Block Kit (Slack), an Adaptive Card
(Teams) or HTML (web chat). Nothing here knows about any of them. Everything an
adapter needs to act on comes as data: a check id, a finding id, a submission
id *and version* in each action's `args` — never the draft text itself, so a
button value stays far below Slack's 2,000 characters.

Types an adapter meets (see docs/facade.md):
    Reply            the card: title, body, verdict, findings, citations, facts, actions, approval
    ReplyFinding     one finding: id (for disputes), span, excerpt, rule, message, fix, citation
    Citation         policy section with the quote and a URL where the corpus has one
    Action           a button: id ("submit", "approve", …), label, style and typed args
    ApprovalView     an approval's live state: version, quorum per group, votes, waiting on, deadline
    Person           who is acting, as the facade resolved them (whoami)
    Outcome          what every facade call returns: ok, code, reply for the actor, notifications
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.reports.model import Report

ReplyKind = Literal["check", "answer", "not_covered", "notice", "error", "submission", "list", "report"]


class Neutral(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Neutral):
    policy: str            # document id
    section: str           # section id
    title: str             # heading as written
    category: str = "general"
    quote: str = ""        # the passage quoted, verbatim from the policy
    url: str = ""


class ReplyFinding(Neutral):
    category: str
    severity: str
    rule: str
    message: str
    excerpt: str           # the words of the draft that triggered it
    fix: str
    citation: Citation
    id: str = ""           # "<check id>-<n>": what `Steward.dispute` takes; empty when the check was not recorded
    span: tuple[int, int] = (0, 0)   # offsets of the excerpt in the draft as written


class Action(Neutral):
    """A button or command the user can take next. `id` says what (submit, dispute, approve, reject,
    changes, comment, unvote, withdraw, resubmit, mark_posted, uphold, false_positive, revoke);
    `args` are the typed arguments to send back (check_id, finding_id, submission_id, version,
    dispute_id, exception_id). `value` is the same as a short string for platforms that carry one."""

    id: str
    label: str
    value: str = ""
    style: Literal["primary", "danger", "default"] = "default"
    args: dict[str, int | str] = {}


class Fact(Neutral):
    label: str
    value: str


class GroupQuorum(Neutral):
    """One requirement of the route: `needed` approvals from `label` (groups), `given` so far."""

    label: str
    groups: tuple[str, ...]
    needed: int
    given: int
    approvers: tuple[str, ...] = ()      # who counted towards it


class VoteLine(Neutral):
    who: str
    value: Literal["approve", "reject", "changes"]
    at: datetime
    note: str = ""


class ApprovalView(Neutral):
    """A submission's approval, as every card shows it. `viewer_actions` are what the person the
    reply is for may do now (an approver sees approve/reject/…; a requester never votes)."""

    submission_id: int
    version: int
    text_hash: str
    state: str
    state_label: str
    requester: str
    department: str = ""
    route: tuple[str, ...] = ()          # route ids that matched
    quorum: tuple[GroupQuorum, ...] = ()
    votes: tuple[VoteLine, ...] = ()
    waiting_on: tuple[str, ...] = ()     # labels of requirements still short of approvals
    sla_deadline: datetime | None = None
    final: bool = False
    viewer_actions: tuple[str, ...] = ()


class Attachment(Neutral):
    """A file that goes with a reply: a report's chart (PNG) or a compliance export (CSV, JSONL)."""

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_bytes="base64", val_json_bytes="base64")
    name: str
    mime: str
    data: bytes
    title: str = ""


class Reply(Neutral):
    kind: ReplyKind
    title: str
    body: str = ""
    verdict: Literal["allow", "review", "block"] | None = None
    findings: tuple[ReplyFinding, ...] = ()
    citations: tuple[Citation, ...] = ()
    facts: tuple[Fact, ...] = ()
    actions: tuple[Action, ...] = ()
    corpus_version: str = ""
    approval: ApprovalView | None = None
    check_id: int | None = None          # set on a recorded check: Send for approval sends this
    report: Report | None = None         # a /coe report, as data: each adapter draws its sections
    attachments: tuple[Attachment, ...] = ()


class Person(Neutral):
    """Who is acting. The e-mail address is the identity; the department comes from the directory
    (routing.yaml), else from what the platform's profile said (remembered), never from a request."""

    email: str
    name: str = ""
    department: str = ""
    platform: str = ""
    user_id: str = ""
    groups: tuple[str, ...] = ()
    is_coe: bool = False


class Recipient(Neutral):
    """Where a notification goes on one platform: a person (by e-mail; `address` is their platform
    id when known) or a group's channel (`address` is the channel id)."""

    kind: Literal["person", "group"]
    id: str
    address: str = ""
    name: str = ""


class Notification(Neutral):
    """A message the outbox delivers: `op` post (a new message) or update (the card first sent
    under `card_key`, edited in place)."""

    key: str
    platform: str
    to: Recipient
    kind: str
    reply: Reply
    op: Literal["post", "update"] = "post"
    card_key: str = ""
    submission_id: int | None = None


class Outcome(Neutral):
    """What every facade call returns. `ok`: it took effect (or already had: `duplicate`). `code`:
    recorded, unchanged, decided, duplicate, list, show, refused, not_found, invalid, stale_version,
    forbidden, blocked, final, … `notifications` are already in the outbox: shown for information,
    never to be sent by the caller."""

    ok: bool
    code: str
    reply: Reply
    notifications: tuple[Notification, ...] = ()
    duplicate: bool = False
    submission_id: int | None = None
    version: int | None = None
    approval: ApprovalView | None = None   # the submission as it now stands, with the actor's actions
    data: dict[str, Any] = {}


def notice(title: str, body: str = "") -> Reply:
    return Reply(kind="notice", title=title, body=body)


def error(title: str, body: str = "") -> Reply:
    return Reply(kind="error", title=title, body=body)
