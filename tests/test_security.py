"""Security: no pickle or other code-executing format is loaded; paths come
from configuration, never from a question; questions are not written to disk
or logs; the Streamlit configuration is locked down."""
import ast
import logging
import os
import re
import secrets
import sys
import threading
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from ingest.embedding import resolve_model
from ingest.settings import DEFAULT_CORPUS_DIR
from qa import Engine

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", ".pytest_cache", ".hypothesis", ".cache", "index"}
# Formats that run code when loaded.
PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin", ".ckpt", ".dill"}
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def _python_sources() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]


def _dotted(node: ast.AST) -> str:
    """'np.load' for the expression np.load, '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _unsafe_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if name in ("np.load", "numpy.load"):
                allow = keywords.get("allow_pickle")
                if not (isinstance(allow, ast.Constant) and allow.value is False):
                    found.append(f"{name} without allow_pickle=False (line {node.lineno})")
            elif name.endswith(("torch.load", "read_pickle", "yaml.load", "yaml.unsafe_load")):
                found.append(f"{name} (line {node.lineno})")
            elif name in ("eval", "exec"):
                found.append(f"{name}() (line {node.lineno})")
            trust = keywords.get("trust_remote_code")
            if isinstance(trust, ast.Constant) and trust.value is True:
                found.append(f"{name}(trust_remote_code=True) (line {node.lineno})")
    return found


def test_the_checker_finds_what_it_looks_for():
    bad = ("import pickle\nfrom joblib import load\nnp.load(p)\nnp.load(p, allow_pickle=True)\n"
           "torch.load(p)\neval(s)\nAutoModel.from_pretrained(p, trust_remote_code=True)\n")
    assert len(_unsafe_calls(ast.parse(bad))) == 7
    assert _unsafe_calls(ast.parse("np.load(p, allow_pickle=False)\nfaiss.read_index(p)\n")) == []


def test_no_source_file_loads_pickle_or_runs_strings_as_code():
    sources = _python_sources()
    assert {"ingest/build.py", "qa/engine.py", "qa/loaded_index.py", "app.py"} <= {
        p.relative_to(ROOT).as_posix() for p in sources}
    problems = {p.relative_to(ROOT).as_posix(): _unsafe_calls(ast.parse(p.read_text(encoding="utf-8")))
                for p in sources}
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_bundled_model_is_safetensors_not_pickle():
    folder = Path(resolve_model("all-MiniLM-L6-v2"))
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".safetensors" for p in files)
    assert [p.name for p in files if p.suffix in PICKLE_SUFFIXES] == []


@pytest.fixture
def index_dir(real_index_dir) -> Path:
    return real_index_dir


@pytest.fixture
def engine(real_engine) -> Engine:
    # Warm every lazy part (model, spelling, glossary) so later opens would be the question's doing.
    for q in ("What is a SENCO?", "speach therapy fundng", "Who pays for an EHCP?", "bus passport"):
        real_engine.search(q)
    return real_engine


@pytest.mark.model
def test_the_index_is_plain_files_with_no_pickle(engine, index_dir):
    files = [p for p in index_dir.rglob("*") if p.is_file()]
    assert files and [p.name for p in files if p.suffix in PICKLE_SUFFIXES] == []
    assert {p.suffix for p in files} <= {".json", ".jsonl", ".npy", ".faiss", ".lock", ""}
    for p in files:
        if p.suffix == ".npy":
            assert np.load(p, allow_pickle=False).dtype != object


# File opens during a search: audit hooks cannot be removed, so one hook
# records only while a test asks it to, and only in the thread that searches.
# (Other threads of this process are not the question's doing: the app tests
# leave their server's watcher, web.live, reading the manifest every 2 s.)
_opened: list[str] = []
_recording: list[int | None] = [None]


def _audit(event: str, args: tuple) -> None:
    if _recording[0] == threading.get_ident() and event in (
            "open", "os.listdir", "os.scandir", "os.remove", "os.rename", "shutil.rmtree"):
        _opened.append(f"{event} {args[0]!r}")


sys.addaudithook(_audit)


@pytest.mark.model
@pytest.mark.parametrize("question", ["../../etc/passwd", "/etc/shadow", "file:///etc/hostname",
                                      "index/manifest.json", "~/.ssh/id_rsa", "C:\\Windows\\win.ini",
                                      "corpus/glossary.json", "..\\..\\boot.ini"])
def test_a_path_in_a_question_is_only_words(engine, question):
    engine._cache.clear()
    _opened.clear()
    _recording[0] = threading.get_ident()
    try:
        answer = engine.search(question)
    finally:
        _recording[0] = None
    # Python may still import a module on first use; it opens no data file.
    assert [o for o in _opened if not o.rstrip("'\"").endswith((".py", ".pyc", ".so"))] == []
    corpus = (DEFAULT_CORPUS_DIR / "sen-support-guidance.md").read_text(encoding="utf-8")
    assert all(p.text in corpus for p in answer.passages)
    assert "root:" not in str(answer.to_json())


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def _files_changed_since(folder: Path, since: float) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in {".git", ".venv", "node_modules"}]
        for name in filenames:
            p = Path(dirpath, name)
            try:
                if p.stat().st_mtime >= since and p.stat().st_size < 50_000_000:
                    out.append(p)
            except OSError:
                pass  # removed meanwhile
    return out


@pytest.mark.model
def test_questions_are_not_logged_or_written_to_disk(engine, index_dir, caplog, capfd, monkeypatch):
    # A question no source file contains, so any copy of it was made by asking.
    secret = f"Is my daughter Zephyrine {secrets.token_hex(8)} entitled to an EHC assessment?"
    before = _snapshot(index_dir)
    started = time.time() - 1  # file times have coarse resolution on some systems
    caplog.set_level(logging.DEBUG)
    said = []
    monkeypatch.setattr(engine, "log", said.append)
    for k in (1, 5):
        engine.search(secret, k=k)
    engine._cache.clear()
    engine.search(secret)

    assert caplog.records == [] or all(secret not in r.getMessage() and secret not in str(r.args)
                                       for r in caplog.records)
    out, err = capfd.readouterr()
    assert secret not in out and secret not in err and not any(secret in m for m in said)
    assert _snapshot(index_dir) == before
    places = [ROOT, index_dir, Path.home() / ".cache"]
    written = [p for place in places if place.exists() for p in _files_changed_since(place, started)]
    assert [p for p in written if secret.encode() in p.read_bytes()] == []


STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"


def test_streamlit_config_is_locked_down():
    from streamlit.config import ShowErrorDetailsConfigOptions as ErrorDetails

    config = tomllib.loads(STREAMLIT_CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["headless"] is True
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False  # no calls home
    shown = config["client"]["showErrorDetails"]
    assert shown is False or shown == ErrorDetails.NONE  # tracebacks go to the server log, not the page
    assert config["server"].get("enableCORS", True) is True


def test_no_page_offers_a_file_upload():
    calls = set()
    for p in _python_sources():
        if "tests" in p.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                calls.add(_dotted(node.func).rsplit(".", 1)[-1])
    assert "text_input" in calls or "text_area" in calls or "chat_input" in calls, "the page's question box was found"
    assert calls.isdisjoint({"file_uploader", "camera_input", "audio_input"})


@pytest.mark.model
def test_the_page_keeps_only_the_scrubbed_record_and_logs_nothing_of_the_question(real_index_dir, tmp_path, caplog,
                                                                                 capfd, monkeypatch):
    """With recording on, a question asked on the parent page reaches one
    place, the feedback store, with its personal details replaced; no log line,
    no other file, and no column that could say who asked or when in the day."""
    import sqlite3

    from streamlit.testing.v1 import AppTest

    token = "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))  # a name is letters
    name, email = f"Zephy{token}", f"mum.{token}@example.com"
    question = f"My daughter is called {name}, email {email}, can she get an EHC assessment?"
    database = tmp_path / "feedback.db"
    monkeypatch.setenv("SEN_GUIDE_INDEX", str(real_index_dir))
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(DEFAULT_CORPUS_DIR))
    monkeypatch.setenv("SEN_GUIDE_DATABASE_URL", f"sqlite:///{database}")
    caplog.set_level(logging.DEBUG)
    started = time.time() - 1
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["q"] = question
    at.run()
    assert not at.exception
    [yes] = [b for b in at.button if b.key == "feedback-yes"]
    yes.click()
    at.run()
    assert not at.exception

    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT * FROM feedback").fetchall()
        columns = [c[1] for c in db.execute("PRAGMA table_info(feedback)")]
    assert len(rows) == 1 and token not in repr(rows) and "[email]" in repr(rows) and "[name]" in repr(rows)
    assert not [c for c in columns if re.search(r"ip|addr|cookie|session|user|agent|time|host", c)], columns
    assert all(token not in r.getMessage() and token not in str(r.args) for r in caplog.records)
    out, err = capfd.readouterr()
    assert token not in out and token not in err
    places = [ROOT, real_index_dir, Path.home() / ".cache", tmp_path]
    written = [p for place in places if place.exists() for p in _files_changed_since(place, started)]
    assert [p for p in written if token.encode() in p.read_bytes()] == []
