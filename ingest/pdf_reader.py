"""Read a PDF into a document: its text, its heading structure and its pages.

The text is rebuilt from the lines pypdf extracts, with each line's position
and font: lines of one paragraph are joined with spaces, paragraphs are
separated by blank lines, bullet lines become "- " list lines, and running
headers, footers and page numbers are left out. Headings come from the PDF's
outline (bookmarks) when it has one, else from the fonts: lines clearly larger
than the body text, or short bold lines. `Document.page_starts` records where
each page starts in the text, so every passage keeps its page (`page_at`).
"""
from __future__ import annotations

import io
import logging
import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pypdf import PasswordType, PdfReader

from .readers import Document, Section, UnreadableFile, trim
from .settings import MAX_PDF_PAGES

# pypdf logs what it repairs in damaged files ("EOF marker not found"); a
# file it cannot read is reported once, by the build, with the reason.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# A line whose text is this (at the top or bottom of a page) is a page number:
# "12", "Page 12 of 290", "- 12 -", "iv" (front matter).
_PAGE_NUMBER = re.compile(r"(?:[Pp]age\s+)?[-–—]?\s*(?:\d+|[ivx]{1,5})\s*[-–—]?(?:\s*(?:of|/)\s*\d+)?")
# Bullet glyphs, including Word's Symbol-font bullet (U+F0B7).
_BULLET = re.compile(r"[•●▪■◦‣\uf0b7]\s*")
_BOLD_FONT = re.compile(r"(?i)bold|black|heavy|semibold|demi")
# A line repeated at the top or bottom of this many pages is a running header
# or footer; fewer could be chance.
_MIN_REPEATS = 3
# Headers and footers are labels; a longer line is text.
_MAX_FURNITURE_CHARS = 80
# Lines this many times taller than the body text are headings.
_HEADING_SCALE = 1.15
# Paragraphs: a gap between lines this many times the usual line spacing.
_PARAGRAPH_GAP = 1.3
_MAX_HEADING_CHARS = 200
_MAX_BOLD_HEADING_CHARS = 80


@dataclass(eq=False)  # lines are told apart by identity, not by their text
class _Line:
    text: str
    y: float
    size: float  # font size in points, as drawn
    bold: bool


@dataclass
class _Para:
    lines: list[str]
    size: float
    bold: bool
    item: bool  # a list item ("- ...")

    @property
    def text(self) -> str:
        out = self.lines[0]
        for line in self.lines[1:]:
            # A word hyphenated across lines is joined as printed, hyphen kept.
            out += line if out.endswith("-") and out[-2:-1].isalpha() else " " + line
        return out


def read_pdf(data_or_path: bytes | Path, rel: str) -> Document:
    """The document of a PDF; UnreadableFile (saying why and what to do) when
    it is broken, encrypted with a password, too long or has no text layer."""
    data = data_or_path.read_bytes() if isinstance(data_or_path, Path) else data_or_path
    reader = _open(data)
    pages = _page_lines(reader)
    if not any(pages):
        raise UnreadableFile("it has no text layer (a scanned document?): run OCR on it or use the web page instead")
    body_size = _body_size(pages)
    pitch = _line_pitch(pages, body_size)
    pages = [[line for line in page if line not in furniture] for page, furniture
             in zip(pages, _furniture(pages, body_size, pitch))]
    paras = [_paragraphs(page, pitch) for page in pages]
    text, page_starts, spans = _layout(paras)
    outline = _outline(reader)
    if outline:
        headings = _locate_bookmarks(text, page_starts, outline)
    else:
        headings = _font_headings(paras, spans, body_size)
    doc = Document(rel, text, _metadata_title(reader) or (headings[0][0][-1] if headings else ""))
    doc.sections = _sections(text, headings)
    doc.page_starts = page_starts
    doc.updated = _metadata_date(reader)
    return doc


def page_at(doc_or_page_starts: Document | list[int], offset: int) -> int:
    """The 1-based page on which the character at `offset` of the text lies."""
    starts = doc_or_page_starts.page_starts if isinstance(doc_or_page_starts, Document) else doc_or_page_starts
    return max(1, bisect_right(starts, offset))


# --- Opening ----------------------------------------------------------------

def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        # Many published PDFs are encrypted only to restrict printing or
        # copying: they open with an empty password.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise UnreadableFile("it is protected by a password: ask the publisher for a copy without one, "
                                 "or use the web page instead")
        count = len(reader.pages)
    except UnreadableFile:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged files
        raise UnreadableFile(f"it is not a readable PDF ({exc}): download or export it again") from None
    if count > MAX_PDF_PAGES:
        raise UnreadableFile(f"it has {count} pages, more than the {MAX_PDF_PAGES} a PDF in the corpus may have: "
                             "split it into smaller files")
    return reader


def _page_lines(reader: PdfReader) -> list[list[_Line]]:
    pages = []
    for number, page in enumerate(reader.pages, 1):
        try:
            pages.append(_lines_of(page))
        except Exception as exc:  # a damaged content stream in one page
            raise UnreadableFile(f"page {number} cannot be read ({exc}): download or export the PDF again") from None
    return pages


def _lines_of(page) -> list[_Line]:
    """The page's lines in drawing order, each with its position and the font
    of most of its characters. pypdf's extraction decides spaces and line
    breaks; the visitor sees the same text in pieces, with their fonts."""
    lines: list[_Line] = []
    current: list[tuple[str, float, float, bool]] = []  # text, y, size, bold

    def end_line() -> None:
        text = re.sub(r"\s+", " ", "".join(t for t, *_ in current)).strip()
        if text:
            weights = Counter()
            for t, _y, size, bold in current:
                weights[(size, bold)] += len(t.strip())
            size, bold = weights.most_common(1)[0][0]
            y = next(y for t, y, *_ in current if t.strip())
            lines.append(_Line(text, y, size, bold))
        current.clear()

    def visit(text, cm, tm, font, font_size) -> None:
        # The text matrix times the current transformation matrix: where the
        # text is on the page, and its height (some writers set the font
        # size to 1 and scale the matrix instead).
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = round(font_size * math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]), 1)
        bold = bool(font) and bool(_BOLD_FONT.search(str(font.get("/BaseFont", ""))))
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                end_line()
            if part:
                current.append((part, y, size, bold))

    page.extract_text(visitor_text=visit)
    end_line()
    return lines


# --- Page furniture -----------------------------------------------------------

def _body_size(pages: list[list[_Line]]) -> float:
    """The font size of most of the text."""
    sizes = Counter()
    for page in pages:
        for line in page:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0]


def _furniture(pages: list[list[_Line]], body_size: float, pitch: float) -> list[list[_Line]]:
    """For each page, its running header and footer lines and page numbers.

    At each edge of a page the outermost line is looked at, and the next one
    in when the outermost is furniture and a gap sets the next one apart from
    the text (a two-line header); never a line of a paragraph. Such a line is
    furniture when it is a page number, or when it is short, no bigger than
    the body text (headings are not furniture) and repeats at the same edge
    of several pages, numbers aside ("Chapter 3 | page 41").
    """
    edges = [_edge_lines(page, pitch) for page in pages]
    # Each page counts once for each key.
    repeats = Counter(
        key for page_edges in edges
        for key in {_edge_key(where, line) for where, lines in page_edges.items() for line in lines})

    def is_furniture(where: str, line: _Line) -> bool:
        return bool(_PAGE_NUMBER.fullmatch(line.text)) or (
            repeats[_edge_key(where, line)] >= _MIN_REPEATS and line.size <= body_size + 0.5
            and len(line.text) <= _MAX_FURNITURE_CHARS)

    furniture = []
    for page_edges in edges:
        found = []
        for where, lines in page_edges.items():
            for line in lines:  # outermost first
                if not is_furniture(where, line):
                    break
                found.append(line)
        furniture.append(found)
    return furniture


def _edge_lines(page: list[_Line], pitch: float) -> dict[str, list[_Line]]:
    """The outermost line at the top and at the bottom, and the one next to
    it when a gap wider than between a paragraph's lines follows it."""
    ordered = sorted(page, key=lambda line: -line.y)
    apart = _PARAGRAPH_GAP * pitch
    top, bottom = ordered[:1], ordered[-1:]
    if len(ordered) > 2 and ordered[1].y - ordered[2].y > apart:
        top.append(ordered[1])
    if len(ordered) > 2 and ordered[-3].y - ordered[-2].y > apart:
        bottom.append(ordered[-2])
    return {"top": top, "bottom": bottom}


def _edge_key(where: str, line: _Line) -> tuple[str, str]:
    return where, re.sub(r"\d+", "#", line.text.lower())


# --- Paragraphs and text ------------------------------------------------------

def _line_pitch(pages: list[list[_Line]], body_size: float) -> float:
    """The usual distance between two lines of body text."""
    gaps = Counter(round(a.y - b.y, 1) for page in pages for a, b in zip(page, page[1:])
                   if a.size == b.size == body_size and 0 < a.y - b.y < 3 * body_size)
    return gaps.most_common(1)[0][0] if gaps else 1.5 * body_size


def _paragraphs(lines: list[_Line], pitch: float) -> list[_Para]:
    """Lines joined into paragraphs. A paragraph ends at a wider gap, a change
    of font (a heading and its text are never one paragraph), a move up the
    page (a new column) and before a bullet."""
    paras: list[_Para] = []
    prev: _Line | None = None
    for line in lines:
        bullet = _BULLET.match(line.text)
        text = "- " + line.text[bullet.end():] if bullet else line.text
        gap = prev.y - line.y if prev else 0
        if (prev is None or bullet or (line.size, line.bold) != (prev.size, prev.bold)
                or not 0 < gap <= _PARAGRAPH_GAP * pitch):
            paras.append(_Para([text], line.size, line.bold, bool(bullet)))
        else:
            paras[-1].lines.append(text)
        prev = line
    return paras


def _layout(pages: list[list[_Para]]) -> tuple[str, list[int], list[tuple[int, int]]]:
    """The document's text, where each page starts in it, and each
    paragraph's (start, end), in order. List items follow each other on
    single lines, as in Markdown, so a list stays one block."""
    parts: list[str] = []
    page_starts: list[int] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    prev_item = False
    for page in pages:
        page_starts.append(pos)  # a page with no text starts where the text so far ends
        for n, para in enumerate(page):
            if parts:
                sep = "\n" if para.item and prev_item else "\n\n"
                parts.append(sep)
                pos += len(sep)
            if n == 0:
                page_starts[-1] = pos
            spans.append((pos, pos + len(para.text)))
            parts.append(para.text)
            pos += len(para.text)
            prev_item = para.item
    return "".join(parts), page_starts, spans


# --- Headings and sections ----------------------------------------------------

def _outline(reader: PdfReader) -> list[tuple[tuple[str, ...], int]]:
    """The bookmarks as (heading path, 0-based page), in the outline's order;
    bookmarks that point nowhere are left out (their children keep them in
    their paths)."""
    try:
        return _flatten(reader, reader.outline, ())
    except Exception:  # a damaged outline: the fonts still give headings
        return []


def _flatten(reader: PdfReader, items: list, parents: tuple[str, ...]) -> list[tuple[tuple[str, ...], int]]:
    out: list[tuple[tuple[str, ...], int]] = []
    path = parents
    for item in items:
        if isinstance(item, list):  # the children of the bookmark before it
            out += _flatten(reader, item, path)
            continue
        title = re.sub(r"\s+", " ", str(item.title or "")).strip()
        path = parents + (title,)
        page = reader.get_destination_page_number(item)
        if title and page is not None and 0 <= page < len(reader.pages):
            out.append((path, page))
    return out


def _locate_bookmarks(text: str, page_starts: list[int], outline) -> list[tuple[tuple[str, ...], int, int]]:
    """Each bookmark as (heading path, start, end) of its title in the text:
    the title's words found on the bookmark's page (a contents page that
    lists every title is another page). A title not found there starts its
    section at the top of its page."""
    headings = []
    cursor = 0
    ends = page_starts[1:] + [len(text)]
    for path, page in sorted(outline, key=lambda entry: entry[1]):
        start = max(cursor, page_starts[page])
        # A number printed before the title ("2.1 Naming" for "Naming") is
        # part of the heading, not of the text before it.
        title = r"(?:\d+(?:\.\d+)*\.?\s+)?" + r"\s+".join(map(re.escape, path[-1].split()))
        m = re.compile(title, re.I).search(text, start, max(start, ends[page]))
        span = (m.start(), m.end()) if m else (start, start)
        headings.append((path, *span))
        cursor = span[1]
    return headings


def _font_headings(pages: list[list[_Para]], spans: list[tuple[int, int]], body_size: float):
    """Headings found by their font, as (heading path, start, end): lines
    clearly larger than the body text (the largest size is level 1, the next
    level 2...), then short bold lines one level below those."""
    paras = [p for page in pages for p in page]
    larger = sorted({p.size for p in paras if p.size >= _HEADING_SCALE * body_size and _is_heading(p, body_size)},
                    reverse=True)
    headings, stack = [], []
    for para, (start, end) in zip(paras, spans):
        if not _is_heading(para, body_size):
            continue
        level = larger.index(para.size) + 1 if para.size in larger else len(larger) + 1
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, para.text))
        headings.append((tuple(t for _, t in stack), start, end))
    return headings


def _is_heading(para: _Para, body_size: float) -> bool:
    text = para.text
    if para.item or not text[:1].isalnum():
        return False
    if para.size >= _HEADING_SCALE * body_size:
        return len(text) <= _MAX_HEADING_CHARS
    # Bold body text that ends like a sentence is emphasis, not a heading.
    return (para.bold and len(para.lines) == 1 and len(text) <= _MAX_BOLD_HEADING_CHARS
            and text[-1] not in ".:;,")


def _sections(text: str, headings: list[tuple[tuple[str, ...], int, int]]) -> list[Section]:
    """Each heading's body runs to the next heading; text before the first
    heading (a cover page) is a section with no heading."""
    sections = []
    bounds = [((), 0, 0)] + headings
    for i, (path, _start, end) in enumerate(bounds):
        stop = bounds[i + 1][1] if i + 1 < len(bounds) else len(text)
        end, stop = trim(text, end, stop)
        if stop > end:
            sections.append(Section(path, end, stop))
    return sections


# --- Metadata -----------------------------------------------------------------

def _metadata_title(reader: PdfReader) -> str:
    """/Title, unless it is a file name that a word processor put there."""
    try:
        title = re.sub(r"\s+", " ", str((reader.metadata or {}).get("/Title") or "")).strip()
    except Exception:  # a damaged information dictionary
        return ""
    if re.match(r"(?i)microsoft (word|powerpoint) - ", title) or re.search(r"(?i)\.(docx?|pdf|odt|pptx?)$", title):
        return ""
    return title


def _metadata_date(reader: PdfReader) -> str:
    """ModDate, else CreationDate, as YYYY-MM-DD ("D:20240131..." in the PDF)."""
    try:
        info = reader.metadata or {}
        raw = [str(info.get(key) or "") for key in ("/ModDate", "/CreationDate")]
    except Exception:  # a damaged information dictionary
        return ""
    for value in raw:
        m = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", value.strip())
        if m:
            try:
                return date(*map(int, m.groups())).isoformat()
            except ValueError:  # a month 13 or a day 0
                continue
    return ""
