"""Both pages driven by streamlit.testing.v1.AppTest, with the real engine on an index built here."""
import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.settings import DEFAULT_CORPUS_DIR
from qa import Engine, messages
from learn.evaluate import Baselines
from web.staff_auth import hash_password
from views import shared

pytestmark = pytest.mark.model

APP = str(Path(__file__).resolve().parent.parent / "app.py")
# The first run loads the index and the model (cached for the process after that).
FIRST_RUN_TIMEOUT = 120
ELEMENT_2 = "Funding for special educational needs in mainstream schools › Where does funding for SEN come from? › Element 2"
WIASS = "Westminster Information Advice Support Service for SEND"


@pytest.fixture
def env(real_index_dir, monkeypatch):
    """The app reads its settings from the environment, as `streamlit run` does (the index is the session's, see conftest)."""
    monkeypatch.setenv("SEN_GUIDE_INDEX", str(real_index_dir))
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(DEFAULT_CORPUS_DIR))
    return monkeypatch


STAFF = "views/staff.py"
STAFF_PASSWORD = "a staff password for these tests"
STAFF_USERS = {"test.staff": hash_password(STAFF_PASSWORD)}


@pytest.fixture(autouse=True)
def staff_login(monkeypatch):
    """The staff view is there only with a staff sign-in (tests/test_staff_login.py): a password here."""
    monkeypatch.setenv("SEN_GUIDE_STAFF_LOGIN", "password")


def open_app(query: str | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=FIRST_RUN_TIMEOUT)
    at.secrets["staff"] = {"users": STAFF_USERS}
    if query is not None:
        at.query_params["q"] = query
    at.run()
    if page:
        at.switch_page(page).run()
    if page == STAFF:  # signed in, as staff are
        at.text_input(key="staff_username").input("test.staff")
        at.text_input(key="staff_password").input(STAFF_PASSWORD)
        at.button(key="staff_sign_in_button").click().run()
    assert not at.exception, at.exception
    return at


def ask_question(at: AppTest, question: str, key: str = "question") -> AppTest:
    at.text_input(key=key).input(question)
    at.button[0].click()  # the form's submit button, as Enter does in a browser
    at.run()
    assert not at.exception, at.exception
    return at


def bodies(at: AppTest) -> list[str]:
    """Everything the page rendered as Markdown or HTML."""
    return [m.value for m in at.markdown] + [h.value for h in at.html] + [e.value for e in at.error]


def passages(at: AppTest) -> list[str]:
    return [h.value for h in at.html if 'class="sg-quote"' in h.value]


def notices(at: AppTest) -> list[str]:
    return [h.value for h in at.html if h.value.startswith("<div class=\"sg-notice")]


def answer_facts(at: AppTest) -> str:
    return next(h.value for h in at.html if "Question as searched" in h.value)


def examples(at: AppTest) -> list:
    """The example questions: one button each."""
    return [b for b in at.button if (b.key or "").startswith("example-")]


def without_abbr(body: str) -> str:
    """The HTML without the <abbr> tags that explain glossary words (qa.explain)."""
    return re.sub(r'<abbr title="[^"]*">|</abbr>', "", body)


def live_regions(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="sg-live"' in m.value]


# --- the parent page --------------------------------------------------------

def test_the_page_says_what_it_is_and_offers_examples(env):
    at = open_app()
    assert at.title[0].value == "Ask about SEN support"
    assert "quoted from the guidance, word for word" in at.markdown[0].value
    assert at.text_input(key="question").label == "Your question"
    assert 4 <= len(examples(at)) <= 6
    assert not passages(at) and not at.header  # nothing asked yet


def test_the_examples_are_buttons(env):
    at = open_app()
    assert not at.pills  # a radio group to a screen reader; buttons are what they do
    labels = [b.label for b in examples(at)]
    assert len(labels) == len(set(labels)) and all(label.endswith("?") for label in labels)
    assert "<h2 class=\"sg-examples\">Or try one of these questions</h2>" in [h.value for h in at.html]


def test_every_example_question_is_answered(env):
    at = open_app()
    for i, label in enumerate([b.label for b in examples(at)]):
        examples(at)[i].click().run()
        assert at.header[0].value == "What the guidance says", label
        assert passages(at), label
        assert at.text_input(key="question").value == label


def test_a_question_shows_the_right_quote_and_heading(env):
    at = ask_question(open_app(), "What is Element 2 funding?")
    assert at.header[0].value == "What the guidance says"
    first = passages(at)[0]
    assert f'<h3 class="sg-crumb">{ELEMENT_2}</h3>' in first
    assert "From “Special Educational Needs Support”" in first
    assert "<mark>Element 2 funding is to provide SEN support" in without_abbr(first)
    assert 1 <= len(passages(at)) <= 5  # few enough to read on a phone
    assert at.query_params["q"] == "What is Element 2 funding?"  # kept in the URL


def test_read_the_whole_section_holds_the_full_section(env):
    at = ask_question(open_app(), "How often should my child's progress be reviewed?")
    expander = at.expander[0]
    assert expander.label == "Read the whole section"
    section = expander.html[0].value
    quote = re.sub(r"</?mark>", "", passages(at)[0].split('class="sg-quote">')[1].split("</blockquote>")[0])
    # Every passage of the section is highlighted in it, so the first words may be marked.
    assert re.sub(r"</?mark>", "", section).startswith('<div class="sg-section">If your child has been newly diagnosed')
    assert quote in re.sub(r"</?mark>", "", section) and len(section) > len(quote)
    assert "<mark>Your child’s progress is monitored" in section


def suggestions(at: AppTest) -> list:
    """The questions a refusal offers: one button each."""
    return [b for b in at.button if (b.key or "").startswith("suggestion-")]


def test_an_out_of_scope_question_says_so_and_points_to_help(env):
    at = ask_question(open_app(), "What is the capital of France?")
    assert at.header[0].value == "No answer in the guidance"
    (notice,) = notices(at)
    assert messages.NO_ANSWER in notice and "SENCO" in notice and WIASS in notice
    (contacts,) = [h.value for h in at.html if h.value.startswith('<div class="sg-help">')]
    assert f"<strong>{WIASS} (WIASS)</strong>" in contacts
    assert not passages(at)
    # Questions the guidance answers, as buttons; one press asks it and answers it.
    offered = suggestions(at)
    assert 2 <= len(offered) <= 3
    assert f'<h2 class="sg-examples">{messages.SUGGESTIONS_HEADING}</h2>' in [h.value for h in at.html]
    question = messages.question_of(re.sub(r"\\(.)", r"\1", offered[0].label))
    offered[0].click().run()
    assert not at.exception
    assert at.query_params["q"] == question and at.text_input(key="question").value == question
    assert at.header[0].value == "What the guidance says" and passages(at)


def test_a_refusal_lists_the_corpus_contacts_with_phone_and_web_links(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus)
    (corpus / "sen-guide.json").write_text(json.dumps({"contacts": [
        {"name": "Testshire SENDIASS", "phone": "01234 000111", "url": "https://sendiass.example.org",
         "about": "free advice"},
        {"name": "Parent Carer Forum", "url": "https://forum.example.org"}]}), encoding="utf-8")
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(corpus))
    monkeypatch.setenv("SEN_GUIDE_INDEX", str(tmp_path / "index"))  # built by the page on first load
    at = open_app(query="How do I renew my passport?")
    assert at.header[0].value == "No answer in the guidance"
    assert "Or ask Testshire SENDIASS or Parent Carer Forum." in notices(at)[0]
    (contacts,) = [h.value for h in at.html if h.value.startswith('<div class="sg-help">')]
    assert '<a href="tel:01234000111">01234 000111</a>' in contacts
    assert '<a href="https://sendiass.example.org">https://sendiass.example.org</a>' in contacts
    assert '<a href="https://forum.example.org">https://forum.example.org</a>' in contacts
    assert suggestions(at)


def test_a_misspelt_question_is_offered_spelt_right_and_never_quoted_back(env):
    at = ask_question(open_app(), "can my sun go on the scool trip to france")
    assert at.header[0].value == "No answer in the guidance"
    shown = " ".join(bodies(at)[1:])  # all but the live region, which holds no question
    assert "sun" not in re.findall(r"\w+", shown) and "scool" not in re.findall(r"\w+", shown)
    assert not any('class="sg-asked"' in h.value for h in at.html)
    button = at.button(key="did-you-mean")
    assert re.sub(r"\\(.)", r"\1", button.label) == "Did you mean: can my son go on the school trip to france?"
    button.click().run()
    assert not at.exception
    assert at.query_params["q"] == "can my son go on the school trip to france"
    assert at.text_input(key="question").value == "can my son go on the school trip to france"


def test_an_injected_script_question_is_shown_as_text(env):
    attack = "<script>alert(1)</script> **bold** <img src=x onerror=alert(2)>"
    at = ask_question(open_app(), attack)
    assert at.text_input(key="question").value == attack  # the box shows it as typed
    assert at.query_params["q"] == attack
    # The page's own script, which moves focus to the answer, holds none of the question.
    (focus,) = [h.value for h in at.html if h.value.startswith("<script>/* search ")]
    assert "alert" not in focus and "bold" not in focus
    for body in [h.value for h in at.html if h.value != focus]:
        assert "<script" not in body and "<img" not in body  # escaped wherever it appears
    for body in [m.value for m in at.markdown] + [e.value for e in at.error]:
        assert "alert" not in body and "bold" not in body  # never handed to the Markdown renderer
    assert notices(at)  # the page still answers plainly


def test_the_question_in_the_url_is_prefilled_and_answered(env):
    at = open_app(query="How often should my child's progress be reviewed?")
    assert at.text_input(key="question").value == "How often should my child's progress be reviewed?"
    assert "reviewed at least 3 times every year" in passages(at)[0]


def test_an_example_question_is_one_click_away(env):
    at = open_app()
    next(b for b in examples(at) if b.label == "What is a SENCO?").click().run()
    assert not at.exception
    assert at.query_params["q"] == "What is a SENCO?"
    assert at.text_input(key="question").value == "What is a SENCO?"
    assert "responsible for the school’s day to day SEN policy" in without_abbr(passages(at)[0])
    assert len(examples(at)) == 6  # still there, below the answer, for another click


def test_one_read_the_whole_section_for_each_section(env):
    at = ask_question(open_app(), "What is a SENCO?")
    crumbs = [re.search(r'class="sg-crumb">(.*?)</h3>', body).group(1) for body in passages(at)]
    assert len(crumbs) == len(set(crumbs))  # each section once
    assert sum(body.count('<blockquote class="sg-quote">') for body in passages(at)) > len(crumbs)  # grouped here
    assert [e.label for e in at.expander] == ["Read the whole section"] * len(crumbs)
    first = passages(at)[0]
    assert "<ul><li>Tell the teacher about your concerns</li>" in first  # a list, word for word


def test_words_the_glossary_knows_are_explained_where_they_stand(env):
    at = ask_question(open_app(), "What is a SENCO?")
    first = passages(at)[0]
    assert '<abbr title="Special Educational Needs Coordinator">SENCO</abbr>' in first  # in the quote
    box = re.search(r'<details class="sg-words"><summary>Words explained: (.*?)</summary><dl>(.*?)</dl></details>',
                    first)
    assert "SENCO" in box.group(1).split(", ")
    assert ("<dt>SENCO</dt><dd>Special Educational Needs Coordinator: The teacher in a school or nursery who "
            "organises extra help") in box.group(2)
    dts = re.findall(r"<dt>(.*?)</dt>", box.group(2))
    assert len(dts) == len(set(dts))  # each term once
    # The page's own words: SEN spelled out in the introduction, the examples' terms below them.
    assert at.markdown[0].value.startswith("SEN means special educational needs.")
    examples_box = next(h.value for h in at.html if h.value.startswith('<details class="sg-words"><summary>Words '
                                                                        "explained: SENCO, EHC assessment</summary>"))
    assert "<dt>EHC assessment</dt>" in examples_box


def test_the_answer_restates_the_question(env):
    at = ask_question(open_app(), "What is a SENCO?")
    assert '<p class="sg-asked">You asked: “What is a SENCO?”</p>' in [h.value for h in at.html]
    at = ask_question(at, "What is the capital of <b>France</b>?")
    assert '<p class="sg-asked">You asked: “What is the capital of &lt;b&gt;France&lt;/b&gt;?”</p>' in \
        [h.value for h in at.html]


def test_the_live_region_is_there_before_a_question_and_says_the_answer_after(env):
    at = open_app()
    assert live_regions(at) == ['<div class="sg-live" role="status" aria-live="polite"></div>']
    ask_question(at, "What is a SENCO?")
    assert live_regions(at) == ['<div class="sg-live" role="status" aria-live="polite">'
                                "Found 3 passages in the guidance, from 2 sections.</div>"]
    ask_question(at, "What is the capital of France?")
    assert live_regions(at) == ['<div class="sg-live" role="status" aria-live="polite">'
                                "No answer in the guidance for this question.</div>"]


def test_back_and_forward_bring_the_box_in_step_with_the_url(env):
    at = ask_question(ask_question(open_app(), "What is a SENCO?"), "What is Element 2 funding?")
    at.query_params["q"] = "What is a SENCO?"  # what Back does: the URL changes and the page runs again
    at.run()
    assert at.text_input(key="question").value == "What is a SENCO?"
    assert '<p class="sg-asked">You asked: “What is a SENCO?”</p>' in [h.value for h in at.html]
    del at.query_params["q"]  # back to the first page
    at.run()
    assert at.text_input(key="question").value == "" and not passages(at)


def test_an_empty_question_asks_for_one(env):
    at = ask_question(open_app(), "   ")
    assert not passages(at) and "Please type a question" in notices(at)[0]


def test_corpus_text_with_html_and_markdown_shows_as_text(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "guide.md").write_text(
        "---\ntitle: Test <i>guide</i>\n---\n\n# Test guide\n\n## Help with <b>school</b> transport\n\n"
        "Transport to school is arranged by the council. <script>alert(1)</script> **Ask** the "
        "[council](javascript:alert(2)) about transport.\n", encoding="utf-8")
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(corpus))
    monkeypatch.setenv("SEN_GUIDE_INDEX", str(tmp_path / "index"))  # built by the page on first load
    at = open_app(query="How is transport to school arranged?")
    (first, *_) = passages(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first and "**Ask** the [council](javascript:alert(2))" in first
    assert "Help with &lt;b&gt;school&lt;/b&gt; transport</h3>" in first and "“Test &lt;i&gt;guide&lt;/i&gt;”" in first
    for body in bodies(at):
        assert "<script" not in body and "<b>" not in body and "<i>" not in body


def test_an_index_that_cannot_be_built_shows_an_apology_not_a_traceback(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(tmp_path / "empty"))
    monkeypatch.setenv("SEN_GUIDE_INDEX", str(tmp_path / "index"))
    at = open_app(query="What is a SENCO?")
    assert [e.value for e in at.error] == [shared.APOLOGY]
    assert not passages(at) and not at.text_input  # the page stops after the apology
    staff = open_app(query="What is a SENCO?", page="views/staff.py")
    assert [e.value for e in staff.error] == [shared.APOLOGY]
    assert any("Details for staff:" in h.value and str(tmp_path / "empty") in h.value for h in staff.html)


def test_an_unexpected_error_in_search_shows_an_apology(env):
    def broken(self, question, k=5):
        raise RuntimeError("internal detail that must not reach the page")

    env.setattr(Engine, "search", broken)
    at = open_app(query="What is a SENCO?")
    assert [e.value for e in at.error] == [shared.APOLOGY]
    assert not any("internal detail" in b for b in bodies(at))


# --- the staff view ---------------------------------------------------------

def unescaped(table):
    """A static table's cells as written: st.table reads Markdown, so the page escapes it (web.staff_tables.markdown_safe)."""
    return table.map(lambda v: re.sub(r"\\(.)", r"\1", v) if isinstance(v, str) else v)


def staff_notices(at: AppTest) -> list[str]:
    return [h.value for h in at.html if h.value.startswith('<div class="sg-notice')]


def test_staff_see_every_ranked_passage_with_its_scores(env):
    at = open_app(query="who pays for a teaching assistant?", page="views/staff.py")
    assert at.title[0].value == "Staff view"
    assert at.text_input(key="staff_question").value == "who pays for a teaching assistant?"
    table = unescaped(at.table[0].value)  # one document in the index: no document column
    assert list(table.columns) == ["rank", "section", "overall match", "meaning match", "best sentence",
                                   "word match", "best sentence's words", "rare words found"]
    assert list(table["rank"]) == list(range(1, 11))
    assert list(table["overall match"]) == sorted(table["overall match"], reverse=True)
    assert table["overall match"][0] == 100
    for column in table.columns[2:]:  # one scale: the best of each kind is 100
        assert table[column].max() == 100 and table[column].min() >= 0
    assert ELEMENT_2 in set(table["section"])  # named by its headings below the title, in full
    key = " ".join(m.value for m in at.markdown)
    for name in table.columns[2:]:
        assert f"**{name}**:" in key  # the key above the table
    assert any("out of 100" in c.value for c in at.caption)
    raw = next(e for e in at.expander if e.label == "Raw scores")
    raw_table = raw.dataframe[0].value
    assert list(raw_table.columns) == ["rank", "fused", "dense", "sentence", "keyword", "sentence_keyword",
                                       "coverage", "chunk id"]
    assert all(re.fullmatch(r"[0-9a-f]{16}", c) for c in raw_table["chunk id"])
    assert "cosine" in raw.markdown[0].value and "<dt>threshold</dt>" in raw.html[0].value
    facts = answer_facts(at)
    assert "Question as searched (after glossary expansion)" in facts and "learning support assistant LSA" in facts
    assert "What parents are told" not in facts
    assert re.fullmatch(r"Answered: the chance that the guidance answers this is 0\.\d+, above the 0\.\d+ needed\.",
                        re.sub(r"<[^>]+>", "", staff_notices(at)[0]))
    readers = [e for e in at.expander if e.label.startswith("Read passage ")]
    assert [e.label.split(":")[0] for e in readers] == [f"Read passage {i}" for i in range(1, 11)]
    assert all('class="sg-quote"' in e.html[0].value for e in readers)


def test_staff_see_why_the_search_refused(env):
    at = open_app(query="What is the capital of France?", page="views/staff.py")
    facts = answer_facts(at)
    assert "<dt>Answered</dt><dd>no: refused</dd>" in facts
    assert f"<dt>What parents are told</dt><dd>{messages.NO_ANSWER}" in facts and WIASS in facts
    assert "<dt>Words the guidance never uses</dt><dd>france, capital</dd>" in facts
    decision = re.sub(r"<[^>]+>", "", staff_notices(at)[0])
    assert re.match(r"Refused: the chance that the guidance answers this is 0\.\d+, below the 0\.\d+ needed\. "
                    r"Closest sentence: 0\.\d+ similar in meaning", decision)
    assert decision.endswith("Words the guidance never uses: france, capital.")


def test_staff_see_the_index_facts(env, real_index_dir):
    manifest = json.loads((real_index_dir / "manifest.json").read_text(encoding="utf-8"))
    at = open_app(page="views/staff.py")
    facts = next(h.value for h in at.html if "<dt>Model</dt>" in h.value)
    assert (f"<dt>Model</dt><dd>{manifest['model']['name']} (384 dimensions, all-MiniLM-L6-v2 tuned for SEN "
            "guidance)</dd>") in facts
    assert f"<dt>Passages</dt><dd>{manifest['counts']['chunks']}</dd>" in facts
    assert "<dt>Documents</dt><dd>1</dd>" in facts and "<dt>Corpus files</dt><dd>sen-support-guidance.md</dd>" in facts


def test_staff_see_each_document_of_the_index(env, real_index_dir):
    manifest = json.loads((real_index_dir / "manifest.json").read_text(encoding="utf-8"))
    at = open_app(page="views/staff.py")
    assert [h.value for h in at.subheader][:1] == ["Documents"]
    table = unescaped(at.table[0].value)  # no question asked: the documents are the only table
    assert list(table.columns) == ["file", "format", "title", "source", "last updated", "passages", "status"]
    row = table.iloc[0].to_dict()
    assert len(table) == 1 and row["file"] == "sen-support-guidance.md" and row["format"] == "Markdown"
    assert row["title"] == "Special Educational Needs Support" and row["status"] == "read"
    assert row["source"].startswith("shared/seed/sen-support-guidance.txt")
    assert row["passages"] == manifest["counts"]["chunks"]


def test_staff_run_the_evaluation_on_a_gold_file(env, tmp_path):
    env.setenv("SEN_GUIDE_GOLD_DIRS", str(tmp_path))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(x) for x in [
        {"id": "g1", "question": "What is Element 2 funding?", "kind": "keyword", "section": "Element 2",
         "gold": ["Element 2 funding is to provide SEN support"]},
        {"id": "g2", "question": "How often is progress reviewed?", "kind": "paraphrase", "section": "Newly Diagnosed",
         "gold": ["reviewed at least 3 times every year"]},
        {"id": "g3", "question": "How do I renew my passport?", "kind": "out_of_scope", "gold": []},
    ]) + "\n", encoding="utf-8")
    searched = []  # every question the engine is asked, by any session
    search = Engine.search

    def counted(self, question, k=5):
        searched.append(question)
        return search(self, question, k=k)

    env.setattr(Engine, "search", counted)
    built = []  # every time the baselines embed the corpus
    build = Baselines.__init__

    def counted_build(self, *args, **kwargs):
        built.append(1)
        build(self, *args, **kwargs)

    env.setattr(Baselines, "__init__", counted_build)
    at = open_app(page="views/staff.py")
    assert at.text_input[1].value == "../shared/eval/dev.jsonl"  # the dev set by default
    at.text_input[1].input(str(gold))
    next(b for b in at.button if b.label == "Run the evaluation").click()
    at.run()
    assert not at.exception
    documents, metrics, rows = (unescaped(t.value) for t in at.table)  # the index's documents come first
    kinds = at.dataframe[0].value
    assert list(documents["file"]) == ["sen-support-guidance.md"]
    # The baselines beside the search, each measure by its plain name with what it means.
    assert list(metrics.columns) == ["measure", "what it means", "this search", "meaning alone", "keywords alone"]
    assert list(metrics["measure"])[:7] == [
        "right passage first", "right passage in the first three", "right passage in the first five",
        "average position score (1 = always first)", "unanswerable questions refused",
        "answerable questions refused", "longest passage shown (characters)"]
    assert all(metrics["what it means"])
    scores = {m: (s, d, b) for m, _, s, d, b in metrics.itertuples(index=False)}
    assert scores["right passage first"][0] == "1.000"
    assert scores["unanswerable questions refused"] == ("1.000", "0.000", "0.000")
    assert all(re.fullmatch(r"[01]\.[0-9]{3}", v) for v in scores["average position score (1 = always first)"])
    summary = next(n for n in staff_notices(at) if "gold.jsonl" in n)
    assert ("2 questions the guidance answers and 1 it does not" in summary
            and "2 of 2 questions found the right passage first; 2 of 2 in the first three; 1 of 1 questions the "
                "guidance does not answer were refused; 0 of 2 answerable questions were refused." in summary)
    raw = next(e for e in at.expander if e.label == "Raw scores")
    assert "hit@1" in raw.code[0].value and "abstain_oos" in raw.code[0].value  # as `python -m learn.evaluate` prints
    assert list(rows.columns)[:2] == ["outcome", "right"]  # the outcome first
    assert list(rows["id"]) == ["g1", "g2", "g3"]
    assert list(rows["outcome"]) == ["hit at 1", "hit at 1", "refused (right)"]
    assert list(rows["right"]) == ["yes", "yes", "yes"]
    assert set(kinds["kind of question"]) == {"in the guidance's words", "in other words",
                                              "not in the guidance (should be refused)"}
    # The scores and the rows come from one run: each question was searched once.
    assert sorted(searched) == sorted(["What is Element 2 funding?", "How often is progress reviewed?",
                                       "How do I renew my passport?"])
    # A second run reuses the baselines built for this corpus: it builds none
    # (the first built them, or found them in the process's cache from an earlier test).
    first_run_built = len(built)
    next(b for b in at.button if b.label == "Run the evaluation").click()
    at.run()
    assert not at.exception and first_run_built <= 1 and len(built) == first_run_built and len(searched) == 6
    assert unescaped(at.table[1].value).equals(metrics)


def test_staff_are_told_when_the_gold_file_is_missing(env, tmp_path):
    env.setenv("SEN_GUIDE_GOLD_DIRS", str(tmp_path))
    at = open_app(page="views/staff.py")
    at.text_input[1].input(str(tmp_path / "nowhere.jsonl"))
    next(b for b in at.button if b.label == "Run the evaluation").click()
    at.run()
    assert not at.exception and len(at.table) == 1  # only the index's documents
    assert any("There is no gold file at" in n and "nowhere.jsonl" in n for n in notices(at))
