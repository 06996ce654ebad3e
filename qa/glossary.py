"""Question expansion: correct misspellings, then add the standard terms of SEN
support for the words parents use.

Two glossaries, one format: `qa/sen_glossary.json` ships with the engine (SEN
vocabulary of England, for any council's guidance), and a corpus may add its
own local terms in `corpus/glossary.json`.
"""
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


SEN_GLOSSARY = Path(__file__).with_name("sen_glossary.json")
LOCAL_GLOSSARY = "glossary.json"  # in a corpus folder


@dataclass(frozen=True)
class Entry:
    guidance: str  # the standard terms added to the keyword search
    also: tuple[str, ...]  # what parents type for them, lower case
    term: str = ""
    definition: str = ""
    means: str = ""  # the term spelled out ("Special Educational Needs Coordinator")


@dataclass
class Expansion:
    question: str  # as typed (after clean-up)
    corrected: str  # misspellings corrected
    corrections: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)  # guidance words added by the glossary
    # Each question word inside a glossary match, with the standard terms it stands for.
    synonyms: dict[str, list[str]] = field(default_factory=dict)
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
        # Every alias of every entry in one pattern, longest first, so that the
        # longest match wins: "free school meals" is not "free school".
        # A later file's entry takes an alias over from an earlier one: a
        # corpus's local terms override the shipped ones.
        self._entry_of = {a: i for i, e in enumerate(entries) for a in e.also}
        aliases = sorted(self._entry_of, key=lambda a: (-len(a), a))
        self._pattern = re.compile(
            r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, aliases)) + r")(?![a-z0-9])") if aliases else None
        glossary_words = {w for e in entries for v in e.also for w in _WORD.findall(v.lower())}
        glossary_words |= {w for e in entries for w in _WORD.findall(e.guidance.lower())}
        self.vocabulary = corpus_words | glossary_words
        self._stems = set(_stem_all(sorted(self.vocabulary)))
        # What a misspelt word may be corrected to: words, not numbers (a
        # corpus's page and section numbers, years and phone numbers were
        # 99% of the 100,000-passage benchmark's vocabulary, and a misspelt
        # word took 22 ms to compare with them all).
        self._choices = sorted(w for w in self.vocabulary
                               if len(w) >= _MIN_FIX_LEN - 1 and not any(c.isdigit() for c in w))

    @classmethod
    def load(cls, paths: list[Path], corpus_words: set[str]) -> "Glossary":
        """The entries of every glossary file that exists, in order."""
        return cls([e for p in paths if p.exists() for e in read_entries(p)], corpus_words)

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
        # iPhones type ’ for an apostrophe: one apostrophe from here on, so
        # that "dauhgter’s" is corrected in what is searched, not only reported.
        corrected = question.replace("’", "'")
        corrections = {}
        for word in set(_WORD.findall(corrected.lower())):
            fixed = self.correct(word)
            if fixed:
                # The word without its possessive: "dauhgter's" -> "daughter's".
                corrections[word[:-2] if word.endswith("'s") else word] = fixed
        for wrong, right in corrections.items():
            corrected = re.sub(rf"(?<![A-Za-z0-9]){re.escape(wrong)}(?![A-Za-z0-9])", right, corrected, flags=re.I)
        text = corrected.lower().replace("’", "'")
        added, synonyms = [], {}
        for m in self._pattern.finditer(text) if self._pattern else ():
            guidance = self.entries[self._entry_of[m.group(0)]].guidance
            if guidance not in added:
                added.append(guidance)
            for w in _WORD.findall(m.group(0)):
                synonyms.setdefault(w, []).append(guidance)
        matched = set(synonyms)
        content = [w for w in dict.fromkeys(_WORD.findall(text)) if not is_stopword(w) and not w.isdigit()]
        known = [w for w in content if w in matched or _stem_all([w])[0] in self._stems]
        unexplained = [w for w in content if w not in known and is_english(w)]
        return Expansion(question, corrected, corrections, added, synonyms, unexplained, known)


def read_entries(path: Path) -> list[Entry]:
    """The entries of one glossary file; a file that is not a glossary is an
    error naming it and the fix."""
    from ingest.errors import CorpusError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Entry(str(item["guidance"]), tuple(str(a).lower().replace("’", "'") for a in item.get("also", [])),
                      str(item.get("term", "")), str(item.get("definition", "")), str(item.get("means", "")))
                for item in data["entries"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorpusError(f"The glossary {path} cannot be read ({type(exc).__name__}: {exc}): each entry needs "
                          "'guidance' and 'also' (see qa/sen_glossary.json); fix or remove the file.") from None


@lru_cache(maxsize=1)
def english_frequencies() -> tuple[dict[str, int], int]:
    """(how often each English word occurs, all words counted), from
    pyspellchecker's word-frequency list (a plain JSON file it ships): read
    once, for telling a misspelling from a word the guidance lacks, for how
    telling a word is (coverage.py) and for spelling suggestions (spelling.py)."""
    from spellchecker import SpellChecker

    freq = SpellChecker(language="en", distance=1).word_frequency
    return freq.dictionary, int(freq.total_words)


def is_english(word: str) -> bool:
    return word.replace("’", "'") in english_frequencies()[0]


def _stem_all(words: list[str]) -> list[str]:
    from ingest.keyword_index import stem_words

    return stem_words(words)


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))
