"""qa.present: breadcrumbs, escaping, highlighting, whole sections and the staff tables."""
import html
import json
import re

import pytest
from hypothesis import given, strategies as st

from ingest.chunking import Chunk
from ingest.errors import SenGuideError
from qa import Answer, Passage, present
from qa.evaluate import Result

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
    text, spans = present.whole_section([other_section, second, other_file, first], p)
    assert text == "Element 2 is for SEN support.\n\nSchools decide how to use it. Ask the SENCO."
    assert [text[s:e] for s, e in spans] == ["Ask the SENCO."]


def test_overlapping_chunks_are_not_repeated_in_the_whole_section():
    first = chunk("a", "One two three four", 0)
    second = chunk("b", "three four five six", 8)
    p = passage(second.text, [[6, 10], [11, 15]], chunk_id="b", start=8, end=second.end)
    text, spans = present.whole_section([first, second], p)
    assert text == "One two three four five six"
    assert [text[s:e] for s, e in spans] == ["four", "five"]  # one span in the shared part, one after it


def test_section_html_escapes_the_section():
    c = chunk("a", "Use <b>this</b>.", 0)
    assert present.section_html([c], passage(c.text, [[0, 3]], chunk_id="a")) == \
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
