"""From the core's internal results to the neutral types adapters see (bot.replies)."""

from __future__ import annotations

from typing import Any

from bot.checker.result import CheckResult, Finding, PolicyRef
from bot.policy.models import Corpus
from bot.replies import Action, Citation, Outcome, Reply, error
from bot.workflow.messages import Outcome as WorkflowOutcome
from bot.workflow.messages import approval_view, viewer_actions


def outcome(out: WorkflowOutcome, viewer: str = "", *, is_coe: bool = False) -> Outcome:
    """The public Outcome: notifications are what went into the outbox; submission views in
    `data` become ApprovalViews with what `viewer` may do."""
    data: dict[str, Any] = {}
    for k, v in out.data.items():
        if k == "submissions":
            data[k] = [approval_view(s, viewer_actions(s, viewer, is_coe=is_coe)) for s in v]
        else:
            data[k] = v
    sub = out.submission
    approval = approval_view(sub, viewer_actions(sub, viewer, is_coe=is_coe)) if sub is not None else None
    return Outcome(ok=out.ok, code=out.code, reply=out.reply, notifications=out.outbox, duplicate=out.duplicate,
                   submission_id=sub.id if sub else None, version=sub.version if sub else None,
                   approval=approval, data=data)


def refused(code: str, message: str, title: str = "I need a bit more") -> Outcome:
    return Outcome(ok=False, code=code, reply=error(title, message))


QUOTE_CHARS = 280


def with_quotes(reply: Reply, corpus: Corpus) -> Reply:
    """Each finding's citation carries the start of the section it cites, so a card can show the
    policy's own words next to the finding (Slack, Teams and the web chat all do)."""
    def quoted(c: Citation) -> Citation:
        section = corpus.sections.get(c.section)
        if section is None or c.quote:
            return c
        text = " ".join(section.text.split())
        if len(text) > QUOTE_CHARS:
            text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
        return c.model_copy(update={"quote": text})

    findings = tuple(f.model_copy(update={"citation": quoted(f.citation)}) for f in reply.findings)
    return reply.model_copy(update={"findings": findings})


def with_handles(reply: Reply, result: CheckResult, check_id: int | None) -> Reply:
    """Give the check reply its handles: the check id for "Send for approval", an id and span per
    finding for "This finding is wrong". Without a recorded check there is nothing to send."""
    if check_id is None:
        return reply.model_copy(update={"actions": ()})
    findings = tuple(rf.model_copy(update={"id": f"{check_id}-{i}", "span": f.span})
                     for i, (rf, f) in enumerate(zip(reply.findings, result.findings, strict=True)))
    actions: list[Action] = []
    if result.verdict == "review":
        actions.append(Action(id="submit", label="Send for approval", style="primary", value=str(check_id),
                              args={"check_id": check_id}))
    actions += [Action(id="dispute", label=f"This finding is wrong ({f.rule})", value=f.id,
                       args={"finding_id": f.id}) for f in findings]
    return reply.model_copy(update={"findings": findings, "actions": tuple(actions), "check_id": check_id})


def result_from_record(verdict: str, findings: list[dict[str, Any]], corpus_version: str,
                       categories: list[str]) -> CheckResult:
    """The stored check as the workflow takes it (the server's own verdict, never a client's)."""
    out = tuple(Finding(category=f["category"], severity=f["severity"], rule=f["rule"], message=f["message"],
                        span=(int(f["span"][0]), int(f["span"][1])),
                        policy=PolicyRef(id=f["policy"]["id"], title=f["policy"]["title"],
                                         section=f["policy"]["section"]), fix=f["fix"])
                for f in findings)
    return CheckResult(verdict=verdict, findings=out, corpus_version=corpus_version,  # type: ignore[arg-type]
                       categories=tuple(categories))
