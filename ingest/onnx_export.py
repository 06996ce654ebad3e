"""Export the embedding model to ONNX, once, so questions skip PyTorch.

A question's embedding is one small forward pass. Through
sentence-transformers it costs the import of torch (about 10 s) at start and
several milliseconds per question; the same network run by onnxruntime, with
the `tokenizers` library in front, starts in a fraction of a second and runs
about twice as fast. The export runs at the end of an index build (or on first
use) and is checked against sentence-transformers before it is used.

An export is a folder of plain files in CACHE_DIR, one per model folder:
    model.onnx       the network, mean pooling and normalisation included
    tokenizer.json   the model's own fast tokenizer
    export.json      what the query side needs (length limit, inputs, dimension)
                     and the fingerprint of the model files it was made from
Only this module's `export` imports torch; finding an export is cheap.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .embedding import resolve_model
from .errors import ModelError
from .paths import CACHE_DIR as _CACHE

# One export per model folder, shared by every index built with that model.
CACHE_DIR = _CACHE / "onnx"
# Bumped when the layout of an export folder changes.
EXPORT_FORMAT = 1
ONNX_OPSET = 17
# ONNX outputs must match sentence-transformers this closely (cosine of unit
# vectors; float32 round-off is about 1e-6).
MIN_AGREEMENT = 0.9999
_PROBES = [
    "What is a SENCO?",
    "my son has autism and the school says he doesnt need an ehcp what can i do",
    "EHCP",
    " ".join(["The school must use its best endeavours to make sure that a child gets the support they need."] * 30),
]


class ExportUnsupported(ModelError):
    """This model cannot be exported here; questions fall back to sentence-transformers."""


def export_folder(model_name: str, cache_dir: Path = CACHE_DIR) -> Path:
    """Where the export of this model lives (whether or not it exists yet)."""
    source = _source_folder(model_name)
    return cache_dir / hashlib.sha256(str(source).encode("utf-8")).hexdigest()[:16]


def exported_folder(model_name: str, cache_dir: Path = CACHE_DIR) -> Path | None:
    """The up-to-date export of this model, or None. Cheap: reads one small JSON file."""
    try:
        folder = export_folder(model_name, cache_dir)
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    except (ExportUnsupported, ModelError, OSError, ValueError):
        return None
    fresh = (meta.get("format") == EXPORT_FORMAT
             and meta.get("source_fingerprint") == _fingerprint(_source_folder(model_name))
             and (folder / "model.onnx").is_file() and (folder / "tokenizer.json").is_file())
    return folder if fresh else None


def ensure_exported(model_name: str, log: Callable[[str], None] = lambda _m: None,
                    cache_dir: Path = CACHE_DIR) -> Path | None:
    """The export of this model, made now if missing; None (with a log line) when it cannot be made."""
    folder = exported_folder(model_name, cache_dir)
    if folder is not None:
        return folder
    try:
        export_folder(model_name, cache_dir)  # a model that is no local folder stops here, before the log line
        log(f"Exporting the model {model_name} to ONNX for fast questions (once per model)...")
        return export(model_name, cache_dir)
    except ModelError as exc:
        log(f"Questions will use sentence-transformers: {exc}")
        return None


def export(model_name: str, cache_dir: Path = CACHE_DIR) -> Path:
    """Export, check against sentence-transformers, then publish the folder in one rename."""
    source = _source_folder(model_name)
    final = export_folder(model_name, cache_dir)
    try:
        import torch
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(source), device="cpu")
    except Exception as exc:
        raise ExportUnsupported(f"the model {model_name} could not be loaded for export ({type(exc).__name__})") from None
    transformer = _check_architecture(st, model_name)
    tokenizer = transformer.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise ExportUnsupported(f"the model {model_name} has no fast tokenizer (tokenizer.json)")

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir))
    except OSError as exc:
        raise ExportUnsupported(f"cannot write the ONNX export to {cache_dir} ({exc.strerror})") from None
    try:
        # A padded batch, so that the traced graph keeps the attention mask.
        sample = tokenizer(["a question", "a longer question about support"], padding=True, return_tensors="pt")
        inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
        wrapper = _mean_pooled(transformer.auto_model.eval(), inputs)
        dynamic = {name: {0: "batch", 1: "tokens"} for name in inputs}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes about Python branches on shapes, checked below
            torch.onnx.export(wrapper, tuple(sample[n] for n in inputs), str(tmp / "model.onnx"),
                              input_names=inputs, output_names=["embedding"],
                              dynamic_axes={**dynamic, "embedding": {0: "batch"}},
                              opset_version=ONNX_OPSET, dynamo=False)
        shutil.copyfile(Path(tokenizer.save_pretrained(str(tmp / "hf"))[0]).parent / "tokenizer.json", tmp / "tokenizer.json")
        shutil.rmtree(tmp / "hf")
        meta = {
            "format": EXPORT_FORMAT,
            "model": model_name,
            "source": str(source),
            "source_fingerprint": _fingerprint(source),
            "inputs": inputs,
            "max_seq_length": int(st.max_seq_length),
            "do_lower_case": bool(getattr(transformer, "do_lower_case", False)),
            "pad_id": int(tokenizer.pad_token_id),
            "pad_token": str(tokenizer.pad_token),
            "dimension": int(st.get_embedding_dimension()),
        }
        (tmp / "export.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        _check_agreement(tmp, st)
        tmp.chmod(0o755)  # mkdtemp makes it private; the export is not secret
        if final.exists():  # a stale export, or one a concurrent build just made
            shutil.rmtree(final, ignore_errors=True)
        try:
            os.rename(tmp, final)
        except OSError:
            if exported_folder(model_name, cache_dir) is None:
                raise
    except ExportUnsupported:
        raise
    except Exception as exc:
        raise ExportUnsupported(f"exporting {model_name} to ONNX failed ({type(exc).__name__}: {str(exc)[:200]})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _source_folder(model_name: str) -> Path:
    source = Path(resolve_model(model_name))
    if not (source / "modules.json").is_file():
        raise ExportUnsupported(f"the model {model_name} is not a local sentence-transformers folder")
    return source.resolve()


def _fingerprint(source: Path) -> str:
    """Names, sizes and modification times of the model's files: a reinstalled model is exported again."""
    h = hashlib.sha256()
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        st = path.stat()
        h.update(f"{path.relative_to(source).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8"))
    return h.hexdigest()


def _check_architecture(st, model_name: str):
    """The common shape: a transformer, mean pooling, optionally normalisation."""
    kinds = [type(module).__name__ for module in st]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ExportUnsupported(f"the model {model_name} has modules {kinds}, not Transformer, Pooling, Normalize")
    if getattr(st[1], "pooling_mode", None) != "mean":
        raise ExportUnsupported(f"the model {model_name} pools by {getattr(st[1], 'pooling_mode', '?')}, not mean")
    if getattr(st[0], "auto_model", None) is None or getattr(st[0], "tokenizer", None) is None:
        raise ExportUnsupported(f"the model {model_name} is not a text transformer")
    return st[0]


def _check_agreement(folder: Path, st) -> None:
    """The ONNX copy, run as questions will run it, gives sentence-transformers' vectors: batched and one by one."""
    from .onnx_model import OnnxModel

    onnx = OnnxModel(folder)
    theirs = st.encode(_PROBES, normalize_embeddings=True, convert_to_numpy=True)
    batched = onnx.encode(_PROBES)
    single = np.concatenate([onnx.encode([text]) for text in _PROBES])
    worst = float(min((batched * theirs).sum(axis=1).min(), (single * theirs).sum(axis=1).min()))
    if worst < MIN_AGREEMENT:
        raise ExportUnsupported(f"the ONNX copy of the model disagrees with sentence-transformers (cosine {worst:.5f})")


def _mean_pooled(model, inputs: list[str]):
    """The transformer, then mean pooling over real tokens, then unit length: what sentence-transformers computes."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            named = dict(zip(inputs, tensors))
            hidden = self.model(**named).last_hidden_state
            mask = named["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return MeanPooled()
