"""An engine ready to answer: the index built if needed, then loaded."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Callable

from ingest import ensure_index, store
from ingest.errors import IndexUnusableError, WrongCorpusError
from ingest.settings import CACHE_DIR, DEFAULT_CORPUS_DIR, Settings, canonical_model, from_env

from .engine import Engine

# Indexes of corpora named with --corpus, one folder each (git ignores .cache/).
EVAL_INDEX_CACHE = CACHE_DIR / "eval-index"


def ready_engine(settings: Settings, log: Callable[[str], None] = lambda _m: None) -> tuple[Engine, str]:
    """(engine, what building said: "" when the index was current). An index
    that is missing, stale or damaged is built first; one whose files pass
    their hashes but cannot be read is built once more, then loaded."""
    said = ensure_index(settings, log=log)
    try:
        return Engine(settings, log=log), said
    except WrongCorpusError:
        raise
    except IndexUnusableError as exc:
        build_id = (store.read_manifest(settings.index_dir) or {}).get("build_id", "")
        said = ensure_index(settings, log=log, unreadable=(build_id, str(exc).split(":")[0]))
        return Engine(settings, log=log), said


def cached_index_dir(corpus_dir: Path, model: str | None = None) -> Path:
    """Where the index of a corpus folder named on the command line is kept,
    for a model (default: the configured one): one per model, so that
    comparing models never rebuilds one in place."""
    model = from_env().model if model is None else canonical_model(model)
    key = hashlib.sha256(f"{corpus_dir.resolve()}\n{model}".encode("utf-8")).hexdigest()[:12]
    return EVAL_INDEX_CACHE / f"{corpus_dir.resolve().name}-{key}"


def engine_for(corpus_dir: Path | None = None, index_dir: Path | None = None, log=lambda m: print(m, file=sys.stderr),
               model: str | None = None):
    """The engine for a corpus folder (its index built if needed, in the
    cache) or for an index folder (with the corpus it records); `model`
    overrides the configured one."""
    settings = from_env(corpus_dir=corpus_dir, index_dir=index_dir, model=model)
    if corpus_dir is not None and index_dir is None:
        settings = settings.with_(index_dir=cached_index_dir(corpus_dir, settings.model))
    return ready_engine(settings.with_(corpus_dir=corpus_of(settings)), log=log)[0]


def corpus_of(settings) -> Path | None:
    """An index folder named without a corpus (no --corpus, no
    SEN_GUIDE_CORPUS) is searched with the corpus it was built from, and
    never rebuilt from another; None keeps the settings' corpus."""
    if settings.corpus_dir != DEFAULT_CORPUS_DIR:
        return None
    return store.recorded_corpus(settings.index_dir)
