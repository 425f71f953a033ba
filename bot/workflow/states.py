"""The approval state machine, as data.

    checked ──submit──► submitted ──quorum──► approved ──mark_posted──► posted
                          │  ▲  ├──reject──► rejected
                          │  │  ├──changes─► changes_requested ──resubmit──► submitted (version n+1)
                          │  └──resubmit (edit while in review: votes start again)
                          ├──withdraw──► withdrawn      (also from changes_requested)
                          └──expire────► expired        (the SLA ran out)

`checked` is not stored: a check is a record of its own, and `submit` turns a
checked draft into a submission. Votes are taken only in `submitted`; every
other state is a decision, and the settled ones (everything but `submitted`
and `changes_requested`) never change again, except approved → posted.
"""

from __future__ import annotations

SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
POSTED = "posted"
SUPERSEDED = "superseded"     # never stored: how an old version's card shows once a new one is out

STATES = (SUBMITTED, APPROVED, REJECTED, CHANGES_REQUESTED, WITHDRAWN, EXPIRED, POSTED)
OPEN = frozenset({SUBMITTED, CHANGES_REQUESTED})                  # the requester can still act
SETTLED = frozenset({APPROVED, REJECTED, WITHDRAWN, EXPIRED, POSTED})
FINAL = frozenset({REJECTED, WITHDRAWN, EXPIRED, POSTED})         # no transition out at all

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({SUBMITTED}), APPROVED),
    "reject": (frozenset({SUBMITTED}), REJECTED),
    "request_changes": (frozenset({SUBMITTED}), CHANGES_REQUESTED),
    "resubmit": (frozenset({SUBMITTED, CHANGES_REQUESTED}), SUBMITTED),
    "withdraw": (frozenset({SUBMITTED, CHANGES_REQUESTED}), WITHDRAWN),
    "expire": (frozenset({SUBMITTED}), EXPIRED),
    "mark_posted": (frozenset({APPROVED}), POSTED),
}

_STATE_WORDS = {
    SUBMITTED: "waiting for approval", APPROVED: "approved", REJECTED: "rejected",
    CHANGES_REQUESTED: "waiting for changes", WITHDRAWN: "withdrawn", EXPIRED: "expired (nobody decided in time)",
    POSTED: "posted", SUPERSEDED: "superseded by a newer version",
}


class IllegalTransition(Exception):
    """An action the current state does not allow; `reason` says why in words a user understands."""

    def __init__(self, action: str, state: str, reason: str) -> None:
        self.action, self.state, self.reason = action, state, reason
        super().__init__(reason)


def describe(state: str) -> str:
    return _STATE_WORDS.get(state, state)


def transition(state: str, action: str) -> str:
    """The state `action` leads to from `state`, or IllegalTransition naming why not."""
    if action not in TRANSITIONS:
        raise IllegalTransition(action, state, f"'{action}' is not something a submission can do")
    sources, target = TRANSITIONS[action]
    if state not in sources:
        allowed = " or ".join(sorted(describe(s) for s in sources))
        raise IllegalTransition(action, state, f"it is {describe(state)}; {action.replace('_', ' ')} needs it "
                                               f"to be {allowed}")
    return target
