"""Shared fixtures: a fake embedding model, small corpora written to tmp
folders, and one real index and engine per session.

Most tests use `fake_model`: it stands in for sentence-transformers (no
10 s import, no model load), is deterministic, and records every text it
embeds, so a test can count what a build sent to the model. Only tests
marked `model` load the real (SEN-tuned) all-MiniLM-L6-v2, and they share
`real_index_dir` / `real_engine`, built once per session: a test that uses
either (directly or through another fixture) is marked `model` here, so
`make check` (`-m "not model and not browser"`) never waits on the model.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from ingest.settings import DEFAULT_CORPUS_DIR, Settings

# The shell's environment cannot change what a test checks: every SEN_GUIDE_*
# setting a developer has exported (a real feedback database, another model,
# encoder, config or corpus) is cleared for the session, and the ones the tests
# rely on are set outright. Child processes inherit them. Kept: the switch
# that copies new screenshots to docs/ (test_browser.py), which chooses where
# a picture goes, not what is checked.
KEPT_ENV = {"SEN_GUIDE_UPDATE_SCREENSHOTS"}
for _name in [n for n in os.environ if n.startswith("SEN_GUIDE_") and n not in KEPT_ENV]:
    del os.environ[_name]
# No test reaches the network: a model that is not on disk fails at once
# instead of retrying the Hugging Face hub for a minute (make test sets this
# too; this covers a bare `pytest`, and a shell's HF_HUB_OFFLINE=0).
os.environ["HF_HUB_OFFLINE"] = "1"
# Questions the tests ask are kept in the tests' own throwaway feedback
# database, never in the repository's data/ folder nor a developer's own
# (tests of the store name their own).
os.environ["SEN_GUIDE_DATABASE_URL"] = (
    f"sqlite:///{tempfile.mkdtemp(prefix='sen-guide-test-feedback-')}/feedback.db")
# Hypothesis keeps its examples database in a throwaway folder, not in
# .hypothesis/ in the repository: each run starts from the same state.
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = tempfile.mkdtemp(prefix="sen-guide-test-hypothesis-")

ROOT = Path(__file__).resolve().parent.parent
# The supplied guidance lives in ../shared beside the repository (in CI, a
# copy of shared/ is placed beside the clone).
SEED_TEXT = ROOT.parent / "shared" / "seed" / "sen-support-guidance.txt"
# Not a real model name: builds with it never try to export or download one.
FAKE_MODEL_NAME = "fake-hash-embedding"

# Fixtures that load the real model: any test using them is a `model` test.
REAL_MODEL_FIXTURES = {"real_index_dir", "real_engine"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


def build_file(index: Path, name: str) -> Path:
    """A file of the build that an index folder's manifest names."""
    manifest = json.loads((index / "manifest.json").read_text())
    return index / manifest["folder"] / name


def truncate_faiss(index: Path) -> None:
    """Cut the FAISS file of an index in half, leaving the manifest as it was."""
    path = build_file(index, "dense.faiss")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


class FakeModel:
    """A deterministic stand-in for a SentenceTransformer.

    Each word is hashed (with a stable hash, not Python's salted one) to a
    slot and a sign, so texts that share words have similar vectors: enough
    for retrieval to behave sensibly in small tests. `texts` lists every
    text embedded since the last `reset()`, in order; `calls` holds the
    keyword arguments of each `encode` call; `loaded` the model names asked for.
    """

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.texts: list[str] = []
        self.calls: list[dict] = []
        self.loaded: list[str] = []

    @property
    def count(self) -> int:
        """How many texts were embedded since the last reset."""
        return len(self.texts)

    def reset(self) -> None:
        self.texts.clear()
        self.calls.clear()

    def settings(self, corpus_dir: Path, index_dir: Path, **changes) -> Settings:
        """Settings that build with this fake model."""
        return Settings(corpus_dir=corpus_dir, index_dir=index_dir, model=FAKE_MODEL_NAME).with_(**changes)

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    get_embedding_dimension = get_sentence_embedding_dimension

    def encode(self, texts, batch_size: int = 32, normalize_embeddings: bool = False,
               show_progress_bar: bool = False, convert_to_numpy: bool = True) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        self.texts.extend(texts)
        self.calls.append({"n": len(texts), "batch_size": batch_size, "normalize_embeddings": normalize_embeddings,
                           "show_progress_bar": show_progress_bar, "convert_to_numpy": convert_to_numpy})
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 0.05  # never a zero vector, even for a text with no words
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=4).digest(), "big")
                out[row, 1 + h % (self.dim - 1)] += 1.0 if h & 1 << 31 else -1.0
        if normalize_embeddings:
            out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


@pytest.fixture
def fake_model(monkeypatch) -> FakeModel:
    """Every `ingest.embedding.load_model` call (builds and the query encoder's
    sentence-transformers path) returns this one FakeModel."""
    model = FakeModel()

    def load_model(name: str) -> FakeModel:
        model.loaded.append(name)
        return model

    monkeypatch.setattr("ingest.embedding.load_model", load_model)
    return model


# A small corpus in the three formats, with the shapes that matter to the
# chunker: headings at several levels, a list introduced by a sentence, a
# sidecar with metadata for the plain-text file.
TINY_FILES: dict[str, str | bytes] = {
    "support.md": (
        "---\ntitle: Support at school\npublisher: Test Council\nsource: https://example.org/support\n---\n\n"
        "# Support at school\n\n"
        "## Who to talk to\n\n"
        "Start with your child’s class teacher. The SENCO coordinates support for children with SEN.\n\n"
        "If you are worried you can:\n\n"
        "- Tell the teacher about your concerns\n"
        "- Ask the SENCO to make a note of them\n\n"
        "## Reviews\n\n"
        "Progress should be reviewed at least three times a year.\n"
    ),
    "funding.txt": (
        "Funding for SEN\n\n"
        "Schools get money for every pupil. Some of it pays for general SEN support.\n\n"
        "Top-up funding\n\n"
        "The local authority can add top-up funding when a child has complex needs.\n"
    ),
    "funding.txt.meta.json": '{"title": "Funding for SEN", "publisher": "Test Council", "source": "funding leaflet"}',
    "rights.html": (
        "<html><head><title>Your rights</title><style>p {color: red}</style></head><body>"
        "<nav><a href='/'>Home</a></nav>"
        "<h1>Your rights</h1><p>You can ask for an EHC needs assessment yourself.</p>"
        "<h2>Complaints</h2><p>Ask the school for its complaints procedure &amp; follow it.</p>"
        "<script>var x = 1;</script></body></html>"
    ),
}


@pytest.fixture
def tiny_corpus(tmp_path) -> Callable[..., Path]:
    """make(files=None, name="corpus") -> folder: writes files (text as UTF-8,
    bytes as they are) into tmp_path/name; TINY_FILES when none are given."""

    def make(files: dict[str, str | bytes] | None = None, name: str = "corpus") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        for rel, content in (TINY_FILES if files is None else files).items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return folder

    return make


@pytest.fixture
def seed_text() -> Path:
    """The supplied guidance text; the test is skipped (saying why) when ../shared is absent."""
    if not SEED_TEXT.is_file():
        pytest.skip(f"The supplied guidance {SEED_TEXT} is not there: these tests compare the corpus with it, "
                    "so place a copy of shared/ beside the repository to run them.")
    return SEED_TEXT


def shared_tmp(tmp_path_factory) -> Path:
    """A temporary folder every worker of this run shares (pytest-xdist gives
    each worker a folder of its own, inside one for the run)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory) -> Path:
    """The real corpus built with the real model into a tmp index, once per
    run: the first worker builds it under the index's build lock, the others
    find it current. Tests only read it (a test that changes an index copies it)."""
    from ingest import ensure_index

    index_dir = shared_tmp(tmp_path_factory) / "real-index"
    ensure_index(Settings(corpus_dir=DEFAULT_CORPUS_DIR, index_dir=index_dir))
    return index_dir


@pytest.fixture(scope="session")
def real_engine(real_index_dir):
    """A qa.Engine over the real index with the real model, shared by the session."""
    from qa import Engine

    return Engine(Settings(corpus_dir=DEFAULT_CORPUS_DIR, index_dir=real_index_dir))


# --- passages and a corpus with links back to the source (the pages' tests) ---

TITLE = "Special Educational Needs Support"
FUNDING = [TITLE, "Funding for special educational needs in mainstream schools", "Element 2"]
PAGE = "https://www.westvale.gov.uk/send/ehc-plans"
STRATEGY_PDF = "https://www.westvale.gov.uk/send-strategy.pdf"
RIGHTS_PAGE = "https://www.westvale.gov.uk/send/your-rights"
SUPPORT_PAGE = "https://example.org/support"


def passage(text: str, highlights=None, heading_path=None, **kw):
    """A qa.Passage of the seed guidance's Element 2 section, with any field changed."""
    from qa import Passage

    defaults = dict(rank=1, score=0.5, scores={"dense": 0.4, "sentence": 0.6, "keyword": 3.0}, text=text,
                    document=TITLE, source="", heading_path=heading_path or FUNDING, chunk_id="c1",
                    highlights=highlights or [], file="guide.md", start=0, end=len(text))
    return Passage(**{**defaults, **kw})


def strategy_pdf() -> bytes:
    """Two pages, each opening with a bookmarked heading."""
    from datetime import datetime, timezone

    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 3, 7, 10, 30, tzinfo=timezone.utc))
    pdf.set_title("Westvale SEND strategy")
    for heading, body in [("Our aims", "We want every child with special educational needs to get support early."),
                          ("Short breaks", "Short breaks give parent carers a rest from caring for a disabled child.")]:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 20)
        pdf.start_section(heading)
        pdf.multi_cell(0, 11, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def linked_files() -> dict[str, str | bytes]:
    """A corpus in every format, each document saying where it was published
    and when it last changed, and one file that cannot be read."""
    return {
        "rights.html": (
            f'<html><head><title>Your rights - Westvale Council</title><link rel="canonical" href="{RIGHTS_PAGE}">'
            '<meta property="article:modified_time" content="2026-03-03T09:00:00Z"></head><body><main>'
            '<h1 id="your-rights">Your rights</h1><p>You can ask for an EHC needs assessment yourself.</p>'
            '<h2 id="complaints">Complaints</h2><p>Ask the school for its complaints procedure and follow it.</p>'
            "</main></body></html>"),
        "support.md": (
            f"---\ntitle: Support at school\npublisher: Test Council\nsource: {SUPPORT_PAGE}\nupdated: 2026-01-15\n---\n\n"
            "# Support at school\n\n## Who to talk to\n\nStart with the class teacher, then the SENCO.\n\n"
            "## Reviews\n\nProgress should be reviewed at least three times a year.\n"),
        "strategy.pdf": strategy_pdf(),
        "strategy.pdf.meta.json": json.dumps({"source": STRATEGY_PDF, "publisher": "Westvale Council"}),
        "funding.txt": ("Funding for SEN\n\nSchools get money for every pupil.\n\n"
                        "Top-up funding\n\nThe council adds top-up funding.\n"),
        "funding.txt.meta.json": '{"source": "funding leaflet", "updated": "5 February 2025"}',
        "notes.docx": b"PK\x03\x04 not a document we read",
    }


@pytest.fixture
def linked_engine(fake_model, tiny_corpus, tmp_path, monkeypatch):
    """An engine (fake model) over linked_files()."""
    from qa.ready import ready_engine

    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")  # questions go to the fake model too
    corpus = tiny_corpus(linked_files())
    return ready_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE_MODEL_NAME,
                                 encoder="sentence-transformers"))[0]
