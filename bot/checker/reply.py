"""Turn a CheckResult into the neutral Reply every adapter renders."""

from __future__ import annotations

from bot.checker.result import CheckResult
from bot.policy.models import Corpus
from bot.replies import Action, Citation, Reply, ReplyFinding

_TITLES = {
    "allow": "Fine to post",
    "review": "Needs review before posting",
    "block": "Don't post this",
}
_BODIES = {
    "allow": "Nothing in the policy stops this post.",
    "review": "This can be posted after the right approver agrees, or after the suggested fix.",
    "block": "This must not be posted in any form. Remove what is flagged below.",
}


def section_url(corpus: Corpus, section_id: str) -> str:
    base = corpus.manifest.links_base
    return f"{base.rstrip('/')}#{section_id}" if base else ""


def check_reply(result: CheckResult, draft: str, corpus: Corpus, route_label: str = "") -> Reply:
    findings = []
    for f in result.findings:
        section = corpus.sections.get(f.policy.section)
        findings.append(ReplyFinding(
            category=f.category, severity=f.severity, rule=f.rule, message=f.message,
            excerpt=draft[f.span[0]:f.span[1]], fix=f.fix,
            citation=Citation(policy=f.policy.id, section=f.policy.section, title=f.policy.title,
                              category=section.category if section else f.category,
                              url=section_url(corpus, f.policy.section)),
        ))
    body = _BODIES[result.verdict]
    if result.verdict == "review" and route_label:
        body += f" Reviewers: {route_label}."
    actions: tuple[Action, ...] = ()
    if result.verdict == "review":
        actions = (Action(id="submit", label="Send for approval", style="primary"),)
    if result.findings:
        actions += (Action(id="dispute", label="This finding is wrong"),)
    return Reply(kind="check", title=_TITLES[result.verdict], body=body, verdict=result.verdict,
                 findings=tuple(findings), actions=actions, corpus_version=result.corpus_version)
