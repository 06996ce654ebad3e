"""The parent page's HTML: breadcrumbs, quoted passages with their highlights
and the glossary's words explained, where to read them, whole sections,
notices and contacts.

No Streamlit here, so everything that could be wrong on the page is tested
like any other module. Text from the guidance or from a question is always
escaped before it meets markup, so it shows as text and never renders.
"""
from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ingest.chunking import CRUMB
from qa import messages
from qa.answer import Answer, Passage
from qa.explain import Term, merge
from qa.links import source_link

# The pages' one stylesheet, for st.html.
STYLE = f"<style>\n{(Path(__file__).parent / 'style.css').read_text(encoding='utf-8')}</style>"
# What the page asks of the engine to explain words (Engine.explain): a text's glossary terms.
Explain = Callable[[str], list[Term]]


def breadcrumb(heading_path: list[str]) -> str:
    """The headings below the document title, e.g. "Funding for … › Element 2"."""
    inner = heading_path[1:]
    return CRUMB.join(inner) if inner else "".join(heading_path[:1])


def highlighted_html(text: str, spans: list[list[int]], terms: list[Term] = ()) -> str:
    """The text escaped for HTML, each [start, end] span wrapped in <mark>, and
    each use of a glossary term in <abbr title="what it means">.

    Every piece is escaped on its own before the tags go round it, so nothing
    in the text can open or close markup, whatever the offsets are. A term is
    inside a highlight or outside it; one that crosses a highlight's edge is
    cut there into two <abbr>s, so the tags always nest."""
    return _marked(text, _clean_spans(spans, len(text)), _term_spans(terms, len(text)), 0, len(text))


def _marked(text: str, marks: list[tuple[int, int]], abbrs: list[tuple[int, int, str]], start: int, end: int) -> str:
    """text[start:end] escaped, with the marks (sorted, apart) and the terms in it."""
    out, pos = [], start
    for s, e in marks:
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out.append(_abbred(text, abbrs, pos, s))
        out.append(f"<mark>{_abbred(text, abbrs, s, e)}</mark>")
        pos = e
    out.append(_abbred(text, abbrs, pos, end))
    return "".join(out)


def _abbred(text: str, abbrs: list[tuple[int, int, str]], start: int, end: int) -> str:
    """text[start:end] escaped, each term's part of it in <abbr>."""
    out, pos = [], start
    for s, e, title in abbrs:
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f'<abbr title="{html.escape(title, quote=True)}">{html.escape(text[s:e])}</abbr>')
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def _term_spans(terms: list[Term], length: int) -> list[tuple[int, int, str]]:
    """Each use of each term, clipped to the text, sorted; one that overlaps an earlier one is dropped."""
    spans = sorted((max(0, int(s)), min(length, int(e)), t.title) for t in terms for s, e in t.spans)
    kept: list[tuple[int, int, str]] = []
    for s, e, title in spans:
        if e > s and (not kept or s >= kept[-1][1]):
            kept.append((s, e, title))
    return kept


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


# A line that is a list item: "- ", "• " or "* " (a bullet, shown by the list
# itself), or "1." / "1)" (a number, kept as the item's number).
LIST_ITEM = re.compile(r"[ \t]*(?:(?P<bullet>[-•*])|(?P<number>\d{1,3})[.)])[ \t]+(?=\S)")


def quote_html(text: str, spans: list[list[int]], terms: list[Term] = ()) -> str:
    """Guidance text as HTML, word for word: runs of list lines become <ul> or
    <ol> items, the rest stays text (its line breaks kept by the stylesheet's
    pre-line). Each piece is escaped and highlighted on its own, so a
    highlight across list items is cut at the items' edges, never misplaced.
    Glossary terms (Engine.explain) are wrapped in <abbr> the same way; the
    guidance's words are never changed or added to."""
    marks, abbrs = _clean_spans(spans, len(text)), _term_spans(terms, len(text))
    out, run_start, i = [], 0, 0
    lines = _lines(text)
    while i < len(lines):
        match = LIST_ITEM.match(text, *lines[i])
        if not match:
            i += 1
            continue
        kind = "ol" if match["number"] else "ul"
        items = []
        while i < len(lines) and (m := LIST_ITEM.match(text, *lines[i])) and ("ol" if m["number"] else "ul") == kind:
            value = f' value="{int(m["number"])}"' if m["number"] else ""
            items.append(f"<li{value}>{_piece(text, marks, abbrs, m.end(), lines[i][1])}</li>")
            i += 1
        # The line breaks around a list are its own edges: the list's margins show them.
        out.append(_piece(text, marks, abbrs, run_start, len(text[:match.start()].rstrip())))
        out.append(f"<{kind}>{''.join(items)}</{kind}>")
        run_start = lines[i - 1][1]
        run_start += len(text[run_start:]) - len(text[run_start:].lstrip("\r\n"))
    out.append(_piece(text, marks, abbrs, run_start, len(text)))
    return "".join(out)


def _lines(text: str) -> list[tuple[int, int]]:
    """[start, end) of each line, without its line break."""
    bounds, start = [], 0
    for line in text.split("\n"):
        bounds.append((start, start + len(line)))
        start += len(line) + 1
    return bounds


def _piece(text: str, marks: list[tuple[int, int]], abbrs: list[tuple[int, int, str]], start: int, end: int) -> str:
    """text[start:end] escaped, with the marks and terms that fall in it."""
    return _marked(text, marks, abbrs, start, end) if end > start else ""


def words_html(terms: list[Term]) -> str:
    """Below a quote: a disclosure listing each glossary term once, as the
    text writes it, with what it stands for and what it means. A <details>
    opens by touch, click and keyboard and is announced by screen readers,
    which an <abbr>'s title is not. "" when there are no terms."""
    if not terms:
        return ""
    rows = "".join(f"<dt>{html.escape(' or '.join(t.words) or t.term)}</dt><dd>{html.escape(t.explanation)}</dd>"
                   for t in terms)
    names = ", ".join((t.words or (t.term,))[0] for t in terms)
    return (f'<details class="sg-words"><summary>Words explained: {html.escape(names)}</summary>'
            f"<dl>{rows}</dl></details>")


def section_key(p: Passage) -> tuple[str, tuple[str, ...]]:
    """Passages with the same key come from the same section (file and heading path)."""
    return p.file, tuple(p.heading_path)


def group_by_section(passages: list[Passage]) -> list[list[Passage]]:
    """The passages grouped by section, best first: the groups in the order
    of their best passage, and within a group the best-matching quote first
    (a parent reads the answer before its context)."""
    groups: dict[tuple, list[Passage]] = {}
    for p in passages:
        groups.setdefault(section_key(p), []).append(p)
    return list(groups.values())


def passage_html(p: Passage, heading_level: int = 3, explain: Explain | None = None) -> str:
    """One quoted passage: its breadcrumb as a heading, the document title (and
    PDF page), the quote, then where to read it (source_html)."""
    return section_passages_html([p], heading_level, explain)


def section_passages_html(passages: list[Passage], heading_level: int = 3, explain: Explain | None = None) -> str:
    """Passages of one section under one heading: the breadcrumb, the document
    title (and PDF pages), each quote, the words explained (with `explain`,
    Engine.explain: the glossary terms of the headings and quotes, each once,
    in the order they are read), then where to read them (source_html, once each)."""
    first, h = passages[0], f"h{heading_level}"
    pages = sorted({int(p.page) for p in passages if p.page})
    page = f", page {pages[0]}" if len(pages) == 1 else f", pages {_and(map(str, pages))}" if pages else ""
    crumb = breadcrumb(first.heading_path)
    explain = explain or _no_terms
    found = [explain(p.text) for p in passages]
    quotes = "".join(f'<blockquote class="sg-quote">{quote_html(p.text, p.highlights, terms)}</blockquote>'
                     for p, terms in zip(passages, found))
    words = words_html(merge([explain(crumb), explain(first.document), *found]))
    sources = "".join(dict.fromkeys(source_html(p) for p in passages))
    return (f'<{h} class="sg-crumb">{html.escape(crumb)}</{h}>'
            f'<p class="sg-doc">From “{html.escape(first.document)}”{page}</p>{quotes}{words}{sources}')


def _no_terms(_text: str) -> list[Term]:
    return []


def _and(words) -> str:
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def asked_html(question: str) -> str:
    """The question an answer answers, restated under its heading."""
    return f'<p class="sg-asked">You asked: “{html.escape(question)}”</p>'


def status_text(answer: Answer | None) -> str:
    """What the page's live region says after a search ("" before one), for screen readers."""
    if answer is None:
        return ""
    if not answer.passages:
        return answer.reason
    if not answer.answered:
        return "No answer in the guidance for this question."
    n, sections = len(answer.passages), len(group_by_section(answer.passages))
    found = f"Found {n} passage{'s' if n != 1 else ''} in the guidance"
    return f"{found}, from {sections} sections." if 1 < sections < n else f"{found}."


def live_region_html(text: str) -> str:
    """The live region: on the page on every run, so only its text changes and screen readers read it."""
    return f'<div class="sg-live" role="status" aria-live="polite">{html.escape(text)}</div>'


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


def section_html(text: str, spans: list[list[int]], explain: Explain | None = None) -> str:
    """A whole section (Engine.section), the passage's highlights in it, and
    with `explain` (Engine.explain) its glossary terms explained below it."""
    terms = (explain or _no_terms)(text)
    return f'<div class="sg-section">{quote_html(text, spans, terms)}</div>{words_html(terms)}'


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
        return (f'<div class="sg-notice sg-urgent" role="alert"><p><strong>{html.escape(messages.URGENT_CALL)}</strong> '
                f"{html.escape(messages.URGENT_MORE)}</p><ul>{items}</ul></div>")
    return f'<div class="sg-help"><p>{html.escape(messages.HELP_HEADING)}</p><ul>{items}</ul></div>'


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
