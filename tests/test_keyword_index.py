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


@pytest.mark.parametrize("question", ["element 3 top up funding", "senco support children", "passport bus", ""])
def test_scores_of_some_documents_equal_the_full_scores_there(question):
    retriever = keyword_index.build(TEXTS * 50)  # 200 documents, each word in many
    tokens = keyword_index.tokenize([question])[0]
    full = keyword_index.scores(retriever, tokens)
    # All of them (the plain sum), and a few (searched for).
    for docs in (np.arange(200), np.array([0, 3, 4, 77, 198, 199]), np.array([5]), np.array([], dtype=np.int64)):
        assert keyword_index.scores_of(retriever, tokens, docs) == pytest.approx(full[docs])


def test_an_index_whose_postings_are_out_of_order_is_put_in_order_on_load(tmp_path):
    retriever = keyword_index.build(TEXTS * 10)  # 40 documents: the four asked for are searched for
    tokens = keyword_index.tokenize(["senco funding support"])[0]
    want = keyword_index.scores(retriever, tokens)
    matrix = retriever.scores
    for t in range(len(matrix["indptr"]) - 1):  # reverse each token's documents
        part = slice(matrix["indptr"][t], matrix["indptr"][t + 1])
        matrix["indices"][part] = matrix["indices"][part][::-1].copy()
        matrix["data"][part] = matrix["data"][part][::-1].copy()
    keyword_index.save(retriever, tmp_path)
    loaded = keyword_index.load(tmp_path)
    assert keyword_index.scores_of(loaded, tokens, np.array([1, 2, 5, 9])) == pytest.approx(want[[1, 2, 5, 9]])


def test_each_thread_stems_with_its_own_stemmer():
    # PyStemmer's documentation: an instance must not be used by several
    # threads at once; the app answers each session in its own thread.
    import threading

    from ingest.keyword_index import _stemmer

    seen = {}

    def grab(name):
        seen[name] = (_stemmer(), _stemmer())

    threads = [threading.Thread(target=grab, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["a"][0] is seen["a"][1] and seen["b"][0] is seen["b"][1]  # one per thread, kept
    assert seen["a"][0] is not seen["b"][0] and _stemmer() is not seen["a"][0]
