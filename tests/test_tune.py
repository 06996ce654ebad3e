"""The SEN-tuned model (learn/tune.py): named by what it was fitted on, fitted for real, never on held-out questions."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from ingest import tuned
from learn import tune
from ingest.embedding import resolve_model
from ingest.errors import ModelError
from learn.evaluate import read_gold


def test_the_name_follows_the_training_pairs_and_the_corpora_left_out(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"corpus": "a", "question": "q", "text": "t"}\n', encoding="utf-8")
    first = tuned.tuned_name(pairs_file=pairs)
    assert first == tuned.tuned_name(pairs_file=pairs) and tuned.is_tuned(first)
    assert tuned.tuned_name(("a",), pairs_file=pairs) != first
    pairs.write_text('{"corpus": "a", "question": "q", "text": "another answer"}\n', encoding="utf-8")
    assert tuned.tuned_name(pairs_file=pairs) != first


def test_read_pairs_leaves_out_the_corpora_named(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"corpus": c, "question": f"q{c}", "text": f"t{c}"}) + "\n" for c in "abc"),
                     encoding="utf-8")
    assert tuned.read_pairs(pairs, exclude=("b",)) == [("qa", "ta"), ("qc", "tc")]


def words(question: str) -> frozenset[str]:
    """A question's words, lower case, curly apostrophes straightened, punctuation gone."""
    return frozenset(re.findall(r"[a-z0-9]+", question.lower().replace("\u2019", "'")))


# Two questions are near copies when they share this much of their words
# (Jaccard: shared words over all words). A copy with a word or two added or
# changed stays above it: "can i bring someone along with me to the school
# meeting" against the training "can i bring someone with me to the meeting?"
# is 0.82, and two substitutions in an 8-word question 0.6. Different
# questions that share their frame ("what is ...", "can my child ...") stay
# below: on the held-out split the highest was 0.5 when this was set.
NEAR_COPY = 0.6


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def test_the_near_copy_measure_tells_a_reworded_copy_from_another_question():
    copy = jaccard(words("can i bring someone along with me to the school meeting"),
                   words("Can I bring someone with me to the meeting?"))
    other = jaccard(words("What is AP?"), words("What is AWPU?"))
    assert copy >= NEAR_COPY > other


def test_the_shipped_pairs_hold_no_held_out_question_nor_a_near_copy_of_one():
    rows = [json.loads(line) for line in tuned.PAIRS_FILE.read_text(encoding="utf-8").splitlines()]
    assert {r["corpus"] for r in rows} == {"seed", "transfer-dev", "council-a", "council-b"}
    assert all(r["question"].strip() and r["text"].strip() for r in rows)
    held_out = {item["question"] for path in (ROOT / "tests" / "data" / "eval" / "final").rglob("*.jsonl")
                for item in read_gold(path)}
    trained = {words(r["question"]) for r in rows}
    assert len(held_out) == 60
    near = [(q, round(max(jaccard(words(q), t) for t in trained), 2)) for q in sorted(held_out)]
    assert not [(q, j) for q, j in near if j >= NEAR_COPY]


def test_the_labelled_question_files_pass_their_own_checker():
    """tests/data/eval/validate.py: fields, unique ids, known kinds, and every
    gold phrase verbatim in its corpus's body text."""
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "data" / "eval" / "validate.py")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.rstrip().endswith("no problems found"), done.stdout[-3000:] + done.stderr


def test_a_tuned_name_not_on_this_machine_is_a_clear_error():
    with pytest.raises(ModelError, match="python -m ingest --force"):
        resolve_model("sen-minilm-0000000000")


@pytest.mark.model
def test_fitting_brings_questions_closer_to_their_answers_and_writes_plain_files(tmp_path):
    from ingest.embedding import embed, load_model

    pairs = [("my lad got kicked out of school what now", "What happens if your child is excluded from school"),
             ("who foots the bill for a helper in class", "How the school pays for a teaching assistant"),
             ("can the bus take my daughter to school", "Home to school transport for children with SEND"),
             ("where do we go if we disagree with the council", "Appealing to the SEND Tribunal")]
    out = tune.fit(pairs * 4, tmp_path / "sen-minilm-test", log=lambda _m: None)
    names = {p.name for p in out.iterdir()}
    assert "tune.json" in names and "model.safetensors" in names
    assert not any(n.endswith((".bin", ".pkl", ".pickle")) for n in names)
    assert json.loads((out / "tune.json").read_text())["pairs"] == 16

    def diagonal(model) -> float:
        q = embed(model, [p[0] for p in pairs])
        a = embed(model, [p[1] for p in pairs])
        return float(np.mean(np.sum(q * a, axis=1)))

    before, after = diagonal(load_model(tuned.BASE_MODEL)), diagonal(load_model(str(out)))
    assert after > before + 0.05
