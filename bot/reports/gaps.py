"""Group unanswered questions by similarity: the CoE's to-do list for the policy.

Exact repeats are counted by the database (grouped on the question's hash);
the distinct wordings left are grouped when their content terms (stemmed, stop
words removed: the answerer's own `bot.answerer.text.terms`) overlap by a
Jaccard similarity of at least `THRESHOLD`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.answerer.text import terms

THRESHOLD = 0.5


@dataclass
class Wording:
    text: str | None          # None once purged
    count: int
    last: datetime


@dataclass
class Gap:
    example: str
    count: int
    last: datetime
    wordings: list[str] = field(default_factory=list)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= THRESHOLD


def group(wordings: list[Wording]) -> list[Gap]:
    """Greedy grouping, most asked wording first: each joins the first group it resembles."""
    groups: list[tuple[frozenset[str], Gap]] = []
    purged = Gap(example="(question texts purged by retention)", count=0, last=datetime.min)
    for w in sorted(wordings, key=lambda w: (-w.count, w.text or "")):
        if w.text is None:
            purged.count += w.count
            purged.last = max(purged.last, w.last)
            continue
        key = frozenset(terms(w.text))
        for seen, gap in groups:
            if _similar(key, seen):
                gap.count += w.count
                gap.last = max(gap.last, w.last)
                gap.wordings.append(w.text)
                break
        else:
            groups.append((key, Gap(example=w.text, count=w.count, last=w.last, wordings=[w.text])))
    out = [gap for _, gap in groups]
    if purged.count:
        out.append(purged)
    return sorted(out, key=lambda g: (-g.count, -g.last.timestamp(), g.example))
