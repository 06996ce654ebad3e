import json

import pytest

from learn.evaluate import Result, format_report, gold_spans, highlight_on_answer, matches, normalise, read_gold, score


def test_normalisation_follows_the_evaluation_readme():
    assert normalise("The  school’s\u00a0“SEN”\n policy") == 'the school\'s "sen" policy'
    assert matches("It is the school’s day to day SEN policy.", ["school's day to day"])
    assert not matches("Element 1", ["Element 2"])


ITEMS = [
    {"id": "a", "question": "q1", "gold": ["alpha"], "kind": "keyword", "section": "A"},
    {"id": "b", "question": "q2", "gold": ["beta", "gamma"], "kind": "paraphrase", "section": "B"},
    {"id": "c", "question": "q3", "gold": ["delta"], "kind": "paraphrase", "section": "C"},
    {"id": "d", "question": "q4", "gold": [], "kind": "out_of_scope", "section": ""},
    {"id": "e", "question": "q5", "gold": [], "kind": "out_of_scope", "section": ""},
]


def test_metrics_by_hand():
    results = [
        Result(["alpha here", "x"], ["A", "X"], False),  # rank 1
        Result(["x", "y", "has gamma"], ["X", "Y", "B"], False),  # rank 3
        Result(["x", "y", "z", "w", "v", "delta"], ["X"] * 6, True),  # rank 6: a miss at k=5, abstained wrongly
        Result(["x"], ["X"], True),
        Result(["x" * 800], ["X"], False),
    ]
    m = score(ITEMS, results, k=5)
    assert m["hit@1"] == pytest.approx(1 / 3)
    assert m["hit@3"] == pytest.approx(2 / 3)
    assert m["hit@5"] == pytest.approx(2 / 3)
    assert m["mrr@5"] == pytest.approx((1 + 1 / 3) / 3)
    assert m["abstain_oos"] == 0.5
    assert m["false_abstain"] == pytest.approx(1 / 3)
    assert m["longest_passage"] == 800
    assert m["by_kind"]["paraphrase"] == {"n": 2, "score": 0.0}
    assert [x["id"] for x in m["misses_at_1"]] == ["b", "c"]
    assert m["misses_at_1"][0]["first_section"] == "X" and m["misses_at_1"][1]["rank"] is None
    text = format_report({"k": 5, "system": m})
    assert "hit@1" in text and "[b] q2" in text


def test_gold_file_errors_are_clear(tmp_path):
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"question": "x", "gold": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(Exception, match="Line 2 .* is not valid JSON"):
        read_gold(bad)
    bad.write_text(json.dumps({"q": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="needs 'question' and 'gold'"):
        read_gold(bad)


# --- highlight on answer ---------------------------------------------------------

PASSAGE = "Ask the school first.\nIf you do not agree, you can  request an\nEHC Assessment yourself. It’s free."


def test_gold_spans_map_the_normalised_match_back_to_the_passages_own_offsets():
    spans = gold_spans(PASSAGE, ["you can request an EHC  assessment yourself"])
    assert [PASSAGE[s:e] for s, e in spans] == ["you can  request an\nEHC Assessment yourself"]
    # Curly or straight quotes, either way round, and NBSP in the gold.
    assert [PASSAGE[s:e] for s, e in gold_spans(PASSAGE, ["It's\u00a0free"])] == ["It’s free"]
    quoted = "“Yes” she said"
    assert [quoted[s:e] for s, e in gold_spans(quoted, ['"yes"'])] == ["“Yes”"]
    assert gold_spans(PASSAGE, ["not there"]) == [] and gold_spans(PASSAGE, [""]) == []


def test_highlight_on_answer_is_an_overlap_with_the_gold_phrase():
    gold = ["request an EHC assessment"]
    start = PASSAGE.index("If you")
    end = PASSAGE.index("yourself.") + len("yourself.")
    assert highlight_on_answer(PASSAGE, [[start, end]], gold)  # the sentence that holds it
    assert highlight_on_answer(PASSAGE, [[0, 21], [start, start + 35]], gold)  # any span overlapping a part
    assert not highlight_on_answer(PASSAGE, [[0, 21]], gold)  # "Ask the school first."
    assert not highlight_on_answer(PASSAGE, [[end + 1, len(PASSAGE)]], gold)
    assert not highlight_on_answer(PASSAGE, [], gold)


def test_score_reports_highlight_on_answer_over_first_passages_holding_gold_only():
    results = [
        Result(["alpha here. x", "y"], ["A", "Y"], False, [[[0, 11]], []]),  # first passage right, highlight on it
        Result(["x", "has gamma"], ["X", "B"], False, [[[0, 1]], [[0, 9]]]),  # gold only at rank 2: not counted
        Result(["delta. other", "y"], ["C", "Y"], False, [[[7, 12]], []]),  # highlight misses the gold
        Result(["x"], ["X"], True, [[]]),
        Result(["x"], ["X"], False, [[]]),
    ]
    m = score(ITEMS, results, k=5)
    assert m["highlight_on_answer"] == 0.5
    baseline = score(ITEMS, [Result(r.texts, r.headings, r.abstained) for r in results], k=5)
    assert baseline["highlight_on_answer"] is None  # a baseline highlights nothing
    text = format_report({"k": 5, "system": m, "dense_500": baseline})
    row = next(line for line in text.splitlines() if line.startswith("highlight_on_answer"))
    assert row.split() == ["highlight_on_answer", "0.500", "-"]
