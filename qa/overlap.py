"""Keep returned passages from repeating each other."""
from __future__ import annotations

def overlaps(a: tuple[str, int, int], b: tuple[str, int, int], limit: float) -> bool:
    """a and b are (file, start, end); True when they share more than `limit`
    of the shorter one."""
    if a[0] != b[0]:
        return False
    shared = min(a[2], b[2]) - max(a[1], b[1])
    shorter = min(a[2] - a[1], b[2] - b[1])
    return shorter > 0 and shared > limit * shorter


def drop_overlapping(spans: list[tuple[str, int, int]], limit: float, keep: int | None = None) -> list[int]:
    """Indexes of the spans to keep, in order, skipping any that overlaps one
    kept before it; stops once `keep` spans are kept."""
    kept: list[int] = []
    for i, span in enumerate(spans):
        if keep is not None and len(kept) == keep:
            break
        if not any(overlaps(span, spans[j], limit) for j in kept):
            kept.append(i)
    return kept
