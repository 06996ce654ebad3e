"""learn.fit and qa.decision: the fitted numbers, and how they are fitted.

The fitting code is tested on small synthetic questions whose answers are
known by construction (which score finds the relevant passage, which signal
separates answerable from not); the cross-validation on whether any question
is ever scored by numbers fitted on it. The shipped qa/params.json is checked
for shape and for agreeing with the engine, not for its values.
"""
import dataclasses
import json

import numpy as np
import pytest

from ingest.errors import SenGuideError
from learn import fit
from qa import decision
from qa.decision import SIGNALS, Params
from learn.fit import Question
from qa.ready import ready_engine

SCORE_NAMES = ("dense", "sentence", "keyword", "sentence_keyword", "coverage")


class StubEvidence:
    """Stands in for qa.engine.Evidence: the same signals whatever comes first."""

    def __init__(self, **values: float):
        self.values = {name: 0.0 for name in SIGNALS} | values

    def signals(self, top: int) -> dict[str, float]:
        return dict(self.values)


def _question(qid: str, relevant: list[bool], corpus: str = "c1", answerable: bool = True,
              evidence: StubEvidence | None = None, **scores: list[float]) -> Question:
    n = len(relevant)
    full = {name: np.asarray(scores.get(name, [0.0] * n), dtype=np.float32) for name in SCORE_NAMES}
    fields = dict(id=qid, corpus=corpus, kind="test", answerable=answerable, scores=full,
                  relevant=np.array(relevant, dtype=bool), evidence=evidence or StubEvidence())
    if "dataset" in Question.__dataclass_fields__:  # the gold file, where fit records it
        fields["dataset"] = f"{corpus}.jsonl"
    return Question(**fields)


def _coverage_finds_it(qid: str) -> Question:
    # Every other score prefers the wrong passage (a little); only coverage
    # knows the relevant one holds the question's rare word.
    return _question(qid, [False, True], dense=[0.6, 0.5], sentence=[0.6, 0.5], keyword=[1.0, 0.9],
                     sentence_keyword=[1.0, 0.9], coverage=[0.0, 1.0])


def _dense_finds_it(qid: str) -> Question:
    # The opposite: coverage points at the wrong passage.
    return _question(qid, [True, False], dense=[0.6, 0.5], sentence=[0.6, 0.5], keyword=[1.0, 0.9],
                     sentence_keyword=[1.0, 0.9], coverage=[0.0, 1.0])


# --- fusion weights ------------------------------------------------------------

def test_fit_weights_picks_coverage_when_only_coverage_finds_the_relevant_passage():
    questions = [_coverage_finds_it(f"q{i}") for i in range(4)]
    assert all(fit._rank(q, {"dense": 1.0, **{n: 0.0 for n in fit.GRID}}) == 2 for q in questions)
    weights = fit.fit_weights(questions)
    assert weights["coverage"] > 0
    assert weights["dense"] == 1.0 and set(weights) == {"dense", *fit.GRID}
    assert all(fit._rank(q, weights) == 1 for q in questions)


def test_fit_weights_leaves_coverage_out_when_it_points_the_wrong_way():
    weights = fit.fit_weights([_dense_finds_it(f"q{i}") for i in range(4)])
    assert weights["coverage"] == 0.0


def test_fit_weights_ignores_questions_the_guidance_does_not_answer():
    answerable = [_dense_finds_it(f"d{i}") for i in range(2)]
    # Out-of-scope questions have no relevant passage; were they counted, they could only pull the mean down.
    unanswerable = [_question(f"o{i}", [False, False], answerable=False, coverage=[1.0, 0.0]) for i in range(5)]
    assert fit.fit_weights(answerable + unanswerable) == fit.fit_weights(answerable)


def test_rank_counts_the_candidates_above_the_best_relevant_one():
    q = _question("q", [False, True, True, False], dense=[0.9, 0.5, 0.7, 0.8])
    weights = {"dense": 1.0, **{n: 0.0 for n in fit.GRID}}
    assert fit._rank(q, weights) == 3
    assert fit._rank(_question("none", [False, False], dense=[0.1, 0.2]), weights) is None


# --- the refusal model ---------------------------------------------------------

def test_logistic_separates_a_separable_set_with_the_right_sign():
    x = np.array([[-2.0], [-1.5], [-1.0], [-0.5], [0.5], [1.0], [1.5], [2.0]])
    y = (x[:, 0] > 0).astype(float)
    coef, intercept = fit._logistic(x, y)
    assert coef[0] > 0
    p = 1 / (1 + np.exp(-(x @ coef + intercept)))
    assert ((p > 0.5) == (y == 1)).all()
    flipped, _ = fit._logistic(x, 1 - y)
    assert flipped[0] < 0
    assert np.isfinite(coef).all()  # the ridge keeps a separable set finite


def test_logistic_learns_nothing_from_a_signal_unrelated_to_the_labels():
    x = np.array([[-1.0], [-1.0], [1.0], [1.0]])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    coef, intercept = fit._logistic(x, y)
    assert coef[0] == pytest.approx(0.0, abs=1e-9) and intercept == pytest.approx(0.0, abs=1e-9)


def _refusal_set(n_in: int = 100, n_out: int = 25) -> list[Question]:
    rng = np.random.default_rng(7)
    questions = []
    for i in range(n_in):
        conf = float(rng.uniform(0.45, 0.95))
        questions.append(_question(f"in{i}", [True, False], dense=[0.5, 0.4],
                                   evidence=StubEvidence(confidence=conf, top_dense=conf - 0.1)))
    for i in range(n_out):
        conf = float(rng.uniform(0.2, 0.6))
        questions.append(_question(f"out{i}", [False, False], answerable=False, dense=[0.5, 0.4],
                                   evidence=StubEvidence(confidence=conf, top_dense=conf - 0.1)))
    return questions


def test_fit_refusal_refuses_at_most_the_allowed_share_of_answerable_questions():
    train = _refusal_set()
    weights = {"dense": 1.0, **{n: 0.0 for n in fit.GRID}}
    params = fit.fit_refusal(train, weights)
    assert params.signals == fit.REFUSAL_SIGNALS and params.weights == weights
    answerable = [q for q in train if q.answerable]
    refused = [q for q in answerable if not params.answers(fit.signals(q, weights))]
    allowed = int(np.floor(fit.MAX_FALSE_REFUSAL * len(answerable)))
    assert len(refused) <= allowed
    # ...and it is the highest such threshold: one answerable question more would be refused just above it.
    chances = sorted(params.chance(fit.signals(q, weights)) for q in answerable)
    higher = dataclasses.replace(params, threshold=chances[allowed] + 1e-9)
    assert sum(not higher.answers(fit.signals(q, weights)) for q in answerable) > allowed
    # The refusals it does make fall on the low-confidence questions.
    assert params.coef[0] > 0
    out = [q for q in train if not q.answerable]
    assert sum(not params.answers(fit.signals(q, weights)) for q in out) > len(out) / 2


# --- cross-validation --------------------------------------------------------

def _mixed_questions() -> list[Question]:
    questions = []
    for corpus in ("alpha", "beta", "gamma"):
        for i in range(7):
            questions.append(_question(f"{corpus}:{i}", [True, False], corpus=corpus, dense=[0.5, 0.4],
                                       answerable=i != 0, evidence=StubEvidence(confidence=0.5, top_dense=0.4)))
    return questions


@pytest.fixture
def recorded_fits(monkeypatch):
    """fit.fit records the ids it trains on and returns its own Params; each
    outcome records which Params scored which question."""
    trained: dict[int, set[str]] = {}
    scored: list[tuple[str, int]] = []
    base = Params({"dense": 1.0}, ("confidence",), (0.0,), (1.0,), (1.0,), 0.0, 0.5)
    real_outcome = fit.outcome

    alive = []  # every Params made stays alive, so that no two share an id()

    def fake_fit(train):
        params = dataclasses.replace(base, intercept=float(len(trained)))
        alive.append(params)
        trained[id(params)] = {q.id for q in train}
        return params

    def recording_outcome(q, params):
        scored.append((q.id, id(params)))
        return real_outcome(q, params)

    monkeypatch.setattr(fit, "fit", fake_fit)
    monkeypatch.setattr(fit, "outcome", recording_outcome)
    return trained, scored


@pytest.mark.parametrize("folds", [2, 5])
def test_k_fold_scores_every_question_once_with_numbers_fitted_without_it(recorded_fits, folds):
    trained, scored = recorded_fits
    questions = _mixed_questions()
    outcomes = fit.k_fold(questions, folds)
    ids = [q.id for q in questions]
    assert sorted(o["id"] for o in outcomes) == sorted(ids)
    assert len(trained) == folds
    for qid, params in scored:
        assert qid not in trained[params]
    for params, train in trained.items():
        held_out = {qid for qid, p in scored if p == params}
        assert train | held_out == set(ids) and not train & held_out
    assert {o["fold"] for o in outcomes} == set(range(folds))


def test_leave_one_corpus_out_never_trains_on_the_corpus_it_scores(recorded_fits):
    trained, scored = recorded_fits
    questions = _mixed_questions()
    corpus_of = {q.id: q.corpus for q in questions}
    outcomes = fit.leave_one_corpus_out(questions)
    assert sorted(o["id"] for o in outcomes) == sorted(corpus_of)
    assert len(trained) == 3
    for qid, params in scored:
        train = trained[params]
        assert corpus_of[qid] not in {corpus_of[t] for t in train}
        assert train == {t for t, c in corpus_of.items() if c != corpus_of[qid]}


# --- figures -------------------------------------------------------------------

def _outcome(answerable: bool, rank, refused: bool) -> dict:
    return {"id": "x", "corpus": "c", "kind": "k", "answerable": answerable, "rank": rank, "refused": refused}


def test_figures_arithmetic():
    outcomes = [_outcome(True, 1, False), _outcome(True, 2, False), _outcome(True, None, True),
                _outcome(True, 5, False), _outcome(True, 7, False),
                _outcome(False, None, True), _outcome(False, None, False), _outcome(False, None, True),
                _outcome(False, None, True)]
    f = fit.figures(outcomes)
    assert f["in_scope"] == 5 and f["out_of_scope"] == 4
    assert f["hit@1"] == pytest.approx(round(1 / 5, 3))
    assert f["hit@3"] == pytest.approx(round(2 / 5, 3))
    assert f["mrr@5"] == pytest.approx(round((1 + 1 / 2 + 1 / 5) / 5, 3))  # rank 7 counts nothing
    assert f["false_refusal"] == pytest.approx(round(1 / 5, 3))
    assert f["out_of_scope_refused"] == pytest.approx(round(3 / 4, 3))


def test_figures_without_out_of_scope_questions_or_any_questions():
    assert fit.figures([_outcome(True, 1, False)])["out_of_scope_refused"] is None
    empty = fit.figures([])
    assert empty["in_scope"] == 0 and empty["hit@1"] == 0.0 and empty["out_of_scope_refused"] is None


# --- decision.Params -----------------------------------------------------------

PARAMS = Params({"dense": 1.0, "coverage": 0.5}, ("confidence", "top_dense"), (0.5, 0.4), (0.2, 0.1),
                (1.5, -0.5), 0.3, 0.6)


def test_params_round_trip_through_json():
    data = json.loads(json.dumps(PARAMS.to_json()))
    assert Params.from_json(data) == PARAMS


def test_params_from_json_refuses_unknown_signals():
    data = PARAMS.to_json()
    data["refusal"]["signals"] = ["confidence", "shoe_size"]
    with pytest.raises(ValueError, match="shoe_size"):
        Params.from_json(data)


def test_chance_rises_with_a_positive_coefficient_signal_and_falls_with_a_negative_one():
    by_confidence = [PARAMS.chance({"confidence": c, "top_dense": 0.4}) for c in np.linspace(0, 1, 11)]
    assert all(a < b for a, b in zip(by_confidence, by_confidence[1:]))
    by_dense = [PARAMS.chance({"confidence": 0.5, "top_dense": d}) for d in np.linspace(0, 1, 11)]
    assert all(a > b for a, b in zip(by_dense, by_dense[1:]))
    assert all(0.0 < c < 1.0 for c in by_confidence + by_dense)
    # At the means, the chance is the intercept's alone.
    assert PARAMS.chance({"confidence": 0.5, "top_dense": 0.4}) == pytest.approx(1 / (1 + np.exp(-0.3)))


def test_answers_compares_the_chance_with_the_threshold():
    low, high = {"confidence": 0.0, "top_dense": 0.4}, {"confidence": 1.0, "top_dense": 0.4}
    assert PARAMS.chance(low) < PARAMS.threshold <= PARAMS.chance(high)
    assert not PARAMS.answers(low) and PARAMS.answers(high)


def test_chance_survives_extreme_signals():
    assert PARAMS.chance({"confidence": 1e9, "top_dense": 0.0}) == pytest.approx(1.0)
    assert PARAMS.chance({"confidence": -1e9, "top_dense": 0.0}) == pytest.approx(0.0)


@pytest.mark.parametrize("content", ["not json", "{}", '{"weights": {"dense": 1}}', "[1, 2]",
                                     json.dumps({**PARAMS.to_json(), "refusal": {**PARAMS.to_json()["refusal"],
                                                                                 "signals": ["shoe_size"]}})])
def test_a_broken_params_file_names_the_command_that_writes_it(tmp_path, content):
    path = tmp_path / "params.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SenGuideError, match=r"python -m learn\.fit") as info:
        decision.load(path)
    assert str(path) in str(info.value)


def test_a_missing_params_file_names_the_command_too(tmp_path):
    with pytest.raises(SenGuideError, match=r"python -m learn\.fit"):
        decision.load(tmp_path / "absent.json")


# --- the shipped qa/params.json --------------------------------------------------

def test_the_shipped_params_load_and_record_how_they_were_fitted():
    params = decision.load()
    assert 0.0 < params.threshold < 1.0
    assert set(params.signals) <= set(SIGNALS)
    assert len(params.mean) == len(params.scale) == len(params.coef) == len(params.signals)
    fitted = json.loads(decision.PARAMS_FILE.read_text(encoding="utf-8"))["fitted"]
    assert fitted["command"].startswith("python -m learn.fit") and fitted["date"]
    assert list(fitted["refusal_signals"]) == list(params.signals)
    for way in ("k_fold", "leave_one_corpus_out"):
        figures = fitted[way]["all"]
        assert {"hit@1", "hit@3", "mrr@5", "false_refusal", "out_of_scope_refused"} <= set(figures)
        assert figures["in_scope"] + figures["out_of_scope"] == fitted["questions"]
        per_corpus = fitted[way]["by_corpus"].values()
        assert sum(f["in_scope"] + f["out_of_scope"] for f in per_corpus) == fitted["questions"]
    # Weights chosen from the grid that was recorded.
    for name, values in fitted["grid"].items():
        assert params.weights[name] in values


def test_the_shipped_weights_name_exactly_the_engines_scores(fake_model, monkeypatch, tiny_corpus, tmp_path):
    from ingest.settings import Settings
    from qa import Engine

    from conftest import FAKE_MODEL_NAME

    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")
    engine = ready_engine(Settings(corpus_dir=tiny_corpus(), index_dir=tmp_path / "index", model=FAKE_MODEL_NAME,
                                   encoder="sentence-transformers"))[0]
    scores = engine.evidence("Who pays for top-up funding?").scores
    assert set(decision.load().weights) == set(scores) == {"dense", *fit.GRID}
    assert set(engine.evidence("funding").signals(0)) == set(SIGNALS)
