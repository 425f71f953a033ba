"""The learned layer: a model trained from a corpus's labelled examples that may raise a verdict.

`LearnedLayer.for_corpus(corpus, rule_verdict)` loads the model trained for this corpus
version from the cache, or trains it (cross-validating its thresholds against the
rules' own verdicts on the examples) and caches it. `judge` returns at most one
`Judgement` for a draft, and only when it is stricter than the rules' verdict: the
layer never lowers a verdict.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.checker.learned import calibrate
from bot.checker.learned.features import distinct_features
from bot.checker.learned.model import LinearModel, train
from bot.checker.normalize import normalize
from bot.policy.cache import cache_dir, write_atomically
from bot.policy.models import Corpus, Example

log = logging.getLogger(__name__)

FORMAT = 9                 # bump when features, training or the file layout change
MIN_POSITIVES = 5          # a category needs this many flagged examples to get a model
MIN_EXAMPLES = 30          # fewer examples in all: no layer
MIN_KNOWN = 8             # a draft needs this many features the model has weights for
L2_GRID = (1e-5,)     # cross-validation picked 1e-5 on 4 of the last 5 corpora (3e-5 once, within 0.003): one fit per fold
BLOCK_SHARE = 0.6          # a category whose flagged examples are mostly blocks may raise to block
_memo: dict[str, LearnedLayer | None] = {}


@dataclass(frozen=True)
class Judgement:
    category: str
    severity: str
    probability: float
    example: Example | None     # the most similar example of that category
    similarity: float


@dataclass(frozen=True)
class LearnedLayer:  # not slotted: the verdict-only model is cached on the instance
    categories: tuple[str, ...]
    block_categories: np.ndarray     # bool per category
    model: LinearModel
    thresholds: calibrate.Thresholds
    example_ids: tuple[str, ...]     # flagged examples, for "most similar"
    example_indptr: np.ndarray
    example_feats: np.ndarray        # each example's distinct feature ids, sorted
    example_cats: np.ndarray         # examples × categories, bool
    examples: dict[str, Example]

    @property
    def active(self) -> bool:
        return self.thresholds.review < calibrate.OFF

    # --- judging ---------------------------------------------------------------------

    def judge(self, folded: str, verdict: str, settled: frozenset[str] = frozenset()) -> Judgement | None:
        """A stricter verdict than `verdict` for the draft (normalised, casefolded), or None.

        `settled`: categories a rule already judged at review. The rules read context the model
        cannot (results already published, a customer's consent), so the model does not make
        those categories a block.
        """
        if not self.active or verdict == "block":
            return None
        feats = distinct_features(folded)      # presence, not counts: repeating a phrase adds no evidence
        hit = self.model.rows(feats)
        if len(hit) < MIN_KNOWN:
            return None      # too little the model has seen: its score would be the prior alone
        t = self.thresholds
        # The two verdict columns first; the categories only for a draft that is raised.
        flag, block = self._verdict_model.probabilities(feats, hit=hit)
        if flag < t.review or (block < self._lowest_block and verdict != "allow"):
            return None      # a block needs the review head's flag too
        col = int(np.argmax(self.model.probabilities(feats, slice(0, -2), hit=hit)))
        if block >= t.block.get(self.categories[col], calibrate.OFF) and self.categories[col] not in settled:
            severity, score = "block", float(block)
        elif flag >= t.review and verdict == "allow":
            severity, score = "review", float(flag)
        else:
            return None
        example, similarity = self._most_similar(feats, col)
        return Judgement(self.categories[col], severity, score, example, similarity)

    @functools.cached_property
    def _lowest_block(self) -> float:
        return min(self.thresholds.block.values(), default=calibrate.OFF)

    @functools.cached_property
    def _verdict_model(self) -> LinearModel:
        return LinearModel(self.model.keys, np.ascontiguousarray(self.model.weights[:, -2:]), self.model.bias[-2:])

    def _most_similar(self, feats: np.ndarray, col: int) -> tuple[Example | None, float]:
        rows = np.flatnonzero(self.example_cats[:, col])
        if len(rows) == 0 or len(feats) == 0:
            return None, 0.0
        starts, stops = self.example_indptr[rows], self.example_indptr[rows + 1]
        spans = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
        theirs = self.example_feats[spans]
        pos = np.searchsorted(feats, theirs).clip(max=len(feats) - 1)
        present = feats[pos] == theirs
        sizes = stops - starts
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        overlap = np.add.reduceat(present, offsets) if len(present) else sizes * 0
        cosine = overlap / np.sqrt(np.maximum(sizes, 1) * len(feats))
        best = int(np.argmax(cosine))
        return self.examples.get(self.example_ids[rows[best]]), float(cosine[best])

    # --- building --------------------------------------------------------------------

    @classmethod
    def for_corpus(cls, corpus: Corpus, rule_verdict: Callable[[str], str]) -> LearnedLayer | None:
        """The layer for `corpus` (cached by its version), or None when it has too few examples."""
        if len(corpus.examples) < MIN_EXAMPLES:
            return None
        key = f"learned-{corpus.version}-f{FORMAT}"
        if key in _memo:
            return _memo[key]
        folder = cache_dir()     # None: STEWARD_CACHE_DIR=off, train in memory
        path = folder / f"{key}.npz" if folder is not None else None
        examples = {e.id: e for e in corpus.examples}
        layer = _load(path, examples) if path is not None else None
        if layer is None:
            layer = _train(corpus, rule_verdict)
            if layer is not None and path is not None and not write_atomically(path, _dump(layer)):
                log.info("learned layer not cached: %s is not writable", path.parent)
        _memo[key] = layer
        return layer


def _labels(examples: tuple[Example, ...]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    flagged = Counter(c for e in examples if e.verdict != "allow" for c in e.categories)
    cats = tuple(sorted(c for c, n in flagged.items() if n >= MIN_POSITIVES and c != "general"))
    # One column per category, then two for the verdict: flagged at all, and blocked.
    y = np.array([[*(e.verdict != "allow" and c in e.categories for c in cats),
                   e.verdict != "allow", e.verdict == "block"] for e in examples],
                 dtype=bool).reshape(len(examples), len(cats) + 2)
    blocks = Counter(c for e in examples if e.verdict == "block" for c in e.categories)
    block_cats = np.array([blocks[c] >= BLOCK_SHARE * flagged[c] for c in cats], dtype=bool)
    return cats, y, block_cats


def _train(corpus: Corpus, rule_verdict: Callable[[str], str]) -> LearnedLayer | None:
    examples = corpus.examples
    cats, y, block_cats = _labels(examples)
    if not cats:
        return None
    rows = [distinct_features(normalize(e.text).folded) for e in examples]
    rule_verdicts = [rule_verdict(e.text) for e in examples]
    gold: list[str] = [e.verdict for e in examples]
    # Regularisation: of the strengths in L2_GRID, the one whose out-of-fold scores, once
    # thresholded, get the most examples right (ties: the stronger regularisation).
    best: tuple[float, float, calibrate.Thresholds] | None = None
    for l2 in L2_GRID:
        oof = _out_of_fold(rows, y, l2)
        t = calibrate.choose(oof[:, -2], oof[:, -1], np.argmax(oof[:, :-2], axis=1), cats, block_cats,
                             rule_verdicts, gold)
        log.debug("learned layer: L2 %g, cross-validated accuracy %.3f", l2, t.accuracy)
        if best is None or t.accuracy > best[1]:
            best = (l2, t.accuracy, dataclasses.replace(t, l2=l2))
    assert best is not None
    l2, _, thresholds = best
    model = train(rows, y, l2=l2)
    flagged = [i for i, e in enumerate(examples) if e.verdict != "allow"]
    distinct = [rows[i] for i in flagged]
    indptr = np.concatenate(([0], np.cumsum([len(d) for d in distinct]))).astype(np.int64)
    return LearnedLayer(
        categories=cats, block_categories=block_cats, model=model, thresholds=thresholds,
        example_ids=tuple(examples[i].id for i in flagged), example_indptr=indptr,
        example_feats=np.concatenate(distinct) if distinct else np.zeros(0, dtype=np.uint32),
        example_cats=y[flagged, :-2], examples={e.id: e for e in examples})


def _out_of_fold(rows: list[np.ndarray], y: np.ndarray, l2: float) -> np.ndarray:
    """Each example's probabilities from a model trained on the other folds."""
    fold = calibrate.folds(len(rows))
    oof = np.zeros(y.shape, dtype=np.float64)
    for k in range(calibrate.FOLDS):
        train_idx, test_idx = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        model = train([rows[i] for i in train_idx], y[train_idx], l2=l2)
        for i in test_idx:
            oof[i] = model.probabilities(rows[i])
    return oof


def _dump(layer: LearnedLayer) -> bytes:
    meta = {"format": FORMAT, "categories": layer.categories, "example_ids": layer.example_ids,
            "thresholds": layer.thresholds.__dict__}
    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
             keys=layer.model.keys, weights=layer.model.weights, bias=layer.model.bias,
             block=layer.block_categories, indptr=layer.example_indptr, feats=layer.example_feats,
             cats=layer.example_cats)
    return buf.getvalue()


def _load(path: Path, examples: dict[str, Example]) -> LearnedLayer | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes())
            if meta.get("format") != FORMAT:
                return None
            return LearnedLayer(
                categories=tuple(meta["categories"]), block_categories=z["block"],
                model=LinearModel(z["keys"], z["weights"], z["bias"]),
                thresholds=calibrate.Thresholds(**meta["thresholds"]),
                example_ids=tuple(meta["example_ids"]), example_indptr=z["indptr"],
                example_feats=z["feats"], example_cats=z["cats"], examples=examples)
    except (OSError, ValueError, KeyError, TypeError):
        return None      # absent, from another version of Steward, or damaged: train again
