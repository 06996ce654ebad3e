"""Building the index: what the folder holds, what a rebuild embeds, and that
a failed, killed or concurrent build never breaks the index in use.

All with the fake model (tests/conftest.py), which counts what it embeds.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from conftest import FAKE_MODEL_NAME, ROOT
from ingest import BuildLockedError, IndexUnusableError, ModelError, build, ensure_index, keyword_index, read_chunks, store
from ingest.chunking import evidence_texts
from ingest.settings import CHUNKER_VERSION, DEFAULT_MODEL, INDEX_FORMAT_VERSION
from qa.loaded_index import load

# How long a test waits for a child process to reach the point where it is
# killed: far more than it needs, only so that a broken test cannot hang.
_WAIT_SECONDS = 60


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_texts(chunks) -> set[str]:
    """Every text a build embeds for these chunks."""
    return {c.embed_text() for c in chunks} | {t for c in chunks for t in evidence_texts(c)}


@pytest.fixture
def built(tiny_corpus, fake_model, tmp_path):
    """(settings, report) of the tiny corpus built once; the fake's count reset."""
    settings = fake_model.settings(tiny_corpus(), tmp_path / "index")
    report = build(settings)
    fake_model.reset()
    return settings, report


def current_chunks(settings):
    return load(settings.index_dir).chunks


# --- what the index folder holds ---------------------------------------------------

def test_manifest_records_model_chunker_hashes_counts_time_and_format(built):
    settings, report = built
    index_dir, corpus = settings.index_dir, settings.corpus_dir
    m = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["format_version"] == INDEX_FORMAT_VERSION
    assert m["model"] == {"name": FAKE_MODEL_NAME, "dimension": 64}
    assert m["chunker"] == {"max_chunk_chars": 700, "target_chunk_chars": 700, "version": CHUNKER_VERSION}
    assert m["corpus"]["files"] == {name: sha256(corpus / name)
                                    for name in ("funding.txt", "funding.txt.meta.json", "rights.html", "support.md")}
    folder = index_dir / m["folder"]
    on_disk = {p.relative_to(index_dir).as_posix(): sha256(p) for p in folder.rglob("*") if p.is_file()}
    assert m["files"] == on_disk
    assert {"builds/" + m["build_id"] + "/" + name for name in ("chunks.jsonl", "vectors.npy", "sentences.npy", "dense.faiss")} <= set(on_disk)
    assert any(name.startswith(f"builds/{m['build_id']}/bm25/") for name in on_disk)
    chunks = read_chunks(folder / "chunks.jsonl")
    assert m["counts"] == {"files": 3, "sections": 6, "chunks": len(chunks), "sentences": sum(len(c.sentences) for c in chunks)}
    assert (report.files, report.sections, report.chunks, report.sentences) == tuple(m["counts"].values())
    built_at = datetime.fromisoformat(m["built_at"])
    assert timedelta(0) <= datetime.now(timezone.utc) - built_at < timedelta(minutes=5)
    assert m["build_seconds"] >= 0  # recorded; how long a build takes is the benchmark's to judge
    passages = {path: sum(c.file == path for c in chunks) for path in ("funding.txt", "rights.html", "support.md")}
    assert m["documents"] == [
        {"path": "funding.txt", "title": "Funding for SEN", "publisher": "Test Council", "source": "funding leaflet",
         "updated": "", "format": "txt", "passages": passages["funding.txt"]},
        {"path": "rights.html", "title": "Your rights", "publisher": "", "source": "", "updated": "",
         "format": "html", "passages": passages["rights.html"]},
        {"path": "support.md", "title": "Support at school", "publisher": "Test Council",
         "source": "https://example.org/support", "updated": "", "format": "md", "passages": passages["support.md"]},
    ]
    assert all(n > 0 for n in passages.values())


def test_index_holds_no_pickle_anywhere(built):
    settings, _ = built
    files = [p for p in settings.index_dir.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        assert path.suffix not in {".pkl", ".pickle", ".joblib", ".pt"}, path
        head = path.read_bytes()[:2]
        assert not (head[:1] == b"\x80" and head[1:2] in {b"\x02", b"\x03", b"\x04", b"\x05"}), f"{path} is a pickle"
        if path.suffix == ".npy":
            assert np.load(path, allow_pickle=False).dtype != object
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".jsonl":
            assert all(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())


def test_what_is_embedded_carries_the_heading_path(tiny_corpus, fake_model, tmp_path):
    build(fake_model.settings(tiny_corpus(), tmp_path / "index"))
    assert "Support at school › Who to talk to\nStart with your child’s class teacher." in "\n\n".join(fake_model.texts)
    assert "Your rights › Complaints\nAsk the school for its complaints procedure & follow it." in fake_model.texts
    assert {call["normalize_embeddings"] for call in fake_model.calls} == {True}


def test_progress_bar_is_asked_for_only_when_wanted(tiny_corpus, fake_model, tmp_path):
    build(fake_model.settings(tiny_corpus(), tmp_path / "quiet"))
    build(fake_model.settings(tiny_corpus(), tmp_path / "shown"), progress=True)
    assert [call["show_progress_bar"] for call in fake_model.calls] == [False, True]


# --- incremental rebuilds ------------------------------------------------------------

def test_rebuild_with_no_change_embeds_nothing(built, fake_model):
    settings, first = built
    again = build(settings)
    assert again.up_to_date and fake_model.count == 0 and fake_model.loaded == [FAKE_MODEL_NAME]
    assert (again.files, again.sections, again.chunks) == (first.files, first.sections, first.chunks)
    assert "is up to date" in again.summary()


def test_forced_rebuild_reuses_every_vector_and_replaces_the_build(built, fake_model):
    settings, first = built
    before = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    again = build(settings, force=True)  # within the same second as the first build
    after = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert not again.up_to_date and fake_model.count == 0 and again.embedded == 0 and again.reused > 0
    assert after["build_id"] != before["build_id"]
    # The build before stays until the next commit (a process may be reading it).
    assert {p.name for p in (settings.index_dir / "builds").iterdir()} == {before["build_id"], after["build_id"]}
    assert [c.id for c in current_chunks(settings)] == [c.id for c in read_chunks(
        settings.index_dir / after["folder"] / "chunks.jsonl")]
    third = build(settings, force=True)
    latest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert not third.up_to_date
    assert {p.name for p in (settings.index_dir / "builds").iterdir()} == {after["build_id"], latest["build_id"]}


def test_a_reader_that_started_before_a_commit_still_reads_its_build(built):
    """A process loading the index while another commits a new build: the
    files it was about to read are still there."""
    settings, _ = built
    old = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    build(settings, force=True)
    for rel in old["files"]:
        assert (settings.index_dir / rel).is_file(), rel


def test_a_load_that_meets_a_new_commit_reads_the_new_build(built, monkeypatch):
    import qa.loaded_index as loaded_index

    settings, _ = built
    real_load, calls = loaded_index._load, []

    def commit_meanwhile(index_dir, manifest, verify):
        calls.append(manifest["build_id"])
        if len(calls) == 1:
            # Two commits land while the first manifest is being read: its files are gone.
            build(settings, force=True)
            build(settings, force=True)
        return real_load(index_dir, manifest, verify)

    monkeypatch.setattr(loaded_index, "_load", commit_meanwhile)
    index = loaded_index.load(settings.index_dir)
    latest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert index.manifest["build_id"] == latest["build_id"] == calls[-1] and len(calls) == 2


def test_a_changed_file_re_embeds_only_its_changed_chunk_and_sentence(built, fake_model):
    settings, _ = built
    old = current_chunks(settings)
    path = settings.corpus_dir / "funding.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("for every pupil", "for each pupil"), encoding="utf-8")
    report = build(settings)
    new = current_chunks(settings)
    changed = [c for c in new if "for each pupil" in c.text]
    assert len(changed) == 1 and changed[0].file == "funding.txt"
    # The chunk (with its heading path) and the one new sentence; its other
    # sentence, its heading and every other chunk come from the cache.
    assert sorted(fake_model.texts) == sorted([changed[0].embed_text(), "Schools get money for every pupil.".replace("every", "each")])
    assert set(fake_model.texts) == all_texts(new) - all_texts(old)
    assert report.embedded == 2 and report.reused == len(all_texts(new)) - 2
    # Chunks of the other files keep their ids.
    assert {c.id for c in old if c.file != "funding.txt"} == {c.id for c in new if c.file != "funding.txt"}


def test_a_removed_file_leaves_the_index(built, fake_model):
    settings, _ = built
    (settings.corpus_dir / "rights.html").unlink()
    report = build(settings)
    chunks = current_chunks(settings)
    assert fake_model.count == 0  # nothing new to embed
    assert chunks and not any(c.file == "rights.html" for c in chunks)
    manifest = store.read_manifest(settings.index_dir)
    assert "rights.html" not in manifest["corpus"]["files"] and report.files == 2


def test_a_new_file_is_added_and_only_it_is_embedded(built, fake_model):
    settings, _ = built
    (settings.corpus_dir / "extra.md").write_text("# Transport\n\nAsk the council about school transport.\n", encoding="utf-8")
    build(settings)
    chunks = current_chunks(settings)
    extra = [c for c in chunks if c.file == "extra.md"]
    assert len(extra) == 1
    assert set(fake_model.texts) == {extra[0].embed_text(), "Transport", "Ask the council about school transport."}


def test_changed_chunker_settings_rebuild_and_another_model_re_embeds_everything(built, fake_model):
    settings, _ = built
    smaller = settings.with_(max_chunk_chars=60, target_chunk_chars=40)
    report = build(smaller)
    assert not report.up_to_date
    assert store.read_manifest(settings.index_dir)["chunker"] == {"max_chunk_chars": 60, "target_chunk_chars": 40, "version": CHUNKER_VERSION}
    assert max(len(c.text) for c in current_chunks(settings)) <= 60
    fake_model.reset()
    other = build(smaller.with_(model="another-fake-model"))
    assert fake_model.loaded[-1] == "another-fake-model"
    assert fake_model.count == other.embedded == len(all_texts(current_chunks(settings))) and other.reused == 0


def test_a_damaged_index_is_rebuilt_without_trusting_its_vectors(built, fake_model):
    settings, _ = built
    manifest = store.read_manifest(settings.index_dir)
    vectors = settings.index_dir / manifest["folder"] / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-8:] = bytes(b ^ 0xFF for b in data[-8:])  # the shape is intact, a vector is not
    vectors.write_bytes(bytes(data))
    logs = []
    report = build(settings, log=logs.append)
    assert not report.up_to_date and any("missing or damaged" in line for line in logs)
    assert report.reused == 0 and fake_model.count == report.embedded == len(all_texts(current_chunks(settings)))


# --- failed, killed and concurrent builds -----------------------------------------------

def test_a_build_that_fails_leaves_the_previous_index_and_no_clutter(built, fake_model, monkeypatch):
    settings, _ = built
    before = [c.id for c in current_chunks(settings)]
    (settings.corpus_dir / "support.md").write_text("# Changed\n\nNew text.\n", encoding="utf-8")

    def fail_to_embed(*_args, **_kwargs):
        raise ModelError("The embedding model could not be loaded (test)")

    fake_model.encode = fail_to_embed
    with pytest.raises(ModelError):
        build(settings)
    del fake_model.encode  # the fake embeds again

    def fail_to_write(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keyword_index, "save", fail_to_write)
    with pytest.raises(OSError):
        build(settings)
    assert [c.id for c in current_chunks(settings)] == before
    assert len(list((settings.index_dir / "builds").iterdir())) == 1  # the half-written folder is gone


_KILLED_BUILD = r"""
import sys, time
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from conftest import FAKE_MODEL_NAME, FakeModel
import ingest.embedding
from ingest import Settings, build, keyword_index

corpus, index, marker, stage = Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]


def block(*_args, **_kwargs):
    marker.write_text(stage)
    time.sleep(600)  # the test kills this process long before


class BlockingModel(FakeModel):
    def encode(self, texts, **kwargs):
        block()


if stage == "embedding":
    ingest.embedding.load_model = lambda name: BlockingModel()
else:  # embeds, then stops while writing the new build folder
    ingest.embedding.load_model = lambda name: FakeModel()
    keyword_index.save = block
build(Settings(corpus_dir=corpus, index_dir=index, model=FAKE_MODEL_NAME))
"""


def kill_build_part_way(settings, stage: str, tmp_path: Path) -> None:
    """Run a real build in another process and SIGKILL it when it reaches `stage`."""
    marker = tmp_path / f"reached-{stage}"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_BUILD, str(ROOT / "tests"), str(settings.corpus_dir),
                             str(settings.index_dir), str(marker), stage],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + _WAIT_SECONDS
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the build ended before it was killed: {proc.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the build did not reach {stage} within {_WAIT_SECONDS} s")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=_WAIT_SECONDS) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@pytest.mark.parametrize("stage", ["embedding", "writing"])
def test_a_build_killed_part_way_leaves_the_previous_index_loadable(built, fake_model, tmp_path, stage):
    settings, _ = built
    manifest_before = (settings.index_dir / "manifest.json").read_bytes()
    before = [(c.id, c.text) for c in current_chunks(settings)]
    (settings.corpus_dir / "support.md").write_text("# Changed\n\nA new version of the guidance.\n", encoding="utf-8")

    kill_build_part_way(settings, stage, tmp_path)

    assert (settings.index_dir / "manifest.json").read_bytes() == manifest_before
    assert [(c.id, c.text) for c in load(settings.index_dir).chunks] == before
    folders = list((settings.index_dir / "builds").iterdir())
    assert len(folders) == (2 if stage == "writing" else 1)  # a half-written folder beside the live one
    # The next build finishes the job and clears what the killed one left,
    # keeping only the new build and the one before it.
    live = json.loads(manifest_before)["build_id"]
    report = build(settings)
    assert not report.up_to_date
    assert any("A new version" in c.text for c in current_chunks(settings))
    new = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))["build_id"]
    assert {p.name for p in (settings.index_dir / "builds").iterdir()} == {live, new}


def test_a_second_build_told_not_to_wait_is_refused_naming_the_fix(tmp_path):
    import threading

    index_dir = tmp_path / "index"
    holding, done = threading.Event(), threading.Event()

    def first_build():  # another build, in another thread (as another process would be)
        with store.build_lock(index_dir):
            holding.set()
            done.wait(30)

    first = threading.Thread(target=first_build)
    first.start()
    holding.wait(30)
    try:
        with pytest.raises(BuildLockedError, match=r"Another build of .*index is running: wait for it to finish, "
                                                   r"then run `python -m ingest` again"):
            with store.build_lock(index_dir, wait=False):
                pass
    finally:
        done.set()
        first.join()
    with store.build_lock(index_dir, wait=False):  # free once the first is done
        pass


def test_the_thread_holding_the_lock_may_take_it_again(tmp_path):
    # ensure_index holds it while build takes it: no deadlock.
    with store.build_lock(tmp_path / "index"):
        with store.build_lock(tmp_path / "index", wait=False):
            pass


def test_a_second_build_waits_for_the_first_and_says_so(built, fake_model):
    settings, _ = built
    (settings.corpus_dir / "extra.md").write_text("# Extra\n\nAdded while a build ran.\n", encoding="utf-8")
    logs, reports = [], []
    second = threading.Thread(target=lambda: reports.append(build(settings, log=logs.append)))
    with store.build_lock(settings.index_dir):  # a first build, still running
        second.start()
        deadline = time.monotonic() + _WAIT_SECONDS
        while not any("is running; waiting for it to finish" in line for line in logs):
            assert time.monotonic() < deadline, logs
            time.sleep(0.01)
        assert second.is_alive() and not reports and fake_model.count == 0
    second.join(_WAIT_SECONDS)
    assert reports and not reports[0].up_to_date
    assert any(c.file == "extra.md" for c in current_chunks(settings))


# --- build if needed: the step before a search ------------------------------------

def test_ensure_index_builds_a_missing_index_and_says_so(tiny_corpus, fake_model, tmp_path):
    from qa import Engine

    logs = []
    settings = fake_model.settings(tiny_corpus(), tmp_path / "index")
    said = ensure_index(settings, log=logs.append)
    assert said.startswith("No index at") and "so the index was rebuilt" in said
    assert any("building the index" in line for line in logs)
    assert len(Engine(settings).index.chunks) == 6
    assert ensure_index(settings) == ""  # now current: nothing to do


def test_ensure_index_rebuilds_an_index_whose_corpus_changed_and_says_so(built, fake_model):
    from qa import Engine

    settings, _ = built
    assert ensure_index(settings) == ""
    assert fake_model.count == 0  # a current index is left as it is
    (settings.corpus_dir / "support.md").write_text(
        "# Support at school\n\n## Transport\n\nAsk the council about school transport.\n", encoding="utf-8")
    said = ensure_index(settings)
    assert "has changed since the index was built" in said and "rebuilt" in said
    engine = Engine(settings)
    assert any("school transport" in c.text for c in engine.index.chunks)
    assert not any("class teacher" in c.text for c in engine.index.chunks)
    assert engine.search("school transport", k=1).passages[0].heading_path[-1] == "Transport"


def test_the_engine_only_loads_and_never_builds(built):
    """A stale index is searched as it is; building is ensure_index's job."""
    import inspect

    import qa.engine
    from qa import Engine

    settings, _ = built
    before = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))["build_id"]
    (settings.corpus_dir / "rights.html").unlink()
    engine = Engine(settings)
    assert engine.facts()["build_id"] == before
    assert "ingest.build" not in inspect.getsource(qa.engine) and "build(" not in inspect.getsource(qa.engine)
    (settings.index_dir / "manifest.json").unlink()
    with pytest.raises(IndexUnusableError, match=r"No index at .*: run `python -m ingest` to build it"):
        Engine(settings)


def test_two_processes_starting_on_a_stale_index_build_it_once(built, fake_model):
    """Both wait on the build lock; the second finds the index current when it gets it."""
    import threading

    settings, _ = built
    (settings.corpus_dir / "support.md").write_text("# Support\n\nChanged guidance.\n", encoding="utf-8")
    said, start = [], threading.Barrier(2)

    def start_server():
        start.wait()
        said.append(ensure_index(settings))

    servers = [threading.Thread(target=start_server) for _ in range(2)]
    for t in servers:
        t.start()
    for t in servers:
        t.join()
    assert sorted(bool(s) for s in said) == [False, True]  # one built, the other found it built
    assert any("Changed guidance" in c.text for c in current_chunks(settings))


def test_ensure_index_checks_and_rebuilds_with_one_model(built, fake_model):
    """The index's own model, for the staleness check and for the rebuild."""
    settings, _ = built
    (settings.corpus_dir / "support.md").write_text("# Support\n\nChanged again.\n", encoding="utf-8")
    ensure_index(settings.with_(model="some-other-model"))
    manifest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"]["name"] == settings.model and fake_model.loaded[-1] == settings.model


# --- the real corpus with the real model (built once per session) --------------------

@pytest.mark.model
def test_real_index_holds_every_chunk_of_the_corpus_as_unit_vectors(real_index_dir, real_engine):
    from ingest.chunking import chunk_document
    from ingest.readers import read_document
    from ingest.settings import DEFAULT_CORPUS_DIR

    manifest = store.read_manifest(real_index_dir)
    assert manifest["model"] == {"name": DEFAULT_MODEL, "dimension": 384}
    doc = read_document(DEFAULT_CORPUS_DIR / "sen-support-guidance.md", DEFAULT_CORPUS_DIR)
    expected = chunk_document(doc, 700, 700)
    index = load(real_index_dir)
    assert [c.id for c in index.chunks] == [c.id for c in expected]
    assert (manifest["counts"]["files"], manifest["counts"]["sections"]) == (1, 11)
    for vectors in (index.chunk_vectors, index.sentence_vectors):
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    answer = real_engine.search("Who manages Element 3 top-up funding?", k=3)
    assert answer.answered and answer.passages[0].heading_path[-1] == "Element 3"
