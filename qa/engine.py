"""The search engine: load the index once, answer `search(question, k)`."""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import numpy as np

from ingest import build, corpus_fingerprint, is_current
from ingest.errors import CorpusError, IndexUnusableError
from ingest.settings import Settings, from_env
from ingest import keyword_index

from . import fusion, highlight, overlap, question as question_mod
from .answer import Answer, Passage
from .encoder import QueryEncoder
from .glossary import Glossary, words
from .loaded_index import LoadedIndex, load

# How many candidates each retriever hands to fusion.
CANDIDATES = 30
# Retriever weights in reciprocal rank fusion.
WEIGHTS = {"dense": 1.0, "sentence": 1.0, "keyword": 1.0}
# Abstain when the best sentence is further than this from the question
# (cosine), unless the keyword evidence is strong. Calibrated on the dev set:
# see docs/RETRIEVAL.md.
MIN_SENTENCE_COSINE = 0.40
ANSWER_CACHE_SIZE = 512

NO_ANSWER = ("The guidance does not seem to answer this question. "
             "The school's SENCO, or Westminster Information Advice Support Service for SEND (WIASS), can help.")


class Engine:
    def __init__(self, settings: Settings | None = None, auto_build: bool = True,
                 log: Callable[[str], None] = lambda _m: None, encoder: QueryEncoder | None = None):
        self.settings = settings or from_env()
        self.log = log
        self.rebuilt = ""
        self.index = self._load_or_build(auto_build)
        self.encoder = encoder or QueryEncoder(self.index.model)
        corpus_words = set().union(*(words(c.text) for c in self.index.chunks))
        glossary_path = self.settings.corpus_dir / "glossary.json"
        self.glossary = Glossary.load(glossary_path, corpus_words)
        self._cache: OrderedDict[tuple[str, int], Answer] = OrderedDict()
        self._cache_lock = threading.Lock()

    def _load_or_build(self, auto_build: bool) -> LoadedIndex:
        s = self.settings
        reason = ""
        try:
            index = load(s.index_dir)
            stale = s.corpus_dir.is_dir() and not is_current(index.manifest, s.with_(model=index.model), corpus_fingerprint(s.corpus_dir))
            if not stale:
                return index
            reason = f"The corpus in {s.corpus_dir} has changed since the index was built"
        except IndexUnusableError as exc:
            if not auto_build:
                raise
            reason = str(exc).split(":")[0]
        if not auto_build:
            raise IndexUnusableError(f"{reason}: run `python -m ingest` to rebuild it.")
        self.log(f"{reason}; rebuilding the index...")
        report = build(s, log=self.log, force=True)
        self.rebuilt = f"{reason}, so the index was rebuilt ({report.chunks} passages)."
        self.log(report.summary())
        return load(s.index_dir)

    # --- the one main call -------------------------------------------------

    def search(self, question: str, k: int = 5) -> Answer:
        text, notice = question_mod.clean(question)
        if not question_mod.is_searchable(text):
            return Answer(text, False, question_mod.EMPTY_REASON, notice=notice)
        k = max(1, min(int(k), len(self.index.chunks)))
        key = (text.lower(), k)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        answer = self._search(text, k)
        answer.notice = notice
        with self._cache_lock:
            self._cache[key] = answer
            if len(self._cache) > ANSWER_CACHE_SIZE:
                self._cache.popitem(last=False)
        return answer

    def _search(self, text: str, k: int) -> Answer:
        idx = self.index
        exp = self.glossary.expand(text)
        qvec = self.encoder.encode(exp.dense_query)
        n = len(idx.chunks)
        depth = min(CANDIDATES, n)

        from ingest import dense_index

        dense_scores, dense_ids = dense_index.search(idx.dense, qvec, depth)
        dense_by_chunk = dict(zip(dense_ids.tolist(), dense_scores.tolist()))

        sent_cos = idx.sentence_vectors @ qvec
        best_sentence = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(best_sentence, idx.sentence_chunk, sent_cos)
        sentence_ids = np.argsort(-best_sentence, kind="stable")[:depth]

        kw = keyword_index.scores(idx.bm25, keyword_index.tokenize([exp.keyword_query])[0])
        keyword_ids = [i for i in np.argsort(-kw, kind="stable")[:depth] if kw[i] > 0]

        fused = fusion.rrf({"dense": dense_ids.tolist(), "sentence": sentence_ids.tolist(), "keyword": list(keyword_ids)}, WEIGHTS)
        order = fusion.ranked(fused)

        confidence = float(best_sentence.max()) if n else 0.0
        answered = confidence >= MIN_SENTENCE_COSINE
        reason = "" if answered else NO_ANSWER

        passages: list[Passage] = []
        spans = [(idx.chunks[i].file, idx.chunks[i].start, idx.chunks[i].end) for i in order]
        sent_offsets = np.searchsorted(idx.sentence_chunk, np.arange(n))
        for pos in overlap.drop_overlapping(spans):
            if len(passages) == k:
                break
            i = order[pos]
            c = idx.chunks[i]
            first = sent_offsets[i]
            hl = highlight.best_sentences(c.sentences, sent_cos[first:first + len(c.sentences)])
            passages.append(Passage(
                rank=len(passages) + 1, score=fused[i],
                scores={"dense": float(dense_by_chunk.get(i, float(idx.chunk_vectors[i] @ qvec))),
                        "sentence": float(best_sentence[i]), "keyword": float(kw[i])},
                text=c.text, document=c.document, source=c.source, heading_path=c.heading_path,
                chunk_id=c.id, highlights=hl, publisher=c.publisher, file=c.file, start=c.start, end=c.end,
            ))
        return Answer(text, answered, reason, passages, expanded_question=exp.keyword_query,
                      corrections=exp.corrections, confidence=confidence)
