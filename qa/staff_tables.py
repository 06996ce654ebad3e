"""The staff view's tables, as plain data: why the search answered, each ranked
passage's scores, what the index holds, and how the search scored on a gold
file beside the two baselines."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ingest.chunking import CRUMB

from .answer import Answer
from .evaluate import METRICS, SYSTEMS, Result, matches

# The staff view names each document's format in words.
FORMAT_NAMES = {"md": "Markdown", "txt": "plain text", "html": "web page", "htm": "web page", "pdf": "PDF"}


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
             "chunk id": p.chunk_id, "heading path": CRUMB.join(p.heading_path)}
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


def metric_rows(report: dict) -> list[dict]:
    """One row per metric, one column per system in the report (the search,
    then the baselines that ran beside it), as format_report prints them."""
    names = [n for n in SYSTEMS if n in report]
    return [{"metric": m, **{n: _metric(report[n].get(m)) for n in names}}
            for m in METRICS if m in report["system"]]


def _metric(value) -> str:
    return "-" if value is None else (str(value) if isinstance(value, int) else f"{value:.3f}")


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
