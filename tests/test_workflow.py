"""The approval workflow on both backends: routing, quorum, refusals, exactly-once, notifications."""

from __future__ import annotations

import asyncio

from conftest import ENG, HUB, LEGAL, LEGAL_REVIEW, REQUESTER, make_result
from sqlalchemy import func, select

from bot.audit.chain import verify
from bot.store.tables import AuditEvent, Vote
from bot.workflow import states
from bot.workflow.service import WorkflowService


async def submit_legal(service: WorkflowService, key: str | None = None) -> int:
    out = await service.submit(REQUESTER, "We are being sued, more soon", LEGAL_REVIEW, idempotency_key=key)
    assert out.ok and out.submission is not None
    return out.submission.id


async def actions(service: WorkflowService) -> list[str]:
    async with service.db.reading() as s:
        return list((await s.execute(select(AuditEvent.action).order_by(AuditEvent.seq))).scalars())


async def test_submit_routes_to_the_route_groups_and_notifies_their_channel(service: WorkflowService) -> None:
    out = await service.submit(REQUESTER, "We are being sued", LEGAL_REVIEW)
    assert out.code == "recorded"
    assert out.submission is not None and out.submission.state == states.SUBMITTED
    assert out.submission.plan.route_ids == ("legal",)
    assert [(n.kind, n.to.kind, n.to.id, n.to.slack) for n in out.notifications] == [
        ("review_request", "group", "legal", "CLEGAL")]
    assert {a.id for a in out.notifications[0].reply.actions} == {"approve", "reject", "changes", "comment", "unvote"}
    assert out.reply.kind == "submission" and "2 from legal" in out.reply.body


async def test_quorum_of_two_needs_two_distinct_members(service: WorkflowService) -> None:
    sid = await submit_legal(service)
    first = await service.vote(sid, LEGAL[0], "approve")
    assert first.code == "recorded" and first.submission and first.submission.state == states.SUBMITTED
    again = await service.vote(sid, LEGAL[0], "approve")
    assert again.code == "unchanged" and again.notifications == ()
    second = await service.vote(sid, LEGAL[1], "approve", corpus_version="corpus-2")
    assert second.code == "decided"
    assert second.submission and second.submission.state == states.APPROVED
    assert second.submission.decision_corpus_version == "corpus-2"
    decision = [n for n in second.notifications if n.kind == "decision"]
    assert {(n.to.kind, n.to.id) for n in decision} == {("person", REQUESTER), ("group", "legal")}


async def test_refusals_say_why_and_are_audited(service: WorkflowService) -> None:
    out = await service.submit(REQUESTER, "Q3 numbers look great", make_result(("financial", "review")),
                               department="engineering")
    sid = out.submission.id  # type: ignore[union-attr]
    own = await service.vote(sid, REQUESTER, "approve")      # the requester is an eng advisor: still no
    assert not own.ok and own.code == "self_approval" and "own draft" in own.reply.body
    outsider = await service.vote(sid, LEGAL[0], "approve")
    assert not outsider.ok and outsider.code == "not_approver" and "investor-relations" in outsider.reply.body
    bogus = await service.vote(sid, ENG[0], "maybe")
    assert bogus.code == "invalid"
    missing = await service.vote(999, ENG[0], "approve")
    assert missing.code == "not_found" and "#999" in missing.reply.body
    assert (await actions(service)).count("refused") == 4
    # "one from investor relations and one from the department": both needed, the backup counts for IR
    assert (await service.vote(sid, "ir-backup@nw.example", "approve")).code == "recorded"
    assert (await service.vote(sid, ENG[1], "approve")).code == "decided"
    late = await service.vote(sid, ENG[0], "reject")
    assert late.code == "final" and "final" in late.reply.body
    assert (await verify(service.db)).ok


async def test_reject_and_changes_decide_and_resubmission_starts_a_new_version(service: WorkflowService) -> None:
    sid = await submit_legal(service)
    await service.vote(sid, LEGAL[0], "approve")
    out = await service.vote(sid, LEGAL[1], "changes", note="drop the second sentence")
    assert out.code == "decided" and out.submission and out.submission.state == states.CHANGES_REQUESTED
    assert (await service.resubmit(sid, LEGAL[0], "other", LEGAL_REVIEW)).code == "refused"
    new = await service.resubmit(sid, REQUESTER, "We are being sued.", LEGAL_REVIEW)
    assert new.ok and new.submission and new.submission.version == 2 and new.submission.votes == ()
    cards = {(n.kind, n.op, n.version) for n in new.notifications}
    assert cards == {("review_request", "post", 2), ("card", "update", 1)}    # the v1 card loses its buttons
    rejected = await service.vote(sid, LEGAL[2], "reject")
    assert rejected.submission and rejected.submission.state == states.REJECTED
    again = await service.resubmit(sid, REQUESTER, "third try", LEGAL_REVIEW)
    assert again.code == "illegal_transition" and "rejected" in again.reply.body
    assert (await actions(service))[-1] == "refused"


async def test_votes_can_be_changed_and_withdrawn_until_final(service: WorkflowService) -> None:
    sid = await submit_legal(service)
    await service.vote(sid, LEGAL[0], "approve")
    assert (await service.withdraw_vote(sid, LEGAL[0])).code == "recorded"
    assert (await service.withdraw_vote(sid, LEGAL[0])).code == "no_vote"
    await service.vote(sid, LEGAL[0], "approve")
    await service.vote(sid, LEGAL[1], "approve")                    # approved
    final = await service.withdraw_vote(sid, LEGAL[0])
    assert final.code == "final"
    log = await actions(service)
    assert log[:4] == ["submitted", "voted", "vote_withdrawn", "refused"]
    assert "decided" in log


async def test_blocked_and_empty_drafts_are_refused(service: WorkflowService) -> None:
    blocked = await service.submit(REQUESTER, "password=hunter2", make_result(("security", "block", "security.secret")))
    assert blocked.code == "blocked" and "security.secret" in blocked.reply.body
    empty = await service.submit(REQUESTER, "   ", LEGAL_REVIEW)
    assert empty.code == "invalid"


async def test_withdraw_posted_and_comments(service: WorkflowService) -> None:
    sid = await submit_legal(service)
    assert (await service.comment(sid, "stranger@nw.example", "hi")).code == "not_approver"
    c = await service.comment(sid, LEGAL[0], "Which case is this?")
    assert c.ok and {(n.kind, n.op, n.to.id) for n in c.notifications} == {
        ("comment", "post", REQUESTER), ("comment", "post", "legal"), ("card", "update", "legal")}
    reply = await service.comment(sid, REQUESTER, "The Contoso one")
    assert {(n.kind, n.op, n.to.id) for n in reply.notifications} == {("comment", "post", "legal"),
                                                                     ("card", "update", "legal")}
    assert (await service.mark_posted(sid, REQUESTER)).code == "illegal_transition"
    assert (await service.withdraw(sid, LEGAL[0])).code == "refused"
    w = await service.withdraw(sid, REQUESTER)
    assert w.submission and w.submission.state == states.WITHDRAWN
    view = await service.get(sid)
    assert view and [c.body for c in view.comments] == ["Which case is this?", "The Contoso one"]
    sid2 = await submit_legal(service)
    await service.vote(sid2, LEGAL[0], "approve")
    await service.vote(sid2, LEGAL[1], "approve")
    done = await service.mark_posted(sid2, REQUESTER, "https://social.example/p/1")
    assert done.submission and done.submission.state == states.POSTED
    assert (await verify(service.db)).ok


async def test_pending_lists_what_an_approver_may_decide(service: WorkflowService) -> None:
    sid = await submit_legal(service)
    await service.submit(REQUESTER, "Anything else", make_result(("claims", "review")), department="engineering")
    legal = await service.pending(LEGAL[0])
    assert [v.id for v in legal.data["submissions"]] == [sid]
    assert "waiting for you" in legal.reply.facts[0].value
    assert (await service.pending(REQUESTER)).data["submissions"] == []
    assert (await service.pending(HUB[0])).data["submissions"] == []   # default route: the department advisors
    assert len((await service.pending(ENG[0])).data["submissions"]) == 1
    mine = await service.mine(REQUESTER)
    assert len(mine.data["submissions"]) == 2


async def test_duplicate_deliveries_are_absorbed(service: WorkflowService) -> None:
    sid = await submit_legal(service, key="slack:Ev1")
    dup = await service.submit(REQUESTER, "We are being sued, more soon", LEGAL_REVIEW, idempotency_key="slack:Ev1")
    assert dup.duplicate and dup.notifications == () and dup.submission and dup.submission.id == sid
    first = await service.vote(sid, LEGAL[0], "approve", idempotency_key="slack:Ev2")
    retry = await service.vote(sid, LEGAL[0], "approve", idempotency_key="slack:Ev2")
    assert retry.duplicate and retry.reply == first.reply and retry.notifications == ()
    refused = await service.vote(sid, REQUESTER, "approve", idempotency_key="slack:Ev3")
    await service.vote(sid, REQUESTER, "approve", idempotency_key="slack:Ev3")
    assert not refused.ok
    assert (await actions(service)).count("refused") == 1


async def test_concurrent_voters_and_duplicate_deliveries_give_one_decision(service: WorkflowService) -> None:
    sids = [await submit_legal(service) for _ in range(5)]

    async def deliver(sid: int, voter: str, n: int) -> object:
        return await service.vote(sid, voter, "approve", idempotency_key=f"ev:{sid}:{voter}")

    outcomes = await asyncio.gather(*(deliver(sid, v, n) for sid in sids for v in LEGAL for n in range(2)))
    decided = [o for o in outcomes if o.code == "decided"]  # type: ignore[attr-defined]
    assert len(decided) == len(sids)
    assert {o.submission.id for o in decided} == set(sids)  # type: ignore[attr-defined]
    final_refusals = [o for o in outcomes if o.code == "final"]  # type: ignore[attr-defined]
    duplicates = [o for o in outcomes if o.duplicate]  # type: ignore[attr-defined]
    assert len(final_refusals) + len(duplicates) + 2 * len(sids) == len(outcomes)
    async with service.db.reading() as s:
        votes = (await s.execute(select(func.count()).select_from(Vote))).scalar_one()
    assert votes == 2 * len(sids)
    assert (await actions(service)).count("decided") == len(sids)
    assert (await verify(service.db)).ok


async def test_two_replicas_on_one_database_decide_once(target, directory, clock) -> None:  # type: ignore[no-untyped-def]
    db_a, db_b = target.database(), target.database()
    await db_a.create_all()
    a = WorkflowService(db_a, directory, clock, replica_id="a")
    b = WorkflowService(db_b, directory, clock, replica_id="b")
    try:
        sids = [await submit_legal(a) for _ in range(4)]
        calls = []
        for sid in sids:
            for voter in LEGAL[:2]:
                for replica in (a, b):   # the same event delivered to both replicas
                    calls.append(replica.vote(sid, voter, "approve", idempotency_key=f"{sid}:{voter}"))
        outcomes = await asyncio.gather(*calls)
        decided = [o for o in outcomes if o.code == "decided"]
        assert sorted(o.submission.id for o in decided) == sorted(sids)  # type: ignore[union-attr]
        assert sum(1 for o in outcomes if o.duplicate) == len(sids) * 2
        notes = [n for o in outcomes for n in o.notifications if n.kind == "decision"]
        assert len(notes) == len(sids) * 2 and len({n.dedupe_key for n in notes}) == len(notes)
        assert (await verify(db_a)).ok
    finally:
        await db_a.dispose()
        await db_b.dispose()


async def test_without_routing_yaml_the_hub_decides_out_of_the_box(db, clock, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.directory import load_directory

    monkeypatch.setenv("STEWARD_HUB_MEMBERS", "")
    monkeypatch.setenv("STEWARD_HUB_SLACK_CHANNEL", "CHUB")
    service = WorkflowService(db, load_directory(tmp_path), clock)        # a corpus with no routing.yaml
    out = await service.submit(REQUESTER, "Our new feature is the best", make_result(("claims", "review")))
    sid = out.submission.id  # type: ignore[union-attr]
    assert [(n.to.id, n.to.slack) for n in out.notifications] == [("coe-hub", "CHUB")]
    assert (await service.vote(sid, REQUESTER, "approve")).code == "self_approval"
    assert (await service.vote(sid, "colleague@nw.example", "approve")).code == "decided"
