"""What a search returns: plain data that turns into JSON.

Frozen, because the engine caches answers and every session asking the same
question is handed the same one: nothing may change an answer once it is made."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .links import source_link


@dataclass(frozen=True)
class Passage:
    rank: int
    score: float  # fused score
    scores: dict[str, float]  # per retriever
    text: str  # the guidance's own words, verbatim
    document: str
    source: str
    heading_path: list[str]
    chunk_id: str
    highlights: list[list[int]]  # [start, end] offsets into text of the best sentences
    publisher: str = ""
    file: str = ""
    start: int = 0  # offsets of text in the document
    end: int = 0
    anchor: str = ""  # the section heading's id on the source page
    page: int = 0  # the PDF page the passage starts on (0: not a PDF)
    updated: str = ""  # when the document was last updated, YYYY-MM-DD

    def highlighted_sentences(self) -> list[str]:
        return [self.text[s:e] for s, e in self.highlights]


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    reason: str  # why nothing is answered, in plain words ("" when answered)
    passages: list[Passage] = field(default_factory=list)
    notice: str = ""  # said about the question itself, e.g. that it was cut
    expanded_question: str = ""  # what the keyword search used, for staff
    corrections: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.0  # cosine of the best sentence or heading
    chance: float = 0.0  # the refusal model's chance that the guidance answers it
    threshold: float = 0.0  # refused below this chance (the fitted threshold)
    signals: dict[str, float] = field(default_factory=dict)  # what that model read
    missing: list[str] = field(default_factory=list)  # the question's words the guidance never uses, most telling first
    urgent: bool = False  # the question speaks of a child at risk
    help: list[dict] = field(default_factory=list)  # contacts to offer: emergency ones when urgent, else on refusal
    # On refusal: the question with its misspelt words set right ("" when none look misspelt)...
    did_you_mean: str = ""
    # ...and two or three questions the guidance does answer, from the headings closest to it.
    suggestions: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The --json shape of `python -m qa`."""
        return {
            "question": self.question,
            "answered": self.answered,
            "reason": self.reason,
            "notice": self.notice,
            "expanded_question": self.expanded_question,
            "confidence": round(self.confidence, 4),
            "chance": round(self.chance, 4),
            "threshold": round(self.threshold, 4),
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
            "missing": self.missing,
            "urgent": self.urgent,
            "help": self.help,
            "did_you_mean": self.did_you_mean,
            "suggestions": self.suggestions,
            "passages": [
                {"rank": p.rank, "score": round(p.score, 6), "scores": {k: round(v, 6) for k, v in p.scores.items()},
                 "text": p.text, "document": p.document, "source": p.source, "anchor": p.anchor, "page": p.page,
                 "updated": p.updated, "link": source_link(p), "heading_path": p.heading_path,
                 "chunk_id": p.chunk_id, "highlights": p.highlights}
                for p in self.passages
            ],
        }

    def as_dict(self) -> dict:
        return asdict(self)
