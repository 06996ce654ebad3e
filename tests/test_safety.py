"""qa.safety and the engine's urgent path: a question about a child at risk is
never met with a bare refusal.

The phrase lists below are the words people use; `at_risk` is a fixed rule,
not a fitted one, so each phrasing is checked on its own. The engine tests
use the fake model on tiny corpora the tests write; one test with the real
model checks the transfer corpus, whose crisis passage gives a text line.
"""
import json
from pathlib import Path

import pytest

from ingest import build
from ingest.about import UK_EMERGENCY
from ingest.chunking import Chunk
from ingest.settings import Settings
from qa import Engine, safety
from qa.ready import ready_engine

from conftest import FAKE_MODEL_NAME, ROOT

AT_RISK = [
    "My son has started to self-harm, what should I do?",
    "my daughter self harms",
    "She is self-harming at school",
    "he says he wants to die",
    "My child wanted to die last year",
    "Is my son suicidal?",
    "What if my daughter has suicidal thoughts",
    "I think my son is being abused",
    "She was abused by a relative",
    "My child is in danger",
    "my daughter keeps hurting herself",
    "he is harming himself",
    "She cuts herself",
    "My son is not safe at home",
    "He said he will kill himself",
    "He talks about ending his life",
    "Is my child at risk of harm from her stepfather?",
    "My partner hits my son",
    "He took an overdose",
    "my son ran away from home",
]

ORDINARY = [
    "What is an EHCP?",
    "How do I ask for an EHC needs assessment?",
    "My child is at risk of exclusion, what are my rights?",
    "Who pays for a teaching assistant?",
    "How often should the SENCO review my son's support?",
    "My daughter is struggling with reading",
    "Can I appeal against the school's decision?",
    "He was excluded from school for a day",
    "What is the danger of waiting for a diagnosis?",
    "Is there a risk he will lose his place?",
    "My son hurt his leg and needs help with PE",
    "Can school staff help with self-care like dressing?",
]


@pytest.mark.parametrize("question", AT_RISK)
def test_questions_about_a_child_at_risk_are_urgent(question):
    assert safety.at_risk(question)


@pytest.mark.parametrize("question", ORDINARY)
def test_ordinary_sen_questions_are_not_urgent(question):
    assert not safety.at_risk(question)


def test_at_risk_matches_whole_words_only():
    assert not safety.at_risk("The abusers' list")  # "abusers" is not one of the forms
    assert safety.at_risk("The abuse policy")  # a bare "abuse" is, whatever it is about


def _chunk(text: str, heading: str = "Section") -> Chunk:
    return Chunk(id="c", document="Doc", source="test", publisher="", file="doc.md", heading_path=["Doc", heading],
                 text=text, start=0, end=len(text), sentences=[[0, len(text)]])


@pytest.mark.parametrize("heading", ["In a crisis", "Emergency contacts", "Safeguarding", "If your child is in danger",
                                     "Getting immediate help", "Keeping children safe", "Urgent help"])
def test_a_crisis_passage_is_known_by_its_heading(heading):
    assert safety.is_crisis_passage(_chunk("Talk to someone you trust.", heading))


@pytest.mark.parametrize("text", ["If a child is in danger, call 999.", "Phone NHS 111 at any time.",
                                  "Children can call Childline on 0800 1111.", "Text SHOUT to 85258.",
                                  "The Samaritans listen, day or night.", "Dial 999 now."])
def test_a_crisis_passage_is_known_by_its_text(text):
    assert safety.is_crisis_passage(_chunk(text, "Other support"))


@pytest.mark.parametrize("text", ["Reviews happen three times a year.", "The school has 999 pupils.",
                                  "Ask the SENCO about support."])
def test_ordinary_passages_are_not_crisis_passages(text):
    assert not safety.is_crisis_passage(_chunk(text, "Reviews"))


def test_crisis_passages_lists_their_positions():
    chunks = [_chunk("Reviews happen yearly."), _chunk("Call 999.", "Other"), _chunk("Talk.", "In a crisis")]
    assert safety.crisis_passages(chunks) == [1, 2]


def test_a_chunk_without_headings_is_judged_by_its_text():
    bare = Chunk(id="c", document="Doc", source="test", publisher="", file="doc.md", heading_path=[],
                 text="Call 999.", start=0, end=9, sentences=[[0, 9]])
    assert safety.is_crisis_passage(bare)


# --- the engine ------------------------------------------------------------------

GUIDE = (
    "# Support for your child\n\n"
    "## Reviews\n\n"
    "The school reviews your child's support plan three times a year with you and the SENCO.\n\n"
    "## Homework\n\n"
    "Teachers can adapt homework so that your child can finish it at home.\n\n"
    "## In a crisis\n\n"
    "If a child is in danger right now, call 999. If you are worried about a child's mental health, "
    "phone NHS 111 or your GP.\n\n"
    "## Transport\n\n"
    "The council may provide school transport for children with complex needs.\n"
)
NO_CRISIS = (
    "# Support for your child\n\n"
    "## Reviews\n\n"
    "The school reviews your child's support plan three times a year with you and the SENCO.\n\n"
    "## Homework\n\n"
    "Teachers can adapt homework so that your child can finish it at home.\n"
)
EMERGENCY = [{"name": "Testshire emergency duty team", "phone": "01234 567890", "about": "out of hours"},
             {"name": "Emergency services", "phone": "999"}]
URGENT = "My daughter keeps hurting herself at home and I am scared"


@pytest.fixture
def fake_engine(fake_model, monkeypatch, tmp_path):
    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")

    def make(corpus: Path) -> Engine:
        return ready_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / f"index-{corpus.name}",
                                    model=FAKE_MODEL_NAME, encoder="sentence-transformers"))[0]

    return make


def test_an_urgent_question_is_answered_with_the_crisis_passage_first_and_the_corpus_contacts(tiny_corpus, fake_engine):
    corpus = tiny_corpus({"guide.md": GUIDE, "sen-guide.json": json.dumps({"emergency": EMERGENCY})}, name="crisis")
    engine = fake_engine(corpus)
    answer = engine.search(URGENT, k=3)
    assert answer.urgent and answer.answered and answer.reason == ""
    assert answer.passages[0].heading_path[-1] == "In a crisis"
    assert "call 999" in answer.passages[0].text
    assert answer.help == EMERGENCY


def test_an_ordinary_question_on_the_same_corpus_is_not_urgent(tiny_corpus, fake_engine):
    corpus = tiny_corpus({"guide.md": GUIDE, "sen-guide.json": json.dumps({"emergency": EMERGENCY})}, name="crisis")
    answer = fake_engine(corpus).search("How often are support plans reviewed?", k=3)
    assert not answer.urgent
    assert not any(c["name"] == "Testshire emergency duty team" for c in answer.help)


def test_an_urgent_question_on_a_corpus_without_crisis_passage_or_settings_gets_the_uk_numbers(tiny_corpus, fake_engine):
    corpus = tiny_corpus({"guide.md": NO_CRISIS}, name="plain")
    engine = fake_engine(corpus)
    assert not engine._crisis.size
    answer = engine.search(URGENT, k=3)
    assert answer.urgent
    assert answer.help == [c.to_json() for c in UK_EMERGENCY]
    assert {c["phone"] for c in answer.help} >= {"999", "111"}
    # Answered or not, never a bare refusal: the numbers come with it.
    assert answer.help and (answer.answered or answer.reason)


TRANSFER = ROOT.parent / "shared" / "eval" / "transfer-dev" / "corpus"


@pytest.mark.model
def test_the_transfer_corpus_gives_its_text_line_first_for_a_suicidal_teenager(tmp_path):
    if not TRANSFER.is_dir():
        pytest.skip(f"The transfer corpus {TRANSFER} is not there: place a copy of shared/ beside the repository.")
    settings = Settings(corpus_dir=TRANSFER, index_dir=tmp_path / "index")
    build(settings)
    answer = Engine(settings).search("who can my teenager text if they feel suicidal at night")
    assert answer.answered and answer.urgent
    assert "SHOUT to 85258" in answer.passages[0].text
    assert answer.help
