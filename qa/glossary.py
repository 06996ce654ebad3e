"""Question expansion: correct misspellings, then add the guidance's own words
for the words parents use (corpus/glossary.json)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.keyword_index import is_stopword

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")  # words in any script
# Corrections only for words long enough to be sure of: a short word one
# letter from a guidance word is as likely a different word.
_MIN_FIX_LEN = 5
_TWO_EDITS_FROM = 8


@dataclass(frozen=True)
class Entry:
    guidance: str
    also: tuple[str, ...]
    pattern: re.Pattern  # any of `also`, as whole words


@dataclass
class Expansion:
    question: str  # as typed (after clean-up)
    corrected: str  # misspellings corrected
    corrections: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)  # guidance words added by the glossary
    # Real English words of the question that neither the guidance nor the
    # glossary knows: a sign the question is about something else.
    unexplained: list[str] = field(default_factory=list)
    # Words of the question that the guidance or the glossary does know.
    known: list[str] = field(default_factory=list)

    @property
    def keyword_query(self) -> str:
        # One line each, so that no phrase token joins the question's last
        # word to an added one, or two added phrases.
        return "\n".join([self.corrected, *self.added])


class Glossary:
    def __init__(self, entries: list[Entry], corpus_words: set[str]):
        self.entries = entries
        glossary_words = {w for e in entries for v in e.also for w in _WORD.findall(v.lower())}
        glossary_words |= {w for e in entries for w in _WORD.findall(e.guidance.lower())}
        self.vocabulary = corpus_words | glossary_words
        self._stems = set(_stem_all(sorted(self.vocabulary)))
        self._choices = sorted(w for w in self.vocabulary if len(w) >= _MIN_FIX_LEN - 1)

    @classmethod
    def load(cls, path: Path | None, corpus_words: set[str]) -> "Glossary":
        entries = []
        if path is not None and path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            for item in data.get("entries", []):
                also = tuple(str(a).lower() for a in item.get("also", []))
                alternatives = "|".join(re.escape(a) for a in sorted(also, key=len, reverse=True))
                pattern = re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")
                entries.append(Entry(str(item["guidance"]), also, pattern))
        return cls(entries, corpus_words)

    def correct(self, word: str) -> str | None:
        """The vocabulary word a misspelling was meant to be, or None."""
        word = word.replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        # A real English word is not a typo even when the guidance never uses
        # it ("meals" is not "means"): correcting it would hide that the
        # question is about something else.
        if len(word) < _MIN_FIX_LEN or word in self.vocabulary or word.isdigit() or is_english(word):
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        limit = 2 if len(word) >= _TWO_EDITS_FROM else 1
        best = process.extractOne(word, self._choices, scorer=OSA.distance, score_cutoff=limit)
        if best is None or best[0][0] != word[0]:
            return None
        return best[0]

    def expand(self, question: str) -> Expansion:
        lowered = question.lower()
        corrections = {}
        for word in set(_WORD.findall(lowered.replace("’", "'"))):
            fixed = self.correct(word)
            if fixed:
                corrections[word] = fixed
        corrected = question
        for wrong, right in corrections.items():
            corrected = re.sub(rf"(?<![A-Za-z0-9]){re.escape(wrong)}(?![A-Za-z0-9])", right, corrected, flags=re.I)
        text = corrected.lower().replace("’", "'")
        added, matched = [], set()
        for entry in self.entries:
            found = [m.group(0) for m in entry.pattern.finditer(text)] if entry.also else []
            if found:
                added.append(entry.guidance)
                matched.update(w for phrase in found for w in _WORD.findall(phrase))
        content = [w for w in dict.fromkeys(_WORD.findall(text)) if not is_stopword(w) and not w.isdigit()]
        known = [w for w in content if w in matched or _stem_all([w])[0] in self._stems]
        unexplained = [w for w in content if w not in known and is_english(w)]
        return Expansion(question, corrected, corrections, added, unexplained, known)


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    """English words, from pyspellchecker's word-frequency list (a plain JSON
    file it ships), to tell a misspelling from a word the guidance lacks."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def is_english(word: str) -> bool:
    return word.replace("’", "'") in _english()


def _stem_all(words: list[str]) -> list[str]:
    from ingest.keyword_index import stem_words

    return stem_words(words)


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))
