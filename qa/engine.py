"""The search engine: load the index once, answer `search(question, k)`."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from ingest import build, corpus_fingerprint, is_current
from ingest.errors import CorpusError, IndexUnusableError
from ingest.settings import Settings, from_env
from ingest import dense_index, keyword_index

from . import fusion, highlight, overlap, question as question_mod
from .answer import Answer, Passage
from .encoder import QueryEncoder
from .glossary import Glossary, words
from .loaded_index import LoadedIndex, load

# How many candidates each retriever hands to fusion.
CANDIDATES = 30
# Abstention, calibrated on the dev set and on tests/data/probe.jsonl (see
# docs/RETRIEVAL.md). Confidence is the cosine between the question and the
# best-matching sentence or heading of the guidance.
MIN_CONFIDENCE = 0.40
# A question with words that neither the guidance nor the glossary knows
# ("bus", "passport") needs a closer match: in-scope questions with such
# words scored 0.536 and above, out-of-scope ones 0.515 and below.
MIN_CONFIDENCE_UNEXPLAINED = 0.525
# A question of one or two words, all of which the guidance or the glossary
# knows ("ehcp", "speach therapy"), is a look-up: the model reads a bare
# acronym poorly, but the words themselves say it is in scope.
KEYWORD_QUERY_WORDS = 2
ANSWER_CACHE_SIZE = 512
# Above this many evidence rows (headings and sentences), a question is not
# compared with every sentence: only the candidates that the dense and
# keyword sides nominate are, and the keyword side runs in a thread beside
# the model. On the guidance (about 140 rows) nothing changes; at 100,000
# chunks this took a question from 54 ms to 8 ms (docs/PERFORMANCE.md). The
# line is low because a full scan costs more than its own product: at 1,000
# chunks (3,500 rows) it pushed the model's weights out of the CPU cache, and
# a question took 2-3 ms longer than on the guidance instead of 0.5 ms.
LARGE_INDEX_ROWS = 2_000

NO_ANSWER = ("The guidance does not seem to answer this question. "
             "The school's SENCO, or Westminster Information Advice Support Service for SEND (WIASS), can help.")


def _judge(confidence: float, unexplained: list[str], known: list[str]) -> tuple[bool, str]:
    """(answered, reason): whether the best match is close enough to quote."""
    if unexplained and confidence < MIN_CONFIDENCE_UNEXPLAINED:
        words = ", ".join(f"“{w}”" for w in unexplained[:3])
        return False, f"The guidance does not mention {words}, so it does not seem to answer this question. " + NO_ANSWER.split(". ", 1)[1]
    if not known:
        # "3", "学", a question in Welsh: nothing in it the guidance talks about.
        return False, ("The guidance does not use any of the words of this question (it is written in English). "
                       + NO_ANSWER.split(". ", 1)[1])
    if confidence < MIN_CONFIDENCE and not (len(known) <= KEYWORD_QUERY_WORDS and not unexplained):
        return False, NO_ANSWER
    return True, ""


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
        self._keyword_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sen-guide-keyword")

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
                return _as_asked(self._cache[key], text, notice)
        answer = self._search(text, k)
        answer.notice = notice
        with self._cache_lock:
            self._cache[key] = answer
            if len(self._cache) > ANSWER_CACHE_SIZE:
                self._cache.popitem(last=False)
        return answer

    def _keyword_side(self, keyword_query: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(BM25 score of every chunk, the chunks it nominates, the question's tokens)."""
        tokens = keyword_index.tokenize([keyword_query])[0]
        scores = keyword_index.scores(self.index.bm25, tokens)
        top = _top(scores, CANDIDATES)
        return scores, top[scores[top] > 0], tokens

    def _search(self, text: str, k: int) -> Answer:
        idx = self.index
        exp = self.glossary.expand(text)
        large = len(idx.sentence_vectors) > LARGE_INDEX_ROWS
        keyword_job = None
        if large:
            # On a large index the keyword side is worth its own thread: it runs
            # while the model encodes the question (which releases the GIL).
            keyword_job = self._keyword_pool.submit(self._keyword_side, exp.keyword_query)
        # The dense side reads the question as typed (misspellings corrected):
        # appending glossary words blurred its meaning on the dev set.
        qvec = self.encoder.encode(exp.corrected)
        keyword, keyword_ids, tokens = keyword_job.result() if keyword_job else self._keyword_side(exp.keyword_query)
        if qvec.shape != (idx.dense.d,):
            # The model at this name is not the one that embedded the passages
            # (a local model folder replaced, say): no answer from mismatched vectors.
            raise IndexUnusableError(
                f"The model {idx.model} now gives vectors of dimension {qvec.shape[-1]}, but the index was built "
                f"with dimension {idx.dense.d}: run `python -m ingest --force` to rebuild it.")
        n = len(idx.chunks)

        # Each retriever nominates its best candidates...
        _, dense_ids = dense_index.search(idx.dense, qvec, min(CANDIDATES, n))
        nominated = [dense_ids, keyword_ids]
        if not large:
            # Small enough to compare the question with every sentence, so the
            # sentence side nominates too.
            best_all = np.maximum.reduceat(idx.sentence_vectors @ qvec, idx.evidence_start)
            nominated.append(_top(best_all, CANDIDATES))
        candidates = np.unique(np.concatenate(nominated)).astype(np.int64)
        # ...and every candidate is scored by all of them.
        rows, firsts = _evidence_rows(idx, candidates)
        evidence = idx.sentence_vectors[rows] @ qvec
        best_evidence = np.maximum.reduceat(evidence, firsts)
        row_keyword = keyword_index.scores_of(idx.sentence_bm25, tokens, rows)
        per_retriever = {
            "dense": idx.chunk_vectors[candidates] @ qvec,
            "sentence": best_evidence,
            "keyword": keyword[candidates],
            # The best single heading or sentence by BM25: the question's words
            # together in one sentence, not scattered over the passage.
            "sentence_keyword": np.maximum.reduceat(row_keyword, firsts),
        }
        fused = fusion.fuse(per_retriever)
        order = fusion.ranked(fused)

        confidence = float(best_evidence.max()) if len(candidates) else 0.0
        answered, reason = _judge(confidence, exp.unexplained, exp.known)

        passages: list[Passage] = []
        chunks = [idx.chunks[candidates[j]] for j in order]
        for pos in overlap.drop_overlapping([(c.file, c.start, c.end) for c in chunks], keep=k):
            j = order[pos]
            c = chunks[pos]
            first = int(firsts[j]) + 1  # row 0 of a chunk is its heading
            passages.append(Passage(
                rank=len(passages) + 1, score=float(fused[j]),
                scores={name: float(values[j]) for name, values in per_retriever.items()},
                text=c.text, document=c.document, source=c.source, heading_path=c.heading_path, chunk_id=c.id,
                highlights=highlight.best_sentences(c.sentences, evidence[first:first + len(c.sentences)]),
                publisher=c.publisher, file=c.file, start=c.start, end=c.end,
            ))
        return Answer(text, answered, reason, passages, expanded_question=" ".join(exp.keyword_query.splitlines()),
                      corrections=exp.corrections, confidence=confidence)


def _as_asked(cached: Answer, text: str, notice: str) -> Answer:
    """Questions that clean to the same words share a cached answer, but each
    keeps its own wording and its own notice (e.g. that it was cut)."""
    if (cached.question, cached.notice) == (text, notice):
        return cached
    return replace(cached, question=text, notice=notice)


def _evidence_rows(idx: LoadedIndex, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, firsts): the evidence rows of the candidate chunks, one chunk
    after another, and where each chunk's rows begin in that list."""
    starts = idx.evidence_start[candidates]
    lengths = idx.evidence_end[candidates] - starts
    firsts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    rows = np.repeat(starts - firsts, lengths) + np.arange(int(lengths.sum()))
    return rows, firsts


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores (unordered)."""
    if len(scores) <= k:
        return np.arange(len(scores))
    return np.argpartition(-scores, k)[:k]
