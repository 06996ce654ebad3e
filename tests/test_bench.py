"""The benchmark: a quick run reports every figure (timings are not judged
here; `python -m bench` does that), and its parts behave."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import chunk_document
from ingest.readers import read_document
from ingest.settings import DEFAULT_CORPUS_DIR, MAX_CHUNK_CHARS, TARGET_CHUNK_CHARS
from bench.measure import BenchError, read_questions
from bench.corpus import RandomUnitModel, guidance_pieces, write_corpus

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["What is a SENCO?", "Who pays for extra help at school?", "what is element 2 funding",
             "can i ask for an ehc assessment myself", "How often is my child's progress reviewed?",
             "What time does the school bus come?"]
TOP_KEYS = {"query_p50_ms", "query_p95_ms", "baseline_query_p50_ms", "query_ratio", "cached_query_p50_ms",
            "cold_start_s", "cold_floor_s", "cold_ratio", "ingest_full_s", "ingest_nochange_s", "app_peak_rss_mb", "scale",
            "reload_commit_to_answer_s", "pdf_300_pages_s"}
SCALE_KEYS = {"chunks", "ingest_chunks_per_s", "query_p50_ms", "index_mb"}


def write_questions(path: Path, questions: list[str]) -> Path:
    path.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions), encoding="utf-8")
    return path


@pytest.mark.model
def test_a_quick_run_prints_a_table_then_one_json_line_with_every_figure(tmp_path):
    questions = write_questions(tmp_path / "questions.jsonl", QUESTIONS)
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", "--questions", str(questions)],
                          cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    *table, last = done.stdout.strip().splitlines()
    result = json.loads(last)

    assert TOP_KEYS <= set(result)
    assert result["quick"] and result["questions"] == len(QUESTIONS) and result["encoder_backend"] == "onnx"
    for key in TOP_KEYS - {"scale", "app_peak_rss_mb"}:
        assert isinstance(result[key], float) and result[key] > 0, key
    assert result["query_ratio"] == pytest.approx(result["query_p50_ms"] / result["baseline_query_p50_ms"], rel=1e-2)
    assert result["cold_ratio"] == pytest.approx(result["cold_start_s"] / result["cold_floor_s"], rel=1e-2)
    assert result["app_peak_rss_mb"] is None and "quick" in result["app_note"]
    [scale] = result["scale"]
    assert SCALE_KEYS <= set(scale) and scale["chunks"] == 200 and scale["vectors"] == "random"
    assert set(result["targets_met"]) == {"query_ratio", "cached_query_p50_ms", "cold_ratio", "ingest_nochange_s",
                                          "scale_query_ratio", "reload_commit_to_answer_s", "pdf_300_pages_s"}
    text = "\n".join(table)
    for label in ("question, p50 (ms)", "cold start to first answer", "ingest, nothing changed", "app server peak RSS",
                  "commit to answer, no restart", "read a 300-page PDF"):
        assert label in text
    assert "skipped (--quick)" in text and "200" in text


def test_a_synthetic_corpus_chunks_into_one_chunk_per_section(tmp_path):
    sentences, headings = guidance_pieces(DEFAULT_CORPUS_DIR)
    assert len(sentences) > 50 and "Element 2" in headings
    write_corpus(tmp_path, 1_234, sentences, headings)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["volume-0001.md", "volume-0002.md"]
    chunks = [c for f in files for c in chunk_document(read_document(f, tmp_path), MAX_CHUNK_CHARS, TARGET_CHUNK_CHARS)]
    assert len(chunks) == 1_234
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    # Made of the guidance's own words: the vocabulary that BM25 and the model will meet.
    vocabulary = set(re.findall(r"\w+", " ".join(sentences)))
    assert all(set(re.findall(r"\w+", c.text)) <= vocabulary for c in chunks)


def test_random_vectors_are_unit_length_and_the_right_size():
    vectors = RandomUnitModel(384).encode(["a", "b", "c"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_questions_are_read_once_each_and_bad_files_are_named(tmp_path):
    path = write_questions(tmp_path / "q.jsonl", ["What is a SENCO?", "What is AWPU?", "What is a SENCO?"])
    assert read_questions(path) == ["What is a SENCO?", "What is AWPU?"]
    with pytest.raises(BenchError, match="No questions at .*missing.jsonl: pass a JSON Lines file with --questions"):
        read_questions(tmp_path / "missing.jsonl")
    path.write_text('{"question": "What is a SENCO?"}\nnot json\n', encoding="utf-8")
    with pytest.raises(BenchError, match="Line 2 of .* is not JSON with a `question` field"):
        read_questions(path)
    write_questions(path, ["Only one?"])
    with pytest.raises(BenchError, match="has 1 distinct questions; the benchmark needs at least 2"):
        read_questions(path)
