"""What the SEN-tuned embedding model is: its recipe, its name and where it lives.

Cheap to import (no torch): the settings name the default model from here.
Fitting it is learn/tune.py's work (`make install` runs it).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .paths import CACHE_DIR, ROOT

# The labelled training pairs live with the rest of the learning (learn/); the
# default model is named by them, so the builder reads them as plain data.
PAIRS_FILE = ROOT / "learn" / "sen_training.jsonl"
MODELS_DIR = CACHE_DIR / "models"
TUNED_PREFIX = "sen-minilm-"
BASE_MODEL = "all-MiniLM-L6-v2"
# How it is fitted (chosen by leaving each corpus out: docs/RETRIEVAL.md).
EPOCHS = 3
LEARNING_RATE = 3e-5
BATCH_SIZE = 16
SCALE = 20.0  # cosines times this are the logits of the in-batch softmax
SEED = 20261129
FITTED_MARK = "tune.json"  # what the fit writes beside the weights: its recipe and timing
TUNE_VERSION = 1  # bumped when the fitting code changes what it makes from the same pairs


def tuned_name(exclude: tuple[str, ...] = (), pairs_file: Path = PAIRS_FILE) -> str:
    """The name of the model fitted on these pairs, less the corpora excluded."""
    digest = hashlib.sha256()
    try:
        digest.update(pairs_file.read_bytes())
    except OSError:
        digest.update(b"missing")
    recipe = {"version": TUNE_VERSION, "base": BASE_MODEL, "epochs": EPOCHS, "lr": LEARNING_RATE,
              "batch": BATCH_SIZE, "scale": SCALE, "seed": SEED, "exclude": sorted(exclude)}
    digest.update(json.dumps(recipe, sort_keys=True).encode("utf-8"))
    return TUNED_PREFIX + digest.hexdigest()[:10]


def is_tuned(name: str) -> bool:
    return name.startswith(TUNED_PREFIX)


def folder(name: str) -> Path:
    return MODELS_DIR / name


def is_fitted(name: str) -> bool:
    """Whether the tuned model of this name is on this machine: `tune.json` is
    written last, inside the folder that is published in one rename."""
    return (folder(name) / FITTED_MARK).is_file()


def read_pairs(pairs_file: Path = PAIRS_FILE, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(question, answering text) pairs, without those of the corpora excluded."""
    pairs = []
    for line in pairs_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row["corpus"] not in exclude:
                pairs.append((row["question"], row["text"]))
    return pairs
