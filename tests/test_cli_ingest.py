"""`python -m ingest` as a person runs it: a summary at the end, one clean
line (never a traceback) for anything that goes wrong."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FAKE_MODEL_NAME, ROOT
from ingest.__main__ import main
from ingest.settings import DEFAULT_MODEL

SUMMARY = re.compile(r"^(Built index at|Index at) (?P<index>.+?)(?: is up to date)?: (?P<files>\d+) files, "
                     r"(?P<sections>\d+) sections, (?P<chunks>\d+) chunks, model (?P<model>\S+), "
                     r"(?P<embedded>\d+) texts embedded, (?P<reused>\d+) reused, (?P<seconds>\d+\.\d) s$")


def run_ingest(*args, env_extra=None, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    env.pop("SEN_GUIDE_MODEL", None)
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, env={**env, **(env_extra or {})},
                          capture_output=True, text=True, timeout=timeout)


def summary_of(out: str) -> dict:
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    m = SUMMARY.match(lines[0])
    assert m, lines[0]
    return m.groupdict()


# --- in-process, with the fake model -------------------------------------------------

def test_summary_names_files_sections_chunks_model_and_seconds(tiny_corpus, fake_model, tmp_path, capsys):
    corpus, index = tiny_corpus(), tmp_path / "index"
    assert main(["--corpus", str(corpus), "--index", str(index), "--model", FAKE_MODEL_NAME]) == 0
    first = summary_of(capsys.readouterr().out)
    assert (first["files"], first["sections"], first["model"]) == ("3", "6", FAKE_MODEL_NAME)
    assert int(first["chunks"]) == len((index / json.loads((index / "manifest.json").read_text())["folder"]
                                        / "chunks.jsonl").read_text().splitlines())
    assert int(first["embedded"]) == fake_model.count > 0

    assert main(["--corpus", str(corpus), "--index", str(index), "--model", FAKE_MODEL_NAME]) == 0
    out = capsys.readouterr().out
    assert "is up to date" in out
    again = summary_of(out)
    assert again["embedded"] == "0" and again["chunks"] == first["chunks"]
    assert main(["--corpus", str(corpus), "--index", str(index), "--model", FAKE_MODEL_NAME, "--force"]) == 0
    forced = summary_of(capsys.readouterr().out)
    assert forced["embedded"] == "0" and int(forced["reused"]) == int(first["embedded"])


def test_skipped_files_are_named_on_stderr(tiny_corpus, fake_model, tmp_path, capsys):
    corpus = tiny_corpus({"guide.md": "# Guide\n\nText.\n", "scan.docx": b"PK"})
    assert main(["--corpus", str(corpus), "--index", str(tmp_path / "index"), "--model", FAKE_MODEL_NAME]) == 0
    err = capsys.readouterr().err
    assert "Skipped scan.docx: files of type '.docx' are not supported (use .md, .txt, .html, .htm or .pdf)" in err


def test_model_comes_from_the_flag_then_the_environment(tiny_corpus, fake_model, tmp_path, monkeypatch, capsys):
    corpus, index = tiny_corpus(), tmp_path / "index"
    monkeypatch.setenv("SEN_GUIDE_MODEL", "fake-from-env")
    assert main(["--corpus", str(corpus), "--index", str(index)]) == 0
    assert fake_model.loaded == ["fake-from-env"]
    assert json.loads((index / "manifest.json").read_text())["model"]["name"] == "fake-from-env"
    assert summary_of(capsys.readouterr().out)["model"] == "fake-from-env"
    assert main(["--corpus", str(corpus), "--index", str(index), "--model", "fake-from-flag"]) == 0
    assert fake_model.loaded[-1] == "fake-from-flag"
    assert json.loads((index / "manifest.json").read_text())["model"]["name"] == "fake-from-flag"


def test_other_names_of_the_bundled_and_default_models_are_recorded_as_one(tmp_path, monkeypatch):
    from ingest import from_env
    from ingest.settings import DEFAULT_MODEL

    for name in ("sentence-transformers/all-MiniLM-L6-v2", "ALL-MINILM-L6-V2"):
        monkeypatch.setenv("SEN_GUIDE_MODEL", name)
        assert from_env().model == "all-MiniLM-L6-v2"
    for name in ("default", " ", "sen-minilm", "SEN-MiniLM"):
        monkeypatch.setenv("SEN_GUIDE_MODEL", name)
        assert from_env().model == DEFAULT_MODEL and DEFAULT_MODEL.startswith("sen-minilm-")
    assert from_env(model="./my-model").model == "./my-model"


def test_missing_corpus_folder_is_one_line(tmp_path, capsys):
    assert main(["--corpus", str(tmp_path / "nowhere"), "--index", str(tmp_path / "index")]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: No corpus folder at ") and err.count("\n") == 1


def test_missing_model_folder_is_said_at_once(tiny_corpus, tmp_path, capsys):
    code = main(["--corpus", str(tiny_corpus()), "--index", str(tmp_path / "index"), "--model", "./no/such/model"])
    err = capsys.readouterr().err
    assert code == 1
    assert "error: No model folder at ./no/such/model: name an existing folder, or leave out --model" in err
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_an_index_path_that_cannot_be_written_is_one_line(tiny_corpus, fake_model, tmp_path, capsys):
    blocker = tmp_path / "index"
    blocker.write_text("not a folder")
    assert main(["--corpus", str(tiny_corpus()), "--index", str(blocker), "--model", FAKE_MODEL_NAME]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: the index could not be written to {blocker}") and "--index" in err
    assert err.count("\n") == 1


# --- real processes ---------------------------------------------------------------

def test_empty_corpus_is_a_clear_error_and_exit_1(tmp_path):
    (tmp_path / "empty").mkdir()
    out = run_ingest("--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "index"))
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == (f"error: No guidance text found in {tmp_path / 'empty'}: add readable files (.md, .txt, "
                          ".html, .htm or .pdf) (0 file(s) were skipped).\n")


def test_unknown_model_name_is_a_clean_model_error(tiny_corpus, tmp_path):
    out = run_ingest("--corpus", str(tiny_corpus()), "--index", str(tmp_path / "index"), "--model", "no-such-model-xyz")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("error: The embedding model 'no-such-model-xyz' could not be loaded (")
    assert last.endswith("Use the default model (leave out --model and SEN_GUIDE_MODEL) or a local model folder.")
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_installed_command_runs_the_same_cli():
    script = Path(sys.executable).parent / "sen-guide-ingest"
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for flag in ("--corpus", "--index", "--model", "--force"):
        assert flag in out.stdout


@pytest.mark.model
def test_real_model_builds_a_small_corpus_then_finds_it_up_to_date(tiny_corpus, tmp_path):
    corpus, index = tiny_corpus(), tmp_path / "index"
    first = run_ingest("--corpus", str(corpus), "--index", str(index))
    assert first.returncode == 0, first.stderr
    built = summary_of(first.stdout)
    assert (built["files"], built["sections"], built["model"]) == ("3", "6", DEFAULT_MODEL)
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["model"] == {"name": DEFAULT_MODEL, "dimension": 384}
    again = run_ingest("--corpus", str(corpus), "--index", str(index))
    assert again.returncode == 0, again.stderr
    assert "is up to date" in again.stdout and summary_of(again.stdout)["embedded"] == "0"
