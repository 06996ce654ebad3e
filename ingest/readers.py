"""Read corpus files (Markdown, plain text, HTML) into documents with sections.

A section is the body text under one heading, with its heading path and its
character offsets into the document's text. For Markdown and plain text the
document's text is the file's decoded text; for HTML it is the text of the
page's own content (html_reader.py), which is what passages quote.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .settings import MAX_CORPUS_FILE_BYTES, MAX_PDF_BYTES

SUPPORTED_SUFFIXES = (".md", ".txt", ".html", ".htm", ".pdf")
# What corpus/ takes, as messages name it: ".md, .txt, .html, .htm or .pdf".
TYPES = ", ".join(SUPPORTED_SUFFIXES[:-1]) + " or " + SUPPORTED_SUFFIXES[-1]
# Sidecar file with a document's title, publisher and source, for formats
# that have no front matter: "guide.txt" -> "guide.txt.meta.json".
META_SUFFIX = ".meta.json"
# How people write a date: "3 March 2026", "March 3, 2026", "2026-03-03", "03/03/2026" (UK order).
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%Y-%m-%d", "%d/%m/%Y")


class UnreadableFile(Exception):
    """A corpus file that cannot be read; the message says why."""


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    start: int  # offsets of the body text in Document.text
    end: int
    anchor: str = ""  # the id of the heading on its web page: links go to source#anchor


@dataclass
class Document:
    path: str  # relative to the corpus folder
    text: str
    title: str
    publisher: str = ""
    source: str = ""
    sections: list[Section] = field(default_factory=list)
    # PDF: where each page starts in text (page n at index n-1); see pdf_reader.page_at.
    page_starts: list[int] = field(default_factory=list)
    updated: str = ""  # the date the publisher last changed it, YYYY-MM-DD, when known


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252; binary data is refused."""
    # Windows editors save "Unicode" text as UTF-16 with a BOM; its NUL bytes
    # would otherwise make it look binary.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"it starts like UTF-16 text but is not ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data:
        raise UnreadableFile("it looks like a binary file (it contains NUL bytes), not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"it is neither UTF-8 nor cp1252 text ({exc.reason} at byte {exc.start})") from None
    return _newlines(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_document(path: Path, corpus_dir: Path) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"files of type '{suffix or path.name}' are not supported (use {TYPES})")
    try:
        size = path.stat().st_size
        limit = MAX_PDF_BYTES if suffix == ".pdf" else MAX_CORPUS_FILE_BYTES  # see settings.py
        if size > limit:
            raise UnreadableFile(
                f"it is {size / 1e6:.1f} MB, more than the {limit / 1e6:.0f} MB a {'PDF' if suffix == '.pdf' else 'corpus file'} may be "
                "(embedding it would take hours); split it into smaller files")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"it cannot be opened ({exc.strerror})") from None
    rel = path.relative_to(corpus_dir).as_posix()
    if suffix == ".pdf":
        from .pdf_reader import read_pdf  # imports readers: loaded here, once needed

        doc = read_pdf(data, rel)
        _apply_sidecar(doc, path)
        return doc
    text = decode(data)
    if suffix == ".md":
        from .markdown_reader import read_markdown  # imports readers: loaded here, once needed

        doc = read_markdown(rel, text)
    elif suffix == ".txt":
        doc = _read_plain(rel, text)
    else:
        from .html_reader import read_html  # imports readers: loaded here, once needed

        doc = read_html(rel, text)
    _apply_sidecar(doc, path)
    if not doc.title:
        # The first heading, even when some text comes before it.
        doc.title = next((s.heading_path[0] for s in doc.sections if s.heading_path),
                         path.stem.replace("-", " ").replace("_", " "))
    return doc


def _apply_sidecar(doc: Document, path: Path) -> None:
    meta_path = path.with_name(path.name + META_SUFFIX)
    if not meta_path.exists():
        return
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnreadableFile(f"its metadata file {meta_path.name} is not valid JSON ({exc})") from None
    for key in ("title", "publisher", "source"):
        if isinstance(meta.get(key), str):
            setattr(doc, key, meta[key].strip())
    if isinstance(meta.get("updated"), str):
        doc.updated = iso_date(meta["updated"])


def iso_date(text: str) -> str:
    """A written date as YYYY-MM-DD ("3rd March 2026", "2026-03-03T10:00Z" -> "2026-03-03"), or "" when it is none."""
    m = re.match(r"\s*(\d{4}-\d{2}-\d{2})(?:[T ]|\s*$)", text)
    text = m.group(1) if m else re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", ""), flags=re.I).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


# --- Sections -------------------------------------------------------------

def sections_from_headings(text: str, headings: list[tuple[int, str, int, int]], body_from: int,
                           anchors: list[str] | None = None) -> list[Section]:
    """Headings are (level, title, start, end); bodies run to the next heading.
    anchors, when given, holds the anchor of each heading."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    bounds = [(0, "", body_from, body_from)] + headings
    anchors = [""] + (anchors or [""] * len(headings))
    for i, (level, title, _start, end) in enumerate(bounds):
        if i > 0:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
        body_end = bounds[i + 1][2] if i + 1 < len(bounds) else len(text)
        start, stop = trim(text, end, body_end)
        if stop > start:
            sections.append(Section(tuple(t for _, t in stack), start, stop, anchors[i]))
    return sections


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the white space at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --- Plain text -----------------------------------------------------------

# A list item: a bullet, dash or number, then a space. Used with
# .match(text, pos) at the start of a line, here and in chunking.py.
LIST_ITEM = re.compile(r"[ \t]*([•\-\*\u2013]|\d+[.)])\s")
_MAX_HEADING_CHARS = 80


def _read_plain(rel: str, text: str) -> Document:
    """Headings in plain text: a short line standing alone, starting with a
    capital, not ending like a sentence (. : ; ,), not a list item, not the
    last line, and not followed by a list or by a line that continues it in
    lower case.

    Plain text has no heading levels: the first heading is the title and the
    others sit under it.
    """
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    headings = []
    for n, i in enumerate(nonblank):
        line = lines[i].strip()
        prev_blank = n == 0 or nonblank[n - 1] < i - 1
        next_i = nonblank[n + 1] if n + 1 < len(nonblank) else None
        next_blank = next_i is not None and next_i > i + 1
        # The last line heads nothing: it is text (else it would be lost).
        if next_i is None or not (prev_blank and next_blank) or len(line) > _MAX_HEADING_CHARS:
            continue
        if not (line[0].isupper() or line[0].isdigit()) or line[-1] in ".:;,-" or LIST_ITEM.match(lines[i]):
            continue
        following = lines[next_i].strip()
        if LIST_ITEM.match(lines[next_i]) or following[:1].islower():
            continue
        start = offsets[i] + (len(lines[i]) - len(lines[i].lstrip()))
        headings.append((2, line, start, start + len(line)))
    # Text before the first heading is kept, as a section with no heading.
    # When there is none, headings with no body before the first one that
    # has a body are page furniture ("Contact us") and are dropped; the first
    # heading with a body is the title.
    preamble = bool(headings) and bool(text[:headings[0][2]].strip())
    for n, (_, title, start, end) in enumerate(headings):
        body_end = headings[n + 1][2] if n + 1 < len(headings) else len(text)
        if text[end:body_end].strip():
            kept = headings[:n] if preamble else []
            headings = kept + [(1, title, start, end)] + headings[n + 1:]
            break
    title = next((t for level, t, _, _ in headings if level == 1), headings[0][1] if headings else "")
    doc = Document(rel, text, title)
    doc.sections = sections_from_headings(text, headings, 0 if preamble or not headings else headings[0][2])
    return doc
