"""Every number the search is tuned by, in one place.

Two kinds. Numbers set by measurement, each with its reason below, and
changed only with a new measurement. And numbers fitted on the labelled
questions by `python -m learn.fit` (fusion weights, the refusal model and its
threshold), read from `qa/params.json`, which records how they were fitted
(qa/decision.py). An Engine takes one `Tuning`; nothing else in qa/ holds a
number of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import decision
from .decision import Params


@dataclass(frozen=True)
class Tuning:
    # How many candidates each retriever hands to fusion: past 30 no dev
    # question's answer was found that 30 missed (docs/RETRIEVAL.md).
    candidates: int = 30
    # Above this many evidence rows (headings and sentences), a question is
    # not compared with every sentence: only the candidates that the dense
    # and keyword sides nominate are, and the keyword side runs in a thread
    # beside the model. At 100,000 chunks this took a question from 54 ms to
    # 8 ms; the line is low because a full scan costs more than its own
    # product: at 1,000 chunks it pushed the model's weights out of the CPU
    # cache (docs/PERFORMANCE.md).
    large_index_rows: int = 2_000
    # Answers kept per engine (a repeated question costs 0.02 ms).
    answer_cache_size: int = 512
    # A sentence next to the best one is highlighted too when its cosine is
    # within this of the best (an answer often runs over two sentences).
    highlight_margin: float = 0.03
    # Two returned passages may share at most this share of the shorter one.
    overlap_limit: float = 0.5
    # Word weights for coverage (qa/coverage.py): a word's information in
    # general English (natural log of inverse frequency) less this floor,
    # which everyday words fall below ("now" 6.3, "stop" 7.4, "night" 7.9),
    # kept within [min, max]: no content word weighs nothing, and an unknown
    # word (an acronym, a name) weighs the most.
    everyday_information: float = 6.0
    min_word_weight: float = 0.25
    max_word_weight: float = 12.0
    # Fitted by python -m learn.fit (qa/params.json).
    fitted: Params = field(default_factory=decision.load)
