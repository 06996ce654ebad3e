"""The staff view's tables and sentences, as plain data: why the search
answered, each ranked passage's scores, what the index holds, and how the
search scored on a file of test questions beside the two baselines.

Staff read plain names; the engine's own names (fused, dense, hit@1, ...)
appear only in the raw figures, for whoever compares them with the code or
the command line."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ingest import tuned
from ingest.chunking import CRUMB

from learn.evaluate import METRICS, SYSTEMS, Result, matches
from qa.answer import Answer, Passage

from .markdown import markdown_text

# The staff view names each document's format in words.
FORMAT_NAMES = {"md": "Markdown", "txt": "plain text", "html": "web page", "htm": "web page", "pdf": "PDF"}

# Each passage score's plain name and what it measures, in the order the
# table shows them: the one the ranking uses ("fused"), then each retriever's.
SCORES = {
    "fused": ("overall match", "the ranking: the five scores below weighed together"),
    "dense": ("meaning match", "how close the passage as a whole is in meaning to the question"),
    "sentence": ("best sentence", "how close its closest sentence or heading is in meaning"),
    "keyword": ("word match", "how well the question's words match the passage's, rare words counting most"),
    "sentence_keyword": ("best sentence's words", "the same word match, for its best-matching sentence"),
    "coverage": ("rare words found", "how much of the question it holds, word by word, telling words counting most"),
}
SCALE_NOTE = ("Each score is out of 100, where 100 is the best of its kind among the passages ranked here: "
              "compare down a column, not across. The engine's own numbers are under “Raw scores”.")

# What the refusal model may read (qa.decision.SIGNALS), in plain words.
SIGNALS = {
    "confidence": "closest sentence or heading, in meaning",
    "top_dense": "first passage as a whole, in meaning",
    "corpus_coverage": "share of the question's telling words the guidance uses",
    "top_coverage": "share of them in the first passage",
    "missing_weight": "how telling the rarest word the guidance never uses is",
}
SIMILARITY_NOTE = "1 = the same meaning, 0 = unrelated"
# The evaluation's measures (learn.evaluate.METRICS): plain name, then one line on what each means.
MEASURES = {
    "hit@1": ("right passage first", "share of answerable questions whose first passage holds the answer"),
    "hit@3": ("right passage in the first three", "the same, anywhere in the first three passages"),
    "hit@5": ("right passage in the first five", "the same, anywhere in the first five passages"),
    "mrr@5": ("average position score (1 = always first)",
              "1 when the right passage is first, 1/2 when second, down to 1/5; 0 when not in the first five"),
    "abstain_oos": ("unanswerable questions refused",
                    "share of the questions the guidance does not answer that were refused (higher is better)"),
    "false_abstain": ("answerable questions refused", "share of answerable questions refused (lower is better)"),
    "longest_passage": ("longest passage shown (characters)", "the longest passage among any question's first five"),
    "highlight_on_answer": ("highlight on the answer", "of the questions whose right passage came first, the share "
                            "whose highlighted sentence holds the expected words"),
}
SYSTEM_NAMES = {"system": "this search", "dense_500": "meaning alone", "bm25_500": "keywords alone"}
KIND_NAMES = {"out_of_scope": "not in the guidance (should be refused)", "paraphrase": "in other words",
              "keyword": "in the guidance's words", "acronym": "acronym", "typo": "misspelt", "synonym": "synonym"}


def section(p: Passage) -> str:
    """A passage named by its headings below the document title, in full."""
    inner = p.heading_path[1:]
    return CRUMB.join(inner) if inner else "".join(p.heading_path[:1])


def score_key() -> list[tuple[str, str]]:
    """The key shown above the ranked passages: each column's plain name and what it measures."""
    return [SCORES[name] for name in SCORES]


def _scaled(values: list[float]) -> list[int]:
    """Out of 100, each divided by the best of its kind; below zero counts as none."""
    best = max(values, default=0.0)
    return [round(100 * max(v, 0.0) / best) if best > 0 else 0 for v in values]


def passage_rows(answer: Answer, several_documents: bool = False) -> list[dict]:
    """One row per ranked passage: its section (and document, when the index
    holds more than one), then each score out of 100 (see SCALE_NOTE)."""
    ps = answer.passages
    names = [n for n in SCORES if n == "fused" or any(n in p.scores for p in ps)]
    columns = {n: _scaled([p.score if n == "fused" else p.scores.get(n, 0.0) for p in ps]) for n in names}
    rows = []
    for i, p in enumerate(ps):
        row = {"rank": p.rank, "section": section(p)}
        if several_documents:
            row["document"] = p.document
        rows.append(row | {SCORES[n][0]: columns[n][i] for n in names})
    return rows


def markdown_safe(rows: list[dict]) -> list[dict]:
    """The rows with every text cell's Markdown escaped, for st.table (which
    renders Markdown in cells): a heading shows as written, never as markup."""
    return [{k: markdown_text(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]




def raw_rows(answer: Answer) -> list[dict]:
    """The engine's own numbers, by its own names: fused and per-retriever scores, chunk id."""
    return [{"rank": p.rank, "fused": round(p.score, 4), **{name: round(v, 4) for name, v in p.scores.items()},
             "chunk id": p.chunk_id} for p in answer.passages]


def raw_signals(answer: Answer) -> list[tuple[str, str]]:
    """The refusal model's inputs and output by their code names, for the raw expander."""
    return ([(name, f"{v:.4f}") for name, v in answer.signals.items()]
            + [("chance", f"{answer.chance:.4f}"), ("threshold", f"{answer.threshold:.4f}")])


def _pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers to as few decimals (2 to 4) as tell them apart."""
    for digits in (2, 3, 4):
        x, y = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if x != y:
            break
    return x, y


def decision(answer: Answer) -> str:
    """Why the search answered or refused, in one or two sentences with its numbers."""
    chance, needed = _pair(answer.chance, answer.threshold)
    above = answer.chance >= answer.threshold
    verdict = "Answered" if answer.answered else "Refused"
    odds = (f"the chance that the guidance answers this is {chance}, "
            f"{'above' if above else 'below'} the {needed} needed")
    if answer.urgent:
        text = f"{verdict}: the question speaks of a child at risk, so the emergency contacts were shown first. "
        text += odds[0].upper() + odds[1:]
        return text + (", but a question about a child at risk is always answered." if answer.answered and not above
                       else ".")
    if not answer.answered and above:  # only everyday words (qa.question.VAGUE_REASON)
        return (f"Refused: the question has only everyday words, so nothing tells the passages apart, "
                f"although {odds}.")
    text = f"{verdict}: {odds}."
    if not answer.answered:
        closest = answer.signals.get("confidence", answer.confidence)
        text += f" Closest sentence: {closest:.2f} similar in meaning ({SIMILARITY_NOTE})"
        if "top_dense" in answer.signals and answer.passages:
            text += f"; the first passage as a whole: {answer.signals['top_dense']:.2f}"
        text += "."
    if answer.missing:
        text += f" Words the guidance never uses: {', '.join(answer.missing)}."
    return text


def answer_facts(answer: Answer) -> list[tuple[str, str]]:
    """How the search read the question and what it weighed, in the order staff read it."""
    facts = [
        ("Question as typed (cleaned)", answer.question),
        ("Question as searched (after glossary expansion)", answer.expanded_question or answer.question),
        ("Spelling corrections", ", ".join(f"{a} → {b}" for a, b in answer.corrections.items()) or "none"),
        ("Chance the guidance answers it", f"{answer.chance:.2f} (it answers from {answer.threshold:.2f})"),
        (f"What the search measured ({SIMILARITY_NOTE}; shares 0 to 1)",
         "; ".join(f"{SIGNALS.get(k, k)}: {v:.2f}" for k, v in answer.signals.items()) or "nothing"),
        ("Words the guidance never uses", ", ".join(answer.missing) or "none"),
        ("Answered", "yes" if answer.answered else "no: refused"),
    ]
    if answer.urgent:
        facts.append(("Child at risk", "yes: the emergency contacts and the guidance's crisis passages come first"))
    if not answer.answered:
        facts.append(("What parents are told", answer.reason))
    if answer.notice:
        facts.append(("Notice", answer.notice))
    return facts


def index_facts(manifest: dict, rebuilt: str = "") -> list[tuple[str, str]]:
    counts = manifest.get("counts", {})
    model = manifest.get("model", {})
    name = model.get("name", "?")
    kind = f", {tuned.BASE_MODEL} tuned for SEN guidance" if tuned.is_tuned(name) else ""
    facts = [
        ("Model", f"{name} ({model.get('dimension', '?')} dimensions{kind})"),
        ("Passages", str(counts.get("chunks", "?"))),
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


def evaluation_summary(report: dict) -> str:
    """The search's evaluation in one sentence of counts, e.g. "27 of 35 questions found the right passage first; ..."."""
    s = report["system"]
    n, oos = s["in_scope"], s["out_of_scope"]
    k = report.get("k", 5)

    def count(share) -> int:
        return round((share or 0) * n)

    parts = []
    if n:
        parts.append(f"{count(s['hit@1'])} of {n} questions found the right passage first")
        if k >= 3:
            parts.append(f"{count(s['hit@3'])} of {n} in the first three")
    if oos:
        parts.append(f"{round((s['abstain_oos'] or 0) * oos)} of {oos} questions the guidance does not answer "
                     "were refused")
    if n:
        parts.append(f"{count(s['false_abstain'])} of {n} answerable questions were refused")
    return "; ".join(parts) + "." if parts else "The file holds no questions."


def metric_rows(report: dict) -> list[dict]:
    """One row per measure, by its plain name with a line on what it means, then
    one column per system (the search, then the baselines that ran beside it),
    with the figures `python -m learn.evaluate` prints."""
    names = [n for n in SYSTEMS if n in report]
    return [{"measure": MEASURES.get(m, (m.replace("_", " "), ""))[0], "what it means": MEASURES.get(m, ("", ""))[1],
             **{SYSTEM_NAMES[n]: _metric(report[n].get(m)) for n in names}}
            for m in METRICS if m in report["system"]]


def _metric(value) -> str:
    return "-" if value is None else (str(value) if isinstance(value, int) else f"{value:.3f}")


def kind_rows(system: dict) -> list[dict]:
    """Each kind of question: how many, and the share the search got right
    (right passage first; for questions the guidance does not answer, refused)."""
    return [{"kind of question": KIND_NAMES.get(kind, kind.replace("_", " ")), "questions": v["n"],
             "share right": round(v["score"], 3)}
            for kind, v in system.get("by_kind", {}).items()]


def question_rows(items: list[dict], results: list[Result], k: int) -> list[dict]:
    """Every question's outcome first: the rank of the first passage holding a
    gold phrase, or a miss; for questions the guidance does not answer, whether
    the search refused. Then the question and the sections."""
    rows = []
    for it, r in zip(items, results):
        if it["gold"]:
            rank = next((i for i, t in enumerate(r.texts[:k], start=1) if matches(t, it["gold"])), None)
            outcome = f"hit at {rank}" if rank else f"miss (not in top {k})"
            ok = rank == 1
        else:
            outcome = "refused (right)" if r.abstained else "answered (should refuse)"
            ok = r.abstained
        rows.append({"outcome": outcome, "right": "yes" if ok else "no", "question": it["question"],
                     "expected section": it.get("section", ""), "first section": r.headings[0] if r.headings else "",
                     "kind": KIND_NAMES.get(it.get("kind", ""), it.get("kind", "")), "id": it.get("id", "")})
    return rows
