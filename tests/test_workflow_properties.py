"""Property-based: random sequences of submissions, votes, withdrawals, resubmissions, clock moves.

A plain-Python model of the rules predicts every outcome; after each step the
database must agree with it. Invariants: no self-approval, quorum exact (an
approval exists only when the votes meet it), final states never change,
retried deliveries change nothing, and the audit chain verifies at the end.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from conftest import ENG, LEGAL, LEGAL_REVIEW, REQUESTER, Target, make_result, routing_spec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.audit.chain import verify
from bot.clock import ManualClock
from bot.directory import Directory
from bot.workflow import states
from bot.workflow.service import WorkflowService

IR = ("ir1@nw.example", "ir-backup@nw.example")
VOTERS = (*LEGAL, REQUESTER, ENG[0], IR[0], "stranger@nw.example")
FINANCIAL = make_result(("financial", "review", "financial.results"))
EXPIRE_AFTER = timedelta(days=7)


@dataclass
class Model:
    kind: str                      # legal | financial
    state: str = states.SUBMITTED
    version: int = 1
    votes: dict[str, str] = field(default_factory=dict)
    started: object = None         # when the current version was submitted

    def eligible(self, voter: str) -> bool:
        if voter == REQUESTER:
            return False
        return voter in LEGAL if self.kind == "legal" else voter in IR or voter in ENG

    def quorum(self) -> bool:
        yes = [v for v, value in self.votes.items() if value == "approve" and v != REQUESTER]
        if self.kind == "legal":
            return sum(1 for v in yes if v in LEGAL) >= 2
        # one from investor relations and one from the department, distinct people
        return any(a != b for a, b in itertools.product([v for v in yes if v in IR], [v for v in yes if v in ENG]))


def run_machine(target: Target, max_examples: int) -> None:
    loop = asyncio.new_event_loop()
    db = target.database()
    loop.run_until_complete(db.create_all())
    keys = itertools.count()
    clock = ManualClock()          # shared: time only moves forward across examples on one database

    class Workflow(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            self.clock = clock
            self.service = WorkflowService(db, Directory(routing_spec()), self.clock)
            self.models: dict[int, Model] = {}
            self.last_vote: tuple[int, str, str, str] | None = None

        def run(self, coro):  # type: ignore[no-untyped-def]
            return loop.run_until_complete(coro)

        def pick(self, i: int) -> tuple[int, Model]:
            sid = sorted(self.models)[i % len(self.models)]
            return sid, self.models[sid]

        @rule(kind=st.sampled_from(["legal", "financial"]))
        def submit(self, kind: str) -> None:
            result = LEGAL_REVIEW if kind == "legal" else FINANCIAL
            out = self.run(self.service.submit(REQUESTER, f"{kind} draft", result, department="engineering"))
            assert out.ok and out.submission is not None
            self.models[out.submission.id] = Model(kind, started=self.clock.now())

        @precondition(lambda self: self.models)
        @rule(i=st.integers(0, 50), voter=st.sampled_from(VOTERS),
              value=st.sampled_from(["approve", "approve", "approve", "reject", "changes"]))
        def vote(self, i: int, voter: str, value: str) -> None:
            sid, m = self.pick(i)
            key = f"k{next(keys)}"
            out = self.run(self.service.vote(sid, voter, value, idempotency_key=key))
            if m.state != states.SUBMITTED:
                assert out.code == "final"
            elif voter == REQUESTER:
                assert out.code == "self_approval"
            elif not m.eligible(voter):
                assert out.code == "not_approver"
            elif m.votes.get(voter) == value:
                assert out.code == "unchanged"
            else:
                m.votes[voter] = value
                if value == "reject":
                    m.state = states.REJECTED
                elif value == "changes":
                    m.state = states.CHANGES_REQUESTED
                elif m.quorum():
                    m.state = states.APPROVED
                assert out.code == ("decided" if m.state != states.SUBMITTED else "recorded")
                decisions = [n for n in out.notifications if n.kind == "decision"]
                assert bool(decisions) == (out.code == "decided")
            self.last_vote = (sid, voter, value, key)
            self.same(sid)

        @precondition(lambda self: self.last_vote is not None)
        @rule()
        def redeliver(self) -> None:
            assert self.last_vote is not None
            sid, voter, value, key = self.last_vote
            out = self.run(self.service.vote(sid, voter, value, idempotency_key=key))
            assert out.duplicate and out.notifications == ()
            self.same(sid)

        @precondition(lambda self: self.models)
        @rule(i=st.integers(0, 50), voter=st.sampled_from(VOTERS))
        def withdraw_vote(self, i: int, voter: str) -> None:
            sid, m = self.pick(i)
            out = self.run(self.service.withdraw_vote(sid, voter))
            if m.state != states.SUBMITTED:
                assert out.code == "final"
            elif voter not in m.votes:
                assert out.code == "no_vote"
            else:
                del m.votes[voter]
                assert out.code == "recorded"
            self.same(sid)

        @precondition(lambda self: self.models)
        @rule(i=st.integers(0, 50), action=st.sampled_from(["resubmit", "withdraw", "mark_posted"]))
        def requester_acts(self, i: int, action: str) -> None:
            sid, m = self.pick(i)
            if action == "resubmit":
                result = LEGAL_REVIEW if m.kind == "legal" else FINANCIAL
                out = self.run(self.service.resubmit(sid, REQUESTER, f"v{m.version + 1}", result))
            elif action == "withdraw":
                out = self.run(self.service.withdraw(sid, REQUESTER))
            else:
                out = self.run(self.service.mark_posted(sid, REQUESTER))
            sources, target_state = states.TRANSITIONS[action]
            if m.state in sources:
                assert out.ok, out.reply
                m.state = target_state
                if action == "resubmit":
                    m.version, m.votes, m.started = m.version + 1, {}, self.clock.now()
            else:
                assert out.code == "illegal_transition"
            self.same(sid)

        @rule(hours=st.sampled_from([1, 5, 30, 100]))
        def time_passes(self, hours: int) -> None:
            self.clock.advance(hours=hours)
            now = self.clock.now()
            out = self.run(self.service.remind_overdue(now))
            expiring = {sid for sid, m in self.models.items()
                        if m.state == states.SUBMITTED and now - m.started >= EXPIRE_AFTER}  # type: ignore[operator]
            # submissions from earlier examples may expire too; this example's must be exactly these
            assert {sid for kind, sid in out.data["jobs"] if kind == "expire" and sid in self.models} == expiring
            for sid in expiring:
                self.models[sid].state = states.EXPIRED
                self.same(sid)

        def same(self, sid: int) -> None:
            view = self.run(self.service.get(sid))
            m = self.models[sid]
            assert (view.state, view.version) == (m.state, m.version)
            assert {v.approver: v.value for v in view.votes} == m.votes
            if view.state == states.APPROVED:
                assert REQUESTER not in {v.approver for v in view.votes}
                assert view.tally.met and m.quorum()
            if view.state == states.SUBMITTED:
                assert not view.tally.met

        @invariant()
        def no_self_votes(self) -> None:
            for m in getattr(self, "models", {}).values():
                assert REQUESTER not in m.votes

        def teardown(self) -> None:
            report = loop.run_until_complete(verify(db))
            assert report.ok, report.problems

    try:
        run_state_machine_as_test(Workflow, settings=settings(
            max_examples=max_examples, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        loop.run_until_complete(db.dispose())
        loop.close()


def test_random_sequences_keep_the_workflow_invariants(target: Target) -> None:
    run_machine(target, max_examples=20)
