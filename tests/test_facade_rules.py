"""The facade's rules on both backends: who may see and do what (every refusal audited),
votes tied to the version read, safe disputes, hostile input refused with nothing stored,
and pending() in a constant number of statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from bot import validation
from bot.clock import ManualClock
from bot.directory import load_directory
from bot.policy import load_corpus
from bot.replies import Person
from bot.steward import Steward
from bot.store.database import Database
from bot.store.tables import AuditEvent, CheckRecord, Comment, ProcessedEvent, Vote
from tests.support import POLICIES

ADA = "ada.lovelace@northwindlabs.com"          # engineering
PRIYA = "priya.shah@northwindlabs.com"          # sales: nobody's approver here
HUB = "maria.lopez@northwindlabs.com"
IR = "ben.clarke@northwindlabs.com"             # investor relations: owns the financial rules
CLAIM = "Atlas is the #1 analytics platform for IoT data #employee"
RESULTS = "Our Q3 revenue grew 40%, results are not out yet but wow"


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return load_corpus(POLICIES)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def steward(db: Database, corpus, clock: ManualClock) -> Steward:  # type: ignore[no-untyped-def]
    return Steward(corpus, directory=load_directory(POLICIES), db=db, clock=clock)


async def refusals(db: Database) -> list[tuple[str, str, str]]:
    async with db.reading() as s:
        events = (await s.execute(select(AuditEvent).where(AuditEvent.action == "refused")
                                  .order_by(AuditEvent.seq))).scalars().all()
    return [(e.actor, e.detail["attempt"], e.detail["code"]) for e in events]


async def submit(steward: Steward, who: Person, text: str = CLAIM) -> tuple[int, int]:
    check = await steward.check_draft(who, text, "local")
    assert check.check_id is not None
    out = await steward.submit(who, check.check_id)
    assert out.ok and out.submission_id is not None, out.reply
    return out.submission_id, check.check_id


async def test_nobody_reads_votes_withdraws_or_disputes_what_they_may_not(steward: Steward, db: Database) -> None:
    ada, priya, hub = await steward.person(ADA), await steward.person(PRIYA), await steward.person(HUB)
    sid, check_id = await submit(steward, ada)
    assert (await steward.show(ada, sid)).ok                      # the requester
    assert (await steward.show(hub, sid)).ok                      # an eligible approver and the CoE hub
    seen = await steward.show(priya, sid)
    assert seen.code == "forbidden" and CLAIM not in seen.reply.model_dump_json()
    assert (await steward.show(priya, 999)).code == "forbidden"     # absent and forbidden look alike
    assert (await steward.vote(priya, sid, 1, "approve")).code == "not_approver"
    assert (await steward.vote(ada, sid, 1, "approve")).code == "self_approval"
    assert (await steward.withdraw(priya, sid)).code == "refused"
    assert (await steward.submit(priya, check_id)).code == "not_found"          # not her check
    assert (await steward.dispute(priya, f"{check_id}-0", "nope")).code == "not_found"
    assert (await steward.exceptions(priya)).code == "forbidden"
    assert (await steward.comment(priya, sid, "hello")).code == "not_approver"
    assert (await steward.comment(hub, sid, "the hub may always comment")).ok
    assert await refusals(db) == [
        (PRIYA, "show", "forbidden"), (PRIYA, "show", "forbidden"), (PRIYA, "vote", "not_approver"),
        (ADA, "vote", "self_approval"), (PRIYA, "withdraw", "refused"), (PRIYA, "submit", "not_found"),
        (PRIYA, "dispute", "not_found"), (PRIYA, "exceptions", "forbidden"), (PRIYA, "comment", "not_approver")]


async def test_a_vote_for_a_superseded_version_is_refused_and_cards_show_the_version(steward: Steward,
                                                                                     db: Database) -> None:
    ada, hub = await steward.person(ADA), await steward.person(HUB)
    sid, _ = await submit(steward, ada)
    v2 = await steward.check_draft(ada, CLAIM + " (per Gartner 2026)", "local")
    resubmitted = await steward.resubmit(ada, sid, v2.check_id or 0)
    assert resubmitted.ok and resubmitted.version == 2
    stale = await steward.vote(hub, sid, 1, "approve")
    assert stale.code == "stale_version" and "version 2" in stale.reply.body
    assert stale.approval is not None and stale.approval.version == 2
    fresh = await steward.vote(hub, sid, 2, "approve")
    assert fresh.code == "decided" and fresh.approval and fresh.approval.state == "approved"
    async with db.reading() as s:
        (vote,) = (await s.execute(select(Vote))).scalars().all()
    assert vote.version == 2 and vote.text_hash == fresh.approval.text_hash != ""
    card = next(n for n in resubmitted.notifications if n.kind == "review_request")
    assert card.reply.approval is not None and card.reply.approval.version == 2
    assert {a.args["version"] for a in card.reply.actions} == {2}
    old = next(n for n in resubmitted.notifications if n.op == "update")
    assert old.reply.approval and old.reply.approval.version == 1 and old.reply.actions == ()
    # The requester's own cards never carry a vote.
    mine = (await steward.mine(ada)).data["submissions"][0]
    assert not {"approve", "reject", "changes"} & set(mine.viewer_actions)


async def test_disputes_take_rule_route_and_phrase_from_the_check_and_block_rules_need_their_owners(
        steward: Steward, db: Database, clock: ManualClock) -> None:
    ada, hub, ir = await steward.person(ADA), await steward.person(HUB), await steward.person(IR)
    check = await steward.check_draft(ada, RESULTS, "local")
    assert check.verdict == "block"
    finding = check.findings[0]
    assert finding.rule == "financial.results" and finding.id == f"{check.check_id}-0"
    disputed = await steward.dispute(ada, finding.id, "it is last year's published figure")
    assert disputed.ok and {n.to.id for n in disputed.notifications} == {"investor-relations"}
    did = disputed.data["dispute_id"]
    by_hub = await steward.resolve_dispute(hub, did, "false-positive")
    assert by_hub.code == "not_approver" and "investor-relations" in by_hub.reply.body
    ruled = await steward.resolve_dispute(ir, did, "false_positive", "published in the annual report")
    assert ruled.ok, ruled.reply
    listed = (await steward.exceptions(hub)).data["exceptions"]
    assert [(e["rule"], e["phrase"], e["department"]) for e in listed] == [
        ("financial.results", finding.excerpt, "engineering")]
    excerpts = [f.excerpt for f in check.findings]
    after = await steward.check_draft(ada, RESULTS, "local")       # only the ruled phrase is exempt
    assert [f.excerpt for f in after.findings] == excerpts[1:]
    other = await steward.check_draft(await steward.person(PRIYA), RESULTS, "local")
    assert [f.excerpt for f in other.findings] == excerpts           # only in ada's department
    clock.advance(timedelta(days=91))                                  # exceptions expire
    assert [f.excerpt for f in (await steward.check_draft(ada, RESULTS, "local")).findings] == excerpts
    assert (await steward.exceptions(hub)).data["exceptions"] == []
    revoked = await steward.revoke_exception(hub, listed[0]["id"], "expired anyway")
    assert revoked.ok


async def test_hostile_input_is_refused_with_nothing_stored(steward: Steward, db: Database) -> None:
    ada, hub = await steward.person(ADA), await steward.person(HUB)
    sid, _ = await submit(steward, ada)

    async def counts() -> tuple[int, int, int, int]:
        async with db.reading() as s:
            return tuple([(await s.execute(select(func.count()).select_from(t))).scalar_one()  # type: ignore[return-value]
                          for t in (Comment, Vote, ProcessedEvent, CheckRecord)])

    before = await counts()
    hostile = [
        steward.comment(hub, sid, "nul\x00here"), steward.comment(hub, sid, "lone \ud800 surrogate"),
        steward.comment(hub, sid, "x" * 1_000_000), steward.vote(hub, sid, 1, "approve", note="y" * 5_000),
        steward.vote(hub, 2 ** 63, 1, "approve"), steward.vote(hub, sid, 2 ** 70, "approve"),
        steward.vote(hub, -1, 1, "approve"), steward.vote(hub, sid, 1, "maybe"),
        steward.vote(hub, sid, 1, "approve", key="k" * 300), steward.vote(hub, sid, 1, "approve", key="a b"),
        steward.dispute(ada, "99999999999999999999-0", "why"), steward.dispute(ada, "x-y", "why"),
        steward.resolve_dispute(hub, 1, "\x00"), steward.show(hub, 2 ** 64),
        steward.vote_on_message(hub, "slack", "C1", "m\x00", "approve"),
    ]
    for call in hostile:
        out = await call
        assert not out.ok and out.code in ("invalid", "not_found"), out
    refused = await steward.check_draft(ada, "draft with \x00 inside", "local")
    assert refused.kind == "error" and refused.check_id is None
    assert await counts() == before


@given(st.text(max_size=300))
def test_validators_only_ever_return_clean_text_or_say_why(value: str) -> None:
    try:
        cleaned = validation.text(value, "note", max_chars=200)
    except validation.InvalidInput as exc:
        assert str(exc)
    else:
        assert "\x00" not in cleaned and len(cleaned) <= 200
        cleaned.encode("utf-8")                                  # no lone surrogates
    shown = validation.escape_controls(value)
    assert not any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) <= 0x9f for c in shown)


async def test_pending_uses_the_same_number_of_statements_for_5_or_50_submissions(
        steward: Steward, db: Database) -> None:
    ada, hub = await steward.person(ADA), await steward.person(HUB)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    async def measured() -> tuple[int, int]:
        statements.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            out = await steward.pending(hub)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        return len(out.data["submissions"]), len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    for _ in range(5):
        await submit(steward, ada)
    five = await measured()
    for _ in range(45):
        await submit(steward, ada)
    fifty = await measured()
    assert five[0] == 5 and fifty[0] == 50
    assert five[1] == fifty[1] <= 3
