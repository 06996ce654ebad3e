import numpy as np

from qa import fusion


def test_keyword_scores_are_scaled_to_the_best_one():
    fused = fusion.fuse({"keyword": np.array([2.0, 8.0, 0.0])}, {"keyword": 1.0})
    assert np.allclose(fused, [0.25, 1.0, 0.0])


def test_sentence_keyword_scores_are_scaled_too_and_weighted():
    fused = fusion.fuse({"keyword": np.array([4.0, 2.0]), "sentence_keyword": np.array([1.0, 3.0])},
                        {"keyword": 0.5, "sentence_keyword": 0.25})
    assert np.allclose(fused, [0.5 * 1.0 + 0.25 * (1 / 3), 0.5 * 0.5 + 0.25 * 1.0])


def test_weights_decide_which_retriever_leads():
    scores = {"dense": np.array([0.9, 0.1]), "keyword": np.array([0.0, 10.0])}
    assert fusion.ranked(fusion.fuse(scores, {"dense": 1.0, "keyword": 0.5})) == [0, 1]
    assert fusion.ranked(fusion.fuse(scores, {"dense": 1.0, "keyword": 2.0})) == [1, 0]


def test_no_keyword_match_adds_nothing():
    fused = fusion.fuse({"dense": np.array([0.3, 0.6]), "keyword": np.zeros(2)}, {"dense": 1.0, "keyword": 0.5})
    assert np.allclose(fused, [0.3, 0.6])


def test_ties_keep_their_order():
    assert fusion.ranked(np.array([0.5, 0.7, 0.5, 0.7])) == [1, 3, 0, 2]
    assert fusion.ranked(np.array([0.5, 0.7, 0.1]), limit=2) == [1, 0]
