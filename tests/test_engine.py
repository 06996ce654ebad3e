"""The engine on the real guidance with the real model."""
import json

import pytest

from ingest.settings import DEFAULT_CORPUS_DIR, Settings
from qa.ready import ready_engine
from qa import messages, question as question_mod
from learn.evaluate import normalise

from conftest import ROOT  # not tests.conftest: textstat installs a package named `tests`

pytestmark = pytest.mark.model

# Training questions, said plainly: 11 of these are tests/data/probe.jsonl and
# "What is AWPU?" is shared/eval/dev.jsonl, all 12 in the tuned model's
# training pairs (learn/sen_training.jsonl) and in the fit (learn/fit.py
# DATASETS). So this is no measure of quality (learn.fit reports the
# cross-validated figures, and the held-out floor below is the quality check):
# it checks behaviour, that the engine serves what it was fitted to. A miss
# means the wrong model was loaded, the index holds other text, or a stage of
# the search (glossary, typo fixing, fusion) is cut off, one question of each
# kind.
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
# must be in the first three passages. These three are in no training pair and
# no fit set.
RIGHT_PASSAGE_FIRST = [
    # The words "complex needs" together in one sentence of Element 3; the
    # "Getting extra help" passage has "needs", "extra" and "funding" apart.
    ("my daughter has complex needs, is there more money for her?", "Some children have such complex needs"),
    ("Do we need a diagnosis before the school helps?", "If your child has been newly diagnosed"),
    ("What can I ask for during the meeting?", "Check how long the meeting is for"),
]
OUT_OF_SCOPE = ["How do I renew my passport?", "What is the capital of France?"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    index = tmp_path_factory.mktemp("index")
    return ready_engine(Settings(corpus_dir=DEFAULT_CORPUS_DIR, index_dir=index))[0]


@pytest.mark.parametrize("kind, question, section", RIGHT_SECTION_FIRST)
def test_a_training_question_still_finds_its_section_in_the_first_three(engine, kind, question, section):
    answer = engine.search(question, k=5)
    assert answer.answered, answer.reason
    assert section in [p.heading_path[-1] for p in answer.passages[:3]]


@pytest.mark.parametrize("question, words", RIGHT_PASSAGE_FIRST)
def test_right_passage_in_the_first_three(engine, question, words):
    answer = engine.search(question, k=5)
    assert answer.answered, answer.reason
    assert any(words in p.text for p in answer.passages[:3])


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_questions_are_not_answered(engine, question):
    answer = engine.search(question)
    assert not answer.answered
    # Who can help comes from corpus/sen-guide.json, not from code.
    assert answer.reason.startswith(messages.NO_ANSWER) and "SENCO" in answer.reason and "(WIASS)" in answer.reason
    assert answer.help and answer.help[0]["name"].startswith("Westminster Information Advice Support Service")
    # Questions the guidance does answer, from the headings closest to it, each answered.
    assert 2 <= len(answer.suggestions) <= 3
    for label in answer.suggestions:
        assert engine.search(messages.question_of(label)).answered, label


@pytest.mark.parametrize("ordinary", ["now", "yet", "fine", "stop", "meanwhile", "grandma's"])
def test_an_ordinary_word_the_guidance_lacks_never_refuses_on_its_own(engine, ordinary):
    for question in ["Can I ask for an EHC needs assessment myself?", "Who decides how much money each school gets per pupil?"]:
        assert engine.search(question).answered
        with_word = engine.search(f"{question} {ordinary}")
        assert with_word.answered, (ordinary, with_word.chance, with_word.signals)


HELD_OUT = ROOT / "tests" / "data" / "eval" / "final"
# A loose floor, far below every figure docs/RETRIEVAL.md records for these
# sets (hit@3 0.88-1.00, MRR@5 0.79-0.90, false refusals 0.00-0.24), set from
# those records without running it: only a broken ranking or refusal fails it.
HELD_OUT_FLOOR = {"hit@3": 0.6, "mrr@5": 0.5}
HELD_OUT_MOST_FALSE_REFUSALS = 0.4


@pytest.mark.parametrize("gold, corpus", [
    ("seed-final.jsonl", None),
    ("council-c/questions.jsonl", "council-c/corpus"),
], ids=["seed", "council-c"])
def test_held_out_questions_keep_a_loose_floor(engine, tmp_path, gold, corpus):
    """The held-out split (tests/data/eval/final/: in no training pair and no
    fit; see its README). A loose floor that only a broken engine fails, not a
    figure: it chooses nothing, and nothing is changed to meet it."""
    from learn.evaluate import engine_results, read_gold, score

    if corpus is not None:
        engine = ready_engine(Settings(corpus_dir=HELD_OUT / corpus, index_dir=tmp_path / "index"))[0]
    items = read_gold(HELD_OUT / gold)
    report = score(items, engine_results(engine, items, 5), 5)
    floor = {name: report[name] >= least for name, least in HELD_OUT_FLOOR.items()}
    assert all(floor.values()) and report["false_abstain"] <= HELD_OUT_MOST_FALSE_REFUSALS, report


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
    assert set(data) >= {"question", "answered", "reason", "passages", "chance", "signals", "urgent", "help"}
    assert data["urgent"] is False and data["help"] == [] and 0.0 <= data["chance"] <= 1.0
    assert data["question"] == "What is the Local Offer?" and data["answered"] is True and data["reason"] == ""
    assert len(data["passages"]) == 3
    for rank, p in enumerate(data["passages"], start=1):
        assert set(p) == {"rank", "score", "scores", "text", "document", "source", "anchor", "page", "updated", "link",
                          "heading_path", "chunk_id", "highlights"}
        assert p["link"] == "" and p["page"] == 0  # the guidance's source is a file, not a web address
        assert p["rank"] == rank
        assert set(p["scores"]) == {"dense", "sentence", "keyword", "sentence_keyword", "coverage"}
        assert p["document"] == "Special Educational Needs Support"
        assert p["heading_path"][0] == "Special Educational Needs Support"
        assert all(isinstance(h, list) and len(h) == 2 for h in p["highlights"])


def test_empty_and_symbol_only_questions_ask_for_a_question(engine):
    for q in ["", "   ", "?!", "\x00\x01"]:
        answer = engine.search(q)
        assert not answer.answered and answer.passages == []
        assert answer.reason == messages.EMPTY


def test_a_huge_question_is_cut_with_a_notice(engine):
    answer = engine.search("teaching assistant " * 5000)
    assert "Only the first" in answer.notice
    assert len(answer.question) <= 1000


def test_a_question_asked_again_comes_from_the_cache(engine):
    first = engine.search("What is the high needs block?")
    assert engine.search("  What is the high needs block?  ") is first


def test_k_is_kept_within_the_number_of_passages(engine):
    n = len(engine.index.chunks)
    assert len(engine.search("funding", k=10_000).passages) == n
    assert len(engine.search("funding", k=0).passages) == 1


@pytest.mark.parametrize("question", ["speach therapy", "teaching assistant"])
def test_a_look_up_of_two_words_is_answered(engine, question):
    answer = engine.search(question)
    assert answer.answered, answer.reason


@pytest.mark.parametrize("question", ["Jak mogę uzyskać pomoc?", "wie geht es dir", "学"])
def test_a_question_not_in_english_says_so_and_points_to_help(engine, question):
    answer = engine.search(question)
    assert not answer.answered
    assert answer.reason.startswith(messages.NOT_ENGLISH) and "(WIASS)" in answer.reason
    assert answer.help and answer.suggestions == [] and answer.did_you_mean == ""


def test_a_misspelt_question_gets_a_suggestion_never_quoted_back(engine):
    answer = engine.search("can my sun go on the scool trip to france")
    assert not answer.answered
    assert answer.did_you_mean == "can my son go on the school trip to france"
    assert "sun" not in answer.reason.split() and "scool" not in answer.reason.split()


@pytest.mark.parametrize("question", ["What can I do?", "3", "what about it?"])
def test_a_question_with_no_word_to_search_for_asks_for_more(engine, question):
    answer = engine.search(question)
    assert not answer.answered and answer.reason == question_mod.VAGUE_REASON
    assert answer.passages  # staff still see the closest passages


def test_the_words_the_guidance_lacks_are_listed_for_staff(engine):
    answer = engine.search("How do I renew my passport?")
    assert set(answer.missing) == {"passport", "renew"}


def test_a_large_index_scores_its_candidates_as_the_full_scan_does(engine, monkeypatch):
    """Past Tuning.large_index_rows the sentences are compared only for the chunks the
    dense and keyword sides nominate, with the keyword side in a thread: every
    passage it returns must carry the same scores and highlights as when every
    sentence is compared, and the right section must still come first."""
    from dataclasses import replace

    questions = [question for _kind, question, _section in RIGHT_SECTION_FIRST]
    engine._cache.clear()
    full = [engine.search(q) for q in questions]
    monkeypatch.setattr(engine, "tuning", replace(engine.tuning, large_index_rows=0))
    engine._cache.clear()
    large = [engine.search(q) for q in questions]
    engine._cache.clear()
    for (_kind, question, section), a, b in zip(RIGHT_SECTION_FIRST, full, large):
        assert b.passages[0].chunk_id == a.passages[0].chunk_id, question
        assert b.answered == a.answered
        by_id = {p.chunk_id: p for p in a.passages}
        for p in b.passages:
            if p.chunk_id in by_id:
                assert p.scores == pytest.approx(by_id[p.chunk_id].scores, abs=1e-6)
                assert p.highlights == by_id[p.chunk_id].highlights


def test_a_question_of_two_known_words_is_judged_like_any_other(engine, monkeypatch):
    """Issue 14: "school places" was answered whatever its confidence, by a
    rule for one- and two-word look-ups. Now the refusal model decides: with
    a threshold above its chance, it is refused like any question."""
    from dataclasses import replace

    asked = engine.search("school places")
    strict = replace(engine.tuning, fitted=replace(engine.tuning.fitted, threshold=min(1.0, asked.chance + 0.01)))
    monkeypatch.setattr(engine, "tuning", strict)
    engine._cache.clear()
    try:
        answer = engine.search("school places")
        assert not answer.answered and answer.chance < answer.threshold
    finally:
        engine._cache.clear()
