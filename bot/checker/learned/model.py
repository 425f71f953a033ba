"""One-vs-rest logistic regression over hashed n-grams, trained with numpy.

Training is mini-batch Adagrad on a sparse (CSR) design matrix, so a few thousand
examples train in about a second with no scikit-learn or scipy at check time. The
trained model keeps only the features it saw: sorted feature ids and their weights,
looked up with one `searchsorted` per draft.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPOCHS = 10            # CV on the default examples: 3 → 0.681, 5 → 0.688, 10 → 0.677, 20 → 0.676; 5 flags more benign gate drafts
BATCH = 192        # CV on 3,743 examples: 48 → 0.698, 96 → 0.701, 192 → 0.705
LEARNING_RATE = 0.5
L2 = 1e-4             # the default; the layer passes its own (layer.L2_GRID)
# A draft's features are scaled by 1/sqrt(max(count, EVIDENCE_FLOOR)): a short draft carries less
# evidence, so its score stays nearer the prior instead of resting on two or three n-grams.
EVIDENCE_FLOOR = 600        # about the features of a 280-character draft
MIN_COUNT = 2         # a feature seen once in all the examples gets no weight


@dataclass(frozen=True)
class Design:
    """Examples as a sparse matrix: row i has columns cols[indptr[i]:indptr[i+1]]."""

    indptr: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    vocab: np.ndarray     # column → feature id

    @classmethod
    def build(cls, rows: list[np.ndarray], vocab: np.ndarray | None = None) -> Design:
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.uint32)
        doc = np.repeat(np.arange(len(rows)), lengths)
        if vocab is None:
            ids, count = np.unique(flat, return_counts=True)
            vocab = ids[count >= MIN_COUNT]
        pos = np.searchsorted(vocab, flat).clip(max=max(len(vocab) - 1, 0))
        known = vocab[pos] == flat if len(vocab) else np.zeros(len(flat), dtype=bool)
        norm = 1.0 / np.sqrt(np.maximum(lengths, EVIDENCE_FLOOR))
        vals = norm[doc][known].astype(np.float32)
        kept = np.bincount(doc[known], minlength=len(rows))
        indptr = np.concatenate(([0], np.cumsum(kept)))
        return cls(indptr, pos[known].astype(np.int64), vals, vocab)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


@dataclass(frozen=True)
class LinearModel:
    keys: np.ndarray       # sorted feature ids with a weight
    weights: np.ndarray    # len(keys) × categories
    bias: np.ndarray       # categories

    def rows(self, feats: np.ndarray) -> np.ndarray:
        """The weight rows of a draft's known features (a repeated feature appears again)."""
        if len(feats) == 0 or len(self.keys) == 0:
            return np.zeros(0, dtype=np.intp)
        pos = np.searchsorted(self.keys, feats).clip(max=len(self.keys) - 1)
        return pos[self.keys[pos] == feats]

    def probabilities(self, feats: np.ndarray, columns: slice = slice(None),
                      hit: np.ndarray | None = None) -> np.ndarray:
        """P(label) for one draft's feature ids, for the label columns asked for (`hit`: its rows, if known)."""
        rows = self.rows(feats) if hit is None else hit
        total = self.weights[rows, columns].sum(axis=0) / np.sqrt(max(len(feats), EVIDENCE_FLOOR))
        return _sigmoid(total + self.bias[columns])


Batch = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _batches(design: Design, order: np.ndarray) -> list[Batch]:
    """Fixed mini-batches, their index work done once (the epochs only reorder them)."""
    out = []
    for lo in range(0, len(order), BATCH):
        rows = order[lo:lo + BATCH]
        starts, stops = design.indptr[rows], design.indptr[rows + 1]
        idx = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
        cols = design.cols[idx]
        row_start = np.concatenate(([0], np.cumsum(stops - starts)[:-1]))
        local = np.repeat(np.arange(len(rows)), stops - starts)
        # Gradients are summed per touched column in one reduceat over the entries sorted by
        # column (`by_col`, segments starting at `col_start`): one call instead of one per label.
        touched, inverse = np.unique(cols, return_inverse=True)
        by_col = np.argsort(inverse, kind="stable")
        col_start = np.flatnonzero(np.r_[True, np.diff(inverse[by_col]) != 0])
        out.append((rows, cols, design.vals[idx], row_start, local, touched, by_col, col_start))
    return out


def train(rows: list[np.ndarray], labels: np.ndarray, seed: int = 0, l2: float = L2) -> LinearModel:
    """Fit one logistic regression per column of `labels` (examples × categories, 0/1)."""
    design = Design.build(rows)
    n, c = labels.shape
    y = labels.astype(np.float32)
    prior = (y.sum(axis=0) + 0.5) / (n + 1.0)
    bias = np.log(prior / (1 - prior)).astype(np.float32)
    w = np.zeros((len(design.vocab), c), dtype=np.float32)
    acc = np.full_like(w, 1e-6)
    acc_b = np.full(c, 1e-6, dtype=np.float32)
    rng = np.random.default_rng(seed)
    batches = _batches(design, rng.permutation(np.flatnonzero(np.diff(design.indptr) > 0)))
    for _ in range(EPOCHS):
        for b in rng.permutation(len(batches)):
            rows_b, cols, vals, row_start, local, touched, by_col, col_start = batches[b]
            scores = np.add.reduceat(vals[:, None] * w[cols], row_start, axis=0) + bias
            g = _sigmoid(scores) - y[rows_b]                      # batch × categories
            contrib = vals[:, None] * g[local]
            grad = np.add.reduceat(contrib[by_col], col_start, axis=0).astype(np.float32)
            grad += l2 * len(rows_b) * w[touched]
            acc[touched] += grad * grad
            w[touched] -= LEARNING_RATE * grad / np.sqrt(acc[touched])
            gb = g.sum(axis=0)
            acc_b += gb * gb
            bias -= LEARNING_RATE * gb / np.sqrt(acc_b)
    keep = np.abs(w).max(axis=1) > 1e-4
    return LinearModel(design.vocab[keep], w[keep], bias)
