"""Turn a question into a unit vector with the index's own model."""
from __future__ import annotations

import threading

import numpy as np


class QueryEncoder:
    """Loads the model on first use, once, and is safe to share across threads."""

    def __init__(self, model_name: str):
        self.model_name = model_name
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                from ingest.embedding import load_model

                self._model = load_model(self.model_name)
        return self._model

    def encode(self, text: str) -> np.ndarray:
        from ingest.embedding import embed

        return embed(self._load(), [text])[0]
