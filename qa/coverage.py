"""How much of a question the guidance covers, word by word, weighted by how
telling each word is.

A question's content words are not equal evidence. "now", "fine" or "yet"
are everyday words: the guidance lacking one says nothing. "passport",
"masking" or "pupil premium" are rare in English: a passage holding one is
strong evidence, and a guidance that never uses one is likely about
something else. Each word weighs its information in general English (how
rare it is in pyspellchecker's word-frequency list, a plain file it ships),
less a floor that every everyday word falls below.

A word counts as covered by a text when its stem is there, or the stem of
any standard term the glossary gives for it ("teaching assistant" is covered
by a passage about "Learning Support Assistants").
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ingest import keyword_index

from .glossary import english_frequencies
from .tuning import Tuning

@dataclass(frozen=True)
class Concept:
    word: str
    weight: float
    stems: tuple[str, ...]  # the word's own stem, then those of the glossary's standard terms for it


def weight(word: str, tuning: Tuning) -> float:
    """How telling a word is: its information in general English beyond the
    everyday floor (the numbers are in qa/tuning.py)."""
    counts, total = english_frequencies()
    information = math.log(total / (counts.get(word, 0) + 1))
    return float(min(tuning.max_word_weight, max(tuning.min_word_weight, information - tuning.everyday_information)))


def concepts(text: str, synonyms: dict[str, list[str]], tuning: Tuning) -> list[Concept]:
    """The content words of a (corrected) question, once each. `synonyms` maps
    a question word to the standard terms the glossary gives for it."""
    out, seen = [], set()
    for word in keyword_index.content_words(text):
        if word in seen:
            continue
        seen.add(word)
        extra = keyword_index.tokenize([" ".join(synonyms.get(word, []))])[0] if word in synonyms else []
        stems = tuple(dict.fromkeys([*keyword_index.stem_words([word]), *(t for t in extra if "_" not in t)]))
        out.append(Concept(word, weight(word, tuning), stems))
    return out


def share(concepts_: list[Concept], covered: list[bool]) -> float:
    """The weighted share of the concepts that are covered (1.0 for none)."""
    total = sum(c.weight for c in concepts_)
    if total == 0:
        return 1.0
    return sum(c.weight for c, ok in zip(concepts_, covered) if ok) / total


def in_vocabulary(concepts_: list[Concept], vocabulary) -> list[bool]:
    """Which concepts any stem of the corpus's vocabulary covers."""
    return [any(s in vocabulary for s in c.stems) for c in concepts_]


def of_documents(concepts_: list[Concept], retriever, docs: np.ndarray) -> np.ndarray:
    """The weighted share of the question each document covers (documents of a
    bm25s index, given as ascending numbers)."""
    total = sum(c.weight for c in concepts_)
    out = np.zeros(len(docs), dtype=np.float32)
    if total == 0:
        return out + 1.0
    for c in concepts_:
        hit = np.zeros(len(docs), dtype=bool)
        for holders in keyword_index.holders(retriever, c.stems):
            hit |= _member(docs, holders)
        out[hit] += c.weight
    return out / total


def _member(docs: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    if not len(sorted_values):
        return np.zeros(len(docs), dtype=bool)
    found = np.minimum(np.searchsorted(sorted_values, docs), len(sorted_values) - 1)
    return sorted_values[found] == docs
