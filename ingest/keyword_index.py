"""The keyword (BM25) side of the index, with bm25s.

bm25s is small, fast on sparse matrices, and saves to plain files (JSON and
.npy), never pickle. Documents and questions are tokenized the same way:
lower case, English stop words removed, Snowball-stemmed.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, lower=True, stopwords="en", stemmer=_stemmer(),
                          return_ids=False, show_progress=False)


def build(texts: list[str]):
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(tokenize(texts), show_progress=False)
    return retriever


def save(retriever, folder: Path) -> None:
    retriever.save(str(folder))


def load(folder: Path):
    import bm25s

    return bm25s.BM25.load(str(folder), mmap=False)


def scores(retriever, question_tokens: list[str]) -> np.ndarray:
    """BM25 score of every document for one tokenized question."""
    known = [t for t in question_tokens if t in retriever.vocab_dict]
    if not known:
        return np.zeros(retriever.scores["num_docs"], dtype=np.float32)
    return np.asarray(retriever.get_scores(known), dtype=np.float32)
