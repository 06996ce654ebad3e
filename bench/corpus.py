"""Synthetic corpora for the scale benchmark, and an index of them with random vectors.

A synthetic corpus is the guidance's own sentences shuffled into many
Markdown documents: one section per chunk, so that `chunks` sections give
that many chunks, with the vocabulary, sentence lengths and heading shapes of
the real guidance. For the largest size, embedding every chunk for real would
take hours on this machine, so `python -m bench.corpus CORPUS INDEX DIM`
builds the index through the real ingest code with random unit vectors in
place of the model's; the query side is then timed for real.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ingest.settings import Settings

SECTIONS_PER_FILE = 1_000
# A paragraph under the chunker's target (700), so each section is one chunk.
PARAGRAPH_CHARS = (300, 650)


def guidance_pieces(corpus_dir: Path) -> tuple[list[str], list[str]]:
    """(sentences, headings) of the real corpus, as the chunker splits them."""
    from ingest.build import corpus_files
    from ingest.chunking import chunk_document
    from ingest.readers import UnreadableFile, read_document

    settings = Settings()
    sentences, headings = [], []
    for path in corpus_files(corpus_dir)[0]:
        try:
            doc = read_document(path, corpus_dir)
        except UnreadableFile:
            continue
        for chunk in chunk_document(doc, settings.max_chunk_chars, settings.target_chunk_chars):
            sentences.extend(" ".join(chunk.text[s:e].split()) for s, e in chunk.sentences)
            headings.append(chunk.heading_path[-1])
    sentences = sorted({s for s in sentences if len(s) < PARAGRAPH_CHARS[1]})
    return sentences, sorted(set(headings))


def write_corpus(folder: Path, chunks: int, sentences: list[str], headings: list[str], seed: int = 0) -> None:
    """`chunks` sections of shuffled guidance sentences, in files of SECTIONS_PER_FILE."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for first in range(0, chunks, SECTIONS_PER_FILE):
        volume = first // SECTIONS_PER_FILE + 1
        lines = [f"---\ntitle: Synthetic guidance, volume {volume}\npublisher: SEN Guide benchmark\n---\n",
                 f"# Synthetic guidance, volume {volume}\n"]
        for n in range(first, min(chunks, first + SECTIONS_PER_FILE)):
            limit = rng.integers(*PARAGRAPH_CHARS)
            paragraph = [sentences[rng.integers(len(sentences))]]
            while len(" ".join(paragraph)) < limit:
                paragraph.append(sentences[rng.integers(len(sentences))])
            if len(" ".join(paragraph)) > PARAGRAPH_CHARS[1]:
                paragraph.pop()
            lines.append(f"## {headings[n % len(headings)]} (part {n + 1})\n\n{' '.join(paragraph)}\n")
        (folder / f"volume-{volume:04d}.md").write_text("\n".join(lines), encoding="utf-8")


class RandomUnitModel:
    """Stands in for the embedding model: a random unit vector per text, seeded."""

    def __init__(self, dimension: int, seed: int = 0):
        self.dimension = dimension
        self.rng = np.random.default_rng(seed)

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: list[str], **_options) -> np.ndarray:
        vectors = self.rng.standard_normal((len(texts), self.dimension), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def build_with_random_vectors(corpus_dir: Path, index_dir: Path, dimension: int) -> None:
    """The real ingest.build, with RandomUnitModel in place of the model."""
    from ingest import build, embedding

    embedding.load_model = lambda _name: RandomUnitModel(dimension)
    report = build(Settings(corpus_dir=corpus_dir, index_dir=index_dir), force=True)
    print(report.summary(), file=sys.stderr)


if __name__ == "__main__":
    build_with_random_vectors(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
