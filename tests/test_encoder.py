"""The question encoder: the ONNX copy gives sentence-transformers' vectors,
keeps torch off the query path, is remade when the model changes, and falls
back (saying so) for a model it cannot export."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import onnx_export
from ingest.embedding import resolve_model
from ingest.errors import ModelError
from ingest.onnx_model import OnnxModel
from ingest.settings import BUNDLED_MODEL, DEFAULT_CORPUS_DIR
from qa.encoder import ENCODER_ENV, QueryEncoder

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "What is a SENCO?",
    "my sons school says he doesnt need an ehcp what can i do",
    "Who pays for a teaching assistant – the school or the council?",
    "a",
    "“Element 3” top-up funding… 😟",
    # Longer than the model's 256 tokens: both sides must cut it the same way.
    " ".join(["Schools must use their best endeavours to meet the needs of children with SEN."] * 40),
]


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory) -> Path:
    """A private copy of the bundled model folder, to change without touching the real one."""
    folder = tmp_path_factory.mktemp("model") / "copy"
    shutil.copytree(resolve_model(BUNDLED_MODEL), folder)
    return folder


# --- fast: no model ---------------------------------------------------------------------

def test_an_unknown_backend_is_refused_naming_the_choices():
    with pytest.raises(ModelError, match="'gpu' is unknown: use one of auto, onnx, sentence-transformers"):
        QueryEncoder(BUNDLED_MODEL, backend="gpu")


def test_the_environment_can_force_sentence_transformers(fake_model, monkeypatch):
    from ingest.settings import from_env

    monkeypatch.setenv(ENCODER_ENV, "sentence-transformers")
    encoder = QueryEncoder(BUNDLED_MODEL, backend=from_env().encoder)  # read at the edge, passed in
    vector = encoder.encode("What is a SENCO?")
    assert encoder.backend == "sentence-transformers" and fake_model.loaded == [BUNDLED_MODEL]
    assert vector.shape == (fake_model.dim,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_a_model_that_is_no_local_folder_uses_sentence_transformers_and_says_why(fake_model):
    said = []
    encoder = QueryEncoder("some-org/some-hub-model", log=said.append)
    encoder.encode("What is a SENCO?")
    assert encoder.backend == "sentence-transformers" and fake_model.loaded == ["some-org/some-hub-model"]
    assert len(said) == 1 and "will use sentence-transformers" in said[0] and "not a local" in said[0]


def test_a_damaged_export_is_one_clear_error(tmp_path):
    (tmp_path / "export.json").write_text(json.dumps({"format": onnx_export.EXPORT_FORMAT}), encoding="utf-8")
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        OnnxModel(tmp_path)
    assert str(tmp_path) in str(caught.value) and "delete that folder" in str(caught.value)
    assert "\n" not in str(caught.value)


# --- the real model ---------------------------------------------------------------------

@pytest.mark.model
def test_onnx_vectors_are_sentence_transformers_vectors():
    from sentence_transformers import SentenceTransformer

    encoder = QueryEncoder(BUNDLED_MODEL)
    ours = encoder.encode_many(TEXTS)
    one_by_one = np.stack([encoder.encode(t) for t in TEXTS])
    assert encoder.backend == "onnx"
    theirs = SentenceTransformer(resolve_model(BUNDLED_MODEL), device="cpu").encode(TEXTS, normalize_embeddings=True)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert (ours * theirs).sum(axis=1).min() > 0.9999
    assert np.abs(ours - one_by_one).max() < 1e-5  # padding in a batch changes nothing
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)


@pytest.mark.model
def test_answering_a_question_never_imports_torch(real_index_dir):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ingest.settings import Settings\n"
        "from qa import Engine\n"
        f"engine = Engine(Settings(corpus_dir=Path({str(DEFAULT_CORPUS_DIR)!r}), index_dir=Path({str(real_index_dir)!r})))\n"
        "answer = engine.search('What is a SENCO?')\n"
        "print(engine.encoder.backend, answer.answered, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop(ENCODER_ENV, None)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["onnx", "True", "False", "False"]


@pytest.mark.model
def test_an_export_is_made_once_and_remade_when_the_model_files_change(model_copy, tmp_path):
    cache = tmp_path / "cache"
    assert onnx_export.exported_folder(str(model_copy), cache) is None
    said = []
    folder = onnx_export.ensure_exported(str(model_copy), said.append, cache)
    assert folder is not None and len(said) == 1 and "Exporting" in said[0]
    assert sorted(p.name for p in folder.iterdir()) == ["export.json", "model.onnx", "tokenizer.json"]
    assert list(cache.iterdir()) == [folder]  # no half-written folder left beside it
    said.clear()
    assert onnx_export.ensure_exported(str(model_copy), said.append, cache) == folder and said == []

    config = model_copy / "config.json"
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 1_000_000_000))
    assert onnx_export.exported_folder(str(model_copy), cache) is None


@pytest.mark.model
def test_a_model_it_cannot_export_runs_on_sentence_transformers_and_says_why(model_copy, tmp_path):
    cls_model = tmp_path / "cls-model"
    shutil.copytree(model_copy, cls_model)
    pooling = cls_model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update({key: False for key in config if key.startswith("pooling_mode")}, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))

    said = []
    encoder = QueryEncoder(str(cls_model), log=said.append)
    vector = encoder.encode("What is a SENCO?")
    assert encoder.backend == "sentence-transformers"
    assert any("will use sentence-transformers" in line and "pools by cls" in line for line in said), said
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert onnx_export.exported_folder(str(cls_model)) is None
    with pytest.raises(ModelError, match="pools by cls"):
        QueryEncoder(str(cls_model), backend="onnx").encode("What is a SENCO?")
