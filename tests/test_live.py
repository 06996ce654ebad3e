"""New guidance without a restart (web/live.py): a committed build, a glossary
edit or a configuration edit is loaded in the background and swapped in whole."""
from __future__ import annotations

import json
import threading
import time

from conftest import FAKE_MODEL_NAME
from ingest import build, store
from ingest.settings import Settings
from web.live import LiveEngine

FIRST = "# Guide\n\n## Reviews\n\nProgress is reviewed three times a year, last updated 3 March 2026.\n\n" \
        "## Transport\n\nSchool travel is free for children who live far from school.\n"
SECOND = FIRST.replace("3 March 2026", "9 June 2026")
HANG_S = 120  # a poll's bound: only a hang reaches it


def _setup(fake_model, tiny_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")
    corpus = tiny_corpus({"guide.md": FIRST})
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE_MODEL_NAME,
                        encoder="sentence-transformers")
    return corpus, settings


def test_a_new_build_is_swapped_in_whole(fake_model, tiny_corpus, tmp_path, monkeypatch):
    corpus, settings = _setup(fake_model, tiny_corpus, tmp_path, monkeypatch)
    live = LiveEngine(lambda: settings)
    first = live.current()
    assert "3 March 2026" in first.search("how often is progress reviewed", k=1).passages[0].text
    assert live.check() is False  # nothing changed: nothing loaded

    (corpus / "guide.md").write_text(SECOND, encoding="utf-8")
    build(settings, force=False)  # what `python -m ingest` does
    assert live.check() is True
    second = live.current()
    assert second is not first and second.encoder is first.encoder  # the model is not loaded again
    assert "9 June 2026" in second.search("how often is progress reviewed", k=1).passages[0].text
    # An engine never changes once loaded: whoever holds the old one reads the old build.
    assert "3 March 2026" in first.search("how often is progress reviewed", k=1).passages[0].text
    assert live.generation == 2


def test_a_glossary_edit_is_loaded_without_a_new_build(fake_model, tiny_corpus, tmp_path, monkeypatch):
    corpus, settings = _setup(fake_model, tiny_corpus, tmp_path, monkeypatch)
    live = LiveEngine(lambda: settings)
    assert "SENDCO" not in {e.term for e in live.current().glossary.entries}
    (corpus / "glossary.json").write_text(json.dumps({"entries": [
        {"term": "SENDCO", "means": "special needs teacher", "guidance": "SENDCO", "also": ["sendco"]}]}))
    assert live.check() is True
    assert "SENDCO" in {e.term for e in live.current().glossary.entries}


def test_guidance_that_cannot_be_loaded_keeps_the_old_and_says_why(fake_model, tiny_corpus, tmp_path, monkeypatch):
    corpus, settings = _setup(fake_model, tiny_corpus, tmp_path, monkeypatch)
    live = LiveEngine(lambda: settings)
    first = live.current()
    (corpus / "glossary.json").write_text("{not json")
    assert live.check() is False
    assert live.current() is first and "glossary" in live.problem.lower()
    (corpus / "glossary.json").write_text('{"entries": []}')
    assert live.check() is True and live.problem == ""


def test_questions_asked_during_swaps_all_answer_from_one_build(fake_model, tiny_corpus, tmp_path, monkeypatch):
    """4 sessions ask questions while the guidance is rebuilt and swapped twice
    (each rebuild waits until questions are being asked, and the next waits
    until the sessions have been answered from the new build): none fails, each
    answer's passages come from the one build its engine holds, every build is
    answered from, and no session goes back to an older build."""
    corpus, settings = _setup(fake_model, tiny_corpus, tmp_path, monkeypatch)
    live = LiveEngine(lambda: settings, poll_seconds=0.01).start()
    answers: list[tuple[int, str]] = []  # (session, build id) of each answer, in the order given
    failures: list[BaseException] = []
    done = threading.Event()
    questions = ["how often is progress reviewed", "who pays for school travel", "reviews", "transport"]

    def session(n: int) -> None:
        i = 0
        while not done.is_set() or i < 50:
            try:
                engine = live.current()  # a page run takes the engine once
                answer = engine.search(f"{questions[(n + i) % 4]} {i}", k=2)
                assert answer.passages and {p.chunk_id for p in answer.passages} <= {c.id for c in engine.index.chunks}
                answers.append((n, engine.index.manifest["build_id"]))
            except BaseException as exc:  # noqa: BLE001 - counted below
                failures.append(exc)
            i += 1

    def answered_from(build_id: str) -> bool:
        return any(b == build_id for _, b in list(answers))

    def wait(condition, what: str) -> None:
        # A bound only a hang reaches: each step takes milliseconds here.
        deadline = time.monotonic() + HANG_S
        while not condition():
            assert time.monotonic() < deadline and not failures, f"waited {HANG_S} s for {what}; {failures[:1]}"
            time.sleep(0.005)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    builds = [live.current().index.manifest["build_id"]]
    try:
        for t in threads:
            t.start()
        for text in (SECOND, FIRST.replace("3 March 2026", "1 July 2026")):
            wait(lambda: len(answers) >= 8 * len(builds), "questions to be asked before the rebuild")
            (corpus / "guide.md").write_text(text, encoding="utf-8")
            build(settings, force=False)
            builds.append(store.read_manifest(settings.index_dir)["build_id"])
            wait(lambda: answered_from(builds[-1]), "an answer from the new build")
    finally:
        done.set()
        for t in threads:
            t.join()
        live.stop()
    assert not failures, failures[:3]
    assert len(set(builds)) == 3 and live.generation == 3
    # Swapped while questions were asked: each build answered some of them,
    # and each session met the builds in the order they were committed.
    assert {b for _, b in answers} == set(builds)
    for n in range(4):
        order = [builds.index(b) for s, b in answers if s == n]
        assert len(order) >= 50 and order == sorted(order), n
    assert "1 July 2026" in live.current().search("how often is progress reviewed", k=1).passages[0].text
