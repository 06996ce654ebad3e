"""The keyword side: how text becomes tokens, and our scoring sums exactly what bm25s's own does."""
import numpy as np
import pytest

from ingest import keyword_index

TEXTS = [
    "The SENCO coordinates support for children with special educational needs.",
    "Element 2 funding is the notional SEN budget; schools pay the first £6,000 of extra support.",
    "Element 3 is top-up funding from the local authority's high needs block.",
    "Talk to the class teacher first, then the SENCO.",
]


@pytest.mark.parametrize("question", [
    "who is the senco", "element 3 top up funding", "funding funding funding", "high needs block", "passport bus"])
def test_scores_equal_bm25s_get_scores(question):
    retriever = keyword_index.build(TEXTS)
    tokens = keyword_index.tokenize([question])[0]
    known = [t for t in tokens if t in retriever.vocab_dict]
    expected = retriever.get_scores(known) if known else np.zeros(len(TEXTS))
    assert keyword_index.scores(retriever, tokens) == pytest.approx(np.asarray(expected, dtype=np.float32))


def test_phrase_tokens_stay_inside_a_sentence_or_line():
    tokens = keyword_index.tokenize([
        "Read the paperwork before the meeting? What are my child's wishes?\n"
        "Element 3\nSome children have such complex needs: the school may ask. Education, Health and Care plan"])[0]
    assert {"befor_meet", "complex_need", "educ_health", "care_plan"} <= set(tokens)  # within a sentence
    assert "meet_child" not in tokens  # across "?"
    assert "element_3" not in tokens and "3_children" not in tokens  # one-character words are no tokens
    assert "need_school" not in tokens  # across ":"
    assert "ask_educ" not in tokens  # across "."


def test_a_sentence_with_the_words_together_outscores_one_with_them_apart():
    # The sentence index: one document per sentence, as ingest builds it.
    sentences = ["Some children have such complex needs that the school may ask for more funding.",
                 "Some children have needs.", "The school gets funding.", "It can be complex."]
    retriever = keyword_index.build(sentences)
    scores = keyword_index.scores(retriever, keyword_index.tokenize(["complex needs funding"])[0])
    assert int(np.argmax(scores)) == 0
    assert keyword_index.size(retriever) == 4
