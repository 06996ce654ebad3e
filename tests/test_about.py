"""ingest.about: what a corpus says about itself (corpus/sen-guide.json), and
the refusal that names the corpus's own contacts, never another council's."""
import dataclasses
import json

import pytest

from ingest.about import ABOUT_FILE, UK_EMERGENCY, About, Contact, read_about
from ingest import ensure_index
from ingest.errors import CorpusError
from ingest.settings import DEFAULT_CORPUS_DIR, Settings
from qa import Engine, decision, messages
from web import page_html
from qa.tuning import Tuning

from conftest import FAKE_MODEL_NAME


def _write(folder, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data)
    (folder / ABOUT_FILE).write_text(text, encoding="utf-8")


def test_no_file_gives_the_neutral_defaults(tmp_path):
    about = read_about(tmp_path)
    assert about == About()
    assert about.contacts == () and about.name == "" and about.publisher == ""
    assert about.emergency == UK_EMERGENCY
    assert {c.phone for c in about.emergency} == {"999", "111"}


def test_a_full_file_is_read(tmp_path):
    _write(tmp_path, {
        "name": "Testshire  Local Offer", "publisher": "Testshire Council",
        "contacts": [{"name": "Testshire SENDIASS", "phone": "01234 000111", "url": "https://sendiass.example.org",
                      "about": "free, impartial advice"},
                     {"name": "Parent Carer Forum", "url": "http://forum.example.org"}],
        "emergency": [{"name": "Duty team", "phone": "01234 999000"}],
    })
    about = read_about(tmp_path)
    assert about.name == "Testshire Local Offer"  # white space made single
    assert about.publisher == "Testshire Council"
    assert about.contacts == (Contact("Testshire SENDIASS", "01234 000111", "https://sendiass.example.org",
                                      "free, impartial advice"),
                              Contact("Parent Carer Forum", url="http://forum.example.org"))
    assert about.emergency == (Contact("Duty team", "01234 999000"),)


def test_an_empty_emergency_list_keeps_the_uk_numbers(tmp_path):
    _write(tmp_path, {"name": "X", "emergency": []})
    assert read_about(tmp_path).emergency == UK_EMERGENCY


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", "ftp://files.example.org/x",
                                 "www.example.org", "data:text/html,hi"])
def test_a_contact_with_an_unsafe_url_keeps_its_name_but_loses_the_url(tmp_path, url):
    _write(tmp_path, {"contacts": [{"name": "Helpline", "phone": "0800 000000", "url": url}]})
    (contact,) = read_about(tmp_path).contacts
    assert contact == Contact("Helpline", "0800 000000", "")
    assert "url" not in contact.to_json()


def test_an_upper_case_https_url_is_kept(tmp_path):
    _write(tmp_path, {"contacts": [{"name": "Helpline", "url": "HTTPS://help.example.org"}]})
    assert read_about(tmp_path).contacts[0].url == "HTTPS://help.example.org"


@pytest.mark.parametrize("content", [
    {"contacts": [{"phone": "0800 000000"}]},  # a contact without a name
    {"contacts": [{"name": "   "}]},  # a blank name
    {"contacts": ["WIASS"]},  # not an object
    {"emergency": [{"phone": "999"}]},
    [{"name": "WIASS"}],  # the file is a list, not an object
    "\"just a string\"",
    "{\"name\": \"Testshire\",}",  # invalid JSON
    "",
])
def test_a_broken_file_is_an_error_naming_the_file_and_the_fix(tmp_path, content):
    _write(tmp_path, content)
    with pytest.raises(CorpusError) as info:
        read_about(tmp_path)
    message = str(info.value)
    assert str(tmp_path / ABOUT_FILE) in message
    assert "fix it" in message and "ingest/about.py" in message
    assert "\n" not in message


def test_contact_json_leaves_out_empty_fields():
    assert Contact("A", phone="1").to_json() == {"name": "A", "phone": "1"}


def test_the_seed_corpus_settings_load_and_name_wiass():
    about = read_about(DEFAULT_CORPUS_DIR)
    assert any("WIASS" in c.name for c in about.contacts)
    assert about.emergency  # the UK's own numbers when it names none


# --- the engine's refusal --------------------------------------------------------

CORPUS = {"guide.md": (
    "# Support for your child\n\n"
    "## Reviews\n\n"
    "The school reviews your child's support plan three times a year with you and the SENCO.\n\n"
    "## Homework\n\n"
    "Teachers can adapt homework so that your child can finish it at home.\n"
)}
CONTACTS = [
    {"name": "Testshire SENDIASS", "phone": "01234 000111", "url": "https://sendiass.example.org"},
    {"name": "Parent Carer Forum", "url": "https://forum.example.org"},
    {"name": "Third Service", "phone": "0800 333"},
]


@pytest.fixture
def refusing_engine(fake_model, monkeypatch, tiny_corpus, tmp_path):
    """make(about) -> an Engine over a tiny corpus whose refusal model refuses everything."""
    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")
    never = dataclasses.replace(decision.load(), threshold=1.5)  # no chance reaches it

    def make(about: dict | None, name: str) -> Engine:
        files = dict(CORPUS)
        if about is not None:
            files[ABOUT_FILE] = json.dumps(about)
        corpus = tiny_corpus(files, name=name)
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / f"index-{name}", model=FAKE_MODEL_NAME,
                            encoder="sentence-transformers")
        ensure_index(settings)
        return Engine(settings, tuning=Tuning(fitted=never))

    return make


def test_a_refusal_names_the_corpus_contacts(refusing_engine):
    answer = refusing_engine({"contacts": CONTACTS}, "with-contacts").search("How are plans reviewed?")
    assert not answer.answered and not answer.urgent
    assert answer.reason == messages.no_answer(["Testshire SENDIASS", "Parent Carer Forum"])
    assert "Ask your child's school SENCO. Or ask Testshire SENDIASS or Parent Carer Forum." in answer.reason
    assert "Third Service" not in answer.reason  # two at most
    assert answer.help == CONTACTS  # all of them offered beside the refusal, with their numbers and addresses
    shown = page_html.help_html(answer)
    assert shown.startswith('<div class="sg-help"><p>Who can help:</p>')
    assert '<a href="tel:01234000111">01234 000111</a>' in shown and '<a href="tel:0800333">0800 333</a>' in shown
    assert '<a href="https://sendiass.example.org">https://sendiass.example.org</a>' in shown
    assert '<a href="https://forum.example.org">' in shown and "<strong>Third Service</strong>" in shown


def test_a_contact_with_no_details_is_named_alone(refusing_engine):
    answer = refusing_engine({"contacts": [{"name": "Local Offer team"}]}, "bare").search("How are plans reviewed?")
    assert answer.reason.endswith("Ask your child's school SENCO. Or ask Local Offer team. They can help you.")


def test_a_refusal_without_contacts_gives_the_neutral_line_only(refusing_engine):
    answer = refusing_engine(None, "no-settings").search("How are plans reviewed?")
    assert not answer.answered
    assert answer.reason == messages.no_answer([])
    assert answer.reason.endswith("Ask your child's school SENCO. They can help you.")
    assert answer.help == []
