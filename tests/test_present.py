"""qa.present: breadcrumbs, escaping, highlighting, whole sections, links to the source and the staff tables."""
import html
import json
import re
from datetime import datetime, timezone

import pytest
from conftest import FAKE_MODEL_NAME
from fpdf import FPDF
from hypothesis import given, strategies as st

from ingest.chunking import Chunk
from ingest.errors import SenGuideError
from ingest.settings import Settings
from qa import Answer, Engine, Passage, present
from qa.evaluate import Result
from qa.ready import ready_engine
from qa.sections import whole_section
from qa.links import source_link

TITLE = "Special Educational Needs Support"
FUNDING = [TITLE, "Funding for special educational needs in mainstream schools", "Element 2"]
MARK = re.compile(r"</?mark>")


def passage(text: str, highlights=None, heading_path=None, **kw) -> Passage:
    defaults = dict(rank=1, score=0.5, scores={"dense": 0.4, "sentence": 0.6, "keyword": 3.0}, text=text,
                    document=TITLE, source="", heading_path=heading_path or FUNDING, chunk_id="c1",
                    highlights=highlights or [], file="guide.md", start=0, end=len(text))
    return Passage(**{**defaults, **kw})


def chunk(cid: str, text: str, start: int, heading_path=None, file="guide.md") -> Chunk:
    return Chunk(id=cid, document=TITLE, file=file, source="", publisher="", heading_path=heading_path or FUNDING,
                 text=text, start=start, end=start + len(text))


def test_breadcrumb_leaves_out_the_document_title():
    assert present.breadcrumb(FUNDING) == "Funding for special educational needs in mainstream schools › Element 2"
    assert present.breadcrumb([TITLE]) == TITLE  # text before the first section heading
    assert present.breadcrumb([]) == ""


def test_highlight_wraps_the_spans_in_mark_and_escapes_everything():
    text = "Ask the SENCO. <b>Then</b> & ask again."
    out = present.highlighted_html(text, [[15, 26]])
    assert out == "Ask the SENCO. <mark>&lt;b&gt;Then&lt;/b&gt;</mark> &amp; ask again."


def test_bad_or_overlapping_spans_never_break_the_markup():
    text = "One. Two. Three."
    out = present.highlighted_html(text, [[5, 9], [-3, 2], [7, 12], [20, 30], [3, 3]])
    assert out == "<mark>On</mark>e. <mark>Two. Th</mark>ree."


@given(st.text(max_size=80), st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=4))
def test_highlighting_adds_only_mark_tags_and_keeps_the_text(text, spans):
    out = present.highlighted_html(text, [list(s) for s in spans])
    bare = MARK.sub("", out)
    assert "<" not in bare and ">" not in bare  # the only markup is <mark>
    assert html.unescape(bare) == text


def test_a_passage_with_html_and_markdown_shows_as_text():
    p = passage("**Stars** and <script>alert(1)</script> [link](javascript:alert(2))", [[0, 9]],
                heading_path=[TITLE, "<img src=x onerror=alert(3)>"], document="A & B <i>guide</i>")
    out = present.passage_html(p)
    assert "<script" not in out and "<img" not in out and "<i>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;img src=x onerror=alert(3)&gt;" in out
    assert "<mark>**Stars**</mark>" in out  # Markdown stays literal: st.html does not read Markdown
    assert out.startswith('<h3 class="sg-crumb">') and "From “A &amp; B &lt;i&gt;guide&lt;/i&gt;”" in out


def test_whole_section_joins_its_chunks_in_order_and_moves_the_highlight():
    first = chunk("a", "Element 2 is for SEN support.", 100)
    second = chunk("b", "Schools decide how to use it. Ask the SENCO.", 140)
    other_section = chunk("c", "Element 3 is top-up funding.", 200, heading_path=[TITLE, "Element 3"])
    other_file = chunk("d", "Another guide.", 100, file="other.md")
    p = passage(second.text, [[30, 44]], chunk_id="b", start=140, end=second.end)
    text, spans = whole_section([other_section, second, other_file, first], p)
    assert text == "Element 2 is for SEN support.\n\nSchools decide how to use it. Ask the SENCO."
    assert [text[s:e] for s, e in spans] == ["Ask the SENCO."]


def test_overlapping_chunks_are_not_repeated_in_the_whole_section():
    first = chunk("a", "One two three four", 0)
    second = chunk("b", "three four five six", 8)
    p = passage(second.text, [[6, 10], [11, 15]], chunk_id="b", start=8, end=second.end)
    text, spans = whole_section([first, second], p)
    assert text == "One two three four five six"
    assert [text[s:e] for s, e in spans] == ["four", "five"]  # one span in the shared part, one after it


def test_section_html_escapes_the_section():
    c = chunk("a", "Use <b>this</b>.", 0)
    assert present.section_html(*whole_section([c], passage(c.text, [[0, 3]], chunk_id="a"))) == \
        '<div class="sg-section"><mark>Use</mark> &lt;b&gt;this&lt;/b&gt;.</div>'


def test_notices_and_facts_escape_what_a_person_typed():
    assert "&lt;script&gt;" in present.notice_html("You asked <script>")
    out = present.facts_html([("Question", "<b>hi</b> **there**")])
    assert out == '<dl class="sg-facts"><dt>Question</dt><dd>&lt;b&gt;hi&lt;/b&gt; **there**</dd></dl>'


def test_staff_facts_say_how_the_question_was_read_and_why_it_abstained():
    answered = Answer("whats fundng", True, "", [passage("x")], expanded_question="whats funding money budget",
                      corrections={"fundng": "funding"}, confidence=0.61234)
    facts = dict(present.answer_facts(answered))
    assert facts["Question as searched (after glossary expansion)"] == "whats funding money budget"
    assert facts["Spelling corrections"] == "fundng → funding"
    assert facts["Confidence (best sentence or heading, cosine)"] == "0.612"
    assert "Why it abstained" not in facts
    abstained = Answer("capital of France", False, "The guidance does not mention “france”.", confidence=0.2)
    assert dict(present.answer_facts(abstained))["Why it abstained"] == "The guidance does not mention “france”."


def test_passage_rows_carry_fused_and_per_retriever_scores():
    p = passage("x", heading_path=FUNDING, rank=2, score=0.123456, chunk_id="abc")
    assert present.passage_rows(Answer("q", True, "", [p])) == [{
        "rank": 2, "fused": 0.1235, "dense": 0.4, "sentence": 0.6, "keyword": 3.0, "chunk id": "abc",
        "heading path": " › ".join(FUNDING)}]


def test_index_facts_from_the_manifest():
    manifest = {"model": {"name": "all-MiniLM-L6-v2", "dimension": 384}, "counts": {"chunks": 21, "sections": 11},
                "documents": [["guide.md", TITLE, "pub", "src"]], "built_at": "2026-11-28T12:26:35+00:00",
                "build_seconds": 5.6, "corpus": {"files": {"guide.md": "abc"}}, "skipped": []}
    facts = dict(present.index_facts(manifest, rebuilt="No index, so the index was rebuilt (21 passages)."))
    assert facts["Model"] == "all-MiniLM-L6-v2 (384 dimensions)"
    assert facts["Passages (chunks)"] == "21" and facts["Documents"] == "1" and facts["Corpus files"] == "guide.md"
    assert facts["Built"] == "28 November 2026, 12:26 UTC (took 5.6 s)"
    assert facts["On loading"].startswith("No index")


def test_gold_path_accepts_only_an_existing_jsonl_file(tmp_path):
    gold = tmp_path / "eval" / "dev.jsonl"
    gold.parent.mkdir()
    gold.write_text(json.dumps({"question": "q", "gold": []}) + "\n", encoding="utf-8")
    assert present.gold_path("eval/dev.jsonl", root=tmp_path, allowed=[tmp_path]) == gold
    assert present.gold_path(f"  {gold}  ", root=tmp_path, allowed=[tmp_path]) == gold
    with pytest.raises(SenGuideError, match="outside the folders gold files are read from"):
        present.gold_path(str(gold), root=tmp_path, allowed=[tmp_path / "elsewhere"])
    with pytest.raises(SenGuideError, match="outside the folders"):
        present.gold_path("eval/../../dev.jsonl", root=tmp_path, allowed=[tmp_path])
    with pytest.raises(SenGuideError, match="Type the path"):
        present.gold_path(" ", root=tmp_path)
    with pytest.raises(SenGuideError, match="There is no gold file at"):
        present.gold_path("eval/missing.jsonl", root=tmp_path, allowed=[tmp_path])
    with pytest.raises(SenGuideError, match="not a JSON Lines file"):
        present.gold_path("/etc/passwd", root=tmp_path)
    (tmp_path / "folder.jsonl").mkdir()
    with pytest.raises(SenGuideError, match="There is no gold file"):
        present.gold_path("folder.jsonl", root=tmp_path, allowed=[tmp_path])


def test_question_rows_show_hits_misses_and_abstentions():
    items = [
        {"id": "a", "question": "first?", "gold": ["right answer"], "section": "S1", "kind": "keyword"},
        {"id": "b", "question": "second?", "gold": ["Right  Answer"], "section": "S2", "kind": "typo"},
        {"id": "c", "question": "third?", "gold": ["never there"], "section": "S3", "kind": "typo"},
        {"id": "d", "question": "bus?", "gold": [], "kind": "out_of_scope"},
        {"id": "e", "question": "passport?", "gold": [], "kind": "out_of_scope"},
    ]
    results = [
        Result(["the right answer", "x"], ["S1", "S2"], False),
        Result(["x", "y", "the right answer"], ["S9", "S9", "S2"], False),
        Result(["x"], ["S9"], False),
        Result(["x"], ["S9"], True),
        Result(["x"], ["S9"], False),
    ]
    rows = present.question_rows(items, results, k=5)
    assert [r["outcome"] for r in rows] == ["hit at 1", "hit at 3", "miss (not in top 5)",
                                            "abstained (right)", "answered (should abstain)"]
    assert [r["right at 1"] for r in rows] == [True, False, False, True, False]
    assert rows[1]["first section"] == "S9" and rows[1]["expected section"] == "S2"
    assert present.question_rows(items[1:2], results[1:2], k=2)[0]["outcome"] == "miss (not in top 2)"


def test_metric_and_kind_rows_format_the_report():
    system = {"hit@1": 0.75, "hit@3": 1.0, "hit@5": 1.0, "mrr@5": 0.8, "abstain_oos": None, "false_abstain": 0.0,
              "longest_passage": 690, "by_kind": {"typo": {"n": 4, "score": 0.5}}}
    rows = {r["metric"]: r["value"] for r in present.metric_rows(system)}
    assert rows == {"hit@1": "0.750", "hit@3": "1.000", "hit@5": "1.000", "mrr@5": "0.800", "abstain_oos": "-",
                    "false_abstain": "0.000", "longest_passage": "690"}
    assert present.kind_rows(system) == [{"kind": "typo", "questions": 4, "score": 0.5}]


# --- links back to the source ------------------------------------------------

PAGE = "https://www.westvale.gov.uk/send/ehc-plans"


def test_a_section_with_a_heading_id_links_to_its_anchor():
    p = passage("Text.", source=PAGE, anchor="who-can-ask")
    assert source_link(p) == PAGE + "#who-can-ask"
    assert source_link(passage("Text.", source=PAGE)) == PAGE  # no heading id: the page itself
    assert source_link(passage("Text.", source=PAGE + "#old", anchor="new")) == PAGE + "#new"
    out = present.passage_html(p)
    assert out.endswith(f'<p class="sg-source"><a href="{PAGE}#who-can-ask" rel="noopener">'
                        "Read this on www.westvale.gov.uk</a></p>")


def test_a_pdf_passage_links_to_its_page_and_says_the_page_even_without_a_link():
    p = passage("Text.", source="https://www.westvale.gov.uk/send-strategy.pdf", page=12, document="SEND strategy")
    assert source_link(p) == "https://www.westvale.gov.uk/send-strategy.pdf#page=12"
    out = present.passage_html(p)
    assert '<p class="sg-doc">From “SEND strategy”, page 12</p>' in out
    assert ('<a href="https://www.westvale.gov.uk/send-strategy.pdf#page=12" rel="noopener">'
            "Open page 12 of the PDF</a>") in out
    local = present.passage_html(passage("Text.", source="strategy.pdf", page=12, document="SEND strategy"))
    assert "From “SEND strategy”, page 12" in local and "<a " not in local and "sg-source" not in local


@pytest.mark.parametrize("source", ["shared/seed/sen-support-guidance.txt", "funding leaflet", "guide.pdf", "",
                                    "ftp://example.org/guide", "//example.org/guide", "www.example.org/guide"])
def test_a_source_that_is_not_a_web_address_is_never_linked(source):
    p = passage("Text.", source=source, anchor="a", page=0)
    assert source_link(p) == "" and "<a " not in present.passage_html(p)


@pytest.mark.parametrize("source", ["javascript:alert(1)", "JavaScript:alert(document.cookie)//https://x.org",
                                    " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                    "java\tscript:alert(1)", "https://x.org/\njavascript:alert(1)"])
def test_a_javascript_or_data_source_is_never_rendered_as_a_link(source):
    for kw in ({}, {"anchor": "a"}, {"page": 3}):
        p = passage("Text.", source=source, **kw)
        out = present.passage_html(p)
        assert source_link(p) == "" and "<a " not in out and "href" not in out
        assert "javascript" not in out.lower() and "<script" not in out


def test_the_last_updated_date_is_written_out():
    p = passage("Text.", updated="2026-03-03")
    assert present.source_html(p) == '<p class="sg-source">Last updated 3 March 2026.</p>'
    assert present.long_date("2025-11-20") == "20 November 2025"
    assert present.source_html(passage("Text.", updated="soon<b>")) == ""  # not a date: left out
    assert present.source_html(passage("Text.")) == ""
    both = present.source_html(passage("Text.", updated="2026-03-03", source=PAGE))
    assert both == (f'<p class="sg-source">Last updated 3 March 2026. <a href="{PAGE}" rel="noopener">'
                    "Read this on www.westvale.gov.uk</a></p>")


def test_a_url_with_quotes_and_angle_brackets_is_escaped():
    source = 'https://evil.example.org/a"onmouseover="alert(1)\'<script>x</script>&b=1'
    p = passage("Text.", source=source, anchor='x"y<z>')
    out = present.passage_html(p)
    href = re.search(r'<a href="([^"]*)" rel="noopener">', out).group(1)
    assert html.unescape(href) == source_link(p)
    assert html.unescape(href).startswith('https://evil.example.org/a"onmouseover="alert(1)\'')
    assert "<script" not in out and 'onmouseover="' not in out and "'<" not in out
    assert '"onmouseover' not in out.replace("&quot;", "")  # the quote never closes the attribute
    assert source_link(p).endswith("#x%22y%3Cz%3E")  # the heading id is %-encoded in the fragment


def test_answer_json_carries_the_link():
    p = passage("Text.", source=PAGE, anchor="who", updated="2026-03-03")
    data = Answer("q", True, "", [p]).to_json()["passages"][0]
    assert (data["source"], data["page"], data["updated"], data["link"]) == (PAGE, 0, "2026-03-03", PAGE + "#who")
    back = Answer.from_json(json.loads(json.dumps(Answer("q", True, "", [p]).to_json()))).passages[0]
    assert (back.anchor, back.updated, source_link(back)) == ("who", "2026-03-03", PAGE + "#who")


def test_chunks_from_an_older_index_load_with_no_link_fields():
    old = {"id": "c1", "document": TITLE, "file": "guide.md", "source": "", "publisher": "", "heading_path": FUNDING,
           "text": "Text.", "start": 0, "end": 5, "sentences": [[0, 5]]}
    c = Chunk.from_json(old)
    assert (c.anchor, c.page, c.updated) == ("", 0, "")
    assert Chunk.from_json(c.to_json()) == c


# --- what the corpus says about itself (staff view) ---------------------------

def test_document_rows_list_each_document_then_each_skipped_file():
    manifest = {"documents": [
        {"path": "guide.md", "title": TITLE, "publisher": "pub", "source": PAGE, "updated": "2026-03-03",
         "format": "md", "passages": 21},
        {"path": "strategy.pdf", "title": "Strategy", "publisher": "", "source": "", "updated": "",
         "format": "pdf", "passages": 4}],
        "skipped": [["notes.docx", "files of type '.docx' are not supported"]]}
    assert present.document_rows(manifest) == [
        {"file": "guide.md", "format": "Markdown", "title": TITLE, "source": PAGE, "last updated": "2026-03-03",
         "passages": 21, "status": "read"},
        {"file": "strategy.pdf", "format": "PDF", "title": "Strategy", "source": "", "last updated": "",
         "passages": 4, "status": "read"},
        {"file": "notes.docx", "format": "docx", "title": "", "source": "", "last updated": "", "passages": 0,
         "status": "skipped: files of type '.docx' are not supported"},
    ]
    facts = dict(present.index_facts(manifest))
    assert facts["Documents"] == "2 (1 file skipped, listed below)"


def test_document_rows_read_an_older_manifest():
    rows = present.document_rows({"documents": [["guide.html", TITLE, "pub", "src"]], "skipped": []})
    assert rows == [{"file": "guide.html", "format": "web page", "title": TITLE, "source": "src", "last updated": "",
                     "passages": None, "status": "read"}]


# --- end to end: every passage of every document carries its link ------------

STRATEGY_PDF = "https://www.westvale.gov.uk/send-strategy.pdf"
RIGHTS_PAGE = "https://www.westvale.gov.uk/send/your-rights"
SUPPORT_PAGE = "https://example.org/support"


def strategy_pdf() -> bytes:
    """Two pages, each opening with a bookmarked heading."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 3, 7, 10, 30, tzinfo=timezone.utc))
    pdf.set_title("Westvale SEND strategy")
    for heading, body in [("Our aims", "We want every child with special educational needs to get support early."),
                          ("Short breaks", "Short breaks give parent carers a rest from caring for a disabled child.")]:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 20)
        pdf.start_section(heading)
        pdf.multi_cell(0, 11, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


LINKED_CORPUS = {
    "rights.html": (
        f'<html><head><title>Your rights - Westvale Council</title><link rel="canonical" href="{RIGHTS_PAGE}">'
        '<meta property="article:modified_time" content="2026-03-03T09:00:00Z"></head><body><main>'
        '<h1 id="your-rights">Your rights</h1><p>You can ask for an EHC needs assessment yourself.</p>'
        '<h2 id="complaints">Complaints</h2><p>Ask the school for its complaints procedure and follow it.</p>'
        "</main></body></html>"),
    "support.md": (
        f"---\ntitle: Support at school\npublisher: Test Council\nsource: {SUPPORT_PAGE}\nupdated: 2026-01-15\n---\n\n"
        "# Support at school\n\n## Who to talk to\n\nStart with the class teacher, then the SENCO.\n\n"
        "## Reviews\n\nProgress should be reviewed at least three times a year.\n"),
    "strategy.pdf": strategy_pdf(),
    "strategy.pdf.meta.json": json.dumps({"source": STRATEGY_PDF, "publisher": "Westvale Council"}),
    "funding.txt": ("Funding for SEN\n\nSchools get money for every pupil.\n\n"
                    "Top-up funding\n\nThe council adds top-up funding.\n"),
    "funding.txt.meta.json": '{"source": "funding leaflet", "updated": "5 February 2025"}',
    "notes.docx": b"PK\x03\x04 not a document we read",
}


@pytest.fixture
def linked_engine(fake_model, tiny_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")  # questions go to the fake model too
    corpus = tiny_corpus(LINKED_CORPUS)
    return ready_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE_MODEL_NAME,
                                 encoder="sentence-transformers"))[0]


def test_every_passage_of_every_document_carries_its_link(linked_engine):
    answer = linked_engine.search("complaints reviews short breaks aims funding", k=len(linked_engine.index.chunks))
    got = {(p.file, p.heading_path[-1]): (source_link(p), p.page, p.updated) for p in answer.passages}
    assert got == {
        ("rights.html", "Your rights"): (RIGHTS_PAGE + "#your-rights", 0, "2026-03-03"),
        ("rights.html", "Complaints"): (RIGHTS_PAGE + "#complaints", 0, "2026-03-03"),
        ("support.md", "Who to talk to"): (SUPPORT_PAGE, 0, "2026-01-15"),
        ("support.md", "Reviews"): (SUPPORT_PAGE, 0, "2026-01-15"),
        ("strategy.pdf", "Our aims"): (STRATEGY_PDF + "#page=1", 1, "2024-03-07"),
        ("strategy.pdf", "Short breaks"): (STRATEGY_PDF + "#page=2", 2, "2024-03-07"),
        ("funding.txt", "Funding for SEN"): ("", 0, "2025-02-05"),
        ("funding.txt", "Top-up funding"): ("", 0, "2025-02-05"),
    }
    breaks = next(p for p in answer.passages if p.heading_path[-1] == "Short breaks")
    out = present.passage_html(breaks)
    assert "From “Westvale SEND strategy”, page 2" in out
    assert out.endswith(f'<p class="sg-source">Last updated 7 March 2024. <a href="{STRATEGY_PDF}#page=2" '
                        'rel="noopener">Open page 2 of the PDF</a></p>')
    data = answer.to_json()["passages"]
    assert {d["link"] for d in data} == {link for link, _, _ in got.values()}


def test_the_staff_table_lists_each_document_and_the_skipped_file(linked_engine):
    rows = {r["file"]: r for r in present.document_rows(linked_engine.facts())}
    assert {f: (r["format"], r["title"], r["source"], r["last updated"], r["passages"]) for f, r in rows.items()
            if r["status"] == "read"} == {
        "funding.txt": ("plain text", "Funding for SEN", "funding leaflet", "2025-02-05", 2),
        "rights.html": ("web page", "Your rights", RIGHTS_PAGE, "2026-03-03", 2),
        "strategy.pdf": ("PDF", "Westvale SEND strategy", STRATEGY_PDF, "2024-03-07", 2),
        "support.md": ("Markdown", "Support at school", SUPPORT_PAGE, "2026-01-15", 2),
    }
    assert rows["notes.docx"]["status"].startswith("skipped: files of type '.docx' are not supported")
    assert sum(r["passages"] for r in rows.values()) == len(linked_engine.index.chunks)
