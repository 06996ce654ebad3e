"""A damaged index is found before any answer is given: `load` refuses it in
one line naming the problem and the fix, and `ensure_index` rebuilds it and
says so. Never a traceback, never a silently wrong answer.

One small index is built once per module with a fake embedding model (a
hashed bag of words: deterministic and instant) and copied for each test
before it is damaged. The command line's rebuild of a damaged index, with the
real model, is in test_cli_qa.py.
"""
import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest import build, embedding, ensure_index
from ingest.errors import IndexUnusableError
from ingest.settings import Settings
from qa import Engine
from qa.loaded_index import load
from qa.ready import ready_engine

from conftest import build_file, truncate_faiss

FAKE_MODEL = "fake-hashing-64"
FAKE_DIM = 64
QUESTIONS = ["Who pays for a speech therapist?", "How often is the plan reviewed?", "What is a SENCO?"]
CORPUS = {
    "support.md": """---
title: Support at school
publisher: Test borough
source: written by test_broken_index.py
---

# Support at school

## The SENCO

Every school has a Special Educational Needs Coordinator (SENCO). The SENCO plans the support for each child
and talks to parents about it.

## Reviews

The plan is reviewed three times a year with the parents. A review can be asked for sooner if things change.
""",
    "funding.md": """# Funding

## Who pays

The school pays for the first part of the support from its own budget. The local authority pays for a
speech therapist when the school's budget is not enough.

## Top-up funding

Top-up funding comes from the high needs block and follows the child to the school.
""",
}


class HashingModel:
    """Stands in for a sentence-transformers model: each word adds a fixed
    random vector, so texts sharing words are close."""

    def __init__(self, dim: int = FAKE_DIM):
        self.dim = dim

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dim)

    def encode(self, texts, **_kw) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i] += self._word(word)
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out


def _fake_load_model(name: str) -> HashingModel:
    # A model "fake-hashing-32" gives 32-dimensional vectors, and so on.
    return HashingModel(int(name.rsplit("-", 1)[1]))


@pytest.fixture(scope="module", autouse=True)
def fake_model():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(embedding, "load_model", _fake_load_model)
        # Questions, too, go through load_model (no ONNX export of a fake).
        mp.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")
        yield


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for name, text in CORPUS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, corpus) -> Path:
    index = tmp_path_factory.mktemp("pristine") / "index"
    build(Settings(corpus_dir=corpus, index_dir=index, model=FAKE_MODEL))
    return index


def _results(engine: Engine) -> list:
    return [[(p.chunk_id, p.score, p.text) for p in engine.search(q, k=3).passages] + [engine.search(q).answered]
            for q in QUESTIONS]


@pytest.fixture(scope="module")
def expected(corpus, pristine) -> list:
    """What the undamaged index answers: a rebuilt index must answer the same."""
    return _results(Engine(Settings(corpus_dir=corpus, index_dir=pristine, model=FAKE_MODEL)))


@pytest.fixture
def index(tmp_path, pristine) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(pristine, copy)
    return copy


def _edit_manifest(index: Path, change) -> None:
    path = index / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _rehash(index: Path) -> None:
    """Record the damaged files' hashes, as if the damage happened before the
    manifest was written: the reader itself must then catch it."""
    _edit_manifest(index, lambda m: m.update(files={
        rel: hashlib.sha256((index / rel).read_bytes()).hexdigest() for rel in m["files"]}))


def remove_folder(index):
    shutil.rmtree(index)


def remove_vectors(index):
    build_file(index, "vectors.npy").unlink()


def remove_faiss(index):
    build_file(index, "dense.faiss").unlink()


def remove_bm25_vocabulary(index):
    build_file(index, "bm25/vocab.index.json").unlink()


def remove_sentence_bm25_vocabulary(index):
    build_file(index, "bm25_sentences/vocab.index.json").unlink()


def sentence_bm25_of_passages_rehashed(index):
    # The passages' keyword index where the sentences' should be: readable,
    # but with one document per passage instead of one per sentence.
    for path in build_file(index, "bm25").iterdir():
        shutil.copyfile(path, build_file(index, "bm25_sentences") / path.name)
    _rehash(index)


def remove_chunks(index):
    build_file(index, "chunks.jsonl").unlink()


def truncate_faiss_rehashed(index):
    truncate_faiss(index)
    _rehash(index)


def malformed_chunk_line(index):
    path = build_file(index, "chunks.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1][: len(lines[1]) // 2] + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def malformed_chunk_line_rehashed(index):
    malformed_chunk_line(index)
    _rehash(index)


def chunk_line_missing_a_field_rehashed(index):
    path = build_file(index, "chunks.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = json.dumps({"id": "only-an-id"}) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    _rehash(index)


def manifest_of_another_dimension(index):
    _edit_manifest(index, lambda m: m["model"].update(dimension=2 * FAKE_DIM))


def vectors_of_another_dimension_rehashed(index):
    # Vectors from a model with half the dimension, with a manifest that agrees
    # with itself but not with the FAISS index built beside it.
    path = build_file(index, "vectors.npy")
    np.save(path, np.load(path, allow_pickle=False)[:, : FAKE_DIM // 2], allow_pickle=False)
    _edit_manifest(index, lambda m: m["model"].update(dimension=FAKE_DIM // 2))
    _rehash(index)


def vectors_changed_in_place(index):
    # Same size, still a valid .npy file: only the hash can tell.
    path = build_file(index, "vectors.npy")
    vectors = np.load(path, allow_pickle=False)
    np.save(path, vectors[::-1].copy(), allow_pickle=False)


def chunk_text_changed_in_place(index):
    # A passage quietly edited: quoting it would put words in the guidance's mouth.
    path = build_file(index, "chunks.jsonl")
    path.write_text(path.read_text(encoding="utf-8").replace("three times a year", "once every ten years"),
                    encoding="utf-8")


def manifest_not_json(index):
    (index / "manifest.json").write_text('{"format_version": 2, "build_id": ', encoding="utf-8")


def manifest_incomplete(index):
    _edit_manifest(index, lambda m: m.pop("files"))


def manifest_of_another_format(index):
    _edit_manifest(index, lambda m: m.update(format_version=1))


def manifest_names_a_missing_build(index):
    _edit_manifest(index, lambda m: m.update(folder="builds/20200101T000000-deadbeef", files={
        rel.replace(m["folder"], "builds/20200101T000000-deadbeef"): h for rel, h in m["files"].items()}))


# (damage, words the one-line refusal must contain)
FAULTS = [
    (remove_folder, "No index at"),
    (remove_vectors, "vectors.npy is missing"),
    (remove_faiss, "dense.faiss is missing"),
    (remove_bm25_vocabulary, "vocab.index.json is missing"),
    (remove_sentence_bm25_vocabulary, "bm25_sentences/vocab.index.json is missing"),
    (sentence_bm25_of_passages_rehashed, "inconsistent (sentence keyword index)"),
    (remove_chunks, "chunks.jsonl is missing"),
    (truncate_faiss, "dense.faiss does not match its manifest"),
    (truncate_faiss_rehashed, "cannot be read"),
    (malformed_chunk_line, "chunks.jsonl does not match its manifest"),
    (malformed_chunk_line_rehashed, "cannot be read"),
    (chunk_line_missing_a_field_rehashed, "cannot be read"),
    (manifest_of_another_dimension, "inconsistent"),
    (vectors_of_another_dimension_rehashed, "inconsistent"),
    (vectors_changed_in_place, "vectors.npy does not match its manifest"),
    (chunk_text_changed_in_place, "chunks.jsonl does not match its manifest"),
    (manifest_not_json, "not valid JSON"),
    (manifest_incomplete, "incomplete"),
    (manifest_of_another_format, "has format 1"),
    (manifest_names_a_missing_build, "is missing"),
]
IDS = [f.__name__ for f, _ in FAULTS]


def _one_line_with_fix(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message
    assert "python -m ingest" in message


@pytest.mark.parametrize("damage, problem", FAULTS, ids=IDS)
def test_load_refuses_in_one_line_naming_the_problem_and_the_fix(index, damage, problem):
    damage(index)
    with pytest.raises(IndexUnusableError) as caught:
        load(index)
    _one_line_with_fix(str(caught.value))
    assert problem in str(caught.value)


@pytest.mark.parametrize("damage, problem", FAULTS, ids=IDS)
def test_engine_refuses_a_damaged_index(index, corpus, damage, problem):
    damage(index)
    with pytest.raises(IndexUnusableError) as caught:
        Engine(Settings(corpus_dir=corpus, index_dir=index, model=FAKE_MODEL))
    _one_line_with_fix(str(caught.value))


@pytest.mark.parametrize("damage, problem", FAULTS, ids=IDS)
def test_a_damaged_index_is_rebuilt_said_so_and_answers_as_before(index, corpus, expected, damage, problem):
    damage(index)
    said = []
    engine, rebuilt = ready_engine(Settings(corpus_dir=corpus, index_dir=index, model=FAKE_MODEL), log=said.append)
    assert rebuilt.endswith("so the index was rebuilt (%d passages)." % len(engine.index.chunks))
    assert "\n" not in rebuilt
    assert said and "building the index" in said[0]
    assert _results(engine) == expected
    load(index)  # what was rebuilt is itself sound


def test_a_changed_corpus_is_rebuilt_and_said_so(corpus, tmp_path):
    changed, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus, changed)
    settings = Settings(corpus_dir=changed, index_dir=index, model=FAKE_MODEL)
    build(settings)
    with open(changed / "funding.md", "a", encoding="utf-8") as f:
        f.write("\n## Transport\n\nTravel support is arranged by the local authority for eligible children.\n")
    assert ensure_index(settings).startswith(f"The corpus in {changed} has changed since the index was built")
    engine = Engine(settings)
    assert any("Travel support" in p.text for p in engine.search("travel support eligible children").passages)


def test_an_index_is_never_searched_or_rebuilt_as_another_corpus(index, corpus, tmp_path):
    # The data loss of issue 15: an index named with another corpus was
    # "rebuilt" from that corpus, and its own passages were gone.
    other = tmp_path / "other"
    other.mkdir()
    (other / "travel.md").write_text("# Travel\n\nBuses run to every school.\n", encoding="utf-8")
    before = (index / "manifest.json").read_text()
    for step in (ensure_index, Engine):
        with pytest.raises(IndexUnusableError) as caught:
            step(Settings(corpus_dir=other, index_dir=index, model=FAKE_MODEL))
        message = str(caught.value)
        assert f"built from the corpus in {corpus}, not {other}" in message and "\n" not in message
        assert "SEN_GUIDE_CORPUS" in message and "SEN_GUIDE_INDEX" in message  # the two ways out
    assert (index / "manifest.json").read_text() == before


def test_an_index_built_with_another_model_is_searched_with_that_model(index, corpus, expected):
    # The manifest names the model: questions are encoded with the model that
    # embedded the passages, whatever the settings say, so the two always agree.
    engine = Engine(Settings(corpus_dir=corpus, index_dir=index, model="fake-hashing-32"))
    assert engine.index.model == FAKE_MODEL
    assert _results(engine) == expected


def test_a_model_of_another_dimension_is_refused_before_answering(index, corpus):
    # The manifest names a model that now gives vectors of another size (a
    # local model folder replaced, say): no answer from mismatched vectors.
    _edit_manifest(index, lambda m: m["model"].update(name="fake-hashing-32"))
    engine = Engine(Settings(corpus_dir=corpus, index_dir=index, model=FAKE_MODEL))
    with pytest.raises(IndexUnusableError) as caught:
        engine.search(QUESTIONS[0])
    _one_line_with_fix(str(caught.value))
    assert "dimension" in str(caught.value)


def test_a_rebuild_that_cannot_happen_is_one_clear_error(index, tmp_path):
    truncate_faiss(index)
    with pytest.raises(Exception) as caught:
        Engine(Settings(corpus_dir=tmp_path / "no-corpus", index_dir=index, model=FAKE_MODEL))
    assert "\n" not in str(caught.value) and str(tmp_path / "no-corpus") in str(caught.value)
    assert type(caught.value).__module__ == "ingest.errors"
