"""qa.answer: what a search returns, as JSON, and never changed once made."""
import dataclasses

import pytest
from conftest import PAGE, passage

from ingest.settings import MAX_QUESTION_CHARS
from qa import Answer


def test_answer_json_carries_the_link():
    p = passage("Text.", source=PAGE, anchor="who", updated="2026-03-03")
    data = Answer("q", True, "", [p]).to_json()["passages"][0]
    assert (data["source"], data["page"], data["updated"], data["link"]) == (PAGE, 0, "2026-03-03", PAGE + "#who")


def test_a_cached_answer_cannot_be_changed(linked_engine):
    first = linked_engine.search("How often is progress reviewed?")
    assert linked_engine.search("  How often is progress  reviewed? ") is first  # from the cache
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.notice = "Someone else's notice."
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.answered = not first.answered
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.passages[0].text = "Words the guidance never says."


def test_two_sessions_asking_the_same_question_cannot_change_each_others_answer(linked_engine):
    long = "How often is progress reviewed?" + " Please help." * (MAX_QUESTION_CHARS // 10)
    mine = linked_engine.search(long)  # cut, with a notice saying so
    theirs = linked_engine.search(mine.question)  # the same words: the same cached search, no notice
    assert mine.notice and not theirs.notice and theirs.passages == mine.passages
    before = (mine.to_json(), theirs.to_json())
    for answer in (mine, theirs):
        for field, value in [("question", "Something else?"), ("notice", "Changed."), ("passages", [])]:
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(answer, field, value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            answer.passages[0].highlights = []
    assert (mine.to_json(), theirs.to_json()) == before
    assert (linked_engine.search(long).to_json(), linked_engine.search(mine.question).to_json()) == before
