"""Load the index folder, checking it against its manifest before use."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest import dense_index, keyword_index, read_chunks, store
from ingest.chunking import Chunk
from ingest.errors import IndexUnusableError
from ingest.settings import INDEX_FORMAT_VERSION

_REBUILD = "run `python -m ingest --force` to rebuild it"


@dataclass
class LoadedIndex:
    manifest: dict
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    dense: object  # faiss index over chunk vectors
    bm25: object  # one document per chunk
    sentence_bm25: object  # one document per evidence row, in the rows' order
    evidence_start: np.ndarray  # row in sentence_vectors where each chunk's evidence begins
    evidence_end: np.ndarray  # and the row after its last

    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]


def load(index_dir: Path, verify: bool = True) -> LoadedIndex:
    """Raises IndexUnusableError with one line naming the problem and the fix."""
    manifest = store.read_manifest(index_dir)
    try:
        return _load(index_dir, manifest, verify)
    except IndexUnusableError:
        # A build committed while this one was being read: read the new one,
        # once (the build before it is kept until the next commit, so this is
        # rare; it needs two commits during one load).
        again = store.read_manifest(index_dir)
        if manifest is None or again is None or again.get("build_id") == manifest.get("build_id"):
            raise
        return _load(index_dir, again, verify)


def _load(index_dir: Path, manifest: dict | None, verify: bool) -> LoadedIndex:
    if manifest is None:
        if (index_dir / store.MANIFEST).exists():
            raise IndexUnusableError(f"The index manifest {index_dir / store.MANIFEST} is not valid JSON: {_REBUILD}.")
        raise IndexUnusableError(f"No index at {index_dir}: run `python -m ingest` to build it.")
    if manifest.get("format_version") != INDEX_FORMAT_VERSION:
        raise IndexUnusableError(
            f"The index at {index_dir} has format {manifest.get('format_version')}, this version reads "
            f"{INDEX_FORMAT_VERSION}: {_REBUILD}.")
    try:
        folder = index_dir / manifest["folder"]
        dim = int(manifest["model"]["dimension"])
    except (KeyError, TypeError, ValueError):
        raise IndexUnusableError(f"The index manifest in {index_dir} is incomplete: {_REBUILD}.") from None
    problem = store.file_problem(index_dir, manifest, verify)
    if problem:
        raise IndexUnusableError(f"{problem}: {_REBUILD}.")
    try:
        chunks = read_chunks(folder / "chunks.jsonl")
        chunk_vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
        dense = dense_index.load(folder / "dense.faiss")
        bm25 = keyword_index.load(folder / "bm25")
        sentence_bm25 = keyword_index.load(folder / "bm25_sentences")
    except Exception as exc:  # any damage to a file: one line, never a traceback
        raise IndexUnusableError(f"The index in {index_dir} cannot be read ({type(exc).__name__}): {_REBUILD}.") from None
    # Each chunk's evidence rows: its heading, then its sentences.
    rows_per_chunk = np.array([1 + len(c.sentences) for c in chunks], dtype=np.int64)
    evidence_end = np.cumsum(rows_per_chunk)
    evidence_start = evidence_end - rows_per_chunk
    rows = int(rows_per_chunk.sum())
    problems = []
    if chunk_vectors.shape != (len(chunks), dim) or dense.ntotal != len(chunks) or dense.d != dim:
        problems.append("chunk vectors")
    if sentence_vectors.shape != (rows, dim):
        problems.append("sentence vectors")
    if keyword_index.size(bm25) != len(chunks):
        problems.append("keyword index")
    if keyword_index.size(sentence_bm25) != rows:
        problems.append("sentence keyword index")
    if problems:
        raise IndexUnusableError(f"The index in {index_dir} is inconsistent ({', '.join(problems)}): {_REBUILD}.")
    return LoadedIndex(manifest, chunks, chunk_vectors, sentence_vectors, dense, bm25, sentence_bm25,
                       evidence_start, evidence_end)
