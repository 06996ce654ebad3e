"""A passage's whole section, for "Read the whole section"."""
from __future__ import annotations

from ingest.chunking import Chunk

from .answer import Passage


def whole_section(chunks: list[Chunk], p: Passage) -> tuple[str, list[list[int]]]:
    """The full text of the passage's section, from every chunk of the same file
    and heading path in document order, and the passage's highlights moved to
    their place in it."""
    parts = sorted((c for c in chunks if c.file == p.file and c.heading_path == p.heading_path), key=lambda c: c.start)
    if not parts:
        return p.text, p.highlights
    text, end, shift = "", parts[0].start, None
    for c in parts:
        if c.start >= end:
            text += ("\n\n" if text else "")
            base = len(text) - c.start  # document offset -> section offset
            text += c.text
        else:  # chunks that overlap: keep only what is new
            base = len(text) - end
            text += c.text[end - c.start:]
        end = max(end, c.end)
        if c.id == p.chunk_id:
            shift = base + c.start
    spans = [[s + shift, e + shift] for s, e in p.highlights] if shift is not None else []
    return text, spans
