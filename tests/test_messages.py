"""qa.messages and qa.spelling: every message a parent reads is plain
(Flesch-Kincaid grade 4 or less), and a refusal helps: who to ask, the
question spelt right (never the misspelling quoted back), questions the
guidance answers, and a plain word when the question is not in English."""
import dataclasses
import json
import re

import pytest

from ingest.about import ABOUT_FILE
from ingest.settings import Settings
from qa import Engine, decision, messages, spelling
from qa.glossary import SEN_GLOSSARY, Glossary, words
from qa.ready import ready_engine
from qa.tuning import Tuning

from conftest import FAKE_MODEL_NAME, ROOT

MAX_GRADE = 4  # Flesch-Kincaid grade 4: about age 9


# --- every message is plain -------------------------------------------------

@pytest.mark.parametrize("name, where, text", messages.catalogue(), ids=[m[0] for m in messages.catalogue()])
def test_every_message_reads_at_age_nine(name, where, text):
    assert messages.grade(text) <= MAX_GRADE, (name, text)


def test_the_grade_is_the_flesch_kincaid_formula():
    # Worked by hand, not by textstat (which messages.grade calls): "The cat
    # sat on the mat." is 6 words, 1 sentence and 6 syllables, so
    # 0.39 * 6 / 1 + 11.8 * 6 / 6 - 15.59 = -1.45.
    assert messages.grade("The cat sat on the mat.") == pytest.approx(-1.45, abs=0.01)
    assert messages.grade("The implementation of individualised educational provision necessitates consultation.") > 12


def test_the_catalogue_holds_every_message_the_page_shows():
    texts = {t for _n, _w, t in messages.catalogue()}
    for text in (messages.TITLE, messages.EMPTY, messages.VAGUE, messages.APOLOGY, messages.URGENT_CALL,
                 messages.URGENT_MORE, messages.HELP_HEADING, messages.NO_ANSWER_HEADING, messages.ANSWER_HEADING,
                 messages.EXAMPLES_HEADING, messages.SUGGESTIONS_HEADING, messages.QUESTION_LABEL,
                 messages.PLACEHOLDER, messages.SEARCH_BUTTON):
        assert text in texts
    assert any(t.startswith(messages.NO_ANSWER) for t in texts) and any(t.startswith(messages.NOT_ENGLISH) for t in texts)


def test_the_docs_table_is_current():
    doc = (ROOT / "docs" / "MESSAGES.md").read_text(encoding="utf-8")
    assert messages.table() in doc, "docs/MESSAGES.md is out of date: paste in `.venv/bin/python -m qa.messages`"


def test_the_refusal_names_the_senco_and_two_contacts_at_most():
    assert messages.no_answer([]) == ("Sorry, we could not find an answer to this in the guidance. "
                                      "Ask your child's school SENCO. They can help you.")
    three = messages.no_answer(["A service", "B forum", "C line"])
    assert "Or ask A service or B forum." in three and "C line" not in three
    assert messages.not_english(["WIASS"]) == ("This looks like it is not in English. This guide can only search in "
                                               "English. Ask your child's school SENCO. Or ask WIASS. They can help you.")


def test_a_heading_is_offered_as_a_question_and_asks_itself():
    assert messages.suggestion("What is SEN funding for?") == "What is SEN funding for?"
    assert messages.suggestion("Element 3") == "Read the part on Element 3"
    for heading in ["What is SEN funding for?", "Element 3", "Read the part on it"]:
        assert messages.question_of(messages.suggestion(heading)) == heading


# --- spelling: suggested, never silently changed, never quoted back -----------

@pytest.fixture(scope="module")
def glossary() -> Glossary:
    guidance = ("What is a SENCO? Your child's school can help. What do I do if my child has ADHD? "
                "The teacher reviews progress and funding.")
    return Glossary.load([SEN_GLOSSARY], words(guidance))


def test_misspelt_words_get_a_suggestion(glossary):
    assert spelling.did_you_mean("my sun has adhd wat do i do", glossary) == "my son has adhd what do i do"
    assert spelling.did_you_mean("Wat is a SENCO?", glossary) == "what is a SENCO?"
    assert spelling.did_you_mean("who checks progres and fundng?", glossary) == "who checks progress and funding?"


@pytest.mark.parametrize("question", ["What is a SENCO?", "who pays for the school bus", "my cat has a car",
                                      "How far away is the school?", "What is the capital of France?"])
def test_real_words_are_not_called_misspelt(glossary, question):
    assert spelling.did_you_mean(question, glossary) == ""


@pytest.mark.parametrize("question, english", [
    ("Jak mogę uzyskać pomoc?", False), ("wie geht es dir", False), ("学", False), ("xyzzy", False),
    ("ما هو SENCO", False), ("What can I do?", True), ("my sun has adhd wat do i do", True),
    ("Whats delegated fundng", True), ("Can my dauhgter’s teacher help?", True), ("3", True), ("?!", True),
])
def test_a_question_is_english_when_most_of_its_words_are(glossary, question, english):
    assert spelling.looks_english(glossary.expand(question), glossary) is english


# --- the engine's refusal (fake model) ------------------------------------------

GUIDE = (
    "# Support for your child\n\n"
    "## What does a SENCO do?\n\n"
    "The SENCO coordinates support for children with SEN at your child's school.\n\n"
    "## Reviews\n\n"
    "The school reviews your child's support plan three times a year with you and the SENCO.\n\n"
    "## Homework\n\n"
    "Teachers can adapt homework so that your child can finish it at home.\n"
)
CONTACTS = [{"name": "Testshire SENDIASS", "phone": "01234 000111", "url": "https://sendiass.example.org"},
            {"name": "Parent Carer Forum", "url": "https://forum.example.org"}]
REFUSED = "How do I renew my passport?"


@pytest.fixture
def engine(fake_model, monkeypatch, tiny_corpus, tmp_path):
    """An engine (fake model) over GUIDE with two contacts; its threshold lies
    between the chance of REFUSED and that of a heading asked as it is."""
    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")
    corpus = tiny_corpus({"guide.md": GUIDE, ABOUT_FILE: json.dumps({"contacts": CONTACTS})})
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE_MODEL_NAME,
                        encoder="sentence-transformers")
    probe = ready_engine(settings)[0]
    low = probe.search(REFUSED).chance
    high = min(probe.search(h).chance for h in ["What does a SENCO do?", "Reviews", "Homework"])
    assert low < high, (low, high)
    fitted = dataclasses.replace(decision.load(), threshold=(low + high) / 2)
    return Engine(settings, tuning=Tuning(fitted=fitted))


def test_a_refusal_offers_the_contacts_and_questions_from_the_closest_headings(engine):
    answer = engine.search(REFUSED)
    assert not answer.answered and answer.help == CONTACTS
    assert answer.reason == messages.no_answer(["Testshire SENDIASS", "Parent Carer Forum"])
    assert 2 <= len(answer.suggestions) <= 3
    assert len(set(answer.suggestions)) == len(answer.suggestions)
    assert set(answer.suggestions) <= {"What does a SENCO do?", "Read the part on Reviews", "Read the part on Homework"}
    assert "Support for your child" not in " ".join(answer.suggestions)  # never the document's title
    for label in answer.suggestions:  # each asks a question the guidance answers
        assert engine.search(messages.question_of(label)).answered, label
    # The first is the heading of the passage ranked first.
    assert messages.question_of(answer.suggestions[0]) == answer.passages[0].heading_path[-1]
    assert json.loads(json.dumps(answer.to_json()))["suggestions"] == answer.suggestions


def test_a_misspelt_refusal_suggests_the_question_spelt_right_without_echoing_it(engine):
    never = dataclasses.replace(engine.tuning.fitted, threshold=1.5)  # no chance reaches it: refused
    question = "my sun has adhd wat do i do"
    answer = Engine(engine.settings, tuning=Tuning(fitted=never)).search(question)
    assert not answer.answered
    assert answer.did_you_mean == "my son has adhd what do i do"
    assert "sun" not in re.findall(r"\w+", answer.reason) and "wat" not in re.findall(r"\w+", answer.reason)
    assert question not in answer.reason
    # The search itself never changed the short words: a suggestion only.
    assert "sun" in answer.expanded_question and "wat" in answer.expanded_question


def test_a_question_not_in_english_says_so_and_points_to_help(engine):
    for question in ["Jak mogę uzyskać pomoc?", "学", "xyzzy"]:
        answer = engine.search(question)
        assert not answer.answered
        assert answer.reason == messages.not_english(["Testshire SENDIASS", "Parent Carer Forum"])
        assert answer.help == CONTACTS
        assert answer.did_you_mean == "" and answer.suggestions == []


def test_an_answered_question_offers_nothing_more(engine):
    answer = engine.search("What does a SENCO do?")
    assert answer.answered and answer.reason == "" and answer.help == []
    assert answer.did_you_mean == "" and answer.suggestions == []
