"""qa.staff_tables: what staff read about a question, the index and an evaluation."""
from conftest import FUNDING, PAGE, RIGHTS_PAGE, STRATEGY_PDF, SUPPORT_PAGE, TITLE, passage

from qa import Answer, staff_tables
from qa.evaluate import METRICS, Result, format_report


def test_staff_facts_say_how_the_question_was_read_and_why_it_abstained():
    answered = Answer("whats fundng", True, "", [passage("x")], expanded_question="whats funding money budget",
                      corrections={"fundng": "funding"}, confidence=0.61234)
    facts = dict(staff_tables.answer_facts(answered))
    assert facts["Question as searched (after glossary expansion)"] == "whats funding money budget"
    assert facts["Spelling corrections"] == "fundng → funding"
    assert facts["Confidence (best sentence or heading, cosine)"] == "0.612"
    assert "Why it abstained" not in facts
    abstained = Answer("capital of France", False, "The guidance does not mention “france”.", confidence=0.2)
    assert dict(staff_tables.answer_facts(abstained))["Why it abstained"] == "The guidance does not mention “france”."


def test_passage_rows_carry_fused_and_per_retriever_scores():
    p = passage("x", heading_path=FUNDING, rank=2, score=0.123456, chunk_id="abc")
    assert staff_tables.passage_rows(Answer("q", True, "", [p])) == [{
        "rank": 2, "fused": 0.1235, "dense": 0.4, "sentence": 0.6, "keyword": 3.0, "chunk id": "abc",
        "heading path": " › ".join(FUNDING)}]


def test_index_facts_from_the_manifest():
    manifest = {"model": {"name": "all-MiniLM-L6-v2", "dimension": 384}, "counts": {"chunks": 21, "sections": 11},
                "documents": [["guide.md", TITLE, "pub", "src"]], "built_at": "2026-11-28T12:26:35+00:00",
                "build_seconds": 5.6, "corpus": {"files": {"guide.md": "abc"}}, "skipped": []}
    facts = dict(staff_tables.index_facts(manifest, rebuilt="No index, so the index was rebuilt (21 passages)."))
    assert facts["Model"] == "all-MiniLM-L6-v2 (384 dimensions)"
    assert facts["Passages (chunks)"] == "21" and facts["Documents"] == "1" and facts["Corpus files"] == "guide.md"
    assert facts["Built"] == "28 November 2026, 12:26 UTC (took 5.6 s)"
    assert facts["On loading"].startswith("No index")


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
    rows = staff_tables.question_rows(items, results, k=5)
    assert [r["outcome"] for r in rows] == ["hit at 1", "hit at 3", "miss (not in top 5)",
                                            "abstained (right)", "answered (should abstain)"]
    assert [r["right at 1"] for r in rows] == [True, False, False, True, False]
    assert rows[1]["first section"] == "S9" and rows[1]["expected section"] == "S2"
    assert staff_tables.question_rows(items[1:2], results[1:2], k=2)[0]["outcome"] == "miss (not in top 2)"


def test_metric_and_kind_rows_format_the_report():
    system = {"hit@1": 0.75, "hit@3": 1.0, "hit@5": 1.0, "mrr@5": 0.8, "abstain_oos": None, "false_abstain": 0.0,
              "longest_passage": 690, "by_kind": {"typo": {"n": 4, "score": 0.5}}}
    rows = {r["metric"]: r["system"] for r in staff_tables.metric_rows({"k": 5, "system": system})}
    assert rows == {"hit@1": "0.750", "hit@3": "1.000", "hit@5": "1.000", "mrr@5": "0.800", "abstain_oos": "-",
                    "false_abstain": "0.000", "longest_passage": "690"}
    assert staff_tables.kind_rows(system) == [{"kind": "typo", "questions": 4, "score": 0.5}]


def test_metric_rows_put_the_baselines_beside_the_search_as_the_command_line_does():
    system = {"hit@1": 0.75, "hit@3": 1.0, "hit@5": 1.0, "mrr@5": 0.8, "abstain_oos": 1.0, "false_abstain": 0.0,
              "longest_passage": 690, "in_scope": 4, "out_of_scope": 1, "by_kind": {}, "misses_at_1": []}
    dense = {**system, "hit@1": 0.5, "abstain_oos": 0.0, "longest_passage": 500}
    bm25 = {**system, "hit@1": 0.25, "abstain_oos": 0.0, "longest_passage": 499}
    report = {"k": 5, "system": system, "dense_500": dense, "bm25_500": bm25}
    rows = staff_tables.metric_rows(report)
    assert [list(r) for r in rows] == [["metric", "system", "dense_500", "bm25_500"]] * 7
    assert rows[0] == {"metric": "hit@1", "system": "0.750", "dense_500": "0.500", "bm25_500": "0.250"}
    assert rows[-1] == {"metric": "longest_passage", "system": "690", "dense_500": "500", "bm25_500": "499"}
    text = format_report(report)
    for row in rows:  # the same figures as `python -m qa.evaluate` prints
        assert " ".join(row.values()) == " ".join(text.split("\n")[METRICS.index(row["metric"]) + 1].split())


# --- what the corpus says about itself ---------------------------------------

def test_document_rows_list_each_document_then_each_skipped_file():
    manifest = {"documents": [
        {"path": "guide.md", "title": TITLE, "publisher": "pub", "source": PAGE, "updated": "2026-03-03",
         "format": "md", "passages": 21},
        {"path": "strategy.pdf", "title": "Strategy", "publisher": "", "source": "", "updated": "",
         "format": "pdf", "passages": 4}],
        "skipped": [["notes.docx", "files of type '.docx' are not supported"]]}
    assert staff_tables.document_rows(manifest) == [
        {"file": "guide.md", "format": "Markdown", "title": TITLE, "source": PAGE, "last updated": "2026-03-03",
         "passages": 21, "status": "read"},
        {"file": "strategy.pdf", "format": "PDF", "title": "Strategy", "source": "", "last updated": "",
         "passages": 4, "status": "read"},
        {"file": "notes.docx", "format": "docx", "title": "", "source": "", "last updated": "", "passages": 0,
         "status": "skipped: files of type '.docx' are not supported"},
    ]
    facts = dict(staff_tables.index_facts(manifest))
    assert facts["Documents"] == "2 (1 file skipped, listed below)"


def test_document_rows_read_an_older_manifest():
    rows = staff_tables.document_rows({"documents": [["guide.html", TITLE, "pub", "src"]], "skipped": []})
    assert rows == [{"file": "guide.html", "format": "web page", "title": TITLE, "source": "src", "last updated": "",
                     "passages": None, "status": "read"}]


def test_the_staff_table_lists_each_document_and_the_skipped_file(linked_engine):
    rows = {r["file"]: r for r in staff_tables.document_rows(linked_engine.facts())}
    assert {f: (r["format"], r["title"], r["source"], r["last updated"], r["passages"]) for f, r in rows.items()
            if r["status"] == "read"} == {
        "funding.txt": ("plain text", "Funding for SEN", "funding leaflet", "2025-02-05", 2),
        "rights.html": ("web page", "Your rights", RIGHTS_PAGE, "2026-03-03", 2),
        "strategy.pdf": ("PDF", "Westvale SEND strategy", STRATEGY_PDF, "2024-03-07", 2),
        "support.md": ("Markdown", "Support at school", SUPPORT_PAGE, "2026-01-15", 2),
    }
    assert rows["notes.docx"]["status"].startswith("skipped: files of type '.docx' are not supported")
    assert sum(r["passages"] for r in rows.values()) == linked_engine.passage_count
