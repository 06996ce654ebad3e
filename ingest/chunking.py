"""Section-aware chunking: headings first, then paragraphs, then sentences.

Inside a section, paragraphs and lists are blocks; a list stays with the
sentence that introduces it. Blocks are packed into chunks of about the
target size, and a block longer than the maximum is split at line and
sentence boundaries by langchain-text-splitters. No chunk is longer than the
maximum: it is quoted to a parent word for word.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, fields

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .readers import LIST_ITEM, Document, trim

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
# A sentence ends at . ! ? (optionally closed by a quote or bracket) before
# white space; a line break ends a list item.
_SENTENCE_END = re.compile(r"(?<=[.!?])['’\")]*\s+|\n+")
# Between the headings of a heading path, wherever one is written: in the text
# the model embeds (so changing it changes every vector), on the pages and in
# the command line's output.
CRUMB = " › "


@dataclass
class Chunk:
    id: str
    document: str  # title
    file: str  # path relative to the corpus folder
    source: str
    publisher: str
    heading_path: list[str]
    text: str
    start: int  # offsets of text in the document's text
    end: int
    sentences: list[list[int]] = field(default_factory=list)  # [start, end] in text
    # What a link back to the source needs: the section heading's id on its
    # web page, the PDF page the chunk starts on (1-based; 0 when not a PDF)
    # and the date the document was last updated (YYYY-MM-DD, or "").
    anchor: str = ""
    page: int = 0
    updated: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Chunk":
        """Keys an older chunks.jsonl lacks take their defaults."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def embed_text(self) -> str:
        """What the model sees: the heading path as context, then the text."""
        return CRUMB.join(self.heading_path) + "\n" + self.text


def chunk_document(doc: Document, max_chars: int, target_chars: int) -> list[Chunk]:
    chunks = []
    for section in doc.sections:
        for start, end in _pack(_blocks(doc.text, section.start, section.end), doc.text, max_chars, target_chars):
            text = doc.text[start:end]
            chunks.append(Chunk(
                id=chunk_id(doc.path, section.heading_path, start, text),
                document=doc.title, file=doc.path, source=doc.source, publisher=doc.publisher,
                heading_path=list(section.heading_path), text=text, start=start, end=end,
                sentences=sentence_spans(text), anchor=section.anchor,
                page=max(1, bisect_right(doc.page_starts, start)) if doc.page_starts else 0,  # as pdf_reader.page_at
                updated=doc.updated,
            ))
    return chunks


def chunk_id(path: str, heading_path, start: int, text: str) -> str:
    """Same text at the same place gives the same id on every rebuild."""
    key = "\x1f".join([path, *heading_path, str(start), text])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def sentence_spans(text: str) -> list[list[int]]:
    spans, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        _add_span(spans, text, pos, m.start())
        pos = m.end()
    _add_span(spans, text, pos, len(text))
    return spans


def _add_span(spans: list[list[int]], text: str, start: int, end: int) -> None:
    m = LIST_ITEM.match(text, start)
    if m and m.end() <= end:
        start = m.end()
    start, end = trim(text, start, end)
    if end > start:
        spans.append([start, end])


def _blocks(text: str, start: int, end: int) -> list[list[tuple[int, int]]]:
    """Blocks of paragraphs, each paragraph as (start, end) with no white
    space around it; a list joins the paragraph that introduces it."""
    paras, pos = [], start
    for m in _BLANK_LINES.finditer(text, start, end):
        paras.append(trim(text, pos, m.start()))
        pos = m.end()
    paras.append(trim(text, pos, end))
    blocks: list[list[tuple[int, int]]] = []
    for s, e in paras:
        if e <= s:
            continue
        if blocks and (LIST_ITEM.match(text, s) or _runs_on(text[blocks[-1][-1][0]:blocks[-1][-1][1]])):
            # A list continues the block before it (the sentence that
            # introduces it, or earlier items), and so does a paragraph after
            # one that has not finished its sentence ("...you can speak to:").
            blocks[-1].append((s, e))
        else:
            blocks.append([(s, e)])
    return blocks


def _runs_on(block: str) -> bool:
    last_line = block.rstrip().rsplit("\n", 1)[-1]
    return not LIST_ITEM.match(last_line) and not re.search(r"[.!?]['’\")]*$|\(\d+(\.\d+)?\)$", last_line)


def _pack(blocks: list[list[tuple[int, int]]], text: str, max_chars: int, target_chars: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    for paras in blocks:
        if paras[-1][1] - paras[0][0] <= max_chars:
            pieces.append((paras[0][0], paras[-1][1]))
        else:
            pieces.extend(_split_block(text, paras, max_chars))
    packed: list[tuple[int, int]] = []
    for s, e in pieces:
        if packed and e - packed[-1][0] <= target_chars:
            packed[-1] = (packed[-1][0], e)
        else:
            packed.append((s, e))
    return packed


def _split_block(text: str, paras: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """A block too long for one chunk, cut between paragraphs where it can be.

    A piece never ends with a paragraph that introduces what follows ("…can
    also give you:") while that paragraph fits with what it introduces.
    """
    pieces: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for s, e in paras:
        if e - s > max_chars:
            if current:
                pieces.append((current[0][0], current[-1][1]))
            pieces.extend(_split_long(text, s, e, max_chars))
            current = []
            continue
        if current and e - current[0][0] > max_chars:
            carried: list[tuple[int, int]] = []
            while len(current) > 1 and _runs_on(text[current[-1][0]:current[-1][1]]) and e - current[-1][0] <= max_chars:
                carried.insert(0, current.pop())
            pieces.append((current[0][0], current[-1][1]))
            current = carried
        current.append((s, e))
    if current:
        pieces.append((current[0][0], current[-1][1]))
    return pieces


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """One paragraph over max_chars, cut at lines, then sentences, then clauses."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_chars, chunk_overlap=0, add_start_index=True, strip_whitespace=True,
        separators=["\n\n", "\n", r"(?<=[.!?])\s+", r"(?<=[;,])\s+", " ", ""], is_separator_regex=True,
        keep_separator="end",
    )
    out = []
    for piece in splitter.create_documents([text[start:end]]):
        s = start + piece.metadata["start_index"]
        out.append(trim(text, s, s + len(piece.page_content)))
    return out


def evidence_texts(chunk: Chunk) -> list[str]:
    """The short texts a question is matched against one by one: the chunk's
    own heading (many headings are the questions parents ask), then each
    sentence or list item, bare. Rows line up with [heading] + chunk.sentences."""
    heading = chunk.heading_path[-1] if chunk.heading_path else ""
    return [heading] + [chunk.text[s:e] for s, e in chunk.sentences]


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes: the headings below the title, each on its own line
    (a phrase token never joins two headings), then the text."""
    return "\n".join([*chunk.heading_path[1:], chunk.text])
