"""python -m bench [--json] [--quick] [--questions FILE]

Speed, memory and scale of SEN Guide beside a naive baseline, in one run:
warm and cached questions, a cold start against the model's own load time,
full and unchanged rebuilds, the Streamlit server's peak memory, and
synthetic corpora of 1,000 to 100,000 chunks. Every figure is a median of
repeated runs after a warm-up. Prints a table; with --json the last line is
one JSON object (docs/PERFORMANCE.md explains each key). --quick uses tiny
sizes and one run of each, to check that the benchmark works, not to measure.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from ingest.errors import SenGuideError

from . import feedback
from .measure import FULL, QUICK, TARGETS, log, parser, read_questions, run


def main(argv: list[str] | None = None) -> int:
    args = parser("python -m bench", __doc__,
                  "tiny sizes, one run each: checks the benchmark, measures nothing").parse_args(argv)
    try:
        questions = read_questions(args.questions)
        with tempfile.TemporaryDirectory(prefix="sen-guide-bench-") as work:
            results = run(QUICK if args.quick else FULL, questions, Path(work), log)
            # The feedback store's cost a question, over the guidance index run() built.
            results["feedback_store"] = feedback.measure(Path(work) / "guidance", questions, feedback.ROUNDS, log,
                                                         quick=args.quick)
    except (SenGuideError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(table(results))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    return 0


def table(r: dict) -> str:
    """The results as a table a person reads, each target beside its measure."""
    def target(key: str) -> str:
        if key not in TARGETS:
            return ""
        limit, unit = TARGETS[key]
        met = r.get("targets_met", {}).get(key)
        return f"≤ {limit:g} {unit}  " + ("met" if met else "not met" if met is not None else "not measured")

    m = r["machine"]
    lines = [
        f"SEN Guide benchmark: {m['cores']} cores, {m['cpu'] or 'unknown CPU'}, Python {m['python']}; "
        f"{r['questions']} questions × {r['rounds']} rounds; question encoder: {r.get('encoder_backend', '?')}"
        + (" (--quick: sizes too small to measure anything)" if r["quick"] else ""),
        "",
        f"{'measure':<34}{'SEN Guide':>11}{'baseline':>11}{'ratio':>8}   target",
        f"{'question, p50 (ms)':<34}{r['query_p50_ms']:>11.2f}{r['baseline_query_p50_ms']:>11.2f}{r['query_ratio']:>8.2f}   {target('query_ratio')}",
        f"{'question, p95 (ms)':<34}{r['query_p95_ms']:>11.2f}{r['baseline_query_p95_ms']:>11.2f}",
        f"{'question asked again, p50 (ms)':<34}{r['cached_query_p50_ms']:>11.4f}{'':>19}   {target('cached_query_p50_ms')}",
        f"{'cold start to first answer (s)':<34}{r['cold_start_s']:>11.2f}{r['cold_floor_s']:>11.2f}{r['cold_ratio']:>8.2f}   "
        f"{target('cold_ratio')}  (baseline: import sentence-transformers, load the model)",
        f"{'ingest, full build (s)':<34}{r['ingest_full_s']:>11.2f}",
        f"{'ingest, nothing changed (s)':<34}{r['ingest_nochange_s']:>11.2f}{'':>19}   {target('ingest_nochange_s')}",
        f"{'commit to answer, no restart (s)':<34}{r['reload_commit_to_answer_s']:>11.2f}{'':>19}   "
        f"{target('reload_commit_to_answer_s')}",
        f"{'read a 300-page PDF (s)':<34}{r['pdf_300_pages_s']:>11.2f}{'':>19}   {target('pdf_300_pages_s')}",
        f"{'app server peak RSS (MB)':<34}" + (f"{r['app_peak_rss_mb']:>11.0f}{'':>19}   {target('app_peak_rss_mb')}"
                                               if r["app_peak_rss_mb"] is not None else f"{'—':>11}   {r['app_note']}"),
    ]
    if r["scale"]:
        lines += ["", f"{'chunks':>9}{'vectors':>9}{'dense index':>13}{'ingest chunks/s':>17}{'p50 (ms)':>10}{'p95 (ms)':>10}{'index MB':>10}"]
        lines += [f"{s['chunks']:>9,}{s['vectors']:>9}{s['dense_index']:>13}{s['ingest_chunks_per_s']:>17,.0f}"
                  f"{s['query_p50_ms']:>10.2f}{s['query_p95_ms']:>10.2f}{s['index_mb']:>10.1f}" for s in r["scale"]]
        lines.append(f"largest p50 / guidance p50: {r['scale_query_ratio']:.2f}   {target('scale_query_ratio')}")
    if "feedback_store" in r:
        lines += feedback.table_lines(r["feedback_store"])
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
