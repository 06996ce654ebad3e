"""Build the index from the corpus: read, chunk, embed (only what changed), write."""
from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from . import dense_index, keyword_index, store
from .chunking import Chunk, chunk_document, keyword_text, evidence_texts
from .errors import CorpusError
from .readers import META_SUFFIX, SUPPORTED_SUFFIXES, TYPES, Document, UnreadableFile, read_document
from .settings import INDEX_FORMAT_VERSION, Settings


@dataclass
class BuildReport:
    index_dir: Path
    model: str
    files: int = 0
    sections: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0  # distinct texts sent to the model in this build
    reused: int = 0  # distinct texts whose vectors came from the previous build
    seconds: float = 0.0
    up_to_date: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        if self.up_to_date:
            head = f"Index at {self.index_dir} is up to date"
        else:
            head = f"Built index at {self.index_dir}"
        return (f"{head}: {self.files} files, {self.sections} sections, {self.chunks} chunks, "
                f"model {self.model}, {self.embedded} texts embedded, {self.reused} reused, {self.seconds:.1f} s")


def corpus_files(corpus_dir: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Documents to read, and files passed over with the reason.

    JSON files are data (metadata sidecars, the glossary), not documents.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"No corpus folder at {corpus_dir}: create it and put the guidance ({TYPES}) in it.")
    docs, skipped = [], []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus_dir).as_posix()
        if any(part.startswith(".") for part in path.relative_to(corpus_dir).parts) or path.suffix.lower() == ".json":
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            docs.append(path)
        else:
            skipped.append((rel, f"files of type '{path.suffix or path.name}' are not supported (use {TYPES})"))
    return docs, skipped


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """sha256 of every document and metadata sidecar in the corpus folder."""
    docs, _ = corpus_files(corpus_dir)
    out = {}
    for path in docs:
        for p in (path, path.with_name(path.name + META_SUFFIX)):
            if p.exists():
                try:
                    out[p.relative_to(corpus_dir).as_posix()] = store.sha256_file(p)
                except OSError:
                    out[p.relative_to(corpus_dir).as_posix()] = "unreadable"
    return out


def is_current(manifest: dict | None, settings: Settings, fingerprint: dict[str, str]) -> bool:
    return bool(manifest) and (
        manifest.get("format_version") == INDEX_FORMAT_VERSION
        and manifest.get("model", {}).get("name") == settings.model
        and manifest.get("chunker") == settings.chunker_settings()
        and manifest.get("corpus", {}).get("files") == fingerprint
    )


def build(settings: Settings, progress: bool = False, log: Callable[[str], None] = lambda _msg: None,
          force: bool = False) -> BuildReport:
    started = time.perf_counter()
    index_dir = settings.index_dir
    report = BuildReport(index_dir=index_dir, model=settings.model)
    waiting = f"Another build of {index_dir} is running; waiting for it to finish..."
    with store.build_lock(index_dir, on_wait=lambda: log(waiting)):
        paths, report.skipped = corpus_files(settings.corpus_dir)
        fingerprint = corpus_fingerprint(settings.corpus_dir)
        old = store.read_manifest(index_dir)
        # Every file the manifest names is there with its recorded hash (a few MB
        # to read: cheap next to embedding, and a damaged file is never reused).
        intact = old is not None and not store.file_problem(index_dir, old)
        if old is not None and not intact:
            log(f"The index files in {index_dir} are missing or damaged; building them again.")
        if not force and intact and is_current(old, settings, fingerprint):
            report.files, report.sections, report.chunks, report.sentences = (
                old["counts"][key] for key in ("files", "sections", "chunks", "sentences"))
            # Files of unsupported types are found afresh (they are not in the
            # fingerprint); unreadable documents are those the last build met,
            # and the same fingerprint says they have not changed.
            report.skipped += [tuple(s) for s in old.get("skipped", []) if s[0] in fingerprint]
            for name, reason in report.skipped:
                log(f"Skipped {name}: {reason}")
            report.up_to_date = True
            report.seconds = time.perf_counter() - started
            _export_query_model(settings, log)
            return report

        docs: list[Document] = []
        for path in paths:
            try:
                docs.append(read_document(path, settings.corpus_dir))
            except UnreadableFile as exc:
                report.skipped.append((path.relative_to(settings.corpus_dir).as_posix(), str(exc)))
        for name, reason in report.skipped:
            log(f"Skipped {name}: {reason}")
        chunks = [c for doc in docs for c in chunk_document(doc, settings.max_chunk_chars, settings.target_chunk_chars)]
        if not chunks:
            raise CorpusError(
                f"No guidance text found in {settings.corpus_dir}: add readable files ({TYPES}) "
                f"({len(report.skipped)} file(s) were skipped)."
            )
        report.files = len(docs)
        report.sections = sum(len(d.sections) for d in docs)
        report.chunks = len(chunks)

        chunk_texts = [c.embed_text() for c in chunks]
        sentence_texts = [t for c in chunks for t in evidence_texts(c)]
        report.sentences = sum(len(c.sentences) for c in chunks)
        cache = _previous_vectors(index_dir, old, settings.model) if intact else {}
        vectors, dim = _embed_with_cache(chunk_texts + sentence_texts, cache, settings.model, progress, report, log)

        # Random, not derived from the corpus: a forced rebuild of the same
        # corpus within the same second must not reuse the live build's folder.
        build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)
        store.remove_stale_builds(index_dir, keep=old.get("build_id") if old else None)
        folder = store.new_build_folder(index_dir, build_id)
        try:
            _write_build(folder, chunks, vectors[: len(chunks)], vectors[len(chunks):], sentence_texts)
        except BaseException:
            # The previous manifest still names the previous build; a half
            # written folder is only clutter (a killed build's is removed by
            # the next build).
            shutil.rmtree(folder, ignore_errors=True)
            raise
        report.seconds = time.perf_counter() - started
        manifest = {
            "format_version": INDEX_FORMAT_VERSION,
            "build_id": build_id,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(report.seconds, 3),
            "model": {"name": settings.model, "dimension": dim},
            "chunker": settings.chunker_settings(),
            "corpus": {"dir": str(settings.corpus_dir.resolve()), "files": fingerprint},
            "documents": _documents(docs, chunks),
            "skipped": [list(s) for s in report.skipped],
            "counts": {"files": report.files, "sections": report.sections,
                       "chunks": report.chunks, "sentences": report.sentences},
            "dense_index": dense_index.kind(dense_index.load(folder / "dense.faiss")),
            "folder": folder.relative_to(index_dir).as_posix(),
            "files": store.hash_build_files(index_dir, folder),
        }
        store.commit(index_dir, manifest)
    _export_query_model(settings, log)
    return report


def _documents(docs: list[Document], chunks: list[Chunk]) -> list[dict]:
    """What the staff view lists of each document read, by path."""
    passages = Counter(c.file for c in chunks)
    return [{"path": d.path, "title": d.title, "publisher": d.publisher, "source": d.source, "updated": d.updated,
             "format": Path(d.path).suffix.lower().lstrip("."), "passages": passages[d.path]}
            for d in sorted(docs, key=lambda d: d.path)]


def _export_query_model(settings: Settings, log: Callable[[str], None]) -> None:
    """Questions run the model from an ONNX copy, made here once per model
    (see onnx_export.py); a model that cannot be exported is logged and
    questions use sentence-transformers instead. With the SEN-tuned default,
    the untuned model the staff view groups parents' questions with
    (feedback.gaps.GROUPING_MODEL) is exported too, so that page never waits for it."""
    from . import tuned
    from .onnx_export import ensure_exported

    ensure_exported(settings.model, log)
    if tuned.is_tuned(settings.model):
        ensure_exported(tuned.BASE_MODEL, log)


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _previous_vectors(index_dir: Path, manifest: dict | None, model: str) -> dict[str, np.ndarray]:
    """Vectors of the previous build by text hash, when it used the same model.

    A damaged previous build only means more to embed, never a failed build.
    """
    if not manifest or manifest.get("model", {}).get("name") != model or manifest.get("format_version") != INDEX_FORMAT_VERSION:
        return {}
    try:
        folder = index_dir / manifest["folder"]
        chunks = read_chunks(folder / "chunks.jsonl")
        texts = [c.embed_text() for c in chunks] + [t for c in chunks for t in evidence_texts(c)]
        vectors = np.concatenate([np.load(folder / "vectors.npy", allow_pickle=False),
                                  np.load(folder / "sentences.npy", allow_pickle=False)])
        if len(vectors) != len(texts):
            return {}
        return {_text_key(t): v for t, v in zip(texts, vectors)}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _embed_with_cache(texts, cache, model_name, progress, report, log) -> tuple[np.ndarray, int]:
    keys = [_text_key(t) for t in texts]
    first: dict[str, int] = {}  # each distinct text once (a heading recurs in every chunk of its section)
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    missing = [i for k, i in first.items() if k not in cache]
    report.embedded, report.reused = len(missing), len(first) - len(missing)
    if missing:
        from .embedding import embed, load_model

        log(f"Embedding {len(missing)} texts with {model_name} ({report.reused} reused)...")
        model = load_model(model_name)
        new = embed(model, [texts[i] for i in missing], progress=progress)
        for i, v in zip(missing, new):
            cache[keys[i]] = v
    vectors = np.stack([cache[k] for k in keys]).astype(np.float32)
    return vectors, int(vectors.shape[1])


def _write_build(folder: Path, chunks: list[Chunk], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray,
                 sentence_texts: list[str]) -> None:
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    np.save(folder / "vectors.npy", chunk_vectors, allow_pickle=False)
    np.save(folder / "sentences.npy", sentence_vectors, allow_pickle=False)
    dense_index.save(dense_index.build(chunk_vectors), folder / "dense.faiss")
    (folder / "bm25").mkdir()
    keyword_index.save(keyword_index.build([keyword_text(c) for c in chunks]), folder / "bm25")
    (folder / "bm25_sentences").mkdir()
    keyword_index.save(keyword_index.build(sentence_texts), folder / "bm25_sentences")


def read_chunks(path: Path) -> list[Chunk]:
    with open(path, encoding="utf-8") as f:
        return [Chunk.from_json(json.loads(line)) for line in f if line.strip()]
