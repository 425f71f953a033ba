"""What the workflow says: neutral replies for the actor, notifications for everyone else.

Adapters render `Reply` objects; they send each `Notification` to its
`Recipient` (a group channel or a person) and may drop one whose `dedupe_key`
they have already sent (keys are stable across retries and replicas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.directory.routing import Recipient, RoutePlan
from bot.replies import Action, Citation, Fact, Reply, ReplyFinding
from bot.workflow import states
from bot.workflow.quorum import Tally, tally


@dataclass(frozen=True, slots=True)
class Notification:
    """Send `reply` to `to`. `kind`: review_request, progress, decision, comment, withdrawn,
    resubmitted, reminder, escalation, expired, dispute, dispute_resolved. Adapters that keep a
    review card per submission update it on progress/decision/withdrawn/expired."""

    to: Recipient
    reply: Reply
    dedupe_key: str
    kind: str = ""
    submission_id: int | None = None


@dataclass(frozen=True, slots=True)
class VoteView:
    approver: str
    value: str
    cast_at: datetime


@dataclass(frozen=True, slots=True)
class CommentView:
    author: str
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SubmissionView:
    """A submission as the service hands it out (current version unless said otherwise)."""

    id: int
    requester: str
    department: str
    state: str
    version: int
    text: str | None                    # None once purged
    verdict: str
    categories: tuple[str, ...]
    findings: tuple[dict[str, Any], ...]
    corpus_version: str
    plan: RoutePlan
    votes: tuple[VoteView, ...] = ()
    comments: tuple[CommentView, ...] = ()
    created_at: datetime | None = None
    decided_at: datetime | None = None
    decision_corpus_version: str = ""
    posted_url: str = ""

    @property
    def tally(self) -> Tally:
        return tally(self.plan.needs, [v.approver for v in self.votes if v.value == "approve"], self.requester)

    @property
    def is_open(self) -> bool:
        return self.state in states.OPEN


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of every service call.

    ok: the action took effect (or had already: `duplicate`). `code` is machine-readable:
    recorded, unchanged, decided, duplicate, refused, not_found, invalid. `reply` is for the
    actor; `notifications` are to send, after which nothing else is needed."""

    ok: bool
    code: str
    reply: Reply
    notifications: tuple[Notification, ...] = ()
    submission: SubmissionView | None = None
    duplicate: bool = False
    data: dict[str, Any] = field(default_factory=dict)


VOTE_WORDS = {"approve": "approved", "reject": "rejected", "changes": "asked for changes on"}


def finding_replies(view: SubmissionView) -> tuple[ReplyFinding, ...]:
    out = []
    for f in view.findings:
        policy = f.get("policy") or {}
        start, end = (f.get("span") or (0, 0))[:2]
        excerpt = view.text[start:end] if view.text is not None else ""
        out.append(ReplyFinding(
            category=f.get("category", "general"), severity=f.get("severity", "review"), rule=f.get("rule", ""),
            message=f.get("message", ""), excerpt=excerpt, fix=f.get("fix", ""),
            citation=Citation(policy=policy.get("id", ""), section=policy.get("section", ""),
                              title=policy.get("title", ""), category=f.get("category", "general"))))
    return tuple(out)


def submission_reply(view: SubmissionView, *, title: str, audience: str = "approvers", body: str | None = None) -> Reply:
    """The card for a submission. `audience`: approvers (decision buttons) or requester."""
    t = view.tally
    facts = [Fact(label="Submission", value=f"#{view.id} (version {view.version})"),
             Fact(label="Requester", value=view.requester),
             Fact(label="State", value=states.describe(view.state)),
             Fact(label="Needs", value=view.plan.describe())]
    if view.department:
        facts.insert(2, Fact(label="Department", value=view.department))
    if view.state == states.SUBMITTED:
        facts.append(Fact(label="Approvals", value=t.summary()))
    for vote in view.votes:
        facts.append(Fact(label=vote.approver, value=VOTE_WORDS.get(vote.value, vote.value)))
    actions: list[Action] = []
    value = str(view.id)
    if audience == "approvers" and view.state == states.SUBMITTED:
        actions = [Action(id="approve", label="Approve", value=value, style="primary"),
                   Action(id="changes", label="Request changes", value=value),
                   Action(id="reject", label="Reject", value=value, style="danger"),
                   Action(id="comment", label="Comment", value=value)]
    elif audience == "requester":
        if view.state in states.OPEN:
            actions.append(Action(id="withdraw", label="Withdraw", value=value))
        if view.state == states.CHANGES_REQUESTED:
            actions.insert(0, Action(id="resubmit", label="Resubmit", value=value, style="primary"))
        if view.state == states.APPROVED:
            actions.append(Action(id="mark_posted", label="Mark as posted", value=value, style="primary"))
    text = body if body is not None else (
        view.text if view.text is not None else "(the draft text was removed under the retention policy)")
    verdict = view.verdict if view.verdict in ("allow", "review", "block") else None
    return Reply(kind="submission", title=title, body=text, verdict=verdict,  # type: ignore[arg-type]
                 findings=finding_replies(view), facts=tuple(facts), actions=tuple(actions),
                 corpus_version=view.corpus_version)
