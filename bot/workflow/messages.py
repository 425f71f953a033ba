"""What the workflow says: neutral replies for the actor, notifications for everyone else.

Adapters render `Reply` objects; they send each `Notification` to its
`Recipient` (a group channel or a person) and may drop one whose `dedupe_key`
they have already sent (keys are stable across retries and replicas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.directory.routing import Need, Recipient, RoutePlan
from bot.replies import Action, ApprovalView, Citation, Fact, GroupQuorum, Reply, ReplyFinding, VoteLine
from bot.replies import Notification as SentNotification
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
    version: int | None = None
    op: str = "post"            # update: edit the card first sent under `card_key`
    card_key: str = ""


@lru_cache(maxsize=4096)
def _tally(needs: tuple[Need, ...], approvers: tuple[str, ...], requester: str) -> Tally:
    """Tallies repeat (a card, its facts, a list of many alike): computed once per situation."""
    return tally(needs, approvers, requester)


@dataclass(frozen=True, slots=True)
class VoteView:
    approver: str
    value: str
    cast_at: datetime
    note: str = ""


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
    text_hash: str = ""
    version_created_at: datetime | None = None

    @property
    def sla_deadline(self) -> datetime | None:
        after = self.plan.expire_after or self.plan.escalate_after
        if after is None or self.version_created_at is None or self.state != states.SUBMITTED:
            return None
        return self.version_created_at + after

    @property
    def tally(self) -> Tally:
        return _tally(self.plan.needs, tuple(sorted(v.approver for v in self.votes if v.value == "approve")),
                      self.requester)

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
    outbox: tuple[SentNotification, ...] = ()    # what went into the outbox, per platform and address


VOTE_WORDS = {"approve": "approved", "reject": "rejected", "changes": "asked for changes on"}


def card_key(submission_id: int, version: int, to: Recipient) -> str:
    """The key of the approvers' card for one version: its first send, which later updates edit."""
    return f"sub:{submission_id}:v{version}:review:{to.kind}:{to.id}"


APPROVER_ACTIONS = ("approve", "changes", "reject", "unvote", "comment")


def viewer_actions(view: SubmissionView, viewer: str, *, is_coe: bool = False) -> tuple[str, ...]:
    """What `viewer` may do on the submission now. The requester never gets a vote."""
    if viewer == view.requester:
        out = ["comment"] if view.state in states.OPEN else []
        if view.state == states.CHANGES_REQUESTED:
            out.insert(0, "resubmit")
        if view.state in states.OPEN:
            out.append("withdraw")
        if view.state == states.APPROVED:
            out.append("mark_posted")
        return tuple(out)
    if view.state == states.SUBMITTED and view.plan.eligible(viewer, view.requester):
        return APPROVER_ACTIONS
    if view.state in states.OPEN and is_coe:
        return ("comment",)
    return ()


def approval_view(view: SubmissionView, actions: tuple[str, ...] = ()) -> ApprovalView:
    """Built with `model_construct`: the values come from the database through typed code, and
    pending() builds a thousand of these at a time."""
    t = view.tally
    quorum = tuple(GroupQuorum.model_construct(label=n.label, groups=n.groups, needed=n.count, given=len(f),
                                               approvers=f)
                   for f, n in zip(t.filled, t.needs, strict=True))
    return ApprovalView.model_construct(
        submission_id=view.id, version=view.version, text_hash=view.text_hash, state=view.state,
        state_label=states.describe(view.state), requester=view.requester, department=view.department,
        route=view.plan.route_ids, quorum=quorum,
        votes=tuple(VoteLine.model_construct(who=v.approver, value=v.value, at=v.cast_at, note=v.note)
                    for v in view.votes),
        waiting_on=tuple(n.label for n, _ in t.missing()) if view.state == states.SUBMITTED else (),
        sla_deadline=view.sla_deadline, final=view.state in states.SETTLED, viewer_actions=actions)


_ACTION_LABELS = {
    "approve": ("Approve", "primary"), "changes": ("Request changes", "default"), "reject": ("Reject", "danger"),
    "unvote": ("Withdraw my vote", "default"), "comment": ("Comment", "default"),
    "resubmit": ("Resubmit", "primary"), "withdraw": ("Withdraw", "default"),
    "mark_posted": ("Mark as posted", "primary"),
}


def actions_for(view: SubmissionView, names: tuple[str, ...]) -> tuple[Action, ...]:
    args: dict[str, int | str] = {"submission_id": view.id, "version": view.version}
    return tuple(Action(id=n, label=_ACTION_LABELS[n][0], style=_ACTION_LABELS[n][1],  # type: ignore[arg-type]
                        value=f"{view.id}:{view.version}", args=args) for n in names)


def finding_replies(view: SubmissionView) -> tuple[ReplyFinding, ...]:
    out = []
    for f in view.findings:
        policy = f.get("policy") or {}
        start, end = (f.get("span") or (0, 0))[:2]
        excerpt = view.text[start:end] if view.text is not None else ""
        out.append(ReplyFinding(
            category=f.get("category", "general"), severity=f.get("severity", "review"), rule=f.get("rule", ""),
            message=f.get("message", ""), excerpt=excerpt, fix=f.get("fix", ""), span=(int(start), int(end)),
            citation=Citation(policy=policy.get("id", ""), section=policy.get("section", ""),
                              title=policy.get("title", ""), category=f.get("category", "general"))))
    return tuple(out)


def submission_reply(view: SubmissionView, *, title: str, audience: str = "approvers", body: str | None = None,
                     viewer: str = "", is_coe: bool = False) -> Reply:
    """The card for a submission. `audience`: approvers (the channel's card: vote buttons while open),
    requester (their own actions, never a vote), or a `viewer` (what that person may do)."""
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
        words = VOTE_WORDS.get(vote.value, vote.value)
        facts.append(Fact(label=vote.approver, value=f"{words}: {vote.note}" if vote.note else words))
    if view.comments:
        facts.append(Fact(label="Comments", value=str(len(view.comments))))
    names: tuple[str, ...]
    if audience == "approvers":
        names = APPROVER_ACTIONS if view.state == states.SUBMITTED else ()
    elif audience == "requester":
        names = viewer_actions(view, view.requester)
    else:
        names = viewer_actions(view, viewer, is_coe=is_coe) if viewer else ()
    text = body if body is not None else (
        view.text if view.text is not None else "(the draft text was removed under the retention policy)")
    verdict = view.verdict if view.verdict in ("allow", "review", "block") else None
    return Reply(kind="submission", title=title, body=text, verdict=verdict,  # type: ignore[arg-type]
                 findings=finding_replies(view), facts=tuple(facts), actions=actions_for(view, names),
                 corpus_version=view.corpus_version, approval=approval_view(view, names))
