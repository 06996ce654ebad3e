"""Pick the sentences of a passage that best answer the question."""
from __future__ import annotations

import numpy as np

def best_sentences(spans: list[list[int]], scores: np.ndarray, margin: float) -> list[list[int]]:
    """Spans ([start, end] in the passage) of the best sentence and any
    neighbour within `margin` of it (Tuning.highlight_margin), in text order."""
    if not spans:
        return []
    best = int(np.argmax(scores))
    chosen = {best}
    for j in (best - 1, best + 1):
        if 0 <= j < len(spans) and scores[j] >= scores[best] - margin:
            chosen.add(j)
    return [list(spans[j]) for j in sorted(chosen)]
