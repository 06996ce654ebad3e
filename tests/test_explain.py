"""qa.explain: which glossary terms a passage uses, and where."""
import json

import pytest

from qa.explain import Term, merge, terms
from qa.glossary import SEN_GLOSSARY, Entry, read_entries

ENTRIES = read_entries(SEN_GLOSSARY)


def found(text: str, entries=ENTRIES) -> list[tuple[str, list[str]]]:
    """Each term found, with the words of the text it was found in."""
    return [(t.term, [text[s:e] for s, e in t.spans]) for t in terms(text, entries)]


def test_acronyms_match_only_in_capitals():
    assert found("Can I send my son to a new school? Send the form.") == []  # "send" the verb is not SEND
    assert found("Sen and sen are not SEN.") == [("SEN", ["SEN"])]
    assert found("Children with SEND and their SENCO.") == [("SEND", ["SEND"]), ("SENCO", ["SENCO"])]


def test_acronyms_match_only_as_whole_words():
    assert found("absent, present, sensory, Senior, essential, ASSENT") == []  # "sen" inside words
    assert found("The SENCO met the SENDCo.") == [("SENCO", ["SENCO", "SENDCo"])]  # never SEN or SEND inside
    assert found("non-SEN pupils, the SENCO’s role, all SENCOs") == [("SEN", ["SEN"]), ("SENCO", ["SENCO", "SENCOs"])]


def test_the_longest_term_wins_and_matches_never_overlap():
    assert found("Their SEN support plan") == [("SEN support plan", ["SEN support plan"])]
    assert found("SEN support is the first step") == [("SEN support", ["SEN support"])]
    assert found("an EHC needs assessment, then an EHC plan") == [
        ("EHC needs assessment", ["EHC needs assessment"]), ("EHC plan", ["EHC plan"])]
    spans = [s for t in terms("SEN support plan, SEN support, SEN, EHCP, EHC plan", ENTRIES) for s in t.spans]
    ends = sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))  # none overlap


def test_acronym_aliases_match_and_everyday_aliases_do_not():
    assert found("An EHCP, EHC Plan or EHC plan") == [("EHC plan", ["EHCP", "EHC Plan", "EHC plan"])]
    assert found("Ask an LSA. AWPU funding. Call SENDIASS.") == [
        ("Teaching assistant", ["LSA"]), ("AWPU", ["AWPU"]), ("SENDIASS", ["SENDIASS"])]
    # In the glossary for the search, never explained in a quote: they are the parent's own words.
    assert found("My son needs extra help; the council says the law is clear.") == []
    assert found("an ehcp and an ehc plan") == []  # acronyms in capitals only


def test_other_words_of_a_term_match_in_any_case():
    assert found("The local authority and the Local Authority") == [
        ("Local Authority", ["local authority", "Local Authority"])]
    assert found("EHC\nplan") == [("EHC plan", ["EHC\nplan"])]  # a line break between its words
    (t,) = terms("EHC Plan and EHC plan", ENTRIES)
    assert t.words == ("EHC Plan",) and len(t.spans) == 2  # one spelling of each form: the first
    (t,) = terms("SENCOs and a SENCO", ENTRIES)
    assert t.words == ("SENCO",)  # a plural "s" left out


def test_terms_come_in_the_order_of_first_use_with_every_use():
    text = "Ask the SENCO about SEN. The SENCO will know."
    (senco, sen) = terms(text, ENTRIES)
    assert (senco.term, sen.term) == ("SENCO", "SEN")
    assert [text[s:e] for s, e in senco.spans] == ["SENCO", "SENCO"] and senco.spans[0] == (8, 13)


def test_each_term_carries_what_it_means_and_a_plain_definition():
    (t,) = terms("Ask the SENCO.", ENTRIES)
    assert t.means == "Special Educational Needs Coordinator"
    assert t.definition.startswith("The teacher in a school or nursery who organises extra help")
    assert t.title == t.means and t.explanation == f"{t.means}: {t.definition}"
    (school,) = terms("a mainstream school", ENTRIES)  # its means says nothing more than its name
    assert school.title == school.definition == school.explanation


def test_every_shipped_entry_has_a_term_means_and_definition():
    # Every entry in the shipped file is read (counted from the file, not restated).
    assert len(ENTRIES) == len(json.loads(SEN_GLOSSARY.read_text(encoding="utf-8"))["entries"])
    for e in ENTRIES:
        assert e.term and e.means and e.definition, e.term
        assert len(e.definition) < 200 and "\n" not in e.definition, e.term  # one plain line


def test_an_entry_without_a_definition_is_never_explained():
    entries = [Entry("x", ("abc",), "ABC", "", "Always Be Careful"),
               Entry("y", ("xyz",), "XYZ", "A thing.", "")]
    assert found("ABC and XYZ", entries) == [("XYZ", ["XYZ"])]
    (t,) = terms("XYZ", entries)
    assert t.title == t.explanation == "A thing."  # no means: the definition alone


def test_a_later_entry_takes_a_term_over():
    # A corpus's own glossary comes after the shipped one, and wins, as it does for the search.
    local = Entry("Westvale SENCO", ("senco",), "SENCO", "The Westvale inclusion lead.", "Westvale's SENCO")
    assert [t.definition for t in terms("Ask the SENCO.", [*ENTRIES, local])] == ["The Westvale inclusion lead."]


@pytest.mark.parametrize("text, found", [("", 0), ("   ", 0), ("Nothing to explain here.", 0), ("<b>SEN</b>", 1)])
def test_any_text_is_safe(text, found):
    explained = terms(text, ENTRIES)
    assert len(explained) == found  # the loop below then checks every span there is
    for t in explained:
        assert t.spans and all(text[s:e].startswith(t.words[0][:2]) for s, e in t.spans)


def test_merge_keeps_each_term_once_with_every_spelling():
    a, b = terms("the EHCP", ENTRIES), terms("an EHC plan and the SENCO", ENTRIES)
    merged = merge([a, b])
    assert [(t.term, t.words) for t in merged] == [("EHC plan", ("EHCP", "EHC plan")), ("SENCO", ("SENCO",))]
    assert all(isinstance(t, Term) and t.spans == () for t in merged)


def test_the_engine_explains_with_its_glossary(real_engine):
    assert [(t.term, t.words) for t in real_engine.explain("Ask the SENCO or WIASS.")] == [
        ("SENCO", ("SENCO",)), ("WIASS", ("WIASS",))]  # WIASS is the corpus's own term
