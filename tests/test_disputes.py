"""Disputes: a false positive becomes a scoped, audited exception that later checks honour."""

from __future__ import annotations

from conftest import ENG, HUB, LEGAL, REQUESTER
from sqlalchemy import select

from bot.audit.chain import verify
from bot.checker.result import Finding, PolicyRef, Suppression
from bot.store.tables import AuditEvent
from bot.workflow.service import WorkflowService


async def test_false_positive_adds_a_suppression_for_that_department_only(service: WorkflowService) -> None:
    out = await service.dispute(REQUESTER, "legal.litigation", "It's a board game called Sued!", category="legal",
                                phrase="sued")
    assert out.ok and [n.to.id for n in out.notifications] == ["legal"]
    assert {a.id for a in out.notifications[0].reply.actions} == {"uphold", "false_positive"}
    did = out.data["dispute_id"]
    assert (await service.pending(LEGAL[0])).data["disputes"] == [did]
    assert (await service.resolve_dispute(did, REQUESTER, "false_positive")).code == "self_approval"
    assert (await service.resolve_dispute(did, ENG[0], "false_positive")).code == "not_approver"
    assert (await service.resolve_dispute(did, LEGAL[0], "maybe")).code == "invalid"
    done = await service.resolve_dispute(did, LEGAL[0], "false-positive", "fine, it's a game")
    assert done.ok and [n.to.id for n in done.notifications] == [REQUESTER]
    assert (await service.resolve_dispute(did, LEGAL[1], "uphold")).code == "final"
    assert await service.suppressions_for("engineering") == [Suppression(rule="legal.litigation", phrase="sued")]
    assert await service.suppressions_for("sales") == []
    finding = Finding("legal", "review", "legal.litigation", "m", (0, 4), PolicyRef("p", "t", "s"), "f")
    assert (await service.suppressions_for("engineering"))[0].silences(finding, "Sued")
    async with service.db.reading() as s:
        log = list((await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars())
    resolved = [e for e in log if e.action == "dispute_resolved"]
    assert len(resolved) == 1 and resolved[0].actor == LEGAL[0] and resolved[0].detail["phrase"] == "sued"
    assert (await verify(service.db)).ok


async def test_upheld_dispute_adds_nothing_and_the_hub_may_decide(service: WorkflowService) -> None:
    did = (await service.dispute(REQUESTER, "claims.superlative", "We are the fastest, per the benchmark",
                                 category="claims")).data["dispute_id"]
    up = await service.resolve_dispute(did, HUB[0], "uphold")
    assert up.ok and "upheld" in up.reply.title
    assert await service.suppressions_for("engineering") == []


async def test_a_dispute_needs_a_rule_and_a_reason(service: WorkflowService) -> None:
    assert (await service.dispute(REQUESTER, "legal.litigation", "  ")).code == "invalid"
    assert (await service.dispute(REQUESTER, "", "because")).code == "invalid"
