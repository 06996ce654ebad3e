"""Turn a question into a unit vector with the index's own model.

The model runs from its ONNX export (ingest/onnx_export.py) with
onnxruntime: no torch import, so the first answer comes within a second or
two of starting, and each question's embedding costs about half of what
sentence-transformers takes. A model that cannot be exported (another
architecture, a hub name with no local folder) runs through
sentence-transformers instead, with a log line saying so. Either way the
vectors are the same to within float32 round-off (checked at export).
"""
from __future__ import annotations

import sys
import threading
from typing import Callable

import numpy as np

from ingest.settings import ENCODER_BACKENDS as BACKENDS, ENCODER_ENV


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class QueryEncoder:
    """Loads the model on first use, once, and is safe to share across threads."""

    def __init__(self, model_name: str, backend: str = "auto", log: Callable[[str], None] = _stderr):
        from ingest.errors import ModelError

        self.model_name = model_name
        self.requested = (backend or "auto").strip().lower()
        if self.requested not in BACKENDS:
            raise ModelError(f"The encoder backend '{self.requested}' is unknown: use one of {', '.join(BACKENDS)} "
                             f"(Settings.encoder, or {ENCODER_ENV} where the command line or app reads it).")
        self.backend = ""  # the one in use once loaded: "onnx" or "sentence-transformers"
        self.log = log
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        """The model: an OnnxModel or a SentenceTransformer, both usable with ingest.embedding.embed."""
        with self._lock:
            if self._model is None:
                self._model, self.backend = self._open()
        return self._model

    def _open(self):
        from ingest.errors import ModelError

        if self.requested != "sentence-transformers":
            from ingest import onnx_export
            from ingest.onnx_model import OnnxModel

            try:
                folder = onnx_export.exported_folder(self.model_name)
                if folder is None:
                    onnx_export.export_folder(self.model_name)  # a model that is no local folder stops here
                    self.log(f"Exporting the model {self.model_name} to ONNX for fast questions "
                             "(once per model, about 20 s)...")
                    folder = onnx_export.export(self.model_name)
                return OnnxModel(folder), "onnx"
            except ModelError as exc:
                if self.requested == "onnx":
                    raise
                self.log(f"Questions will use sentence-transformers for {self.model_name}: {exc}")
        from ingest.embedding import load_model

        model = load_model(self.model_name)
        if "torch" in sys.modules:  # a stand-in model in tests brings no torch
            # faiss (loaded with the index) and torch each bring an OpenMP
            # runtime; on two cores their spinning threads made one question's
            # encode take 400 ms instead of 7. One torch thread: about 11 ms.
            sys.modules["torch"].set_num_threads(1)
        return model, "sentence-transformers"

    def encode(self, text: str) -> np.ndarray:
        return self.encode_many([text])[0]

    def encode_many(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        from ingest.embedding import embed

        return embed(self._load(), list(texts))
