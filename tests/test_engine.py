"""The engine on the real guidance with the real model."""
import json

import pytest

from ingest.settings import DEFAULT_CORPUS_DIR, Settings
from qa import Engine
from qa.evaluate import normalise

pytestmark = pytest.mark.model

# A handful of questions of each kind, written from the guidance (not the dev
# set), with the section whose passage must come first.
RIGHT_SECTION_FIRST = [
    ("paraphrase", "Can the school get an occupational therapist in?", "Newly Diagnosed"),
    ("paraphrase", "Can I bring someone with me to the meeting?", "Getting extra help"),
    ("keyword", "What is Element 2 funding for?", "Element 2"),
    ("keyword", "what is the pupil premium", "Who manages the school’s SEN resources?"),
    ("acronym", "who are WIASS", "Where can I get further information, advice or support?"),
    ("acronym", "What is AWPU?", "Element 1"),
    ("colloquial", "who pays for a teaching assistant?", "Newly Diagnosed"),
    ("colloquial", "can i ask for an ehcp myself?", "Getting extra help"),
    ("synonym", "Who sets the funding formula for schools?", "Element 1"),
    ("synonym", "How frequently is my son's progress checked?", "Newly Diagnosed"),
    ("typo", "speach therapy", "Newly Diagnosed"),
    ("typo", "Whats delegated fundng", "Where does funding for SEN come from?"),
]
# Passages of one section that only a sentence can tell apart: the words that
# must be in the first passage.
RIGHT_PASSAGE_FIRST = [
    # The words "complex needs" together in one sentence of Element 3; the
    # "Getting extra help" passage has "needs", "extra" and "funding" apart.
    ("my daughter has complex needs, is there more money for her?", "Some children have such complex needs"),
    ("Do we need a diagnosis before the school helps?", "If your child has been newly diagnosed"),
    ("What can I ask for during the meeting?", "Check how long the meeting is for"),
]
OUT_OF_SCOPE = ["What time does the school bus come?", "How do I renew my passport?", "When are the school holidays this year?"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    index = tmp_path_factory.mktemp("index")
    return Engine(Settings(corpus_dir=DEFAULT_CORPUS_DIR, index_dir=index))


@pytest.mark.parametrize("kind, question, section", RIGHT_SECTION_FIRST)
def test_right_section_first(engine, kind, question, section):
    answer = engine.search(question, k=5)
    assert answer.answered, answer.reason
    assert answer.passages[0].heading_path[-1] == section


@pytest.mark.parametrize("question, words", RIGHT_PASSAGE_FIRST)
def test_right_passage_first(engine, question, words):
    answer = engine.search(question, k=5)
    assert answer.answered, answer.reason
    assert words in answer.passages[0].text


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_questions_are_not_answered(engine, question):
    answer = engine.search(question)
    assert not answer.answered
    assert "does not" in answer.reason and "SENCO" in answer.reason


def test_passages_are_verbatim_short_distinct_and_highlighted(engine):
    corpus = (DEFAULT_CORPUS_DIR / "sen-support-guidance.md").read_text(encoding="utf-8")
    answer = engine.search("Who pays for SEN support?", k=8)
    assert len(answer.passages) == 8
    for p in answer.passages:
        assert p.text in corpus and corpus[p.start:p.end] == p.text
        assert len(p.text) <= 700
        assert p.highlights and all(0 <= s < e <= len(p.text) for s, e in p.highlights)
        for s, e in p.highlights:
            assert p.text[s:e].strip() == p.text[s:e] and len(p.text[s:e]) > 3
    spans = [(p.file, p.start, p.end) for p in answer.passages]
    for i, a in enumerate(spans):
        for b in spans[:i]:
            shared = min(a[2], b[2]) - max(a[1], b[1])
            assert shared <= 0.5 * min(a[2] - a[1], b[2] - b[1])
    assert [p.rank for p in answer.passages] == list(range(1, 9))
    assert [p.score for p in answer.passages] == sorted((p.score for p in answer.passages), reverse=True)


def test_highlight_is_the_answering_sentence(engine):
    p = engine.search("How often will my child's progress be reviewed?").passages[0]
    assert any("reviewed at least 3 times every year" in normalise(p.text[s:e]) for s, e in p.highlights)


def test_json_shape(engine):
    data = json.loads(json.dumps(engine.search("What is the Local Offer?", k=3).to_json()))
    assert set(data) >= {"question", "answered", "reason", "passages"}
    assert data["question"] == "What is the Local Offer?" and data["answered"] is True and data["reason"] == ""
    assert len(data["passages"]) == 3
    for rank, p in enumerate(data["passages"], start=1):
        assert set(p) == {"rank", "score", "scores", "text", "document", "source", "heading_path", "chunk_id", "highlights"}
        assert p["rank"] == rank
        assert set(p["scores"]) == {"dense", "sentence", "keyword", "sentence_keyword"}
        assert p["document"] == "Special Educational Needs Support"
        assert p["heading_path"][0] == "Special Educational Needs Support"
        assert all(isinstance(h, list) and len(h) == 2 for h in p["highlights"])


def test_empty_and_symbol_only_questions_ask_for_a_question(engine):
    for q in ["", "   ", "?!", "\x00\x01"]:
        answer = engine.search(q)
        assert not answer.answered and answer.passages == []
        assert "Please type a question" in answer.reason


def test_a_huge_question_is_cut_with_a_notice(engine):
    answer = engine.search("teaching assistant " * 5000)
    assert "only its first" in answer.notice
    assert len(answer.question) <= 1000


def test_a_question_asked_again_comes_from_the_cache(engine):
    first = engine.search("What is the high needs block?")
    assert engine.search("  What is the high needs block?  ") is first


def test_k_is_kept_within_the_number_of_passages(engine):
    n = len(engine.index.chunks)
    assert len(engine.search("funding", k=10_000).passages) == n
    assert len(engine.search("funding", k=0).passages) == 1


@pytest.mark.parametrize("question", ["ehcp", "AWPU", "speach therapy", "teaching assistant"])
def test_one_or_two_known_words_are_a_look_up(engine, question):
    answer = engine.search(question)
    assert answer.answered, answer.reason


@pytest.mark.parametrize("question", ["3", "学", "Jak mogę uzyskać pomoc?"])
def test_a_question_with_no_word_of_the_guidance_is_not_answered(engine, question):
    answer = engine.search(question)
    assert not answer.answered
    assert answer.reason.startswith("The guidance does not use any of the words of this question")


def test_the_reason_names_the_words_the_guidance_lacks(engine):
    answer = engine.search("How do I renew my passport?")
    assert "“passport”" in answer.reason and "“renew”" in answer.reason


def test_a_large_index_scores_its_candidates_as_the_full_scan_does(engine, monkeypatch):
    """Past LARGE_INDEX_ROWS the sentences are compared only for the chunks the
    dense and keyword sides nominate, with the keyword side in a thread: every
    passage it returns must carry the same scores and highlights as when every
    sentence is compared, and the right section must still come first."""
    import qa.engine

    questions = [question for _kind, question, _section in RIGHT_SECTION_FIRST]
    engine._cache.clear()
    full = [engine.search(q) for q in questions]
    monkeypatch.setattr(qa.engine, "LARGE_INDEX_ROWS", 0)
    engine._cache.clear()
    large = [engine.search(q) for q in questions]
    engine._cache.clear()
    for (_kind, question, section), a, b in zip(RIGHT_SECTION_FIRST, full, large):
        assert b.passages[0].heading_path[-1] == section, question
        assert b.answered == a.answered
        by_id = {p.chunk_id: p for p in a.passages}
        for p in b.passages:
            if p.chunk_id in by_id:
                assert p.scores == pytest.approx(by_id[p.chunk_id].scores, abs=1e-6)
                assert p.highlights == by_id[p.chunk_id].highlights
