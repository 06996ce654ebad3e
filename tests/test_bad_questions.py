"""Whatever a person types gets a calm answer or a clear "please type a
question", never an exception: from the engine, from `python -m qa --json`
and from the page (driven by AppTest; tests/test_app.py and
tests/test_browser.py check how the page shows such questions)."""
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ingest.settings import DEFAULT_CORPUS_DIR, MAX_QUESTION_CHARS
from qa import Engine, __main__ as cli, messages
from qa.question import EMPTY_REASON

ROOT = Path(__file__).resolve().parent.parent
CORPUS_TEXT = (DEFAULT_CORPUS_DIR / "sen-support-guidance.md").read_text(encoding="utf-8")
pytestmark = pytest.mark.model

# Nothing to search for: the answer asks for a question.
NOTHING_TO_SEARCH = {
    "empty": "",
    "spaces": "     ",
    "white space of every kind": " \t\n\r\u00a0\u2003\u3000\u2028\u2029",
    "only NUL": "\x00",
    "only control characters": "\x00\x01\x07\x08\x1b\x7f\x9f",
    "only bidi controls": "\u202e\u202d\u2066\u2067\u2068\u2069\u200f\u200e",
    "only zero-width characters": "\u200b\u200c\u200d\ufeff\u2060",
    "only emoji": "😀🙏🏽👨‍👩‍👧",
    "only punctuation": "?!?...",
    "lone surrogate": "\ud800",
}
# Something to search for, however odd: a calm answer, answered or not.
ODD_QUESTIONS = {
    "one letter": "a",
    "one digit": "3",
    "one CJK character": "学",
    "100,000 characters": ("What help can my child get at school? " * 2700)[:100_000],
    "100,000 characters with no spaces": "x" * 100_000,
    "NUL inside": "What is a\x00 SENCO?",
    "control characters inside": "What\x07 is\x1b[31m a SENCO?\x08\x7f",
    "terminal escape": "\x1b]0;pwned\x07What is a SENCO?",
    "emoji around": "😟 What is a SENCO? 🙏",
    "right-to-left override": "\u202eWhat is a SENCO?\u202c",
    "bidi isolates": "\u2067What is a SENCO?\u2069 \u2066EHCP\u2069",
    "zero-width joiners": "SEN\u200bCO what\u200d is it",
    "Arabic": "ما هو منسق الاحتياجات التعليمية الخاصة؟",
    "Arabic with English": "ما هو SENCO؟",
    "Polish": "Jak mogę poprosić o ocenę potrzeb edukacyjnych dziecka?",
    "Welsh": "Sut ydw i'n gofyn am asesiad EHC i fy mhlentyn?",
    "Welsh with circumflexes": "Pwy sy'n talu am gymorth ŵyr ŷd?",
    "HTML": "<b>What</b> is <i>SEN support</i>?",
    "script tag": "<script>alert('x')</script> what is a SENCO",
    "img onerror": '<img src=x onerror="alert(1)">',
    "Markdown link": "[click here](javascript:alert(1)) who pays for SEN support",
    "Markdown image": "![cat](http://example.invalid/cat.png) EHC assessment",
    "Jinja template": "{{7*7}}",
    "Jinja block": "{% for x in range(10**9) %}{{x}}{% endfor %}",
    "shell template": "${x} $(rm -rf /) `id`",
    "format string": "{0.__class__.__mro__} %s%s%s%n",
    "SQL injection": "' OR 1=1; DROP TABLE chunks; --",
    "SQL union": "1 UNION SELECT password FROM users",
    "path traversal": "../../etc/passwd",
    "absolute path": "/etc/shadow",
    "Windows path": "C:\\Windows\\System32\\config\\SAM",
    "file URL": "file:///etc/passwd",
    "index file name": "index/manifest.json",
    "mixed scripts": "Кто платит за SEN support? 谁支付",
    "combining characters": "Wha\u0301t i\u0308s a SE\u0300NCO?",
    "fullwidth letters": "Ｗｈａｔ ｉｓ ａ ＳＥＮＣＯ？",
}
ALL_QUESTIONS = {**NOTHING_TO_SEARCH, **ODD_QUESTIONS}
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


@pytest.fixture
def engine(real_engine) -> Engine:
    return real_engine


def check_calm(answer, k: int) -> None:
    """What every answer must be, whatever was asked."""
    assert len(answer.passages) <= k
    for p in answer.passages:
        assert p.text in CORPUS_TEXT and CORPUS_TEXT[p.start:p.end] == p.text
    assert answer.answered == (answer.reason == "")
    assert "Traceback" not in answer.reason and "Error" not in answer.reason
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert not any(unicodedata.category(ch) in FORBIDDEN_CATEGORIES for ch in answer.question)
    assert json.loads(json.dumps(answer.to_json(), ensure_ascii=False)) == answer.to_json()


@pytest.mark.parametrize("question", NOTHING_TO_SEARCH.values(), ids=NOTHING_TO_SEARCH.keys())
def test_nothing_to_search_asks_for_a_question(engine, question):
    answer = engine.search(question)
    check_calm(answer, 5)
    assert not answer.answered and answer.reason == EMPTY_REASON and answer.passages == []


@pytest.mark.parametrize("question", ODD_QUESTIONS.values(), ids=ODD_QUESTIONS.keys())
def test_odd_questions_get_a_calm_answer(engine, question):
    answer = engine.search(question, k=3)
    check_calm(answer, 3)
    assert answer.passages, "something to search for is searched"


@pytest.mark.parametrize("name", ["100,000 characters", "100,000 characters with no spaces"])
def test_a_long_question_is_cut_to_the_maximum_with_a_notice(engine, name):
    answer = engine.search(ODD_QUESTIONS[name])
    assert 0 < len(answer.question) <= MAX_QUESTION_CHARS
    assert ODD_QUESTIONS[name].startswith(answer.question)
    assert "100,000 characters" in answer.notice and f"{MAX_QUESTION_CHARS:,}" in answer.notice


def test_the_notice_belongs_to_the_question_asked_not_to_the_cache(engine):
    # Two questions that clean to the same text share a cached answer; the
    # notice about cutting must still be each one's own.
    long = "Who pays for a speech therapist at my son's school?" + " Please help." * 400
    cut = engine.search(long)
    assert f"{len(long):,} characters" in cut.notice
    assert engine.search(cut.question).notice == ""
    assert f"{len(long):,} characters" in engine.search(long).notice
    longer = long + " Thanks." * 100
    assert f"{len(longer):,} characters" in engine.search(longer).notice


@pytest.mark.parametrize("noisy, plain", [
    ("What is a\x00 SENCO?", "What is a SENCO?"),
    ("\u202eWhat is a SENCO?\u202c", "What is a SENCO?"),
    ("What\x07 is\x1b a SENCO?\x7f", "What is a SENCO?"),
    ("Ｗｈａｔ ｉｓ ａ ＳＥＮＣＯ？", "What is a SENCO?"),
    ("   What   is a\tSENCO?\n", "What is a SENCO?"),
])
def test_invisible_characters_do_not_change_the_answer(engine, noisy, plain):
    a, b = engine.search(noisy), engine.search(plain)
    assert a.question == b.question == plain
    assert [(p.chunk_id, p.score) for p in a.passages] == [(p.chunk_id, p.score) for p in b.passages]
    assert a.answered and "SENCO" in a.passages[0].text


@pytest.mark.parametrize("question", ["{{7*7}}", "${7*7}", "{0.__class__}", "%s%n"])
def test_templates_are_text_not_code(engine, question):
    answer = engine.search(question)
    assert answer.question == question
    assert "49" not in answer.question and "class '" not in json.dumps(answer.to_json())


@pytest.mark.parametrize("k", [-5, 0, 1, 10**9])
def test_any_k_gives_between_one_and_all_passages(engine, k):
    answer = engine.search("Who pays for SEN support?", k=k)
    assert 1 <= len(answer.passages) <= len(engine.index.chunks)


def test_the_command_line_prints_one_json_line_per_question(engine, real_index_dir, tmp_path):
    # One process for every question: each one a line of valid JSON, in
    # order, the same as the engine answers, and exit status 0.
    questions = list(ALL_QUESTIONS.values())
    qfile = tmp_path / "questions.jsonl"
    qfile.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "qa", "--json", "--k", "3", "--questions", str(qfile),
                          "--index", str(real_index_dir)], cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                         capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == len(questions)
    for question, line in zip(questions, lines):
        printed = json.loads(line)
        expected = engine.search(question, k=3).to_json()
        assert printed["question"] == expected["question"]
        assert printed["answered"] == expected["answered"] and printed["reason"] == expected["reason"]
        assert printed["notice"] == expected["notice"]
        assert [p["chunk_id"] for p in printed["passages"]] == [p["chunk_id"] for p in expected["passages"]]


def test_the_page_answers_every_bad_question_calmly(real_index_dir, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SEN_GUIDE_INDEX", str(real_index_dir))
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(DEFAULT_CORPUS_DIR))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    # A browser sends UTF-8, which cannot carry a lone surrogate.
    for name, question in [(n, q) for n, q in ALL_QUESTIONS.items() if n != "lone surrogate"]:
        at.text_input(key="question").input(question)
        at.button[0].click()  # the form's submit button, as Enter does in a browser
        at.run()
        assert not at.exception and not at.error, name  # st.error is the page's apology
        shown = [h.value for h in at.html]
        if name in NOTHING_TO_SEARCH:
            assert any("Please type a question" in h for h in shown), name
        else:
            calm = ("blockquote", messages.NO_ANSWER, messages.NOT_ENGLISH, "Please tell us a bit more.")
            assert any(s in h for h in shown for s in calm), name


def test_a_questions_file_that_is_not_utf8_is_one_clear_line(tmp_path, capsys):
    qfile = tmp_path / "questions.txt"
    qfile.write_bytes("Qu'est-ce qu'un SENCO ? Réponse".encode("latin-1") + b"\xff\xfe\x00")
    assert cli.main(["--questions", str(qfile), "--json"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and str(qfile) in err and "UTF-8" in err


def test_a_missing_questions_file_is_one_clear_line(tmp_path, capsys):
    assert cli.main(["--questions", str(tmp_path / "nope.txt")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "nope.txt" in err


# Words of the guidance, so that generated questions reach real passages too.
CORPUS_WORDS = sorted({w.strip(".,;:()?“”’'") for w in CORPUS_TEXT.split()} - {""})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=3000),
    st.lists(st.one_of(st.sampled_from(CORPUS_WORDS), st.text(max_size=5)), max_size=30).map(" ".join),
), k=st.integers(min_value=1, max_value=25))
def test_search_never_raises_and_quotes_only_the_guidance(engine, text, k):
    answer = engine.search(text, k=k)
    check_calm(answer, k)
