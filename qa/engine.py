"""The search engine: load the index once, answer `search(question, k)`."""
from __future__ import annotations

import copy
import threading
from concurrent.futures import ThreadPoolExecutor
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ingest.errors import IndexUnusableError
from ingest.about import read_about
from ingest.settings import Settings, from_env
from ingest import dense_index, keyword_index, store

from . import coverage, fusion, highlight, messages, overlap, question as question_mod, safety, spelling
from .answer import Answer, Passage
from .encoder import QueryEncoder
from .explain import Term, terms
from .glossary import LOCAL_GLOSSARY, SEN_GLOSSARY, Expansion, Glossary, words
from .loaded_index import LoadedIndex, load
from .sections import whole_section
from .tuning import Tuning

@dataclass
class Evidence:
    """Everything the search knows about one question before it ranks: each
    candidate passage's scores, and signals of the whole question."""
    expansion: Expansion
    candidates: np.ndarray  # chunk numbers
    scores: dict[str, np.ndarray]  # per candidate, by retriever
    rows: np.ndarray  # cosine of each candidate's evidence rows (heading, then sentences), one chunk after another
    firsts: np.ndarray  # where each candidate's rows begin in `rows`
    concepts: list[coverage.Concept]  # the question's content words, with their weights
    in_corpus: list[bool]  # and whether the guidance uses each one anywhere

    @property
    def missing(self) -> list[str]:
        """The question's words the guidance never uses, the most telling first."""
        absent = [c for c, ok in zip(self.concepts, self.in_corpus) if not ok]
        return [c.word for c in sorted(absent, key=lambda c: -c.weight)]

    def signals(self, top: int) -> dict[str, float]:
        """The refusal model's inputs, given the candidate ranked first."""
        absent = [c.weight for c, ok in zip(self.concepts, self.in_corpus) if not ok]
        found = bool(len(self.candidates))
        return {
            "confidence": float(self.scores["sentence"].max()) if found else 0.0,
            "top_dense": float(self.scores["dense"][top]) if found else 0.0,
            "corpus_coverage": coverage.share(self.concepts, self.in_corpus),
            "top_coverage": float(self.scores["coverage"][top]) if found else 0.0,
            # The weight of the most telling word the guidance never uses: a
            # signal among others, never a veto (everyday words weigh little).
            "missing_weight": max(absent, default=0.0),
        }


class Engine:
    def __init__(self, settings: Settings | None = None, log: Callable[[str], None] = lambda _m: None,
                 encoder: QueryEncoder | None = None, tuning: Tuning | None = None):
        """Load the index (built beforehand: ingest.ensure_index); raises
        IndexUnusableError with one line naming the problem and the fix."""
        self.settings = settings or from_env()
        self.log = log
        store.check_corpus(self.settings.index_dir, self.settings.corpus_dir)
        self.index = load(self.settings.index_dir)
        self.encoder = encoder or QueryEncoder(self.index.model, backend=self.settings.encoder)
        self.tuning = tuning or Tuning()
        self.about = read_about(self.settings.corpus_dir)
        if self.settings.contacts:  # the council's configuration names them
            self.about = replace(self.about, contacts=tuple(self.settings.contacts))
        # Headings are the guidance's words too ("What is the graduated approach?").
        headings = {h for c in self.index.chunks for h in c.heading_path}
        corpus_words = set().union(*(words(c.text) for c in self.index.chunks), *(words(h) for h in headings))
        self.glossary = Glossary.load([SEN_GLOSSARY, self.settings.corpus_dir / LOCAL_GLOSSARY], corpus_words)
        self._vocabulary = set(self.index.bm25.vocab_dict) | {
            t for h in headings for t in keyword_index.tokenize([h])[0]}
        self._crisis = np.array(safety.crisis_passages(self.index.chunks), dtype=np.int64)
        self._cache: OrderedDict[tuple[str, int], Answer] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._keyword_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sen-guide-keyword")

    # --- what the pages may ask of it ------------------------------------------

    @property
    def passage_count(self) -> int:
        return len(self.index.chunks)

    def facts(self) -> dict:
        """What the index says of itself (its manifest: model, counts, documents,
        build time, skipped files), as plain data."""
        return copy.deepcopy(self.index.manifest)

    def section(self, passage: Passage) -> tuple[str, list[list[int]]]:
        """The passage's whole section, and its highlights' place in it."""
        return whole_section(self.index.chunks, passage)

    def examples(self, limit: int = 6) -> list[str]:
        """The example questions a parent is offered: the council's (its
        configuration, else corpus/sen-guide.json), else the guidance's own
        headings that are questions, then other section headings."""
        chosen = self.settings.examples or self.about.examples
        if chosen:
            return list(chosen[:limit])
        headings = list(dict.fromkeys(c.heading_path[-1] for c in self.index.chunks if len(c.heading_path) > 1))
        asks = [h for h in headings if h.rstrip().endswith("?")]
        return [messages.question_of(h) for h in (asks + [h for h in headings if h not in asks])[:limit]]

    def warm_up(self) -> None:
        """Load the model now, so that the first question is as quick as the rest."""
        self.encoder.encode("warm up")

    def explain(self, text: str) -> list[Term]:
        """The glossary terms a text uses (SENCO, EHC plan...), where, and what each means (qa.explain)."""
        return terms(text, self.glossary.entries)

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
        # Answers are frozen (a cached one is shared between sessions): the notice goes in a copy.
        answer = replace(self._search(text, k), notice=notice)
        with self._cache_lock:
            self._cache[key] = answer
            if len(self._cache) > self.tuning.answer_cache_size:
                self._cache.popitem(last=False)
        return answer

    def _keyword_side(self, keyword_query: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(BM25 score of every chunk, the chunks it nominates, the question's tokens)."""
        tokens = keyword_index.tokenize([keyword_query])[0]
        scores = keyword_index.scores(self.index.bm25, tokens)
        top = _top(scores, self.tuning.candidates)
        return scores, top[scores[top] > 0], tokens

    def evidence(self, text: str, extra: np.ndarray | None = None) -> Evidence:
        """Nominate candidate passages and score each one every way; `extra`
        chunks are scored too, whether nominated or not."""
        idx = self.index
        exp = self.glossary.expand(text)
        large = len(idx.sentence_vectors) > self.tuning.large_index_rows
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
        _, dense_ids = dense_index.search(idx.dense, qvec, min(self.tuning.candidates, n))
        nominated = [dense_ids, keyword_ids] + ([extra] if extra is not None else [])
        if not large:
            # Small enough to compare the question with every sentence, so the
            # sentence side nominates too.
            best_all = np.maximum.reduceat(idx.sentence_vectors @ qvec, idx.evidence_start)
            nominated.append(_top(best_all, self.tuning.candidates))
        candidates = np.unique(np.concatenate(nominated)).astype(np.int64)
        # ...and every candidate is scored by all of them.
        rows, firsts = _evidence_rows(idx, candidates)
        evidence = idx.sentence_vectors[rows] @ qvec
        row_keyword = keyword_index.scores_of(idx.sentence_bm25, tokens, rows)
        question_concepts = coverage.concepts(exp.corrected, exp.synonyms, self.tuning)
        scores = {
            "dense": idx.chunk_vectors[candidates] @ qvec,
            "sentence": np.maximum.reduceat(evidence, firsts),
            "keyword": keyword[candidates],
            # The best single heading or sentence by BM25: the question's words
            # together in one sentence, not scattered over the passage.
            "sentence_keyword": np.maximum.reduceat(row_keyword, firsts),
            # How much of the question the passage holds, rare words weighing most.
            "coverage": coverage.of_documents(question_concepts, idx.bm25, candidates),
        }
        return Evidence(exp, candidates, scores, evidence, firsts, question_concepts,
                        coverage.in_vocabulary(question_concepts, self._vocabulary))

    def _search(self, text: str, k: int) -> Answer:
        urgent = safety.at_risk(text)
        ev = self.evidence(text, self._crisis if urgent else None)
        fitted = self.tuning.fitted
        fused = fusion.fuse(ev.scores, fitted.weights)
        order = fusion.ranked(fused)
        signals = ev.signals(order[0]) if order else ev.signals(0)
        chance = fitted.chance(signals)
        answered = chance >= fitted.threshold
        if urgent and len(self._crisis):
            # The guidance's own crisis passages first, best first, and always shown.
            crisis = np.isin(ev.candidates[order], self._crisis)
            order = [j for j, c in zip(order, crisis) if c] + [j for j, c in zip(order, crisis) if not c]
            answered = True
        vague = not ev.concepts and not urgent
        if vague:
            # Only everyday words ("What can I do?"): nothing to tell passages apart by.
            answered = False
        exp = ev.expansion
        # Too few words of English: say so, not that the guidance lacks it (and suggest nothing).
        foreign = not answered and not spelling.looks_english(exp, self.glossary)
        reason = "" if answered else (self._no_answer(foreign) if foreign or not vague else question_mod.VAGUE_REASON)
        help_ = list(self.about.emergency) if urgent else ([] if answered else list(self.about.contacts))
        offer = not answered and not foreign
        did_you_mean = spelling.did_you_mean(text, self.glossary) if offer else ""

        idx = self.index
        passages: list[Passage] = []
        chunks = [idx.chunks[ev.candidates[j]] for j in order]
        spans = [(c.file, c.start, c.end) for c in chunks]
        for pos in overlap.drop_overlapping(spans, self.tuning.overlap_limit, keep=k):
            j = order[pos]
            c = chunks[pos]
            first = int(ev.firsts[j]) + 1  # row 0 of a chunk is its heading
            passages.append(Passage(
                rank=len(passages) + 1, score=float(fused[j]),
                scores={name: float(values[j]) for name, values in ev.scores.items()},
                text=c.text, document=c.document, source=c.source, heading_path=c.heading_path, chunk_id=c.id,
                highlights=highlight.best_sentences(c.sentences, ev.rows[first:first + len(c.sentences)],
                                                    self.tuning.highlight_margin),
                publisher=c.publisher, file=c.file, start=c.start, end=c.end,
                anchor=c.anchor, page=c.page, updated=c.updated,
            ))
        suggestions = self._suggestions([idx.chunks[ev.candidates[j]] for j in order]) if offer else []
        return Answer(text, answered, reason, passages, expanded_question=" ".join(exp.keyword_query.splitlines()),
                      corrections=exp.corrections, confidence=signals["confidence"], chance=chance,
                      threshold=fitted.threshold,
                      signals=signals, missing=ev.missing, urgent=urgent, help=[c.to_json() for c in help_],
                      did_you_mean=did_you_mean, suggestions=suggestions)

    def _no_answer(self, foreign: bool = False) -> str:
        """Why there is no answer, and who can help, from the corpus's own settings
        (their phone numbers and web addresses are in Answer.help, shown beside it)."""
        names = [c.name for c in self.about.contacts[:2]]
        return messages.not_english(names) if foreign else messages.no_answer(names)

    def _suggestions(self, ranked: list, limit: int = 3) -> list[str]:
        """Up to `limit` questions the guidance answers, from the section
        headings of the passages ranked closest to a refused question (never a
        document's title). A heading asked as a question finds itself: it is
        one of the guidance's evidence rows, so it is answered without being
        searched here (which cost up to 100 ms a refusal on a large index;
        each of the 61 headings of the four labelled corpora is answered when asked)."""
        headings = [c.heading_path[-1] for c in ranked if len(c.heading_path) > 1]
        return [messages.suggestion(h) for h in list(dict.fromkeys(headings))[:limit]]


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
