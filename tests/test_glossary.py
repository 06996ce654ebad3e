import json

import pytest

from qa.glossary import Glossary, words

CORPUS = ("Ask the Special Educational Needs Coordinator (SENCO). Speech and Language Therapist. "
          "Education settings have access to funding for each child. This is called the Age Weighted Pupil Unit (AWPU).")


@pytest.fixture
def glossary(tmp_path):
    path = tmp_path / "glossary.json"
    path.write_text(json.dumps({"entries": [
        {"guidance": "Special Educational Needs Coordinator SENCO", "also": ["senco", "sendco", "inclusion manager"]},
        {"guidance": "Learning Support Assistant LSA", "also": ["ta", "teaching assistant"]},
        {"guidance": "child", "also": ["daughter", "son"]},
        {"guidance": "Speech and Language Therapist", "also": ["speech therapy"]},
    ]}), encoding="utf-8")
    return Glossary.load(path, words(CORPUS))


def test_parents_words_bring_in_the_guidance_words(glossary):
    exp = glossary.expand("Who pays for a teaching assistant?")
    assert exp.added == ["Learning Support Assistant LSA"]
    assert "Learning Support Assistant LSA" in exp.keyword_query


def test_each_added_phrase_is_its_own_line_so_no_phrase_token_joins_them(glossary):
    from ingest.keyword_index import tokenize

    exp = glossary.expand("my daughter needs a teaching assistant")
    assert exp.keyword_query.splitlines() == ["my daughter needs a teaching assistant",
                                              "Learning Support Assistant LSA", "child"]
    tokens = tokenize([exp.keyword_query])[0]
    assert "assist_lsa" in tokens and "lsa_child" not in tokens and "assist_learn" not in tokens


def test_matching_is_by_whole_word_and_ignores_case(glossary):
    assert glossary.expand("Can I talk to the TA?").added == ["Learning Support Assistant LSA"]
    assert glossary.expand("What data do you keep?").added == []  # "ta" inside "data" is no match


@pytest.mark.parametrize("typed, fixed", [("senko", "senco"), ("speach", "speech"), ("fundin", "funding"), ("dauhgter", "daughter")])
def test_misspellings_are_corrected_to_guidance_or_glossary_words(glossary, typed, fixed):
    exp = glossary.expand(f"{typed} help")
    assert exp.corrections == {typed: fixed}
    assert fixed in exp.corrected


def test_a_misspelt_word_then_expands(glossary):
    exp = glossary.expand("fundin for my dauhgter")
    assert "child" in exp.added


def test_real_words_are_not_corrected_but_reported_as_unexplained(glossary):
    exp = glossary.expand("How do I apply for free school meals?")
    assert "meals" not in exp.corrections
    assert "meals" in exp.unexplained


def test_known_words_and_question_words_are_not_unexplained(glossary):
    exp = glossary.expand("What does the SENCO do for my daughter?")
    assert exp.unexplained == []


def test_a_missing_glossary_file_means_no_expansion(tmp_path):
    g = Glossary.load(tmp_path / "absent.json", words(CORPUS))
    assert g.expand("teaching assistant").added == []
