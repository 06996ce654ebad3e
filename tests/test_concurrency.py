"""One engine shared by many threads (as the page shares it between
sessions) gives exactly the answers it gives one question at a time."""
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from qa import Engine
from qa.tuning import Tuning

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8
PER_THREAD = 200
# Ways people wrap a question: each gives a different cache key and a
# slightly different search, so the 200 questions are 200 real searches.
WRAPPINGS = ["{q}", "Please tell me: {q}", "{q} Thanks.", "Quick question. {q}", "{q} (for my daughter)",
             "Hello, {q}", "{q} I am worried.", "Sorry to ask, {q}"]


def _questions() -> list[str]:
    """The probe questions, and the dev set when it is beside the repo, each
    wrapped a few ways: 200 distinct questions."""
    sources = [ROOT / "tests/data/probe.jsonl", ROOT.parent / "shared/eval/dev.jsonl"]
    base = [json.loads(line)["question"] for path in sources if path.exists()
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out, seen = [], set()
    for wrapping in WRAPPINGS:
        for q in base:
            text = wrapping.format(q=q)
            if text.lower() not in seen:
                seen.add(text.lower())
                out.append(text)
    assert len(out) >= PER_THREAD
    return out[:PER_THREAD]


QUESTIONS = _questions()


@pytest.fixture
def engine(real_engine) -> Engine:
    return real_engine


def _result(answer) -> tuple:
    """Everything a person or a test could read off an answer."""
    return (answer.question, answer.answered, answer.reason, answer.notice, answer.confidence,
            [(p.chunk_id, p.score, p.scores, p.highlights) for p in answer.passages])


def _ask_in_threads(engine: Engine) -> list[list[tuple[str, tuple]]]:
    start = threading.Barrier(THREADS)

    def worker(t: int) -> list[tuple[str, tuple]]:
        # Each thread starts at a different place in the list, so at any
        # moment the threads are mostly asking different questions.
        order = QUESTIONS[t * PER_THREAD // THREADS:] + QUESTIONS[:t * PER_THREAD // THREADS]
        start.wait(timeout=60)
        return [(q, _result(engine.search(q, k=5))) for q in order]

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(worker, range(THREADS)))


@pytest.mark.parametrize("cache_size", [0, Tuning().answer_cache_size], ids=["no cache", "cache"])
def test_eight_threads_get_exactly_the_answers_of_one_at_a_time(engine, monkeypatch, cache_size):
    # With no cache every one of the 1,600 searches runs concurrently; with
    # the cache, hits and misses of the same question race each other.
    monkeypatch.setattr(engine, "tuning", replace(engine.tuning, answer_cache_size=cache_size))
    engine._cache.clear()
    serial = {q: _result(engine.search(q, k=5)) for q in QUESTIONS}
    assert len({r[5][0][0] for r in serial.values() if r[5]}) > 5, "the questions reach many passages"
    engine._cache.clear()

    threads = _ask_in_threads(engine)

    assert [len(answers) for answers in threads] == [PER_THREAD] * THREADS
    for answers in threads:
        assert sorted(q for q, _ in answers) == sorted(QUESTIONS)
        for q, result in answers:
            assert result == serial[q], q
    assert len(engine._cache) == min(cache_size, len(QUESTIONS))
