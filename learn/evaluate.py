"""python -m learn.evaluate --gold FILE [--corpus DIR] [--k 5] [--json]

The metrics of shared/eval/README.md, for the engine and, in the same run,
for two baselines over plain 500-character chunks: dense-only and BM25-only.
With --corpus, any folder of guidance is evaluated: its index is built (or
reused when nothing changed) in a cache folder, never in index/.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.chunking import CRUMB
from ingest.errors import SenGuideError
from qa import ready

BASELINE_CHUNK = 500
BASELINE_OVERLAP = 50
# The systems a report holds, the search first, and the metrics shown for each.
SYSTEMS = ("system", "dense_500", "bm25_500")
METRICS = ("hit@1", "hit@3", "hit@5", "mrr@5", "abstain_oos", "false_abstain", "longest_passage",
           "highlight_on_answer")


def normalise(text: str) -> str:
    """As the evaluation README says: straight quotes, no NBSP, one space, lower case."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def matches(passage_text: str, gold: list[str]) -> bool:
    p = normalise(passage_text)
    return any(normalise(g) in p for g in gold)


# How normalise() reads a character, as a pattern over the original text.
_QUOTES = {"'": "['’‘]", '"': '["“”]'}


def gold_spans(passage_text: str, gold: list[str]) -> list[tuple[int, int]]:
    """Where each gold phrase is in the passage's own text, as (start, end):
    matched as `matches` does (any case, any run of white space, curly or
    straight quotes), but on the original text, so the offsets are its own."""
    spans = []
    for g in gold:
        phrase = normalise(g)
        if not phrase:
            continue
        pattern = "".join(r"\s+" if c == " " else _QUOTES.get(c, re.escape(c)) for c in phrase)
        spans += [m.span() for m in re.finditer(pattern, passage_text, re.IGNORECASE)]
    return spans


def highlight_on_answer(passage_text: str, highlights: list[list[int]], gold: list[str]) -> bool:
    """Whether a highlighted span overlaps a gold phrase in the passage."""
    return any(s < ge and gs < e for s, e in highlights for gs, ge in gold_spans(passage_text, gold))


def read_gold(path: Path) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except ValueError:
                    raise SenGuideError(f"Line {n} of {path} is not valid JSON: fix or remove it.") from None
    for item in items:
        if "question" not in item or "gold" not in item:
            raise SenGuideError(f"Every line of {path} needs 'question' and 'gold' fields (see shared/eval/README.md).")
    return items


@dataclass
class Result:
    """One system's answer to one question: passage texts, best first, and
    whether it abstained; for the search, each passage's highlighted spans
    ([start, end] in its text; None for a baseline, which highlights nothing)."""
    texts: list[str]
    headings: list[str]
    abstained: bool
    highlights: list[list[list[int]]] | None = None


def score(items: list[dict], results: list[Result], k: int) -> dict:
    inscope = [(it, r) for it, r in zip(items, results) if it["gold"]]
    oos = [(it, r) for it, r in zip(items, results) if not it["gold"]]

    def first_hit(it, r):
        for rank, text in enumerate(r.texts[:k], start=1):
            if matches(text, it["gold"]):
                return rank
        return None

    ranks = [first_hit(it, r) for it, r in inscope]
    n = max(1, len(inscope))
    out = {
        "questions": len(items), "in_scope": len(inscope), "out_of_scope": len(oos),
        "hit@1": sum(1 for x in ranks if x and x <= 1) / n,
        "hit@3": sum(1 for x in ranks if x and x <= 3) / n,
        "hit@5": sum(1 for x in ranks if x and x <= 5) / n,
        "mrr@5": sum(1 / x for x in ranks if x and x <= 5) / n,
        "abstain_oos": (sum(r.abstained for _, r in oos) / len(oos)) if oos else None,
        "false_abstain": sum(r.abstained for _, r in inscope) / n,
        "longest_passage": max((len(t) for r in results for t in r.texts[:k]), default=0),
        "highlight_on_answer": _highlight_on_answer(inscope, ranks),
    }
    kinds: dict[str, list[int]] = {}
    for (it, _), rank in zip(inscope, ranks):
        kinds.setdefault(it.get("kind", "?"), []).append(1 if rank == 1 else 0)
    for it, r in oos:
        kinds.setdefault(it.get("kind", "out_of_scope"), []).append(1 if r.abstained else 0)
    out["by_kind"] = {kind: {"n": len(v), "score": sum(v) / len(v)} for kind, v in sorted(kinds.items())}
    out["misses_at_1"] = [
        {"id": it.get("id", ""), "question": it["question"], "expected_section": it.get("section", ""),
         "first_section": r.headings[0] if r.headings else "", "rank": rank}
        for (it, r), rank in zip(inscope, ranks) if rank != 1
    ]
    return out


def _highlight_on_answer(inscope: list[tuple[dict, Result]], ranks: list[int | None]) -> float | None:
    """Among the questions whose first passage holds a gold phrase, the share
    whose highlight overlaps it (None when the system highlights nothing)."""
    firsts = [(it, r) for (it, r), rank in zip(inscope, ranks) if rank == 1 and r.highlights is not None]
    if not firsts:
        return None
    return sum(highlight_on_answer(r.texts[0], r.highlights[0], it["gold"]) for it, r in firsts) / len(firsts)


def engine_results(engine, items: list[dict], k: int) -> list[Result]:
    results = []
    for it in items:
        a = engine.search(it["question"], k=k)
        results.append(Result([p.text for p in a.passages],
                              [CRUMB.join(p.heading_path[1:]) or "".join(p.heading_path[-1:]) for p in a.passages],
                              not a.answered, [p.highlights for p in a.passages]))
    return results


class Baselines:
    """Dense-only and BM25-only search over plain 500-character chunks of the same corpus."""

    def __init__(self, corpus_dir: Path, encoder):
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest import keyword_index
        from ingest.build import corpus_files
        from ingest.readers import UnreadableFile, read_document

        splitter = RecursiveCharacterTextSplitter(chunk_size=BASELINE_CHUNK, chunk_overlap=BASELINE_OVERLAP)
        self.texts = []
        paths, _ = corpus_files(corpus_dir)
        for path in paths:
            try:
                doc = read_document(path, corpus_dir)
            except UnreadableFile:
                continue
            body = doc.text[doc.sections[0].start:] if doc.sections else doc.text
            self.texts.extend(splitter.split_text(body))
        self.encoder = encoder
        self.vectors = encoder.encode_many(self.texts)
        self.bm25 = keyword_index.build(self.texts)

    def dense(self, question: str, k: int) -> Result:
        scores = self.vectors @ self.encoder.encode(question)
        order = scores.argsort()[::-1][:k]
        return Result([self.texts[i] for i in order], [""] * len(order), False)

    def keyword(self, question: str, k: int) -> Result:
        from ingest import keyword_index

        scores = keyword_index.scores(self.bm25, keyword_index.tokenize([question])[0])
        order = scores.argsort(kind="stable")[::-1][:k]
        return Result([self.texts[i] for i in order], [""] * len(order), False)


def baselines_for(engine) -> Baselines:
    """The baselines over the engine's corpus, embedded with the engine's own model."""
    return Baselines(engine.settings.corpus_dir, engine.encoder)


@dataclass(frozen=True)
class Evaluation:
    """One run over a gold file: the report (plain data, as --json prints it)
    and the search's result for each question, in the order of the items."""
    report: dict
    results: list[Result]


def evaluate(engine, items: list[dict], k: int = 5, baselines: Baselines | bool = True) -> Evaluation:
    """Each question searched once; the baselines beside it unless `baselines`
    is False (pass a Baselines to reuse one already built for this corpus)."""
    t0 = time.perf_counter()
    results = engine_results(engine, items, k)
    report = {"k": k, "system": score(items, results, k)}
    report["system"]["seconds"] = round(time.perf_counter() - t0, 2)
    if baselines:
        b = baselines if isinstance(baselines, Baselines) else baselines_for(engine)
        report["dense_500"] = score(items, [b.dense(it["question"], k) for it in items], k)
        report["bm25_500"] = score(items, [b.keyword(it["question"], k) for it in items], k)
    return Evaluation(report, results)


def format_report(report: dict) -> str:
    names = [n for n in SYSTEMS if n in report]
    lines = [f"{'metric':<18}" + "".join(f"{n:>12}" for n in names)]
    for row in (m for m in METRICS if m in report["system"]):
        cells = []
        for n in names:
            v = report[n].get(row)
            cells.append(f"{'-':>12}" if v is None else (f"{v:>12}" if isinstance(v, int) else f"{v:>12.3f}"))
        lines.append(f"{row:<18}" + "".join(cells))
    sysr = report["system"]
    lines.append(f"\n{sysr['in_scope']} in-scope and {sysr['out_of_scope']} out-of-scope questions, k={report['k']}.")
    lines.append("\nBy kind (hit@1; abstain rate for out_of_scope):")
    for kind, v in sysr["by_kind"].items():
        base = "".join(f"  {n}={report[n]['by_kind'][kind]['score']:.2f}" for n in names[1:] if kind in report[n]["by_kind"])
        lines.append(f"  {kind:<14} n={v['n']:<3} system={v['score']:.2f}{base}")
    lines.append(f"\nMisses at rank 1 ({len(sysr['misses_at_1'])}):")
    for m in sysr["misses_at_1"]:
        lines.append(f"  [{m['id']}] {m['question']}\n      expected: {m['expected_section']} | first: {m['first_section']} | hit rank: {m['rank']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m learn.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, required=True, help="JSON Lines file of questions with gold phrases")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--corpus", type=Path, help="folder of guidance to evaluate (default: corpus/); "
                        "its index is built or reused in .cache/eval-index/")
    parser.add_argument("--index", type=Path, help="index folder (default: index/, or the cache with --corpus)")
    parser.add_argument("--no-baselines", action="store_true", help="skip the two baselines")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        items = read_gold(args.gold)
        if args.corpus is not None and not args.corpus.is_dir():
            raise SenGuideError(f"No corpus folder at {args.corpus}: name a folder of guidance files with --corpus.")
        engine = ready.engine_for(args.corpus, args.index)
        report = evaluate(engine, items, args.k, baselines=not args.no_baselines).report
    except (SenGuideError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, ensure_ascii=False) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
