"""python -m learn.evaluate --corpus DIR: any folder of guidance is evaluated, its
index built (or reused) in a cache folder, never in index/.

Runs `learn.evaluate.main` in-process with the fake model, the cache moved to
tmp_path.
"""
import json
from pathlib import Path

import pytest

from ingest import store
from ingest.settings import DEFAULT_INDEX_DIR
from learn import evaluate
from qa import ready

from conftest import FAKE_MODEL_NAME

GOLD = [
    {"id": "t1", "question": "When can the local authority add top-up funding?",
     "gold": ["The local authority can add top-up funding"], "kind": "keyword"},
    {"id": "t2", "question": "How often is progress reviewed?",
     "gold": ["Progress should be reviewed at least three times a year."], "kind": "paraphrase"},
    {"id": "t3", "question": "How do I renew my car insurance?", "gold": [], "kind": "out_of_scope"},
]


@pytest.fixture
def setup(fake_model, monkeypatch, tiny_corpus, tmp_path):
    """(corpus, gold file, cache folder), with every setting from the test, none from the shell."""
    for name in ("SEN_GUIDE_CORPUS", "SEN_GUIDE_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEN_GUIDE_MODEL", FAKE_MODEL_NAME)
    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")
    cache = tmp_path / "cache"
    monkeypatch.setattr(ready, "EVAL_INDEX_CACHE", cache)
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(item) + "\n" for item in GOLD), encoding="utf-8")
    return tiny_corpus(), gold, cache


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = evaluate.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _manifest_of(index: Path) -> bytes | None:
    path = index / "manifest.json"
    return path.read_bytes() if path.exists() else None


def test_a_corpus_is_evaluated_with_its_index_in_the_cache_and_reused(setup, capsys):
    corpus, gold, cache = setup
    index_before = _manifest_of(DEFAULT_INDEX_DIR)
    code, out, err = _run(capsys, "--gold", gold, "--corpus", corpus, "--json", "--no-baselines")
    assert code == 0, err
    report = json.loads(out)
    system = report["system"]
    assert (system["questions"], system["in_scope"], system["out_of_scope"]) == (3, 2, 1)
    for metric in ("hit@1", "hit@3", "hit@5", "mrr@5", "false_abstain", "abstain_oos"):
        assert 0.0 <= system[metric] <= 1.0
    assert system["hit@1"] <= system["hit@3"] <= system["hit@5"]
    assert "dense_500" not in report and "bm25_500" not in report  # --no-baselines

    index = ready.cached_index_dir(corpus)
    assert index.parent == cache
    manifest = store.read_manifest(index)
    assert manifest["counts"]["files"] == 3 and manifest["counts"]["chunks"] > 0  # the tiny corpus: .md, .txt, .html
    assert store.recorded_corpus(index).resolve() == corpus.resolve()
    assert _manifest_of(DEFAULT_INDEX_DIR) == index_before  # index/ untouched

    code, out, err = _run(capsys, "--gold", gold, "--corpus", corpus, "--json", "--no-baselines")
    assert code == 0, err
    assert store.read_manifest(index)["build_id"] == manifest["build_id"]
    assert "rebuild" not in err
    assert json.loads(out)["system"]["in_scope"] == 2
    assert [p.name for p in cache.iterdir()] == [index.name]


def test_a_changed_corpus_is_rebuilt_in_the_same_cache_folder(setup, capsys):
    corpus, gold, _ = setup
    assert _run(capsys, "--gold", gold, "--corpus", corpus, "--json", "--no-baselines")[0] == 0
    index = ready.cached_index_dir(corpus)
    first = store.read_manifest(index)["build_id"]
    (corpus / "extra.md").write_text("# Transport\n\nThe council may pay for school transport.\n", encoding="utf-8")
    code, _, err = _run(capsys, "--gold", gold, "--corpus", corpus, "--json", "--no-baselines")
    assert code == 0, err
    assert store.read_manifest(index)["build_id"] != first


def test_a_missing_corpus_folder_is_one_clear_error_line(setup, capsys, tmp_path):
    _, gold, cache = setup
    missing = tmp_path / "no-such-corpus"
    code, out, err = _run(capsys, "--gold", gold, "--corpus", missing, "--json", "--no-baselines")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: No corpus folder at") and str(missing) in lines[0] and "--corpus" in lines[0]
    assert not cache.exists()  # nothing built


def test_each_corpus_folder_has_its_own_cache_folder(setup, tmp_path, monkeypatch):
    corpus, _, cache = setup
    other = tmp_path / "elsewhere" / corpus.name
    other.mkdir(parents=True)
    assert ready.cached_index_dir(corpus) != ready.cached_index_dir(other)
    assert ready.cached_index_dir(corpus).name.startswith(corpus.name + "-")
    monkeypatch.chdir(corpus.parent)  # the same folder named by a relative path
    assert ready.cached_index_dir(Path(corpus.name)) == ready.cached_index_dir(corpus)


def test_corpus_of_an_index_is_the_corpus_it_was_built_from(setup, capsys, monkeypatch, tmp_path):
    corpus, gold, _ = setup
    assert _run(capsys, "--gold", gold, "--corpus", corpus, "--json", "--no-baselines")[0] == 0
    index = ready.cached_index_dir(corpus)
    from ingest.settings import from_env

    assert ready.corpus_of(from_env(index_dir=index)).resolve() == corpus.resolve()
    assert ready.corpus_of(from_env(index_dir=tmp_path / "no-index")) is None
    (tmp_path / "another").mkdir()
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(tmp_path / "another"))
    assert ready.corpus_of(from_env(index_dir=index)) is None  # the environment names the corpus instead
