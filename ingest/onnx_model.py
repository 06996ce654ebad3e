"""Run an ONNX export of the embedding model (see onnx_export.py).

Imports only onnxruntime and tokenizers, never torch: a process that loads
this is answering questions within a second of starting. `OnnxModel.encode`
takes the arguments of SentenceTransformer.encode that ingest.embedding.embed
passes, so either model can be handed to `embed`.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .errors import ModelError


class OnnxModel:
    def __init__(self, folder: Path, threads: int | None = None):
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            self.meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = onnxruntime.SessionOptions()
            if threads:
                options.intra_op_num_threads = threads
            # Worker threads spin between the graph's ops (measured here: 2.3 ms
            # a question, against 3.5 ms when they sleep and are woken for
            # each op), but stop once a question is done, so that they never
            # take the cores from the rest of the search or from other
            # requests. On a machine whose cores are all busy, spinning costs
            # more than it saves (8.9 ms against 3.9 ms with two busy
            # processes on two cores): docs/PERFORMANCE.md.
            options.add_session_config_entry("session.intra_op.allow_spinning", "1")
            options.add_session_config_entry("session.force_spinning_stop", "1")
            self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                        providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(f"The ONNX copy of the model in {folder} cannot be used ({type(exc).__name__}: "
                             f"{str(exc)[:200]}): delete that folder and it is made again.") from None
        # Truncate and pad as sentence-transformers does: to the model's length
        # limit, and to the longest text of a batch (tokenizer.json may carry
        # other settings from training).
        self.tokenizer.enable_truncation(max_length=int(self.meta["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=int(self.meta["pad_id"]), pad_token=self.meta["pad_token"])
        self.inputs = list(self.meta["inputs"])

    def get_embedding_dimension(self) -> int:
        return int(self.meta["dimension"])

    get_sentence_embedding_dimension = get_embedding_dimension

    def encode(self, texts: list[str], batch_size: int = 32, normalize_embeddings: bool = True,
               show_progress_bar: bool = False, convert_to_numpy: bool = True) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (the network normalises)."""
        if isinstance(texts, str):
            texts = [texts]
        if self.meta.get("do_lower_case"):
            texts = [t.lower() for t in texts]
        out = np.zeros((len(texts), self.get_embedding_dimension()), dtype=np.float32)
        # Texts of similar length together, so that a batch carries little padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            out[batch] = self._run([texts[i] for i in batch])
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        arrays = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feed = {name: np.asarray(arrays[name], dtype=np.int64) for name in self.inputs}
        return self.session.run(None, feed)[0]
