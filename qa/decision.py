"""The fitted numbers of the search, and the decision to answer or refuse.

Every number here is fitted by `python -m learn.fit` with cross-validation over
all the labelled questions, and read from `qa/params.json`, which records
how it was fitted (folds, figures on held-out folds, date). Nothing is set
by hand.

Refusing is a judgement over the evidence, never a veto by one word: a small
logistic model over a few signals of the whole question (how close the best
sentence is, how much of the question the guidance covers, weighted by how
telling each word is) gives the chance that the guidance answers it; below
the fitted threshold, the engine refuses.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

PARAMS_FILE = Path(__file__).with_name("params.json")

# The signals the refusal model may use, each a number for the whole question.
SIGNALS = ("confidence", "top_dense", "corpus_coverage", "top_coverage", "missing_weight")


@dataclass(frozen=True)
class Params:
    weights: dict[str, float]  # fusion weight of each passage score
    signals: tuple[str, ...]  # what the refusal model reads
    mean: tuple[float, ...]  # and how each signal is standardised
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # refuse below this chance of an answer

    def chance(self, values: dict[str, float]) -> float:
        """The model's chance that the guidance answers the question."""
        z = self.intercept + sum(c * (values[s] - m) / sc
                                 for s, m, sc, c in zip(self.signals, self.mean, self.scale, self.coef))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def answers(self, values: dict[str, float]) -> bool:
        return self.chance(values) >= self.threshold

    def to_json(self) -> dict:
        return {"weights": self.weights, "refusal": {
            "signals": list(self.signals), "mean": list(self.mean), "scale": list(self.scale),
            "coef": list(self.coef), "intercept": self.intercept, "threshold": self.threshold}}

    @classmethod
    def from_json(cls, data: dict) -> "Params":
        r = data["refusal"]
        unknown = set(r["signals"]) - set(SIGNALS)
        if unknown:
            raise ValueError(f"unknown signals {sorted(unknown)}")
        return cls({k: float(v) for k, v in data["weights"].items()}, tuple(r["signals"]),
                   tuple(map(float, r["mean"])), tuple(map(float, r["scale"])), tuple(map(float, r["coef"])),
                   float(r["intercept"]), float(r["threshold"]))


def load(path: Path = PARAMS_FILE) -> Params:
    from ingest.errors import SenGuideError

    try:
        return Params.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SenGuideError(f"The fitted search settings {path} cannot be read ({exc}): run `python -m learn.fit` "
                            "to write them again.") from None
