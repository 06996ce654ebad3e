"""The keyword side: our scoring sums exactly what bm25s's own does."""
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
