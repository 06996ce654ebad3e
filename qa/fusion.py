"""Score fusion: one score per passage from the retrievers' scores.

The dense and evidence scores are cosines (comparable as they are); BM25
scores (of a passage, and of its best sentence) have no fixed scale, so each
is divided by the question's best score of its kind first. Weighted sums of
scores beat reciprocal rank fusion on the dev set (docs/RETRIEVAL.md): ranks
throw away how far ahead the leader is. The weights are fitted by
`python -m learn.fit` (qa/tuning.py).
"""
from __future__ import annotations

import numpy as np

# Scores without a fixed scale (BM25), divided by their best before weighting.
RELATIVE = ("keyword", "sentence_keyword")


def fuse(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of each retriever's scores for every passage; the weights
    are fitted (Tuning.fitted.weights), a score with none weighs 1."""
    total = None
    for name, values in scores.items():
        v = np.asarray(values, dtype=np.float32)
        if name in RELATIVE:
            top = float(v.max()) if v.size else 0.0
            v = v / top if top > 0 else np.zeros_like(v)
        total = weights.get(name, 1.0) * v if total is None else total + weights.get(name, 1.0) * v
    return total


def ranked(fused: np.ndarray, limit: int | None = None) -> list[int]:
    """Passage numbers best first; ties broken by position so results are stable."""
    order = np.argsort(-fused, kind="stable")
    return order[:limit].tolist() if limit else order.tolist()
