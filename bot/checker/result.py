"""The result of `check`, shaped exactly as the taxonomy's output contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.policy.models import SEVERITY_RANK


@dataclass(frozen=True, slots=True)
class PolicyRef:
    id: str        # document id
    title: str     # section heading as written
    section: str   # section id


@dataclass(frozen=True, slots=True)
class Finding:
    category: str
    severity: str
    rule: str
    message: str
    span: tuple[int, int]   # offsets into the draft as written
    policy: PolicyRef
    fix: str
    # A learned judgement's evidence (score, most similar example); None for a rule's finding.
    learned: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "category": self.category, "severity": self.severity, "rule": self.rule,
            "message": self.message, "span": list(self.span),
            "policy": {"id": self.policy.id, "title": self.policy.title, "section": self.policy.section},
            "fix": self.fix,
        }
        if self.learned is not None:
            out["learned"] = self.learned
        return out


Verdict = Literal["allow", "review", "block"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    verdict: Verdict
    findings: tuple[Finding, ...]
    corpus_version: str
    route: dict[str, Any] | None = None
    categories: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
            "corpus_version": self.corpus_version,
        }
        if self.route is not None:
            out["route"] = self.route
        return out


def strictest(severities: list[str] | tuple[str, ...]) -> Verdict:
    """block > review > allow; no findings means allow."""
    worst = max(severities, key=SEVERITY_RANK.__getitem__, default="allow")
    return "block" if worst == "block" else "review" if worst == "review" else "allow"


@dataclass(frozen=True, slots=True)
class Suppression:
    """A scoped exception granted when an approver marks a finding a false positive.

    It silences `rule` where the finding's text contains `phrase` (any text when
    None). Department scoping is the caller's job: pass only the suppressions that
    apply to the requester.
    """

    rule: str
    phrase: str | None = None

    def silences(self, finding: Finding, excerpt: str) -> bool:
        if finding.rule != self.rule:
            return False
        return self.phrase is None or self.phrase.casefold() in excerpt.casefold()
