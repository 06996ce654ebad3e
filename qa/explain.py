"""Words explained where they stand: which glossary terms a text uses, and where.

A term is found by the entry's own `term` ("SENCO", "EHC plan", "Local
Offer") and by its acronym-like aliases: those of its `also` words that are
an acronym of the entry ("ehcp" for "Education, Health and Care plan
(EHCP)", "ehc assessment" for "EHC needs assessment"). Everyday phrases in
`also` ("extra help", "son", "the law") are for the search, never explained
in a quote. Acronyms match only in capitals, so "send" the verb and "Send"
at the start of a sentence are not SEND; the other words of a term match in
any case. Matches are whole words (an optional plural "s" included), the
longest first, never overlapping. Only entries with a definition count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .glossary import Entry

# A word with two capitals or more is an acronym ("SEN", "EHCP", "SpLD", "PfA").
_ACRONYM = re.compile(r"[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*")


@dataclass(frozen=True)
class Term:
    """One glossary term as a text uses it."""
    term: str  # the entry's term ("EHC plan")
    means: str  # spelled out ("Education, Health and Care plan (EHCP)"); may be ""
    definition: str  # one plain line
    spans: tuple[tuple[int, int], ...]  # [start, end) of each use in the text
    words: tuple[str, ...]  # how the text writes it, first use first, without a plural "s" ("EHCP", "EHC plan")

    @property
    def title(self) -> str:
        """What a hover shows: the spelled-out form, or the definition when that says nothing more."""
        return self.means if self.means and self.means.lower() != self.term.lower() else self.definition

    @property
    def explanation(self) -> str:
        """The spelled-out form and the definition, in one line."""
        return f"{self.means}: {self.definition}" if self.title == self.means else self.definition


def terms(text: str, entries: list[Entry] | tuple[Entry, ...]) -> list[Term]:
    """The glossary terms that `text` uses, in the order of their first use."""
    pattern, entry_of = _matcher(tuple(entries))
    if pattern is None:
        return []
    found: dict[int, tuple[list[tuple[int, int]], list[str]]] = {}
    for m in pattern.finditer(text):
        base = m.group("base")
        spans, words = found.setdefault(entry_of[_key(base)], ([], []))
        spans.append(m.span())
        if _key(base) not in map(_key, words):
            words.append(base)
    return [Term(entries[i].term, entries[i].means, entries[i].definition, tuple(spans), tuple(words))
            for i, (spans, words) in found.items()]


def merge(groups: list[list[Term]]) -> list[Term]:
    """Terms of several texts as one list: each term once, in the order of first use; spans dropped."""
    merged: dict[str, Term] = {}
    for found in groups:
        for t in found:
            seen = merged.get(t.term)
            words = seen.words + tuple(w for w in t.words if _key(w) not in map(_key, seen.words)) if seen else t.words
            merged[t.term] = Term(t.term, t.means, t.definition, (), words)
    return list(merged.values())


def _key(word: str) -> str:
    return " ".join(word.lower().split())


@lru_cache(maxsize=8)
def _matcher(entries: tuple[Entry, ...]) -> tuple[re.Pattern | None, dict[str, int]]:
    """One pattern for every form of every entry, longest first, and the entry of each form.
    A later entry takes a form over from an earlier one (a corpus's own terms win)."""
    form_of: dict[str, tuple[str, int]] = {}
    for i, e in enumerate(entries):
        if not (e.term.strip() and e.definition.strip()):
            continue
        for form in _forms(e):
            form_of[_key(form)] = (form, i)
    if not form_of:
        return None, {}
    forms = sorted((f for f, _ in form_of.values()), key=lambda f: (-len(f), f))
    alternatives = "|".join(_form_pattern(f) for f in forms)
    pattern = re.compile(rf"(?<!\w)(?P<base>{alternatives})s?(?!\w)")
    return pattern, {k: i for k, (_, i) in form_of.items()}


def _forms(e: Entry) -> list[str]:
    """The entry's term, and each alias holding one of the entry's acronyms (spelled as the entry spells it)."""
    acronyms = {a.lower(): a for a in _ACRONYM.findall(f"{e.term} {e.means} {e.guidance}")}
    forms = [e.term.strip()]
    for alias in e.also:
        words = alias.split()
        if any(w in acronyms for w in words):
            forms.append(" ".join(acronyms.get(w, w) for w in words))
    return forms


def _form_pattern(form: str) -> str:
    """Acronyms as written (case-sensitive); other words in any case; any white space between words."""
    return r"\s+".join(re.escape(w) if _ACRONYM.fullmatch(w) else f"(?i:{re.escape(w)})" for w in form.split())
