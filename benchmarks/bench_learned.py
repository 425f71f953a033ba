"""Offline check of the learned layer's trainer against scikit-learn on the same features.

Not part of the issue's bars: it needs scikit-learn and scipy, which Steward does not
depend on (importing scikit-learn costs ~0.5 s, too slow for `steward check`).
Run: pip install scikit-learn && python benchmarks/bench_learned.py
It prints the 5-fold out-of-fold ROC AUC of the "flagged" and "blocked" heads on the
labelled drafts of ../shared/eval and tests/fixtures, and the time each trainer took.
Without scikit-learn it says so and exits 0 (so `make bench` still runs).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.checker.learned.features import BITS, features  # noqa: E402
from bot.checker.learned.model import train  # noqa: E402
from bot.checker.normalize import normalize  # noqa: E402

SETS = [ROOT.parent / "shared" / "eval" / "drafts-dev.jsonl", ROOT / "tests" / "fixtures" / "drafts-steward.jsonl",
        ROOT / "tests" / "fixtures" / "holdout" / "drafts.jsonl", ROOT / "tests" / "fixtures" / "holdout2" / "drafts.jsonl"]


def main() -> None:
    try:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
    except ImportError:
        print("scikit-learn is not installed: pip install scikit-learn to run this comparison")
        return
    rows = [json.loads(line) for path in SETS if path.is_file()
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    feats = [features(normalize(r["text"]).folded) for r in rows]

    def to_csr(idx: np.ndarray) -> csr_matrix:
        data: list[float] = []
        ind: list[int] = []
        ptr = [0]
        for i in idx:
            ids, counts = np.unique(feats[i], return_counts=True)
            ind.extend(ids.tolist())
            data.extend((counts / np.sqrt(len(feats[i]))).tolist())
            ptr.append(len(ind))
        return csr_matrix((data, ind, ptr), shape=(len(idx), 2 ** BITS))

    fold = np.arange(len(rows)) % 5
    for name, target in [("flagged", np.array([r["verdict"] != "allow" for r in rows])),
                         ("blocked", np.array([r["verdict"] == "block" for r in rows]))]:
        ours, theirs = np.zeros(len(rows)), np.zeros(len(rows))
        t_ours = t_theirs = 0.0
        for k in range(5):
            tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            t0 = time.perf_counter()
            model = train([feats[i] for i in tr], target[tr, None])
            t_ours += time.perf_counter() - t0
            ours[te] = [model.probabilities(feats[i])[0] for i in te]
            t0 = time.perf_counter()
            sk = LogisticRegression(C=10, max_iter=2000).fit(to_csr(tr), target[tr])
            t_theirs += time.perf_counter() - t0
            theirs[te] = sk.predict_proba(to_csr(te))[:, 1]
        print(f"{name}: {len(rows)} drafts, 5-fold out-of-fold AUC: numpy trainer {roc_auc_score(target, ours):.3f} "
              f"({t_ours:.2f} s), scikit-learn LogisticRegression {roc_auc_score(target, theirs):.3f} ({t_theirs:.2f} s)")


if __name__ == "__main__":
    main()
