"""The dense side: exact search for small indexes, an HNSW graph for large ones."""
import numpy as np
import pytest

from ingest import dense_index


def unit_vectors(n, dim=32, seed=0):
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("threshold, kind", [(10_000, "Flat"), (100, "HNSW")])
def test_index_type_by_size_and_each_vector_finds_itself_after_a_save(tmp_path, monkeypatch, threshold, kind):
    monkeypatch.setattr(dense_index, "HNSW_FROM_CHUNKS", threshold)
    vectors = unit_vectors(500)
    dense_index.save(dense_index.build(vectors), tmp_path / "dense.faiss")
    index = dense_index.load(tmp_path / "dense.faiss")
    assert dense_index.kind(index) == kind and index.ntotal == 500
    if kind == "HNSW":
        assert index.hnsw.efSearch == dense_index.HNSW_EF_SEARCH
    for i in range(0, 500, 25):
        scores, ids = dense_index.search(index, vectors[i], 5)
        assert ids[0] == i and scores[0] == pytest.approx(1.0, abs=1e-3)
        assert list(scores) == sorted(scores, reverse=True)


def test_k_larger_than_the_index_returns_every_vector_once():
    vectors = unit_vectors(7)
    _, ids = dense_index.search(dense_index.build(vectors), vectors[0], 30)
    assert sorted(ids) == list(range(7))
