"""Read a Markdown file into a document.

The document's text is the file's decoded text, unchanged: passages quote it
as written. markdown-it-py parses it only to find the headings (ATX "## Title"
and setext "Title" underlined with = or -) and the lines they sit on, so a "#"
line inside a code fence, an indented code block or an HTML block is never
taken for a heading.
"""
from __future__ import annotations

import re
from itertools import accumulate

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .readers import Document, iso_date, sections_from_headings

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
# Front-matter keys that give the date the guidance was last updated.
_UPDATED_KEYS = ("updated", "last_updated", "date")
_PARSER = MarkdownIt("commonmark")


def read_markdown(rel: str, text: str) -> Document:
    meta, body_from = _front_matter(text)
    doc = Document(rel, text, meta.get("title", ""), meta.get("publisher", ""), meta.get("source", ""),
                   updated=iso_date(next((meta[k] for k in _UPDATED_KEYS if meta.get(k)), "")))
    doc.sections = sections_from_headings(text, _headings(text, body_from), body_from)
    return doc


def _front_matter(text: str) -> tuple[dict[str, str], int]:
    """`key: value` lines between --- lines at the top, and where the body starts."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, 0
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip('"')
    return meta, m.end()


def _headings(text: str, body_from: int) -> list[tuple[int, str, int, int]]:
    """(level, title, start, end) of each top-level heading; start and end
    are offsets in text of the heading's first line and of the line after it
    (after a setext heading's underline)."""
    body = text[body_from:]
    lines = body.split("\n")
    # line_starts[i] is the offset in text of line i of the body.
    line_starts = [body_from + n for n in accumulate((len(line) + 1 for line in lines), initial=0)]
    tokens = _PARSER.parse(body)
    headings = []
    for i, token in enumerate(tokens):
        # A heading inside a list item or a block quote does not start a
        # section: its section would cut that block in two.
        if token.type == "heading_open" and token.level == 0 and token.map:
            first, after = token.map
            title = _heading_text(tokens[i + 1])
            if title:  # a bare "#" heads nothing: it stays in the text
                headings.append((int(token.tag[1]), title, line_starts[first], min(line_starts[after], len(text))))
    return headings


def _heading_text(inline: Token) -> str:
    """A heading's text as written, on one line (a setext heading may span
    several): headings are quoted like the rest of the text."""
    return " ".join(inline.content.split())
