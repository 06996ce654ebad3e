"""Reciprocal rank fusion: a passage's score is the sum over retrievers of
weight / (k + rank). Ranks, not raw scores, so cosine and BM25 need no common
scale."""
from __future__ import annotations

RRF_K = 60


def rrf(rankings: dict[str, list[int]], weights: dict[str, float] | None = None, k: int = RRF_K) -> dict[int, float]:
    fused: dict[int, float] = {}
    for name, ids in rankings.items():
        w = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, doc in enumerate(ids, start=1):
            fused[doc] = fused.get(doc, 0.0) + w / (k + rank)
    return fused


def ranked(fused: dict[int, float]) -> list[int]:
    """Ids best first; ties broken by id so results are stable."""
    return sorted(fused, key=lambda d: (-fused[d], d))
