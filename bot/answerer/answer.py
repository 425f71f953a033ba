"""The result of `ask`, shaped exactly as the taxonomy's output contract, and its neutral reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.replies import Action, Citation, Reply

# Why an answer is what it is; `not_covered` is the one that counts as a knowledge gap.
Reason = Literal["answered", "not_covered", "empty", "draft", "foreign", "no_words"]


@dataclass(frozen=True, slots=True)
class SourceCitation:
    policy: str      # document id
    section: str     # section id
    title: str       # heading exactly as written
    category: str
    score: float     # relevance, higher is better: BM25 fused with semantic closeness (BM25 alone unbounded)
    quote: str = ""  # the passage quoted, verbatim policy words
    url: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "section": self.section, "title": self.title,
                "category": self.category, "score": self.score}

    def to_reply(self) -> Citation:
        return Citation(policy=self.policy, section=self.section, title=self.title,
                        category=self.category, quote=self.quote, url=self.url)


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answered: bool
    answer: str                                 # the quoted policy text, or a friendly message
    citations: tuple[SourceCitation, ...]       # best first; empty when not answered
    confidence: float                           # in [0, 1]
    corpus_version: str
    reason: Reason = "answered"

    @property
    def is_gap(self) -> bool:
        """A real question the corpus does not cover: the CoE should hear about it."""
        return self.reason == "not_covered"

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c.category for c in self.citations)

    def to_json(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "confidence": self.confidence,
            "corpus_version": self.corpus_version,
        }

    def to_reply(self) -> Reply:
        if self.answered:
            best = self.citations[0]
            return Reply(kind="answer", title=f"From the policy: {best.title}", body=self.answer,
                         citations=tuple(c.to_reply() for c in self.citations),
                         corpus_version=self.corpus_version)
        actions: tuple[Action, ...] = ()
        if self.reason == "draft":
            actions = (Action(id="check", label="Check it as a draft", value=self.question[:4000],
                              style="primary"),)
        title = {"draft": "This looks like a draft post",
                 "empty": "Ask me a question"}.get(self.reason, "Not covered by the policy")
        return Reply(kind="not_covered", title=title, body=self.answer, actions=actions,
                     corpus_version=self.corpus_version)
