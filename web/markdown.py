"""Text shown through Streamlit's Markdown (a label, a table cell, a message) exactly as written."""
from __future__ import annotations

import re


def markdown_text(text: str) -> str:
    """Text with each character Markdown could read as markup escaped (a label,
    a table cell). Escapes do not stop GitHub Markdown's bare links (an
    address or an email in a question became a link inside a button or an
    expander's summary: a control in a control), so a WORD JOINER, which
    shows as nothing, goes where it breaks them."""
    return _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub("\\1\u2060", text))


_MARKDOWN = re.compile(r"([\\`*_\[\]{}<>()#+|~$:!.-])")
# Where a bare link would begin: "http://", "https://", "ftp://", "www.", and the "@" of an email.
_AUTOLINK = re.compile(r"((?:https?|ftp):|(?<![^\W_])www|@)", re.IGNORECASE)
