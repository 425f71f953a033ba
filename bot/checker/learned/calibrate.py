"""Choose the learned layer's thresholds by cross-validation on the corpus's own examples.

Each example is scored by a model that did not see it (k folds). The layer may only
raise the rules' verdict, so a threshold is judged by the verdicts it would produce
together with the rules: the review threshold is the one that makes the most examples
right while sending at most MAX_BENIGN_RAISED of the benign (allow) examples to review;
the block threshold, for categories whose examples are mostly blocks, likewise with
at most MAX_BENIGN_BLOCKED of them blocked. When no threshold helps, the layer is off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.policy.models import SEVERITY_RANK

FOLDS = 3
MAX_BENIGN_RAISED = 0.02
MAX_BENIGN_BLOCKED = 0.005
GRID = np.round(np.arange(0.10, 0.99, 0.02), 2)
OFF = 2.0          # a threshold no probability reaches


@dataclass(frozen=True)
class Thresholds:
    review: float
    block: float
    rules_accuracy: float      # the rules alone, on the examples
    accuracy: float            # rules plus the layer, each example scored out of fold
    benign_raised: float


def folds(n: int, k: int = FOLDS) -> np.ndarray:
    """A fold number per example, deterministic and interleaved."""
    return np.arange(n) % k


def apply(flag: np.ndarray, block: np.ndarray, blockable: np.ndarray, rules: np.ndarray,
          review_t: float, block_t: float) -> np.ndarray:
    """Verdict ranks (0 allow, 1 review, 2 block) after the layer raises the rules' ones.

    `flag` and `block` are each draft's probabilities of needing review or worse and of
    being blocked; `blockable` says whether its likeliest category is usually blocked.
    """
    layer = np.where((block >= block_t) & blockable, 2, np.where(flag >= review_t, 1, 0))
    return np.maximum(rules, layer)


def choose(flag: np.ndarray, block: np.ndarray, blockable: np.ndarray, rule_verdicts: list[str],
           gold_verdicts: list[str]) -> Thresholds:
    rules = np.array([SEVERITY_RANK[v] for v in rule_verdicts])
    gold = np.array([SEVERITY_RANK[v] for v in gold_verdicts])
    benign = gold == 0
    n_benign = max(int(benign.sum()), 1)
    base = float((rules == gold).mean())

    def score(review_t: float, block_t: float) -> tuple[float, float, float]:
        final = apply(flag, block, blockable, rules, review_t, block_t)
        raised = float(((final > rules) & benign).sum()) / n_benign
        blocked = float(((final == 2) & (rules < 2) & benign).sum()) / n_benign
        return float((final == gold).mean()), raised, blocked

    best_review, best_acc = OFF, base
    for t in GRID:                    # ascending: ties keep the lower threshold only when it is better
        acc, raised, _ = score(t, OFF)
        if raised <= MAX_BENIGN_RAISED and acc > best_acc:
            best_review, best_acc = float(t), acc
    best_block = OFF
    if best_review < OFF and blockable.any():
        for t in GRID[best_review <= GRID]:
            acc, raised, blocked = score(best_review, t)
            if raised <= MAX_BENIGN_RAISED and blocked <= MAX_BENIGN_BLOCKED and acc > best_acc:
                best_block, best_acc = float(t), acc
    _, raised, _ = score(best_review, best_block)
    return Thresholds(best_review, best_block, base, best_acc, raised)
