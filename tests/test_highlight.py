import numpy as np

from ingest.chunking import sentence_spans
from qa.highlight import best_sentences
from qa.tuning import Tuning

MARGIN = Tuning().highlight_margin

TEXT = ("Element 2 funding is to provide SEN support. It is part of the delegated budget.\n\n"
        "Before meeting ask yourself:\n\n- Who will be at the meeting?\n- What are my child’s wishes?")


def test_sentence_spans_cover_sentences_and_list_items_exactly():
    spans = sentence_spans(TEXT)
    assert [TEXT[s:e] for s, e in spans] == [
        "Element 2 funding is to provide SEN support.",
        "It is part of the delegated budget.",
        "Before meeting ask yourself:",
        "Who will be at the meeting?",
        "What are my child’s wishes?",
    ]


def test_the_best_sentence_is_highlighted_with_offsets_into_the_passage():
    spans = sentence_spans(TEXT)
    scores = np.array([0.1, 0.2, 0.3, 0.9, 0.1])
    assert best_sentences(spans, scores, MARGIN) == [spans[3]]
    s, e = best_sentences(spans, scores, MARGIN)[0]
    assert TEXT[s:e] == "Who will be at the meeting?"


def test_a_neighbour_almost_as_good_is_highlighted_too():
    spans = sentence_spans(TEXT)
    hl = best_sentences(spans, np.array([0.80, 0.79, 0.1, 0.1, 0.1]), MARGIN)
    assert hl == [spans[0], spans[1]]
    far = best_sentences(spans, np.array([0.80, 0.1, 0.79, 0.1, 0.1]), MARGIN)
    assert far == [spans[0]]  # not next to the best one


def test_no_sentences_no_highlight():
    assert best_sentences([], np.array([]), MARGIN) == []
