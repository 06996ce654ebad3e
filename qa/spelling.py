"""What a refusal can say about the question's words: whether it is in
English at all, and what a misspelt question was meant to be.

Only suggestions: the search itself corrects only long words it is sure of
(Glossary.correct); a short word ("wat", "sun") is offered as "Did you
mean …?", never silently changed.
"""
from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass

from ingest.keyword_index import is_stopword

from .glossary import Expansion, Glossary, english_frequencies, is_english, words

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_SHORT = (3, 4)  # shorter words are left alone; longer ones are Glossary.correct's
# "wat" is in the English word list, but "what" is 25,000 times as common: a
# short word is a slip for a guidance word at least this many times as common...
_RARE_RATIO = 1_000
# ...or for a word parents use for SEN (the glossary's "also" words) a few
# times as common: "sun" for "son" (4 times), never "bus" for "but" (not a parent's word).
_PARENT_RATIO = 3


def looks_english(exp: Expansion, glossary: Glossary) -> bool:
    """More than half of the question's words are English or known to the
    guidance or glossary (a misspelling the search corrected counts)."""
    found = [w for w in _WORD.findall(exp.question.lower().replace("’", "'")) if not w.isdigit()]
    if not found:
        return True  # digits or symbols only: nothing to judge
    known = set(exp.known) | set(exp.corrections)

    def english(w: str) -> bool:
        base = w[:-2] if w.endswith("'s") else w
        return any(x in known or x in glossary.vocabulary or is_english(x) for x in (w, base))

    return 2 * sum(map(english, found)) > len(found)


def did_you_mean(question: str, glossary: Glossary) -> str:
    """The question with each word that looks misspelt replaced by the
    guidance word it was likely meant to be; "" when none looks misspelt."""
    fixes = {}
    for word in dict.fromkeys(_WORD.findall(question.lower().replace("’", "'"))):
        fixed = glossary.correct(word) or _short_fix(word, glossary)
        if fixed:
            fixes[word[:-2] if word.endswith("'s") else word] = fixed
    fixed_question = question
    for wrong, right in fixes.items():
        fixed_question = re.sub(rf"(?<![^\W_]){re.escape(wrong)}(?![^\W_])", right, fixed_question, flags=re.I)
    return fixed_question if fixed_question.lower() != question.lower() else ""


def _short_fix(word: str, glossary: Glossary) -> str | None:
    """A guidance or glossary word one letter from a short word, when the short
    word is far rarer in English than it (see _RARE_RATIO, _PARENT_RATIO)."""
    if not _SHORT[0] <= len(word) <= _SHORT[1] or not word.isalpha() or word in glossary.vocabulary:
        return None
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    freq = english_frequencies()[0]
    own = max(freq.get(word, 0), 1)
    index = _index(glossary)
    parents = index.parents
    close = [w for n in (len(word) - 1, len(word), len(word) + 1) for w in index.by_start.get((word[0], n), ())]
    best, best_freq = None, 0
    for candidate, _distance, _ in process.extract(word, close, scorer=OSA.distance, score_cutoff=1, limit=None):
        f = freq.get(candidate, 0)
        if (f >= _RARE_RATIO * own or (candidate in parents and f >= _PARENT_RATIO * own)) and f > best_freq:
            best, best_freq = candidate, f
    return best


@dataclass(frozen=True)
class _Index:
    # The guidance's and glossary's words of letters, by (first letter, length):
    # a short word is compared with the few of its shape, not with the whole
    # vocabulary (100,000 passages hold about 30,000 words; comparing with all
    # of them took 6 ms of a 10 ms question).
    by_start: dict[tuple[str, int], tuple[str, ...]]
    # The glossary's words for what parents type ("son", "mum", "statement"), not its everyday ones ("for").
    parents: frozenset[str]


_indexes: "weakref.WeakKeyDictionary[Glossary, _Index]" = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def _index(glossary: Glossary) -> _Index:
    """The glossary's spelling index, made on its first refusal and kept while it lives."""
    with _indexes_lock:
        found = _indexes.get(glossary)
        if found is None:
            groups: dict[tuple[str, int], list[str]] = {}
            for w in glossary.vocabulary:
                if w.isalpha():
                    groups.setdefault((w[0], len(w)), []).append(w)
            parents = frozenset(w for e in glossary.entries for a in e.also for w in words(a) if not is_stopword(w))
            found = _indexes[glossary] = _Index({k: tuple(sorted(v)) for k, v in groups.items()}, parents)
        return found


