"""web.staff_tables: what staff read about a question, the index and an evaluation."""
import re

from conftest import FUNDING, PAGE, RIGHTS_PAGE, STRATEGY_PDF, SUPPORT_PAGE, TITLE, passage

from learn.evaluate import METRICS, Result, format_report
from qa import Answer
from web import markdown, staff_tables


def test_staff_facts_say_how_the_question_was_read_and_what_it_weighed():
    answered = Answer("whats fundng", True, "", [passage("x")], expanded_question="whats funding money budget",
                      corrections={"fundng": "funding"}, confidence=0.61234, chance=0.9, threshold=0.49,
                      signals={"confidence": 0.61234, "top_dense": 0.5})
    facts = dict(staff_tables.answer_facts(answered))
    assert facts["Question as searched (after glossary expansion)"] == "whats funding money budget"
    assert facts["Spelling corrections"] == "fundng → funding"
    assert facts["Chance the guidance answers it"] == "0.90 (it answers from 0.49)"
    measured = next(v for k, v in facts.items() if k.startswith("What the search measured"))
    assert measured == "closest sentence or heading, in meaning: 0.61; first passage as a whole, in meaning: 0.50"
    assert facts["Answered"] == "yes" and "What parents are told" not in facts
    refused = Answer("capital of France", False, "The guidance does not mention “france”.", confidence=0.2)
    facts = dict(staff_tables.answer_facts(refused))
    assert facts["Answered"] == "no: refused"
    assert facts["What parents are told"] == "The guidance does not mention “france”."
    assert not JARGON.search(" ".join(k + v for k, v in facts.items()))


# Words staff should meet only in the raw figures, or beside their plain meaning.
JARGON = re.compile(r"hit@|mrr@|abstain_oos|false_abstain|cosine|\bfused\b|chunk id|dense_500|bm25_500")


def test_the_decision_is_written_out_for_an_answer():
    answer = Answer("who pays?", True, "", [passage("x")], chance=0.9312, threshold=0.4945)
    assert staff_tables.decision(answer) == ("Answered: the chance that the guidance answers this is 0.93, "
                                             "above the 0.49 needed.")


def test_the_decision_is_written_out_for_a_refusal_with_its_evidence():
    answer = Answer("where can we go on holidays?", False, "The guidance does not seem to answer this.",
                    [passage("x")], chance=0.47, threshold=0.4945, confidence=0.41,
                    signals={"confidence": 0.41, "top_dense": 0.2123}, missing=["holidays"])
    assert staff_tables.decision(answer) == (
        "Refused: the chance that the guidance answers this is 0.47, below the 0.49 needed. Closest sentence: "
        "0.41 similar in meaning (1 = the same meaning, 0 = unrelated); the first passage as a whole: 0.21. "
        "Words the guidance never uses: holidays.")


def test_the_decision_tells_close_numbers_apart_and_names_a_vague_question():
    close = Answer("q", False, "", chance=0.4901, threshold=0.4946, signals={"confidence": 0.3})
    assert staff_tables.decision(close).startswith(
        "Refused: the chance that the guidance answers this is 0.490, below the 0.495 needed.")
    vague = Answer("what can I do?", False, "Please say a little more", chance=0.7, threshold=0.49)
    assert staff_tables.decision(vague) == ("Refused: the question has only everyday words, so nothing tells the "
                                            "passages apart, although the chance that the guidance answers this "
                                            "is 0.70, above the 0.49 needed.")


def test_the_decision_for_a_child_at_risk_says_the_emergency_contacts_came_first():
    urgent = Answer("my child is being hurt", True, "", [passage("x")], chance=0.3, threshold=0.49, urgent=True)
    assert staff_tables.decision(urgent) == (
        "Answered: the question speaks of a child at risk, so the emergency contacts were shown first. The chance "
        "that the guidance answers this is 0.30, below the 0.49 needed, but a question about a child at risk is "
        "always answered.")
    sure = Answer("my child is being hurt", True, "", [passage("x")], chance=0.8, threshold=0.49, urgent=True)
    assert staff_tables.decision(sure).endswith("shown first. The chance that the guidance answers this is 0.80, "
                                                "above the 0.49 needed.")


def test_passage_rows_name_the_section_and_put_every_score_out_of_100():
    ps = [passage("x", heading_path=FUNDING, rank=1, score=0.8, chunk_id="abc",
                  scores={"dense": 0.4, "sentence": 0.6, "keyword": 3.0, "sentence_keyword": 1.0, "coverage": 0.5}),
          passage("y", heading_path=[TITLE, "Newly Diagnosed"], rank=2, score=0.2, chunk_id="def",
                  scores={"dense": 0.8, "sentence": -0.1, "keyword": 1.5, "sentence_keyword": 0.0, "coverage": 1.0})]
    rows = staff_tables.passage_rows(Answer("q", True, "", ps))
    assert [list(r) for r in rows] == [["rank", "section", "overall match", "meaning match", "best sentence",
                                        "word match", "best sentence's words", "rare words found"]] * 2
    assert rows[0] == {"rank": 1, "section": " › ".join(FUNDING[1:]), "overall match": 100, "meaning match": 50,
                       "best sentence": 100, "word match": 100, "best sentence's words": 100,
                       "rare words found": 50}
    assert rows[1] == {"rank": 2, "section": "Newly Diagnosed", "overall match": 25, "meaning match": 100,
                       "best sentence": 0, "word match": 50, "best sentence's words": 0, "rare words found": 100}
    several = staff_tables.passage_rows(Answer("q", True, "", ps), several_documents=True)
    assert list(several[0])[:3] == ["rank", "section", "document"] and several[0]["document"] == TITLE
    assert staff_tables.passage_rows(Answer("q", True, "", [passage("z", heading_path=[TITLE])]))[0]["section"] == TITLE


def test_the_score_key_names_each_column_in_plain_words():
    key = staff_tables.score_key()
    assert [name for name, _ in key] == ["overall match", "meaning match", "best sentence", "word match",
                                         "best sentence's words", "rare words found"]
    assert all(meaning and not JARGON.search(meaning) for _, meaning in key)


def test_the_raw_scores_keep_the_engine_names_and_chunk_id():
    p = passage("x", heading_path=FUNDING, rank=2, score=0.123456, chunk_id="abc")
    answer = Answer("q", True, "", [p], chance=0.9, threshold=0.49, signals={"confidence": 0.61234})
    assert staff_tables.raw_rows(answer) == [
        {"rank": 2, "fused": 0.1235, "dense": 0.4, "sentence": 0.6, "keyword": 3.0, "chunk id": "abc"}]
    assert staff_tables.raw_signals(answer) == [("confidence", "0.6123"), ("chance", "0.9000"),
                                                ("threshold", "0.4900")]


def test_markdown_in_a_table_cell_shows_as_written():
    assert markdown.markdown_text("1. *Who* pays_for [it]: $5") == r"1\. \*Who\* pays\_for \[it\]\: \$5"
    assert staff_tables.markdown_safe([{"a": "-", "n": 3}]) == [{"a": r"\-", "n": 3}]


def test_index_facts_from_the_manifest():
    manifest = {"model": {"name": "all-MiniLM-L6-v2", "dimension": 384}, "counts": {"chunks": 21, "sections": 11},
                "documents": [["guide.md", TITLE, "pub", "src"]], "built_at": "2026-11-28T12:26:35+00:00",
                "build_seconds": 5.6, "corpus": {"files": {"guide.md": "abc"}}, "skipped": []}
    facts = dict(staff_tables.index_facts(manifest, rebuilt="No index, so the index was rebuilt (21 passages)."))
    assert facts["Model"] == "all-MiniLM-L6-v2 (384 dimensions)"
    assert facts["Passages"] == "21" and facts["Documents"] == "1" and facts["Corpus files"] == "guide.md"
    assert facts["Built"] == "28 November 2026, 12:26 UTC (took 5.6 s)"
    assert facts["On loading"].startswith("No index")
    manifest["model"]["name"] = "sen-minilm-7d936faff7"
    assert dict(staff_tables.index_facts(manifest))["Model"] == (
        "sen-minilm-7d936faff7 (384 dimensions, all-MiniLM-L6-v2 tuned for SEN guidance)")


def test_question_rows_show_hits_misses_and_refusals_outcome_first():
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
    assert list(rows[0])[:2] == ["outcome", "right"]
    assert [r["outcome"] for r in rows] == ["hit at 1", "hit at 3", "miss (not in top 5)",
                                            "refused (right)", "answered (should refuse)"]
    assert [r["right"] for r in rows] == ["yes", "no", "no", "yes", "no"]
    assert rows[1]["first section"] == "S9" and rows[1]["expected section"] == "S2" and rows[1]["kind"] == "misspelt"
    assert staff_tables.question_rows(items[1:2], results[1:2], k=2)[0]["outcome"] == "miss (not in top 2)"


SYSTEM = {"hit@1": 0.75, "hit@3": 1.0, "hit@5": 1.0, "mrr@5": 0.8, "abstain_oos": 1.0, "false_abstain": 0.0,
          "longest_passage": 690, "in_scope": 4, "out_of_scope": 1, "by_kind": {"typo": {"n": 4, "score": 0.5}},
          "misses_at_1": []}


def test_metric_and_kind_rows_name_each_measure_in_plain_words():
    system = {**SYSTEM, "abstain_oos": None}
    rows = staff_tables.metric_rows({"k": 5, "system": system})
    assert {r["measure"]: r["this search"] for r in rows} == {
        "right passage first": "0.750", "right passage in the first three": "1.000",
        "right passage in the first five": "1.000", "average position score (1 = always first)": "0.800",
        "unanswerable questions refused": "-", "answerable questions refused": "0.000",
        "longest passage shown (characters)": "690"}
    assert all(r["what it means"] and not JARGON.search(r["what it means"] + r["measure"]) for r in rows)
    assert staff_tables.kind_rows(system) == [{"kind of question": "misspelt", "questions": 4, "share right": 0.5}]


def test_metric_rows_put_the_baselines_beside_the_search_as_the_command_line_does():
    dense = {**SYSTEM, "hit@1": 0.5, "abstain_oos": 0.0, "longest_passage": 500}
    bm25 = {**SYSTEM, "hit@1": 0.25, "abstain_oos": 0.0, "longest_passage": 499}
    report = {"k": 5, "system": SYSTEM, "dense_500": dense, "bm25_500": bm25}
    rows = staff_tables.metric_rows(report)
    assert [list(r) for r in rows] == [["measure", "what it means", "this search", "meaning alone",
                                        "keywords alone"]] * len(rows)
    assert rows[0]["this search"] == "0.750" and rows[0]["meaning alone"] == "0.500"
    assert rows[-1]["measure"] == "longest passage shown (characters)" and rows[-1]["keywords alone"] == "499"
    lines = format_report(report).split("\n")
    for metric, row in zip([m for m in METRICS if m in SYSTEM], rows):  # the figures `python -m learn.evaluate` prints
        figures = [row["this search"], row["meaning alone"], row["keywords alone"]]
        assert lines[METRICS.index(metric) + 1].split() == [metric, *figures]


def test_the_evaluation_summary_counts_in_words():
    report = {"k": 5, "system": {**SYSTEM, "in_scope": 35, "out_of_scope": 4, "hit@1": 27 / 35, "hit@3": 34 / 35,
                                 "abstain_oos": 0.5, "false_abstain": 0.0}}
    assert staff_tables.evaluation_summary(report) == (
        "27 of 35 questions found the right passage first; 34 of 35 in the first three; 2 of 4 questions the "
        "guidance does not answer were refused; 0 of 35 answerable questions were refused.")
    only_answerable = {"k": 5, "system": {**SYSTEM, "out_of_scope": 0, "abstain_oos": None, "false_abstain": 0.25}}
    assert staff_tables.evaluation_summary(only_answerable) == (
        "3 of 4 questions found the right passage first; 4 of 4 in the first three; "
        "1 of 4 answerable questions were refused.")


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


def test_an_address_or_email_in_a_label_never_becomes_a_link():
    """A parent's question shown as a button or an expander's label: a bare
    link there is a control inside a control (axe: nested-interactive)."""
    from web.markdown import markdown_text

    for text in ("![cat](http://example.invalid/cat.png) EHC", "see www.gov.uk/send", "mail jo@example.com",
                 "HTTPS://EXAMPLE.ORG", "ftp://files.example.org"):
        label = markdown_text(text)
        assert "://" not in label and "www." not in label.replace("\\", "") and "@e" not in label
        assert label.replace("\u2060", "").replace("\\", "") == text  # shows as typed
    assert markdown_text("What is a SENCO?") == "What is a SENCO?"
