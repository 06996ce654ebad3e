import json

import pytest

from qa.glossary import SEN_GLOSSARY, Glossary, read_entries, words

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
    return Glossary.load([path], words(CORPUS))


def test_parents_words_bring_in_the_guidance_words(glossary):
    exp = glossary.expand("Who pays for a teaching assistant?")
    assert exp.added == ["Learning Support Assistant LSA"]
    assert "Learning Support Assistant LSA" in exp.keyword_query


def test_each_added_phrase_is_its_own_line_so_no_phrase_token_joins_them(glossary):
    from ingest.keyword_index import tokenize

    exp = glossary.expand("my daughter needs a teaching assistant")
    # In the order the question names them.
    assert exp.keyword_query.splitlines() == ["my daughter needs a teaching assistant",
                                              "child", "Learning Support Assistant LSA"]
    tokens = tokenize([exp.keyword_query])[0]
    assert "assist_lsa" in tokens and "child_learn" not in tokens and "assist_child" not in tokens


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
    g = Glossary.load([tmp_path / "absent.json"], words(CORPUS))
    assert g.expand("teaching assistant").added == []


def test_a_corpus_glossary_adds_local_terms_and_overrides_a_shipped_alias(tmp_path):
    shipped = tmp_path / "shipped.json"
    shipped.write_text(json.dumps({"entries": [{"guidance": "SENDIASS", "also": ["sendiass", "iass"]}]}))
    local = tmp_path / "local.json"
    local.write_text(json.dumps({"entries": [{"guidance": "WIASS", "also": ["iass", "wiass"]}]}))
    g = Glossary.load([shipped, local], set())
    assert g.expand("call the iass").added == ["WIASS"]
    assert g.expand("what is sendiass").added == ["SENDIASS"]


def test_the_longest_alias_wins_across_entries(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"entries": [
        {"guidance": "academy free school", "also": ["free school", "academy"]},
        {"guidance": "free school meals", "also": ["free school meals", "fsm"]}]}))
    g = Glossary.load([path], set())
    assert g.expand("can we get free school meals").added == ["free school meals"]
    assert g.expand("is it a free school").added == ["academy free school"]


def test_each_matched_word_records_the_standard_terms_it_stands_for(glossary):
    exp = glossary.expand("Who pays for a teaching assistant?")
    assert exp.synonyms == {"teaching": ["Learning Support Assistant LSA"], "assistant": ["Learning Support Assistant LSA"]}


def test_a_broken_glossary_file_is_named_with_the_fix(tmp_path):
    from ingest.errors import CorpusError

    path = tmp_path / "glossary.json"
    path.write_text('{"entries": [{"also": ["x"]}]}')
    with pytest.raises(CorpusError, match="glossary.json cannot be read.*'guidance' and 'also'"):
        Glossary.load([path], set())


# --- the SEN vocabulary that ships with the engine ---------------------------

@pytest.fixture(scope="module")
def sen():
    return Glossary.load([SEN_GLOSSARY], set())


def terms(glossary, question):
    return {glossary.entries[i].term for i in {glossary._entry_of[a] for a in _matches(glossary, question)}}


def _matches(glossary, question):
    return [m.group(0) for m in glossary._pattern.finditer(question.lower())]


def test_every_shipped_entry_is_a_standard_term_with_a_plain_definition():
    entries = read_entries(SEN_GLOSSARY)
    assert len(entries) >= 70
    for e in entries:
        assert e.term and e.guidance and e.also, e
        assert e.definition and len(e.definition.split()) <= 25, e.term
        assert all(a == a.lower() for a in e.also), e.term
    aliases = [a for e in entries for a in e.also]
    assert len(aliases) == len(set(aliases)), "an alias in two entries"


@pytest.mark.parametrize("condition", ["adhd", "dyslexia", "dyspraxia"])
def test_conditions_map_to_themselves_never_to_autism(sen, condition):
    added = " ".join(sen.expand(f"my son has {condition}").added).lower()
    assert condition in added and "autism" not in added


def test_la_is_not_the_local_authority_and_free_school_meals_are_not_a_free_school(sen):
    assert not any("local authority" in a.lower() for a in sen.expand("la maison de la famille").added)
    assert terms(sen, "can we get free school meals") == {"Free school meals"}


def test_everyday_words_map_to_standard_terms(sen):
    assert "Local Authority" in terms(sen, "can I ask the council")
    assert "SENCO" in terms(sen, "who is the sendco")
    assert "EHC plan" in terms(sen, "how do i get an ehcp")
    assert "Short breaks" in terms(sen, "is there any respite")


def test_a_curly_apostrophe_does_not_hide_a_correction(glossary):
    # iPhones type ’: the correction reported must be the one searched.
    exp = glossary.expand("my dauhgter’s senco")
    assert exp.corrections == {"dauhgter": "daughter"}
    assert exp.corrected == "my daughter's senco"
    assert "child" in exp.added  # "daughter" then expands, as typed with a straight apostrophe
    assert glossary.expand("my dauhgter's senco").corrected == exp.corrected
