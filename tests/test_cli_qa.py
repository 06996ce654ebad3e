"""`python -m qa` as a person runs it: a real process, the real model."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import truncate_faiss

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.model


def run_qa(*args, env_extra=None, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("qa-cli-index")


def test_questions_file_answers_in_order_as_json_lines(tmp_path, index_dir):
    qfile = tmp_path / "questions.jsonl"
    qfile.write_text("\n".join([
        json.dumps({"question": "What is AWPU?"}),
        "How do I renew my passport?",
        "",
        json.dumps({"question": "<script>alert(1)</script>"}),
        "What is the high needs block?",
    ]), encoding="utf-8")
    out = run_qa("--questions", str(qfile), "--json", "--k", "2", "--index", str(index_dir))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [x["question"] for x in lines] == ["What is AWPU?", "How do I renew my passport?",
                                              "<script>alert(1)</script>", "What is the high needs block?"]
    assert lines[0]["answered"] and "AWPU" in lines[0]["passages"][0]["text"]
    assert not lines[1]["answered"] and lines[1]["reason"]
    assert all(len(x["passages"]) <= 2 for x in lines)
    assert "high needs block" in lines[3]["passages"][0]["text"]
    assert "Traceback" not in out.stderr


def test_human_output_quotes_with_headings(index_dir):
    out = run_qa("Who manages Element 3 funding?", "--k", "1", "--index", str(index_dir))
    assert out.returncode == 0, out.stderr
    assert "Element 3" in out.stdout
    assert "The local authority is responsible for managing Element 3 funding" in out.stdout


def test_an_empty_corpus_is_one_clear_line(tmp_path):
    empty = tmp_path / "corpus"
    empty.mkdir()
    out = run_qa("anything", "--index", str(tmp_path / "index"), env_extra={"SEN_GUIDE_CORPUS": str(empty)})
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("error: No guidance text found") and str(empty) in last
    assert "Traceback" not in out.stderr


def _pop_scores(answer: dict) -> list[tuple[float, dict]]:
    return [(p.pop("score"), p.pop("scores")) for p in answer["passages"]]


def test_command_line_rebuilds_a_damaged_index_and_says_so_in_one_line(real_index_dir, real_engine, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(real_index_dir, index)
    truncate_faiss(index)
    question = "What is Element 2 funding for?"
    out = subprocess.run([sys.executable, "-m", "qa", "--json", "--k", "2", "--index", str(index), question],
                         cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    line = out.stderr.splitlines()[0]
    assert re.fullmatch(r"The index file builds/[^ ]+/dense\.faiss does not match its manifest "
                        r"\(changed or damaged\); building the index\.\.\.", line), line
    assert "Traceback" not in out.stderr
    # The rebuild embeds the passages again, in another process: the same
    # answer, with scores equal to within float32 rounding.
    got, want = json.loads(out.stdout), real_engine.search(question, k=2).to_json()
    got_scores, want_scores = _pop_scores(got), _pop_scores(want)
    assert got == want
    for (score, per), (want_score, want_per) in zip(got_scores, want_scores, strict=True):
        assert score == pytest.approx(want_score, abs=1e-5) and per == pytest.approx(want_per, abs=1e-5)
    assert "Element 2" in json.loads(out.stdout)["passages"][0]["text"]
