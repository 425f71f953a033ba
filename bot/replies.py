"""The neutral reply model: what the core says, before any platform draws it.

Adapters render a Reply as text (terminal), Block Kit (Slack), an Adaptive Card
(Teams) or HTML (web chat). Nothing here knows about any of them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

ReplyKind = Literal["check", "answer", "not_covered", "notice", "error", "submission", "list"]


class Neutral(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Neutral):
    policy: str            # document id
    section: str           # section id
    title: str             # heading as written
    category: str = "general"
    quote: str = ""        # the passage quoted, verbatim from the policy
    url: str = ""


class ReplyFinding(Neutral):
    category: str
    severity: str
    rule: str
    message: str
    excerpt: str           # the words of the draft that triggered it
    fix: str
    citation: Citation


class Action(Neutral):
    """A button or command the user can take next; `id` is what the adapter sends back."""

    id: str                # e.g. "submit", "approve", "reject", "dispute"
    label: str
    value: str = ""        # opaque argument, e.g. a submission id
    style: Literal["primary", "danger", "default"] = "default"


class Fact(Neutral):
    label: str
    value: str


class Reply(Neutral):
    kind: ReplyKind
    title: str
    body: str = ""
    verdict: Literal["allow", "review", "block"] | None = None
    findings: tuple[ReplyFinding, ...] = ()
    citations: tuple[Citation, ...] = ()
    facts: tuple[Fact, ...] = ()
    actions: tuple[Action, ...] = ()
    corpus_version: str = ""


def notice(title: str, body: str = "") -> Reply:
    return Reply(kind="notice", title=title, body=body)


def error(title: str, body: str = "") -> Reply:
    return Reply(kind="error", title=title, body=body)
