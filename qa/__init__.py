"""Find and quote the passages of the guidance that answer a question.

One engine, one main call: `Engine(settings).search(question, k) -> Answer`
(`ready.ready_engine` builds the index first if it must). Inside: clean the
question and fix its spelling (`question`, `spelling`, `glossary`), nominate
and score passages (`encoder`, `coverage`), fuse and decide (`fusion`,
`decision`, `tuning` with the fitted `params.json`), highlight and quote
(`highlight`, `sections`, `overlap`, `explain`, `links`), a child's safety
first (`safety`), and every sentence a parent reads (`messages`).
"""
from .answer import Answer, Passage
from .engine import Engine

__all__ = ["Answer", "Engine", "Passage"]
