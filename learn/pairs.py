"""python -m learn.pairs: rewrite the SEN-tuned model's training pairs from the labelled sets.

The pairs (learn/sen_training.jsonl) are what `python -m learn.tune` fits the
default model on; their hash names it, so a new file gives a new model.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ingest.build import corpus_files
from ingest.chunking import chunk_document
from ingest.readers import read_document
from ingest.settings import Settings
from ingest.tuned import PAIRS_FILE

from .evaluate import gold_spans, matches, read_gold
from .fit import DATASETS, corpus_group


def write_pairs(path: Path = PAIRS_FILE) -> int:
    """Rewrite the training pairs from every labelled set but the held-out
    final split: each answerable question with its first passage holding a
    gold phrase (as the index embeds it, headings first) and the sentence
    holding it. Needs ../shared/eval beside the repository."""
    settings = Settings()
    rows = []
    for gold, corpus in DATASETS:
        chunks = [c for path in corpus_files(corpus)[0]
                  for c in chunk_document(read_document(path, corpus), settings.max_chunk_chars,
                                          settings.target_chunk_chars)]
        for item in read_gold(gold):
            if not item["gold"]:
                continue
            chunk = next((c for c in chunks if matches(c.text, item["gold"])), None)
            if chunk is None:
                continue
            question = " ".join(item["question"].split())
            rows.append({"corpus": corpus_group(corpus), "question": question, "text": chunk.embed_text()})
            spans = gold_spans(chunk.text, item["gold"])
            sentence = next((chunk.text[s:e] for s, e in chunk.sentences
                             if any(s < ge and gs < e for gs, ge in spans)), None)
            if sentence:
                rows.append({"corpus": corpus_group(corpus), "question": question, "text": sentence})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def main() -> int:
    print(f"{write_pairs()} pairs written to {PAIRS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
