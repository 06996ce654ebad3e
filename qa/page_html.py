"""The parent page's HTML: breadcrumbs, quoted passages with their highlights,
where to read them, whole sections, notices and contacts.

No Streamlit here, so everything that could be wrong on the page is tested
like any other module. Text from the guidance or from a question is always
escaped before it meets markup, so it shows as text and never renders.
"""
from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlsplit

from ingest.chunking import CRUMB

from .answer import Answer, Passage
from .links import source_link


def breadcrumb(heading_path: list[str]) -> str:
    """The headings below the document title, e.g. "Funding for … › Element 2"."""
    inner = heading_path[1:]
    return CRUMB.join(inner) if inner else "".join(heading_path[:1])


def highlighted_html(text: str, spans: list[list[int]]) -> str:
    """The text escaped for HTML, each [start, end] span wrapped in <mark>.

    Every piece is escaped on its own before the tags go round it, so nothing
    in the text can open or close markup, whatever the offsets are."""
    out, pos = [], 0
    for start, end in _clean_spans(spans, len(text)):
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _clean_spans(spans: list[list[int]], length: int) -> list[tuple[int, int]]:
    """Spans clipped to the text, sorted, empty ones dropped and overlaps merged."""
    clipped = sorted((max(0, int(s)), min(length, int(e))) for s, e in spans)
    merged: list[tuple[int, int]] = []
    for s, e in clipped:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def passage_html(p: Passage, heading_level: int = 3) -> str:
    """One quoted passage: its breadcrumb as a heading, the document title (and
    PDF page), the quote, then where to read it (source_html)."""
    h = f"h{heading_level}"
    page = f", page {int(p.page)}" if p.page else ""
    return (f'<{h} class="sg-crumb">{html.escape(breadcrumb(p.heading_path))}</{h}>'
            f'<p class="sg-doc">From “{html.escape(p.document)}”{page}</p>'
            f'<blockquote class="sg-quote">{highlighted_html(p.text, p.highlights)}</blockquote>'
            f"{source_html(p)}")


def source_html(p: Passage) -> str:
    """Under a passage: when its document was last updated, and a link to it
    where it was published; only http(s) addresses are linked. "" when neither is known."""
    parts = []
    when = long_date(p.updated)
    if when:
        parts.append(f"Last updated {html.escape(when)}.")
    link = source_link(p)
    if link:
        # The site's name, not "the council's": guidance also comes from GOV.UK
        # and others, and a parent sees where the link goes before following it.
        site = urlsplit(link).hostname or "its website"
        words = f"Open page {int(p.page)} of the PDF" if p.page else f"Read this on {site}"
        parts.append(f'<a href="{html.escape(link, quote=True)}" rel="noopener">{html.escape(words)}</a>')
    return f'<p class="sg-source">{" ".join(parts)}</p>' if parts else ""


def long_date(iso: str) -> str:
    """"2026-03-03" -> "3 March 2026"; "" when it is not an ISO date."""
    try:
        d = date.fromisoformat((iso or "")[:10])
    except ValueError:
        return ""
    return f"{d.day} {d:%B %Y}"


def section_html(text: str, spans: list[list[int]]) -> str:
    """A whole section (Engine.section), the passage's highlights in it."""
    return f'<div class="sg-section">{highlighted_html(text, spans)}</div>'


def notice_html(message: str, kind: str = "info") -> str:
    """A calm box for text that may hold a person's own words (st.info would render them as Markdown)."""
    return f'<div class="sg-notice sg-{html.escape(kind)}" role="status">{html.escape(message)}</div>'


def help_html(answer: Answer) -> str:
    """The contacts an answer offers, as a list: for a child at risk the
    emergency numbers, with a line saying to use them now; after a refusal,
    who can help. Phone numbers are tel: links; only http(s) addresses are linked."""
    if not answer.help:
        return ""
    items = "".join(f"<li>{_contact_html(c)}</li>" for c in answer.help)
    if answer.urgent:
        return ('<div class="sg-notice sg-urgent" role="alert"><p><strong>If a child is in danger now, call 999.</strong> '
                f"You can also get help from:</p><ul>{items}</ul></div>")
    return f'<div class="sg-help"><p>Who can help:</p><ul>{items}</ul></div>'


def _contact_html(c: dict) -> str:
    parts = [f"<strong>{html.escape(c.get('name', ''))}</strong>"]
    if c.get("phone"):
        digits = "".join(ch for ch in c["phone"] if ch.isdigit() or ch == "+")
        parts.append(f'<a href="tel:{html.escape(digits)}">{html.escape(c["phone"])}</a>')
    url = c.get("url", "")
    if url.lower().startswith(("https://", "http://")):
        parts.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
    text = ", ".join(parts)
    if c.get("about"):
        text += f": {html.escape(c['about'])}"
    return text


def facts_html(facts: list[tuple[str, str]]) -> str:
    """Label and value pairs as a description list, every value escaped."""
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    return f'<dl class="sg-facts">{rows}</dl>'
