"""Choose the learned layer's thresholds by cross-validation on the corpus's own examples.

Each example is scored by a model that did not see it (k folds). The layer may only
raise the rules' verdict, so a threshold is judged on the examples the rules left below
it, and it is precision-targeted: what it raises must mostly deserve raising.

- review (the "flagged" head): the lowest threshold at which at least REVIEW_PRECISION
  of the allow-by-rules examples it raises are really review or block, and at most
  MAX_BENIGN_RAISED of all the benign examples are raised;
- block, per category that is usually blocked (the "blocked" head, read for the drafts
  whose likeliest category is that one, and only once the review head has flagged them): the lowest threshold at which at least
  BLOCK_PRECISION of the examples it raises to block are really blocks, with at least
  MIN_SUPPORT of them, and the benign examples blocked by every head together stay
  within MAX_BENIGN_BLOCKED.

A head whose precision never reaches its target stays off; when the review head is off
the whole layer is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.policy.models import SEVERITY_RANK

FOLDS = 5
REVIEW_PRECISION = 0.80
BLOCK_PRECISION = 0.90
MIN_SUPPORT = 3
MAX_BENIGN_RAISED = 0.02
MAX_BENIGN_BLOCKED = 0.005
GRID = np.round(np.arange(0.30, 0.995, 0.01), 2)
BLOCK_FLOOR = 0.5  # a block needs the model to find it more likely than not, whatever its CV precision
OFF = 2.0          # a threshold no probability reaches


@dataclass(frozen=True)
class Thresholds:
    review: float
    block: dict[str, float]    # per category; absent: that head never blocks
    rules_accuracy: float      # the rules alone, on the examples
    accuracy: float            # rules plus the layer, each example scored out of fold
    benign_raised: float
    rules_block_recall: float = 0.0
    block_recall: float = 0.0
    benign_blocked: float = 0.0
    block_precision: dict[str, float] = field(default_factory=dict)   # out of fold, per head
    l2: float = 0.0            # the regularisation cross-validation chose


def folds(n: int, k: int = FOLDS) -> np.ndarray:
    """A fold number per example, deterministic and interleaved."""
    return np.arange(n) % k


def apply(flag: np.ndarray, block: np.ndarray, category: np.ndarray, rules: np.ndarray,
          review_t: float, block_t: np.ndarray) -> np.ndarray:
    """Verdict ranks (0 allow, 1 review, 2 block) after the layer raises the rules' ones.

    `flag` and `block` are each draft's probabilities of needing review or worse and of
    being blocked; `category` its likeliest category's column; `block_t` the block
    threshold per category column (OFF where that category never blocks).
    """
    flagged = flag >= review_t
    layer = np.where(flagged & (block >= block_t[category]), 2, np.where(flagged, 1, 0))
    return np.maximum(rules, layer)


def _lowest(scores: np.ndarray, good: np.ndarray, bad: np.ndarray, precision: float,
            min_support: int, max_bad: int, floor: float = 0.0) -> float:
    """The lowest grid threshold (from `floor`) whose hits are at least `precision` good and at most `max_bad` bad."""
    for t in GRID[floor <= GRID]:
        hits = scores >= t
        n = int(hits.sum())
        if n >= min_support and good[hits].mean() >= precision and int(bad[hits].sum()) <= max_bad:
            return float(t)
    return OFF


def choose(flag: np.ndarray, block: np.ndarray, category: np.ndarray, categories: tuple[str, ...],
           blockable: np.ndarray, rule_verdicts: list[str], gold_verdicts: list[str]) -> Thresholds:
    rules = np.array([SEVERITY_RANK[v] for v in rule_verdicts])
    gold = np.array([SEVERITY_RANK[v] for v in gold_verdicts])
    benign = gold == 0
    n_benign = max(int(benign.sum()), 1)
    base = float((rules == gold).mean())

    below = rules == 0
    review_t = _lowest(np.where(below, flag, -1.0), gold > 0, benign, REVIEW_PRECISION, MIN_SUPPORT,
                       int(MAX_BENIGN_RAISED * n_benign))
    block_t = np.full(len(categories), OFF)
    precision: dict[str, float] = {}
    if review_t < OFF:
        budget = int(MAX_BENIGN_BLOCKED * n_benign)
        for col in np.flatnonzero(blockable):
            mine = (category == col) & (rules < 2) & (flag >= review_t)
            t = _lowest(np.where(mine, block, -1.0), gold == 2, benign, BLOCK_PRECISION, MIN_SUPPORT, budget,
                        BLOCK_FLOOR)
            if t < OFF:
                hits = mine & (block >= t)
                budget -= int((hits & benign).sum())
                block_t[col] = t
                precision[categories[col]] = round(float((gold[hits] == 2).mean()), 3)
    final = apply(flag, block, category, rules, review_t, block_t)
    blocks = gold == 2
    return Thresholds(
        review=review_t, block={categories[c]: float(block_t[c]) for c in np.flatnonzero(block_t < OFF)},
        rules_accuracy=base, accuracy=float((final == gold).mean()),
        benign_raised=float(((final > rules) & benign).sum()) / n_benign,
        rules_block_recall=float((rules[blocks] == 2).mean()) if blocks.any() else 0.0,
        block_recall=float((final[blocks] == 2).mean()) if blocks.any() else 0.0,
        benign_blocked=float(((final == 2) & benign).sum()) / n_benign,
        block_precision=precision)
