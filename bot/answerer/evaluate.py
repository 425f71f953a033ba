"""Scoring the answerer on a labelled question set (the format of shared/eval/questions-dev.jsonl).

One JSON object per line: {"id", "question", "categories": [...], "answerable": bool}, and
optionally "expected_heading": a heading or a list of acceptable headings, for corpora
whose sections carry no categories. A rejected answerable question has no citation, so
it counts as a miss for top-1 and top-3 as well as a wrong rejection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answerer.answer import Answer
from bot.answerer.answerer import Answerer
from bot.answerer.text import fold


class QuestionSetError(ValueError):
    """The labelled file is unreadable or a line is malformed; the message says where."""


@dataclass(frozen=True)
class LabelledQuestion:
    id: str
    question: str
    categories: tuple[str, ...]
    answerable: bool
    expected_headings: tuple[str, ...] = ()


@dataclass
class Outcome:
    item: LabelledQuestion
    answer: Answer

    @property
    def top1(self) -> bool:
        return bool(self.answer.citations) and self.answer.citations[0].category in self.item.categories

    @property
    def top3(self) -> bool:
        return any(c.category in self.item.categories for c in self.answer.citations[:3])

    def heading_hit(self, k: int) -> bool:
        wanted = {_norm(h) for h in self.item.expected_headings}
        return any(_norm(c.title) in wanted for c in self.answer.citations[:k])


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _rate(self, hits: list[bool]) -> float | None:
        return sum(hits) / len(hits) if hits else None

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.item.answerable]

    @property
    def categorised(self) -> list[Outcome]:
        return [o for o in self.answerable if o.item.categories]

    @property
    def with_heading(self) -> list[Outcome]:
        return [o for o in self.answerable if o.item.expected_headings]

    @property
    def top1(self) -> float | None:
        return self._rate([o.top1 for o in self.categorised])

    @property
    def top3(self) -> float | None:
        return self._rate([o.top3 for o in self.categorised])

    @property
    def heading_top1(self) -> float | None:
        return self._rate([o.heading_hit(1) for o in self.with_heading])

    @property
    def heading_top3(self) -> float | None:
        return self._rate([o.heading_hit(3) for o in self.with_heading])

    @property
    def out_of_scope_rejected(self) -> float | None:
        return self._rate([not o.answer.answered for o in self.outcomes if not o.item.answerable])

    @property
    def wrongly_rejected(self) -> float | None:
        return self._rate([not o.answer.answered for o in self.answerable])

    def metrics(self) -> dict[str, float | None]:
        return {"top1": self.top1, "top3": self.top3, "heading_top1": self.heading_top1,
                "heading_top3": self.heading_top3, "out_of_scope_rejected": self.out_of_scope_rejected,
                "answerable_wrongly_rejected": self.wrongly_rejected}

    def misses(self) -> list[Outcome]:
        """Rows that went wrong, for a reader to look at."""
        out = []
        for o in self.outcomes:
            if not o.item.answerable:
                wrong = o.answer.answered
            elif o.item.categories:
                wrong = not o.top1
            else:
                wrong = not o.heading_hit(1)
            if wrong:
                out.append(o)
        return out


def _norm(heading: str) -> str:
    return " ".join(fold(heading).split())


def load_questions(path: str | Path) -> list[LabelledQuestion]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"{path}: cannot read the file ({exc})") from exc
    items: list[LabelledQuestion] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise QuestionSetError(f"{path}:{number}: each line needs an object with a \"question\" string")
        headings = row.get("expected_heading", ())
        headings = (headings,) if isinstance(headings, str) else tuple(headings or ())
        items.append(LabelledQuestion(
            id=str(row.get("id", number)), question=row["question"],
            categories=tuple(row.get("categories") or ()),
            answerable=bool(row.get("answerable", True)), expected_headings=headings))
    if not items:
        raise QuestionSetError(f"{path}: no questions in the file")
    return items


def evaluate(answerer: Answerer, items: list[LabelledQuestion]) -> Report:
    return Report([Outcome(item, answerer.ask(item.question)) for item in items])
