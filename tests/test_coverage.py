"""qa.coverage: how much of a question a passage covers, rare words weighing most.

Weights come from pyspellchecker's word-frequency list, so these tests
compare words with each other (everyday < rare < unknown) rather than pin
the numbers a run happened to give.
"""
import numpy as np
import pytest

from ingest import keyword_index
from qa import coverage
from qa.coverage import Concept, concepts, of_documents, share, weight
from qa.glossary import english_frequencies
from qa.tuning import Tuning

TUNING = Tuning()
from qa.glossary import SEN_GLOSSARY, Glossary


# --- weight ---------------------------------------------------------------------

def test_everyday_words_weigh_less_than_rare_ones_and_unknown_words_most():
    assert weight("now", TUNING) < weight("passport", TUNING) < weight("ehcp", TUNING)


def test_weights_are_clipped_to_their_bounds():
    # The commonest word in English sits on the floor; a made-up word on the ceiling.
    assert weight("the", TUNING) == TUNING.min_word_weight
    assert weight("zqxjvwk", TUNING) == TUNING.max_word_weight
    for word in ("now", "night", "passport", "masking", "ehcp", "the", "school"):
        assert TUNING.min_word_weight <= weight(word, TUNING) <= TUNING.max_word_weight


def test_weight_grows_as_words_get_rarer():
    counts, _ = english_frequencies()
    common, rare = sorted(("school", "passport"), key=lambda w: -counts[w])
    assert weight(common, TUNING) < weight(rare, TUNING)


# --- concepts -------------------------------------------------------------------

def test_concepts_drop_stop_words_and_bare_numbers():
    words = [c.word for c in concepts("What can I do about my 2 sons and the 2024 passport?", {}, TUNING)]
    assert words == ["sons", "passport"]


def test_concepts_strip_possessives_and_keep_each_word_once():
    found = concepts("My grandma's passport, grandma’s passport and Grandma again", {}, TUNING)
    words = [c.word for c in found]
    assert words.count("grandma") == 1 and words.count("passport") == 1
    assert "grandma's" not in words and "s" not in words
    assert words.index("grandma") < words.index("passport")  # in the question's order


def test_each_concept_carries_its_weight_and_its_own_stem_first():
    (c,) = concepts("passports", {}, TUNING)
    assert c.weight == weight("passports", TUNING)
    assert c.stems[0] == keyword_index.stem_words(["passports"])[0] == "passport"


def test_concepts_add_the_stems_of_the_glossary_synonyms():
    synonyms = Glossary.load([SEN_GLOSSARY], set()).expand("Can a teaching assistant help?").synonyms
    assert "assistant" in synonyms  # the shipped glossary's entry this test relies on
    by_word = {c.word: c for c in concepts("teaching assistant", synonyms, TUNING)}
    assert by_word["teaching"].stems[0] == "teach"
    assert {"learn", "lsa"} <= set(by_word["teaching"].stems)
    assert {"learn", "lsa"} <= set(by_word["assistant"].stems)
    # Stems only, never a phrase token, and none twice.
    for c in by_word.values():
        assert not any("_" in s for s in c.stems)
        assert len(set(c.stems)) == len(c.stems)


def test_a_word_without_synonyms_has_only_its_own_stem():
    (c,) = concepts("passport", {"other": ["learning support assistant"]}, TUNING)
    assert c.stems == ("passport",)


# --- share ----------------------------------------------------------------------

def _concept(word: str, w: float) -> Concept:
    return Concept(word, w, (word,))


def test_share_is_the_weighted_share_covered():
    cs = [_concept("a", 1.0), _concept("b", 3.0)]
    assert share(cs, [True, False]) == pytest.approx(0.25)
    assert share(cs, [False, True]) == pytest.approx(0.75)
    assert share(cs, [True, True]) == pytest.approx(1.0)
    assert share(cs, [False, False]) == 0.0


def test_a_question_with_no_concepts_is_fully_covered():
    assert share([], []) == 1.0


def test_in_vocabulary_accepts_any_stem():
    c = Concept("assistant", 4.0, ("assist", "lsa"))
    assert coverage.in_vocabulary([c, _concept("passport", 5.0)], {"lsa", "school"}) == [True, False]


# --- of_documents ---------------------------------------------------------------

DOCS = [
    "Her passport was renewed by the office.",  # the rare word
    "Every night the bus is late.",  # the everyday word
    "Nothing about either of them here.",
    "A passport, at night, on the bus.",  # both
]


@pytest.fixture(scope="module")
def bm25():
    return keyword_index.build(DOCS)


def test_a_document_holding_the_rare_word_covers_more_than_one_holding_the_everyday_word(bm25):
    cs = concepts("passport at night", {}, TUNING)
    assert [c.word for c in cs] == ["passport", "night"]
    got = of_documents(cs, bm25, np.arange(len(DOCS)))
    assert got[0] > got[1] > got[2] == 0.0
    assert got[3] == pytest.approx(1.0)
    assert got[0] == pytest.approx(share(cs, [True, False]))
    assert got[1] == pytest.approx(share(cs, [False, True]))


def test_only_the_documents_asked_for_are_scored_in_their_order(bm25):
    cs = concepts("passport at night", {}, TUNING)
    full = of_documents(cs, bm25, np.arange(len(DOCS)))
    some = of_documents(cs, bm25, np.array([1, 3]))
    assert some.tolist() == pytest.approx(full[[1, 3]].tolist())


def test_a_synonyms_stem_counts_as_covering():
    index = keyword_index.build(["A learning support assistant helps in class.", "Lunch is at noon."])
    plain = concepts("assistant", {}, TUNING)
    with_synonym = concepts("helper", {"helper": ["learning support assistant"]}, TUNING)
    docs = np.arange(2)
    assert of_documents(concepts("helper", {}, TUNING), index, docs).tolist() == [0.0, 0.0]
    assert of_documents(with_synonym, index, docs).tolist() == [1.0, 0.0]
    assert of_documents(plain, index, docs).tolist() == [1.0, 0.0]


def test_no_concepts_cover_every_document(bm25):
    assert of_documents([], bm25, np.arange(3)).tolist() == [1.0, 1.0, 1.0]
