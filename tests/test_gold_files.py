"""learn.gold_files: only an existing JSON Lines file in an allowed folder is read."""
import json

import pytest

from ingest.errors import SenGuideError
from learn import gold_files


def test_gold_path_accepts_only_an_existing_jsonl_file(tmp_path):
    gold = tmp_path / "eval" / "dev.jsonl"
    gold.parent.mkdir()
    gold.write_text(json.dumps({"question": "q", "gold": []}) + "\n", encoding="utf-8")
    assert gold_files.gold_path("eval/dev.jsonl", root=tmp_path, allowed=[tmp_path]) == gold
    assert gold_files.gold_path(f"  {gold}  ", root=tmp_path, allowed=[tmp_path]) == gold
    with pytest.raises(SenGuideError, match="outside the folders gold files are read from"):
        gold_files.gold_path(str(gold), root=tmp_path, allowed=[tmp_path / "elsewhere"])
    with pytest.raises(SenGuideError, match="outside the folders"):
        gold_files.gold_path("eval/../../dev.jsonl", root=tmp_path, allowed=[tmp_path])
    with pytest.raises(SenGuideError, match="Type the path"):
        gold_files.gold_path(" ", root=tmp_path)
    with pytest.raises(SenGuideError, match="There is no gold file at"):
        gold_files.gold_path("eval/missing.jsonl", root=tmp_path, allowed=[tmp_path])
    with pytest.raises(SenGuideError, match="not a JSON Lines file"):
        gold_files.gold_path("/etc/passwd", root=tmp_path)
    (tmp_path / "folder.jsonl").mkdir()
    with pytest.raises(SenGuideError, match="There is no gold file"):
        gold_files.gold_path("folder.jsonl", root=tmp_path, allowed=[tmp_path])
