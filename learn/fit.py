"""python -m learn.fit [--folds 5] [--dry-run]

Fit the search's numbers (fusion weights, the refusal model and its
threshold) on every labelled question there is, and write them with how they
were fitted to qa/params.json, which the engine reads.

Honest figures: each question is scored by numbers fitted without it, two
ways. K-fold: the questions are split into folds at random; each fold is
scored by numbers fitted on the others. Leave one corpus out: each corpus's
questions are scored by numbers fitted on the other corpora's only, as a
council's new guidance will be. The in-sample figures are never reported.

The fit itself is small on purpose: a grid over a few fusion weights (the
dense weight is fixed at 1, as only ratios matter) chosen by mean reciprocal
rank, then a logistic model over a few signals of the whole question, whose
threshold is the highest that keeps training false refusals at or below
MAX_FALSE_REFUSAL.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from ingest.settings import DEFAULT_CORPUS_DIR, ROOT

from qa import decision
from qa.decision import Params
from .evaluate import matches, read_gold
from qa.fusion import fuse, ranked

SHARED = ROOT.parent / "shared" / "eval"
EVAL_DATA = ROOT / "tests" / "data" / "eval"
# (gold file, corpus folder): every labelled question we have, but the final
# held-out split (tests/data/eval/final/), which is looked at once, at the end.
DATASETS = [
    (SHARED / "dev.jsonl", DEFAULT_CORPUS_DIR),
    (ROOT / "tests" / "data" / "probe.jsonl", DEFAULT_CORPUS_DIR),
    (EVAL_DATA / "seed-extra.jsonl", DEFAULT_CORPUS_DIR),
    (SHARED / "transfer-dev" / "questions.jsonl", SHARED / "transfer-dev" / "corpus"),
    (EVAL_DATA / "council-a" / "questions.jsonl", EVAL_DATA / "council-a" / "corpus"),
    (EVAL_DATA / "council-b" / "questions.jsonl", EVAL_DATA / "council-b" / "corpus"),
]

GRID = {
    "sentence": (0.5, 0.75, 1.0, 1.5),
    "keyword": (0.0, 0.1, 0.25, 0.5),
    "sentence_keyword": (0.0, 0.1, 0.25),
    "coverage": (0.0, 0.25, 0.5, 0.75, 1.0),
}
# The refusal model reads the two signals that refused the most out-of-scope
# questions at the same false-refusal rate, leaving each corpus out in turn
# (every subset of decision.SIGNALS was tried: docs/RETRIEVAL.md).
REFUSAL_SIGNALS = ("confidence", "top_dense")
MAX_FALSE_REFUSAL = 0.02  # on the training questions; parents lose most from a wrong refusal
RIDGE = 1.0  # L2 penalty of the refusal model, on standardised signals
SEED = 20261129


@dataclass
class Question:
    """One labelled question's evidence, as the engine gathered it."""
    id: str
    corpus: str
    dataset: str  # the gold file, relative to the repository's parent folder
    kind: str
    answerable: bool
    scores: dict[str, np.ndarray]  # per candidate passage
    relevant: np.ndarray  # per candidate: holds a gold phrase
    evidence: object  # the engine's Evidence, for the question's signals


def gather(datasets=DATASETS, log=lambda m: print(m, file=sys.stderr)) -> list[Question]:
    """Each question's evidence, from an engine whose model never saw that
    corpus's questions when the model is the SEN-tuned default (learn/tune.py):
    what is fitted on this evidence then sees the cosines that new guidance gets."""
    from . import tune
    from ingest.settings import DEFAULT_MODEL, from_env

    from qa.ready import engine_for

    cross_fitted = from_env().model == DEFAULT_MODEL
    questions: list[Question] = []
    engines: dict[Path, object] = {}
    for gold, corpus in datasets:
        if not gold.exists():
            log(f"Skipping {gold}: not found.")
            continue
        if corpus not in engines:
            model = tune.ensure((corpus_group(corpus),), log=log) if cross_fitted else None
            engines[corpus] = engine_for(None if corpus == DEFAULT_CORPUS_DIR and model is None else corpus,
                                         log=log, model=model)
        engine = engines[corpus]
        for item in read_gold(gold):
            ev = engine.evidence(" ".join(item["question"].split()))
            texts = [engine.index.chunks[c].text for c in ev.candidates]
            relevant = np.array([bool(item["gold"]) and matches(t, item["gold"]) for t in texts], dtype=bool)
            questions.append(Question(f"{gold.stem}:{item.get('id', '')}", _name(corpus), _name(gold),
                                      item.get("kind", ""), bool(item["gold"]), ev.scores, relevant, ev))
    return questions


def _fused(q: Question, weights: dict[str, float]) -> np.ndarray:
    return fuse(q.scores, weights)


def _rank(q: Question, weights: dict[str, float]) -> int | None:
    """Rank of the first relevant candidate (1 = first), or None."""
    if not q.relevant.any():
        return None
    # As the engine orders them: by score, ties by candidate position.
    ranking = ranked(_fused(q, weights))
    return next(r for r, j in enumerate(ranking, start=1) if q.relevant[j])


def fit_weights(train: list[Question]) -> dict[str, float]:
    answerable = [q for q in train if q.answerable]
    best, best_score = None, -1.0
    for combo in itertools.product(*GRID.values()):
        weights = {"dense": 1.0, **dict(zip(GRID, combo))}
        ranks = [_rank(q, weights) for q in answerable]
        score = float(np.mean([1 / r if r else 0.0 for r in ranks]))
        if score > best_score + 1e-9:
            best, best_score = weights, score
    return best


def signals(q: Question, weights: dict[str, float]) -> dict[str, float]:
    return q.evidence.signals(int(np.argmax(_fused(q, weights))) if len(q.relevant) else 0)


def fit_refusal(train: list[Question], weights: dict[str, float], names=REFUSAL_SIGNALS) -> Params:
    X = np.array([[signals(q, weights)[n] for n in names] for q in train])
    y = np.array([q.answerable for q in train], dtype=float)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    coef, intercept = _logistic((X - mean) / scale, y)
    params = Params(weights, tuple(names), tuple(mean.tolist()), tuple(scale.tolist()), tuple(coef.tolist()),
                    intercept, 0.5)
    chances = np.array([params.chance(dict(zip(names, row))) for row in X])
    inscope = np.sort(chances[y == 1])
    # The highest threshold that refuses at most MAX_FALSE_REFUSAL of the
    # answerable training questions: just above the chance of the last one it may refuse.
    allowed = int(np.floor(MAX_FALSE_REFUSAL * len(inscope)))
    threshold = float(inscope[allowed]) - 1e-6 if len(inscope) else 0.5
    return Params(weights, tuple(names), params.mean, params.scale, params.coef, intercept, threshold)


def _logistic(X: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method (the intercept unpenalised)."""
    A = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(A.shape[1])
    penalty = np.eye(A.shape[1]) * RIDGE
    penalty[-1, -1] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(A @ w, -60, 60)))
        grad = A.T @ (p - y) + penalty @ w
        hess = A.T @ (A * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit(train: list[Question]) -> Params:
    return fit_refusal(train, fit_weights(train))


def outcome(q: Question, params: Params) -> dict:
    rank = _rank(q, params.weights)
    refused = not params.answers(signals(q, params.weights))
    return {"id": q.id, "corpus": q.corpus, "dataset": q.dataset, "kind": q.kind, "answerable": q.answerable, "rank": rank,
            "refused": refused, "chance": round(params.chance(signals(q, params.weights)), 4)}


def figures(outcomes: list[dict]) -> dict:
    ins = [o for o in outcomes if o["answerable"]]
    oos = [o for o in outcomes if not o["answerable"]]
    n = max(1, len(ins))
    return {
        "in_scope": len(ins), "out_of_scope": len(oos),
        "hit@1": round(sum(1 for o in ins if o["rank"] == 1) / n, 3),
        "hit@3": round(sum(1 for o in ins if o["rank"] and o["rank"] <= 3) / n, 3),
        "mrr@5": round(sum(1 / o["rank"] for o in ins if o["rank"] and o["rank"] <= 5) / n, 3),
        "false_refusal": round(sum(o["refused"] for o in ins) / n, 3),
        "out_of_scope_refused": round(sum(o["refused"] for o in oos) / len(oos), 3) if oos else None,
    }


def k_fold(questions: list[Question], folds: int) -> list[dict]:
    rng = np.random.default_rng(SEED)
    fold_of = rng.permutation(len(questions)) % folds
    outcomes = []
    for f in range(folds):
        params = fit([q for q, g in zip(questions, fold_of) if g != f])
        outcomes += [outcome(q, params) | {"fold": f} for q, g in zip(questions, fold_of) if g == f]
    return outcomes


def leave_one_corpus_out(questions: list[Question]) -> list[dict]:
    outcomes = []
    for corpus in sorted({q.corpus for q in questions}):
        params = fit([q for q in questions if q.corpus != corpus])
        outcomes += [outcome(q, params) for q in questions if q.corpus == corpus]
    return outcomes


def by(outcomes: list[dict], key: str) -> dict:
    """Figures for each corpus, or each gold file."""
    return {v: figures([o for o in outcomes if o[key] == v]) for v in sorted({o[key] for o in outcomes})}


def corpus_group(corpus: Path) -> str:
    """A labelled corpus's short name: seed, transfer-dev, council-a, council-b."""
    corpus = corpus.resolve()
    return "seed" if corpus == DEFAULT_CORPUS_DIR.resolve() else corpus.parent.name


def _name(path: Path) -> str:
    path = path.resolve()
    return path.relative_to(ROOT.parent).as_posix() if path.is_relative_to(ROOT.parent) else path.as_posix()


def margins(questions: list[Question], params: Params, step: float = 0.05) -> list[dict]:
    """What refusing would do with the threshold moved either side."""
    rows = []
    for delta in (-2 * step, -step, 0.0, step, 2 * step):
        t = params.threshold + delta
        moved = Params(params.weights, params.signals, params.mean, params.scale, params.coef, params.intercept, t)
        f = figures([outcome(q, moved) for q in questions])
        rows.append({"threshold": round(t, 3), "false_refusal": f["false_refusal"],
                     "out_of_scope_refused": f["out_of_scope_refused"]})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m learn.fit", description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--dry-run", action="store_true", help="print the figures, do not write qa/params.json")
    parser.add_argument("--out", type=Path, default=decision.PARAMS_FILE)
    args = parser.parse_args(argv)

    questions = gather()
    kf, loco = k_fold(questions, args.folds), leave_one_corpus_out(questions)
    final = fit(questions)
    report = {
        **final.to_json(),
        "fitted": {
            "date": date.today().isoformat(),
            "command": "python -m learn.fit" + (f" --folds {args.folds}" if args.folds != 5 else ""),
            "datasets": [{"gold": _name(g), "corpus": _name(c)} for g, c in DATASETS if g.exists()],
            "questions": len(questions),
            "grid": GRID, "refusal_signals": REFUSAL_SIGNALS, "max_false_refusal": MAX_FALSE_REFUSAL, "ridge": RIDGE, "folds": args.folds, "seed": SEED,
            "k_fold": {"all": figures(kf), "by_corpus": by(kf, "corpus"), "by_set": by(kf, "dataset")},
            "leave_one_corpus_out": {"all": figures(loco), "by_corpus": by(loco, "corpus"),
                                     "by_set": by(loco, "dataset")},
            "threshold_margin": margins(questions, final),
            "misses": [o for o in kf if (o["answerable"] and (o["rank"] != 1 or o["refused"]))
                       or (not o["answerable"] and not o["refused"])],
        },
    }
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if not args.dry_run:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps({k: report["fitted"][k] for k in ("k_fold", "leave_one_corpus_out", "threshold_margin")}, indent=1))
    print(json.dumps({"weights": final.weights, "refusal": final.to_json()["refusal"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
