"""Pick the sentences of a passage that best answer the question."""
from __future__ import annotations

import numpy as np

# Sentences within this cosine of the best one are highlighted too, when they
# sit next to it (an answer often runs over two sentences).
NEIGHBOUR_MARGIN = 0.03


def best_sentences(spans: list[list[int]], scores: np.ndarray) -> list[list[int]]:
    """Spans ([start, end] in the passage) of the best sentence and any
    neighbour that scores nearly as well, in text order."""
    if not spans:
        return []
    best = int(np.argmax(scores))
    chosen = {best}
    for j in (best - 1, best + 1):
        if 0 <= j < len(spans) and scores[j] >= scores[best] - NEIGHBOUR_MARGIN:
            chosen.add(j)
    return [list(spans[j]) for j in sorted(chosen)]
