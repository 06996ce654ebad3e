"""Clean a typed question before search: what a person meant, nothing that
could confuse the search or the page."""
from __future__ import annotations

import unicodedata

from ingest.settings import MAX_QUESTION_CHARS

from . import messages

EMPTY_REASON = messages.EMPTY
# A question of only everyday words ("What can I do?") has nothing to match a passage on.
VAGUE_REASON = messages.VAGUE


def clean(question: object) -> tuple[str, str]:
    """(cleaned question, notice). Control and bidirectional-formatting
    characters become spaces, white space collapses, and a question longer
    than MAX_QUESTION_CHARS is cut, with a notice saying so."""
    text = question if isinstance(question, str) else ("" if question is None else str(question))
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split())
    notice = ""
    if len(text) > MAX_QUESTION_CHARS:
        cut = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUESTION_CHARS]
        notice = messages.long_question(len(text), len(cut), MAX_QUESTION_CHARS)
        text = cut
    return text, notice


def is_searchable(text: str) -> bool:
    """At least one letter or digit: something to search for."""
    return any(ch.isalnum() for ch in text)
