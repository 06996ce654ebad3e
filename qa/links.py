"""Links from a quoted passage back to where it was published."""
from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

# Only web addresses are ever linked: a source that is a file name, a note
# ("funding leaflet") or another scheme (javascript:, data:, file:) is not.
_WEB = ("https://", "http://")
# Characters a URL fragment may hold as they are (RFC 3986); others are %-encoded.
_FRAGMENT_SAFE = "-._~!$&'()*+,;=:@/?"


class Linkable(Protocol):
    source: str
    anchor: str
    page: int


def is_web(url: str) -> bool:
    return url.strip().lower().startswith(_WEB)


def source_link(p: Linkable) -> str:
    """source#page=N for a PDF page, source#anchor for a section with a heading
    id, else the source itself; "" when the source is not an http(s) address."""
    source = (p.source or "").strip()
    if not is_web(source) or any(ch.isspace() or ord(ch) < 32 for ch in source):
        return ""
    base = source.split("#", 1)[0]
    if p.page:
        return f"{base}#page={int(p.page)}"
    if p.anchor:
        return f"{base}#{quote(p.anchor, safe=_FRAGMENT_SAFE)}"
    return source
