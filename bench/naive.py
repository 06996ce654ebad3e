"""The naive pipeline the benchmark compares against, in a process of its own.

python -m bench.naive INDEX_DIR QUESTIONS_JSON ROUNDS

sentence-transformers `encode` of the question, then a FAISS flat
inner-product search over the same chunk vectors: nothing else. It runs in
its own process, importing torch before faiss: the other way round, the two
OpenMP runtimes they bring fight over this machine's two cores and
sentence-transformers' encode became about 60 times slower (400 ms, not
7 ms) when measured, which would flatter us. Prints one JSON line: the
milliseconds of each timed question.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

WARM_UP = 5
K = 5


def main(index_dir: Path, questions: list[str], rounds: int) -> list[float]:
    from sentence_transformers import SentenceTransformer  # first: see the module docstring

    import faiss
    import numpy as np

    from ingest import store
    from ingest.embedding import resolve_model

    manifest = store.read_manifest(index_dir)
    vectors = np.load(index_dir / manifest["folder"] / "vectors.npy", allow_pickle=False)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    model = SentenceTransformer(resolve_model(manifest["model"]["name"]), device="cpu")

    def ask(question: str):
        vector = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
        return index.search(vector, K)

    for question in questions[:WARM_UP]:
        ask(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            ask(question)
            times.append((time.perf_counter() - start) * 1000)
    return times


if __name__ == "__main__":
    questions = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    print(json.dumps({"times_ms": main(Path(sys.argv[1]), questions, int(sys.argv[3]))}))
