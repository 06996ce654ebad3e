"""'Did this answer your question?' on the parent page (views/ask.py), with a
real SQLite store: what is kept, what never is, and that the answer stays."""
from __future__ import annotations

import datetime
import threading
import time

import pytest

from qa import messages
from feedback.store import FeedbackStore
from test_app import env, open_app, passages  # noqa: F401 - env is a fixture

pytestmark = pytest.mark.model


@pytest.fixture
def store_url(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    env.setenv("SEN_GUIDE_DATABASE_URL", url)
    return url


def kept(url: str, count: int = 1) -> list:
    """The records once `count` are written (questions are written in the background)."""
    deadline = time.monotonic() + 120  # a bound only a hang reaches: the loop ends as soon as it is so
    while True:
        records = FeedbackStore(url).records()
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def writes_done() -> None:
    """Wait until every write handed to the background writer has finished: each
    of its threads takes a barrier queued after them, so when all meet there, no
    earlier write is still running or waiting."""
    from feedback import writer

    workers = writer._writer._max_workers
    meet = threading.Barrier(workers)
    for done in [writer._writer.submit(meet.wait, 120) for _ in range(workers)]:
        done.result(timeout=300)


def buttons(at, key_start: str) -> list:
    return [b for b in at.button if (b.key or "").startswith(key_start)]


def feedback_text(at) -> str:
    return " ".join([h.value for h in at.html] + [m.value for m in at.markdown] + [c.value for c in at.caption])


def test_an_answer_is_kept_without_personal_details_and_rated_yes(store_url):
    at = open_app(query="my son is called Jamie Smith, email jo@example.com: what is a SENCO?")
    shown = passages(at)
    assert shown and messages.FEEDBACK_QUESTION in feedback_text(at)
    [record] = kept(store_url)
    assert record.day == datetime.date.today() and record.answered
    assert "Jamie" not in record.question and "jo@example.com" not in record.question and "[email]" in record.question
    quotes = sum(group.count('<blockquote class="sg-quote">') for group in shown)  # passages, grouped by section
    assert len(record.chunk_ids) == quotes and record.helpful is None and record.build_id

    buttons(at, "feedback-yes")[0].click()
    at.run()
    assert not at.exception
    assert passages(at) == shown  # feedback never changes or hides the answer
    assert messages.FEEDBACK_THANKS in feedback_text(at)
    assert FeedbackStore(store_url).records()[0].helpful is True
    assert len(FeedbackStore(store_url).records()) == 1  # the rerun is not a second question


def test_no_asks_what_they_were_looking_for_and_keeps_it_scrubbed(store_url):
    at = open_app(query="how do I complain about the school")
    buttons(at, "feedback-no")[0].click()
    at.run()
    assert FeedbackStore(store_url).records()[0].helpful is False  # a No counts even with nothing written
    assert messages.FEEDBACK_WARNING in feedback_text(at)
    at.text_area(key="feedback_more").input("the complaints form, call me on 07700 900123")
    [send] = [b for b in at.button if b.label == messages.FEEDBACK_SEND]
    send.click()
    at.run()
    assert not at.exception and messages.FEEDBACK_THANKS in feedback_text(at)
    record = FeedbackStore(store_url).records()[0]
    assert record.helpful is False and "07700" not in record.comment and "[phone]" in record.comment
    assert record.comment.startswith("the complaints form")


def test_a_refusal_asks_too(store_url):
    at = open_app(query="how do i renew my passport")
    assert not passages(at) and messages.FEEDBACK_QUESTION in feedback_text(at)
    [record] = kept(store_url)
    assert record.answered is False


def test_nothing_is_kept_or_asked_when_recording_is_off(store_url, env):
    env.setenv("SEN_GUIDE_FEEDBACK", "off")
    at = open_app(query="what is a SENCO?")
    assert passages(at) and messages.FEEDBACK_QUESTION not in feedback_text(at)
    writes_done()  # a write handed to the writer would have landed by now
    assert FeedbackStore(store_url).records() == []  # nothing was handed to the writer either (no widget, no store)


def test_a_store_that_cannot_be_written_still_answers_and_says_feedback_was_not_saved(env, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the database's folder should be")
    env.setenv("SEN_GUIDE_DATABASE_URL", f"sqlite:///{blocked / 'feedback.db'}")
    at = open_app(query="what is a SENCO?")
    shown = passages(at)
    assert shown
    buttons(at, "feedback-yes")[0].click()
    at.run()
    assert not at.exception and passages(at) == shown
    assert messages.FEEDBACK_FAILED in feedback_text(at)


def test_records_past_the_retention_period_are_deleted_when_the_app_starts(store_url, env):
    env.setenv("SEN_GUIDE_RETENTION_DAYS", "30")
    store = FeedbackStore(store_url)
    today = datetime.date.today()
    store.add("an old question", True, ["a"], "b1", day=today - datetime.timedelta(days=31))
    store.add("a recent question", True, ["a"], "b1", day=today - datetime.timedelta(days=29))
    open_app(query="what is a SENCO?")
    records = kept(store_url, count=2)  # the recent one and the question just asked, once the old one is gone
    deadline = time.monotonic() + 120  # a bound only a hang reaches: the loop ends as soon as it is so
    while "an old question" in {r.question for r in records} and time.monotonic() < deadline:
        time.sleep(0.05)
        records = FeedbackStore(store_url).records()
    assert {r.question for r in records} == {"a recent question", "what is a SENCO?"}
