"""Question expansion: correct misspellings, then add the guidance's own words
for the words parents use (corpus/glossary.json)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Corrections only for words long enough to be sure of: a short word one
# letter from a guidance word is as likely a different word.
_MIN_FIX_LEN = 5
_TWO_EDITS_FROM = 8


@dataclass(frozen=True)
class Entry:
    guidance: str
    also: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]


@dataclass
class Expansion:
    question: str  # as typed (after clean-up)
    corrected: str  # misspellings corrected
    corrections: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)  # guidance words added by the glossary

    @property
    def keyword_query(self) -> str:
        return " ".join([self.corrected, *self.added])

    @property
    def dense_query(self) -> str:
        if not self.added:
            return self.corrected
        return f"{self.corrected} ({'; '.join(self.added)})"


class Glossary:
    def __init__(self, entries: list[Entry], corpus_words: set[str]):
        self.entries = entries
        glossary_words = {w for e in entries for v in e.also for w in _WORD.findall(v.lower())}
        glossary_words |= {w for e in entries for w in _WORD.findall(e.guidance.lower())}
        self.vocabulary = corpus_words | glossary_words
        self._choices = sorted(w for w in self.vocabulary if len(w) >= _MIN_FIX_LEN - 1)

    @classmethod
    def load(cls, path: Path | None, corpus_words: set[str]) -> "Glossary":
        entries = []
        if path is not None and path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            for item in data.get("entries", []):
                also = tuple(str(a).lower() for a in item.get("also", []))
                pats = tuple(re.compile(r"(?<![a-z0-9])" + re.escape(a) + r"(?![a-z0-9])") for a in also)
                entries.append(Entry(str(item["guidance"]), also, pats))
        return cls(entries, corpus_words)

    def correct(self, word: str) -> str | None:
        """The vocabulary word a misspelling was meant to be, or None."""
        if len(word) < _MIN_FIX_LEN or word in self.vocabulary or word.isdigit():
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
        for word in set(_WORD.findall(lowered)):
            fixed = self.correct(word)
            if fixed:
                corrections[word] = fixed
        corrected = question
        for wrong, right in corrections.items():
            corrected = re.sub(rf"(?<![A-Za-z0-9]){re.escape(wrong)}(?![A-Za-z0-9])", right, corrected, flags=re.I)
        text = corrected.lower().replace("’", "'")
        added = [e.guidance for e in self.entries if any(p.search(text) for p in e.patterns)]
        return Expansion(question, corrected, corrections, added)


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))
