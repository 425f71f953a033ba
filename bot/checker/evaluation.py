"""Score the checker on a labelled set of drafts (the format of shared/eval/drafts-*.jsonl)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.checker.engine import Checker

VERDICTS = ("allow", "review", "block")


class EvalFileError(ValueError):
    """A labelled file that cannot be read; the message names the file and line."""


@dataclass
class DraftScores:
    total: int = 0
    correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, predicted)
    cat_tp: Counter[str] = field(default_factory=Counter)
    cat_fp: Counter[str] = field(default_factory=Counter)
    cat_fn: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def _rate(self, num: int, den: int) -> float:
        return num / den if den else 0.0

    @property
    def accuracy(self) -> float:
        return self._rate(self.correct, self.total)

    @property
    def block_recall(self) -> float:
        blocks = sum(v for (e, _), v in self.confusion.items() if e == "block")
        return self._rate(self.confusion[("block", "block")], blocks)

    @property
    def allow_blocked_rate(self) -> float:
        """Benign drafts (labelled allow) that the checker blocked."""
        allows = sum(v for (e, _), v in self.confusion.items() if e == "allow")
        return self._rate(self.confusion[("allow", "block")], allows)

    @property
    def allow_flagged_rate(self) -> float:
        """Benign drafts that were flagged at all (review or block)."""
        allows = sum(v for (e, _), v in self.confusion.items() if e == "allow")
        flagged = self.confusion[("allow", "review")] + self.confusion[("allow", "block")]
        return self._rate(flagged, allows)

    def per_category(self) -> dict[str, dict[str, float]]:
        cats = sorted(set(self.cat_tp) | set(self.cat_fp) | set(self.cat_fn))
        out = {}
        for c in cats:
            tp, fp, fn = self.cat_tp[c], self.cat_fp[c], self.cat_fn[c]
            out[c] = {"precision": self._rate(tp, tp + fp), "recall": self._rate(tp, tp + fn),
                      "support": tp + fn}
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "drafts": self.total, "verdict_accuracy": round(self.accuracy, 4),
            "block_recall": round(self.block_recall, 4),
            "allow_wrongly_blocked": round(self.allow_blocked_rate, 4),
            "allow_flagged": round(self.allow_flagged_rate, 4),
            "per_category": {c: {k: round(v, 4) for k, v in m.items()} for c, m in self.per_category().items()},
            "confusion": {f"{e}->{p}": n for (e, p), n in sorted(self.confusion.items())},
            "misses": self.misses,
        }


def read_labelled(path: Path, required: Iterable[str]) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path}: cannot read: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}:{n}: not JSON ({exc.msg})") from None
        missing = [k for k in required if k not in row] if isinstance(row, dict) else list(required)
        if missing:
            raise EvalFileError(f"{path}:{n}: missing field(s) {', '.join(missing)}")
        rows.append(row)
    return rows


def score_drafts(checker: Checker, rows: Iterable[dict[str, Any]]) -> DraftScores:
    scores = DraftScores()
    for row in rows:
        expected = row["verdict"]
        if expected not in VERDICTS:
            raise EvalFileError(f"row {row.get('id')}: verdict must be one of {', '.join(VERDICTS)}")
        result = checker.check(row["text"])
        predicted = result.verdict
        scores.total += 1
        scores.confusion[(expected, predicted)] += 1
        gold = set(row.get("categories") or ())
        got = set(result.categories)
        for c in gold & got:
            scores.cat_tp[c] += 1
        for c in got - gold:
            scores.cat_fp[c] += 1
        for c in gold - got:
            scores.cat_fn[c] += 1
        if predicted == expected:
            scores.correct += 1
        else:
            scores.misses.append({"id": row.get("id"), "expected": expected, "predicted": predicted,
                                  "rules": [f.rule for f in result.findings], "text": row["text"][:160]})
    return scores
