"""The benchmark's measurements: `run(plan, questions, work, log)` returns every
figure as a dict (docs/PERFORMANCE.md explains each key); `python -m bench`
prints them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import SenGuideError
from ingest.settings import DEFAULT_CORPUS_DIR, ROOT, Settings

DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
WARM_UP = 5  # questions asked before timing, so that caches and thread pools are warm
K = 5
TARGETS = {  # key: (limit, unit) — the targets, all "at most"
    "query_ratio": (0.5, "×"),
    "cached_query_p50_ms": (1.0, "ms"),
    "cold_ratio": (1.2, "×"),
    "ingest_nochange_s": (2.0, "s"),
    "app_peak_rss_mb": (600.0, "MB"),
    "scale_query_ratio": (1.5, "×"),
    "reload_commit_to_answer_s": (10.0, "s"),  # a committed build answered from, no restart (issue 15)
    "pdf_300_pages_s": (30.0, "s"),
}
# A new process that only imports sentence-transformers and loads the model:
# the floor for a cold start.
_FLOOR = "import sys\nfrom sentence_transformers import SentenceTransformer\nSentenceTransformer(sys.argv[1], device='cpu')"


@dataclass(frozen=True)
class Plan:
    rounds: int  # timed passes over the questions
    warm_up_runs: int  # untimed runs of each new-process measurement, to warm the disk cache
    process_runs: int  # timed runs of each new-process measurement
    ingest_runs: int  # timed full builds (each about 7 s)
    real_sizes: tuple[int, ...]  # synthetic corpora embedded by the real model
    random_sizes: tuple[int, ...]  # synthetic corpora with random unit vectors
    app_questions: int  # questions asked through the browser (0: skip the app)
    reload_rebuilds: int  # builds committed under a running engine, each timed to its first answer
    pdf_runs: int  # timed reads of a 300-page PDF


FULL = Plan(rounds=5, warm_up_runs=1, process_runs=5, ingest_runs=3,
            real_sizes=(1_000, 10_000), random_sizes=(100_000,), app_questions=10, reload_rebuilds=3, pdf_runs=3)
# Every step once, as small as it goes: most of its half minute is four
# imports of sentence-transformers (two builds, the baseline, the floor).
QUICK = Plan(rounds=1, warm_up_runs=0, process_runs=1, ingest_runs=0, real_sizes=(), random_sizes=(200,), app_questions=0,
             reload_rebuilds=1, pdf_runs=1)


class BenchError(SenGuideError):
    """A step of the benchmark failed; the message names the step."""


def parser(prog: str, doc: str, quick_help: str) -> argparse.ArgumentParser:
    """The options every benchmark command takes: --json, --quick and --questions."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[1])
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--questions", type=Path, default=DEV_QUESTIONS,
                        help="JSON Lines with a `question` field (default: ../shared/eval/dev.jsonl)")
    return parser


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_questions(path: Path) -> list[str]:
    """Distinct questions, in file order."""
    if not path.is_file():
        raise BenchError(f"No questions at {path}: pass a JSON Lines file with --questions.")
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                questions.append(str(json.loads(line)["question"]))
            except (ValueError, KeyError, TypeError):
                raise BenchError(f"Line {n} of {path} is not JSON with a `question` field.") from None
    questions = list(dict.fromkeys(questions))
    if len(questions) < 2:
        raise BenchError(f"{path} has {len(questions)} distinct questions; the benchmark needs at least 2.")
    return questions


def run(plan: Plan, questions: list[str], work: Path, log) -> dict:
    from ingest import store

    from qa.encoder import QueryEncoder

    out: dict = {"machine": machine(), "questions": len(questions), "rounds": plan.rounds, "quick": plan == QUICK}
    questions_file = work / "questions.json"
    questions_file.write_text(json.dumps(questions), encoding="utf-8")
    guidance = work / "guidance"

    log("Full builds of the guidance index...")
    # The first build makes the index used below; it is timed only when it is the only one.
    full = [_process(["-m", "ingest", "--index", str(guidance)])]
    full = full[plan.warm_up_runs:] + [_process(["-m", "ingest", "--index", str(work / f"full-{i}")]) for i in range(plan.ingest_runs)]
    out["ingest_full_s"] = _median(full)
    log("Rebuilds with nothing changed...")
    nochange = [_process(["-m", "ingest", "--index", str(guidance)]) for _ in range(plan.warm_up_runs + plan.process_runs)]
    out["ingest_nochange_s"] = _median(nochange[plan.warm_up_runs:])
    manifest = store.read_manifest(guidance)
    model, dimension = manifest["model"]["name"], int(manifest["model"]["dimension"])

    log("Warm questions...")
    encoder = QueryEncoder(model)
    times, cached = time_questions(_engine(DEFAULT_CORPUS_DIR, guidance, encoder), questions, plan.rounds)
    out["encoder_backend"] = encoder.backend
    out["query_p50_ms"], out["query_p95_ms"] = _median(times), _p95(times)
    out["cached_query_p50_ms"] = _median(cached)
    log("The naive baseline (sentence-transformers encode, then FAISS flat search), in its own process...")
    naive = json.loads(_process_output(["-m", "bench.naive", str(guidance), str(questions_file), str(plan.rounds)]))["times_ms"]
    out["baseline_query_p50_ms"], out["baseline_query_p95_ms"] = _median(naive), _p95(naive)
    out["query_ratio"] = out["query_p50_ms"] / out["baseline_query_p50_ms"]

    log("Cold starts: `python -m qa` against loading the model alone...")
    from ingest.embedding import resolve_model

    ours, floor = [], []
    for i in range(plan.warm_up_runs + plan.process_runs):  # taking turns, so that both see the same machine
        ours.append(_process(["-m", "qa", "--index", str(guidance), questions[i % len(questions)]]))
        floor.append(_process(["-c", _FLOOR, resolve_model(model)]))
    out["cold_start_s"], out["cold_floor_s"] = _median(ours[plan.warm_up_runs:]), _median(floor[plan.warm_up_runs:])
    out["cold_ratio"] = out["cold_start_s"] / out["cold_floor_s"]

    from . import timings

    log("A 300-page PDF read...")
    out["pdf_300_pages_s"] = timings.pdf_seconds(plan.pdf_runs)
    log("New builds under a running engine, from commit to the first answer from them...")
    out["reload_commit_to_answer_s"] = timings.reload_seconds(work, plan.reload_rebuilds, _env(), log)

    out["app_peak_rss_mb"], out["app_note"] = None, "skipped (--quick)"
    if plan.app_questions:
        from .app import peak_rss_mb

        log(f"The Streamlit app, {plan.app_questions} questions through Chromium...")
        out["app_peak_rss_mb"], out["app_note"] = peak_rss_mb(guidance, questions[:plan.app_questions], log)

    out["scale"] = []
    sentences, headings = None, None
    for size in sorted(plan.real_sizes + plan.random_sizes):
        from .corpus import guidance_pieces, write_corpus

        if sentences is None:
            sentences, headings = guidance_pieces(DEFAULT_CORPUS_DIR)
        random_vectors = size in plan.random_sizes
        log(f"Scale: {size:,} chunks ({'random vectors' if random_vectors else 'embedded by the model'})...")
        corpus, index = work / f"scale-{size}" / "corpus", work / f"scale-{size}" / "index"
        write_corpus(corpus, size, sentences, headings)
        if random_vectors:
            seconds = _process(["-m", "bench.corpus", str(corpus), str(index), str(dimension)])
        else:
            seconds = _process(["-m", "ingest", "--corpus", str(corpus), "--index", str(index)])
        built = store.read_manifest(index)
        times, _ = time_questions(_engine(corpus, index, encoder), questions, plan.rounds)
        out["scale"].append({
            "chunks": built["counts"]["chunks"],
            "vectors": "random" if random_vectors else "model",
            "dense_index": built.get("dense_index", ""),
            "ingest_chunks_per_s": built["counts"]["chunks"] / seconds,
            "query_p50_ms": _median(times),
            "query_p95_ms": _p95(times),
            "index_mb": sum((index / rel).stat().st_size for rel in built["files"]) / 1e6,
        })
        shutil.rmtree(work / f"scale-{size}")  # 100,000 chunks take about 1 GB
    if out["scale"]:
        out["scale_query_ratio"] = out["scale"][-1]["query_p50_ms"] / out["query_p50_ms"]
    out["targets_met"] = {key: out[key] <= limit for key, (limit, _) in TARGETS.items() if out.get(key) is not None}
    return _rounded(out)


def _rounded(value):
    """Four decimals are more than these measurements can tell apart."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def time_questions(engine, questions: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """(milliseconds of each new question, of each question asked again), after a warm-up."""
    for question in questions[:WARM_UP]:
        engine.search(question, k=K)
    new = []
    for _ in range(rounds):
        # Each timed question must miss the answer cache: the engine keeps
        # answers on purpose, and offers no way to forget them.
        engine._cache.clear()
        for question in questions:
            start = time.perf_counter()
            engine.search(question, k=K)
            new.append((time.perf_counter() - start) * 1000)
    again = []
    for question in questions:
        start = time.perf_counter()
        engine.search(question, k=K)
        again.append((time.perf_counter() - start) * 1000)
    return new, again


def _engine(corpus: Path, index: Path, encoder):
    from qa.engine import Engine

    return Engine(Settings(corpus_dir=corpus, index_dir=index), encoder=encoder)


def machine() -> dict:
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": sys.version.split()[0]}


def _env() -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


def _process(args: list[str]) -> float:
    """Seconds for a new Python process to run to the end."""
    start = time.perf_counter()
    _process_output(args)
    return time.perf_counter() - start


def _process_output(args: list[str]) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"`python {' '.join(args[:3])} ...` failed (exit {done.returncode}): {' | '.join(tail)}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _median(values: list[float]) -> float:
    return float(np.median(values))


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))
