"""What the guidance does not answer well: parents' refused questions and
the answers they marked unhelpful, grouped by meaning.

Questions are embedded with the untuned all-MiniLM-L6-v2 (GROUPING_MODEL,
whatever model the index uses: the SEN-tuned default of learn/tune.py
learned to tell apart questions that different passages answer, and split
one worry into several groups) and grouped by
average-linkage clustering on cosine similarity: two groups join while the
mean similarity between their questions is at least THRESHOLD. Each group is
labelled by its most typical question. No Streamlit here: the staff page
(views/staff_gaps.py) and the command line (feedback/report.py) both call this.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np

from ingest.settings import BUNDLED_MODEL

if TYPE_CHECKING:  # records come from feedback.store; grouping needs only their fields
    from .store import Record

# Two groups join while their questions' mean cosine similarity (all-MiniLM-L6-v2)
# is at least this. Chosen on the 40 labelled parent questions in 10
# meaning-groups of tests/test_gaps.py (DEV), where purity (the share of
# questions in a group of their own meaning) and recall (the share of each
# meaning found in its largest group) trade off:
#     threshold  0.400  0.425  0.450  0.475  0.500  0.550  0.600
#     purity     0.60   0.80   0.85   0.85   0.85   0.93   0.97
#     recall     0.85   0.85   0.78   0.75   0.75   0.68   0.60
# Below 0.425 the related worries merge (exclusion with school transport and
# anxiety); above 0.5 each worry splits into pairs and looks rarer than it is.
# 0.45 is the middle of the best stretch (their harmonic mean is 0.80-0.82
# from 0.425 to 0.5), not at its cliff edge. On the 24 held-out questions in
# 6 groups (HELDOUT, measured once, after choosing): purity 0.92, recall 0.75.
# What still goes wrong at 0.45: one process asked in different words
# (applying for an EHC plan, appealing a refusal) splits into two or three
# groups, and neighbouring worries join (exclusion with anxiety about going to
# school): staff should read past the first few groups.
THRESHOLD = 0.45
GROUPING_MODEL = BUNDLED_MODEL  # always installed
_encoders: dict[str, object] = {}
_encoders_lock = threading.Lock()


def grouping_encoder(backend: str = "auto"):
    """The QueryEncoder that groups questions, one per process and backend (it
    loads the model on first use)."""
    from qa.encoder import QueryEncoder

    with _encoders_lock:
        if backend not in _encoders:
            _encoders[backend] = QueryEncoder(GROUPING_MODEL, backend=backend)
        return _encoders[backend]

_SPACES = re.compile(r"\s+")


@dataclass
class Group:
    label: str  # the group's most typical question, as a parent typed it
    records: list[Record]  # newest first
    first_chunk: str  # the passage most often shown first ("" when none was shown)

    @property
    def size(self) -> int:
        return len(self.records)

    @property
    def refused(self) -> int:
        return sum(not r.answered for r in self.records)

    @property
    def unhelpful(self) -> int:
        """Answered, and the answer rated No."""
        return sum(r.answered and r.helpful is False for r in self.records)

    @property
    def comments(self) -> list[str]:
        """What parents wrote with their feedback, newest first."""
        return [r.comment for r in self.records if r.comment.strip()]

    @property
    def others(self) -> list[str]:
        """The group's other questions, each wording once, newest first."""
        return [q for q in dict.fromkeys(r.question for r in self.records) if _key(q) != _key(self.label)]


def needs_attention(record: Record) -> bool:
    """Refused, or answered and rated unhelpful."""
    return not record.answered or record.helpful is False


def group_questions(records: Iterable[Record], encode: Callable[[list[str]], np.ndarray],
                    threshold: float = THRESHOLD) -> list[Group]:
    """The refused and unhelpful records, grouped by meaning, largest group first
    (then the one asked most recently). `encode` turns texts into one row each."""
    chosen = sorted((r for r in records if needs_attention(r)), key=_newest_first)
    if not chosen:
        return []
    # The same question asked again (ignoring case and spacing) is embedded once
    # and clustered as one point that weighs as many times as it was asked.
    texts: dict[str, int] = {}
    which = [texts.setdefault(_key(r.question), len(texts)) for r in chosen]
    weights = np.bincount(which, minlength=len(texts)).astype(np.float64)
    first_wording = {}
    for r, t in zip(chosen, which):
        first_wording.setdefault(t, " ".join(r.question.split()))  # the newest wording of each text
    vectors = _unit(np.asarray(encode([first_wording[t] for t in range(len(texts))]), dtype=np.float64))
    sim = vectors @ vectors.T
    groups = []
    for members in average_linkage(sim, weights, threshold):
        inside = set(members)
        group_records = [r for r, t in zip(chosen, which) if t in inside]
        groups.append(Group(first_wording[_typical(sim, weights, members)], group_records,
                            _first_chunk(group_records)))
    return sorted(groups, key=lambda g: (-g.size, _newest_first(g.records[0])))


def average_linkage(sim: np.ndarray, weights: Sequence[float], threshold: float) -> list[list[int]]:
    """Clusters of points (lists of row numbers, each ascending) joined while
    the weighted mean similarity between two clusters is at least `threshold`.

    The nearest-neighbour chain algorithm: it follows each cluster to its most
    similar one until two clusters are each other's most similar, and joins
    those. Average linkage never makes a joined cluster more similar to a third
    than the closer of its parts was, so this gives the same clusters as
    always joining the most similar pair, in O(n²) time rather than O(n³).
    Ties go to the lower row number: the same input gives the same clusters.
    """
    n = len(sim)
    sim = np.array(sim, dtype=np.float64)
    np.fill_diagonal(sim, -np.inf)
    size = np.array(weights, dtype=np.float64)
    members = [[i] for i in range(n)]
    open_ = np.ones(n, dtype=bool)  # clusters that may still join another
    chain: list[int] = []
    while True:
        if not chain:
            remaining = np.flatnonzero(open_)
            if not len(remaining):
                break
            chain.append(int(remaining[0]))
        a = chain[-1]
        row = np.where(open_, sim[a], -np.inf)
        b = int(np.argmax(row))
        if len(chain) > 1 and row[chain[-2]] >= row[b]:
            b = chain[-2]  # a tie with the cluster before: take it, or the chain could cycle
        if row[b] < threshold:
            # Nothing is similar enough to `a` now, and joins elsewhere only
            # average similarities: `a` is final.
            open_[a] = False
            chain.pop()
            continue
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            keep, gone = min(a, b), max(a, b)
            joined = (size[keep] * sim[keep] + size[gone] * sim[gone]) / (size[keep] + size[gone])
            sim[keep, :] = joined
            sim[:, keep] = joined
            sim[keep, keep] = -np.inf
            sim[gone, :] = -np.inf
            sim[:, gone] = -np.inf
            size[keep] += size[gone]
            members[keep] += members[gone]
            members[gone] = []
            open_[gone] = False
        else:
            chain.append(b)
    return [sorted(m) for m in members if m]


def counts_sentence(counts: dict) -> str:
    """The period's numbers in one plain sentence, as the staff page and the report say them."""
    asked, refused, yes, no = (int(counts.get(k, 0)) for k in ("questions", "refused", "yes", "no"))
    rated = yes + no
    return (f"{_many(asked, 'question was', 'questions were')} asked; {refused} {_was(refused)} refused; "
            f"{_many(rated, 'answer was', 'answers were')} rated: {yes} Yes, {no} No.")


def _many(n: int, one: str, more: str) -> str:
    return f"{n} {one if n == 1 else more}"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _key(question: str) -> str:
    return _SPACES.sub(" ", question).strip().casefold()


def _newest_first(record: Record) -> tuple:
    return (-record.day.toordinal(), -record.id)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _typical(sim: np.ndarray, weights: np.ndarray, members: list[int]) -> int:
    """The member with the highest mean similarity to the group's questions
    (each counted as often as it was asked); ties to the most asked, then the newest."""
    if len(members) == 1:
        return members[0]
    idx = np.array(members)
    w = weights[idx]
    inner = sim[np.ix_(idx, idx)]
    # Mean similarity to every other asking of a question in the group (itself asked again counts as 1.0).
    mean = (inner @ w - 1.0) / (w.sum() - 1.0)
    best = max(range(len(idx)), key=lambda j: (round(float(mean[j]), 9), w[j], -idx[j]))
    return int(idx[best])


def _first_chunk(records: list[Record]) -> str:
    """The passage shown first most often (ties: the most recently shown)."""
    firsts = Counter(r.chunk_ids[0] for r in records if r.chunk_ids)
    return firsts.most_common(1)[0][0] if firsts else ""
