"""What the pages show, as plain data and safe HTML.

No Streamlit here: everything that could be wrong on the page (breadcrumbs,
escaping, highlighting, the whole section, the staff tables) is tested like
any other module. Text from the guidance or from a question is always
escaped before it meets markup, so it shows as text and never renders.
"""
from __future__ import annotations

import html
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ingest.chunking import Chunk
from ingest.errors import SenGuideError
from ingest.settings import GOLD_DIRS_ENV, ROOT, gold_dirs

from .answer import Answer, Passage
from .evaluate import Result, matches
from .links import source_link

CRUMB_SEPARATOR = " › "
# The dev set sits beside the repository (../shared/eval), as `make evaluate` expects.
DEFAULT_GOLD = "../shared/eval/dev.jsonl"
GOLD_SUFFIX = ".jsonl"
# The staff view names each document's format in words.
FORMAT_NAMES = {"md": "Markdown", "txt": "plain text", "html": "web page", "htm": "web page", "pdf": "PDF"}


def breadcrumb(heading_path: list[str]) -> str:
    """The headings below the document title, e.g. "Funding for … › Element 2"."""
    inner = heading_path[1:]
    return CRUMB_SEPARATOR.join(inner) if inner else "".join(heading_path[:1])


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


# --- staff view -------------------------------------------------------------

def answer_facts(answer: Answer) -> list[tuple[str, str]]:
    """Why the engine answered or abstained, in the order staff read it."""
    facts = [
        ("Question as typed (cleaned)", answer.question),
        ("Question as searched (after glossary expansion)", answer.expanded_question or answer.question),
        ("Spelling corrections", ", ".join(f"{a} → {b}" for a, b in answer.corrections.items()) or "none"),
        ("Confidence (best sentence or heading, cosine)", f"{answer.confidence:.3f}"),
        ("Chance the guidance answers it (refusal model)", f"{answer.chance:.3f}, from "
         + ", ".join(f"{k} {v:.3f}" for k, v in answer.signals.items())),
        ("Words the guidance never uses", ", ".join(answer.missing) or "none"),
        ("Answered", "yes" if answer.answered else "no: abstained"),
    ]
    if answer.urgent:
        facts.append(("Child at risk", "yes: the emergency contacts and the guidance's crisis passages come first"))
    if not answer.answered:
        facts.append(("Why it abstained", answer.reason))
    if answer.notice:
        facts.append(("Notice", answer.notice))
    return facts


def passage_rows(answer: Answer) -> list[dict]:
    """One row per ranked passage: fused and per-retriever scores, chunk id, heading path."""
    return [{"rank": p.rank, "fused": round(p.score, 4),
             **{name: round(v, 4) for name, v in p.scores.items()},
             "chunk id": p.chunk_id, "heading path": CRUMB_SEPARATOR.join(p.heading_path)}
            for p in answer.passages]


def index_facts(manifest: dict, rebuilt: str = "") -> list[tuple[str, str]]:
    counts = manifest.get("counts", {})
    model = manifest.get("model", {})
    facts = [
        ("Model", f"{model.get('name', '?')} ({model.get('dimension', '?')} dimensions)"),
        ("Passages (chunks)", str(counts.get("chunks", "?"))),
        ("Documents", str(len(manifest.get("documents", []))) + _skipped(manifest.get("skipped", []))),
        ("Sections", str(counts.get("sections", "?"))),
        ("Built", _when(manifest.get("built_at", "")) + _took(manifest.get("build_seconds"))),
        ("Corpus files", ", ".join(manifest.get("corpus", {}).get("files", {})) or "none"),
    ]
    if rebuilt:
        facts.append(("On loading", rebuilt))
    return facts


def document_rows(manifest: dict) -> list[dict]:
    """One row per corpus file: each document read (format, title, source,
    last updated, passages), then each file skipped with the reason."""
    rows = []
    for d in manifest.get("documents", []):
        if not isinstance(d, dict):  # an index built before CHUNKER_VERSION 4: (path, title, publisher, source)
            d = dict(zip(("path", "title", "publisher", "source"), d))
        path = d.get("path", "")
        rows.append({"file": path, "format": _format(d.get("format") or Path(path).suffix),
                     "title": d.get("title", ""), "source": d.get("source", ""), "last updated": d.get("updated", ""),
                     "passages": d.get("passages"), "status": "read"})
    for path, reason in manifest.get("skipped", []):
        rows.append({"file": path, "format": _format(Path(path).suffix), "title": "", "source": "",
                     "last updated": "", "passages": 0, "status": f"skipped: {reason}"})
    return rows


def _format(suffix: str) -> str:
    suffix = suffix.lower().lstrip(".")
    return FORMAT_NAMES.get(suffix, suffix or "none")


def _skipped(skipped: list) -> str:
    return f" ({len(skipped)} {'file' if len(skipped) == 1 else 'files'} skipped, listed below)" if skipped else ""


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d %B %Y, %H:%M %Z").strip()
    except ValueError:
        return iso or "?"


def _took(seconds) -> str:
    return f" (took {float(seconds):.1f} s)" if isinstance(seconds, (int, float)) else ""


def gold_path(typed: str, root: Path = ROOT, allowed: list[Path] | None = None) -> Path:
    """The gold file a person named, relative to the repository folder; only an
    existing JSON Lines file inside an allowed folder (ingest.settings.gold_dirs)
    is accepted, and it is only ever read."""
    typed = typed.strip()
    if not typed:
        raise SenGuideError(f"Type the path of a gold file, for example {DEFAULT_GOLD}.")
    path = Path(typed).expanduser()
    path = path if path.is_absolute() else (root / path)
    if path.suffix != GOLD_SUFFIX:
        raise SenGuideError(f"{typed} is not a JSON Lines file: the evaluation reads only {GOLD_SUFFIX} files "
                            "with one question per line (see shared/eval/README.md).")
    folders = [d.resolve() for d in (gold_dirs() if allowed is None else allowed)]
    if not any(path.resolve().is_relative_to(d) for d in folders):
        raise SenGuideError(f"{typed} is outside the folders gold files are read from; put it in the repository "
                            f"or the shared folder, or name its folder in {GOLD_DIRS_ENV} when starting the app.")
    if not path.is_file():
        raise SenGuideError(f"There is no gold file at {path.resolve()}: check the path "
                            f"(relative paths start at the repository folder {root}).")
    return path


def metric_rows(system: dict) -> list[dict]:
    names = ["hit@1", "hit@3", "hit@5", "mrr@5", "abstain_oos", "false_abstain", "longest_passage"]
    return [{"metric": n, "value": "-" if system.get(n) is None else
             (str(system[n]) if isinstance(system[n], int) else f"{system[n]:.3f}")} for n in names if n in system]


def kind_rows(system: dict) -> list[dict]:
    return [{"kind": kind, "questions": v["n"], "score": round(v["score"], 3)}
            for kind, v in system.get("by_kind", {}).items()]


def question_rows(items: list[dict], results: list[Result], k: int) -> list[dict]:
    """Every question's outcome: the rank of the first passage holding a gold
    phrase, or a miss; for out-of-scope questions, whether the engine abstained."""
    rows = []
    for it, r in zip(items, results):
        if it["gold"]:
            rank = next((i for i, t in enumerate(r.texts[:k], start=1) if matches(t, it["gold"])), None)
            outcome = f"hit at {rank}" if rank else f"miss (not in top {k})"
            ok = rank == 1
        else:
            outcome = "abstained (right)" if r.abstained else "answered (should abstain)"
            ok = r.abstained
        rows.append({"id": it.get("id", ""), "kind": it.get("kind", ""), "question": it["question"],
                     "expected section": it.get("section", ""), "first section": r.headings[0] if r.headings else "",
                     "outcome": outcome, "right at 1": ok})
    return rows
