"""The index folder: plain files and a manifest, written atomically.

Layout:
    index/manifest.json           the commit record; names the build folder
    index/builds/<id>/chunks.jsonl
    index/builds/<id>/vectors.npy     one unit vector per chunk
    index/builds/<id>/sentences.npy   one unit vector per evidence row: each chunk's heading, then its sentences
    index/builds/<id>/dense.faiss
    index/builds/<id>/bm25/           bm25s files (JSON and .npy)

A build writes a new folder, then replaces manifest.json in one os.replace:
a build that fails or is killed leaves the previous manifest, and so the
previous index, in place. The build before the current one is kept until
the next commit, for a process that was reading it when the manifest changed.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Callable

from .errors import BuildLockedError, WrongCorpusError

MANIFEST = "manifest.json"
BUILDS = "builds"
LOCK = ".build.lock"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_problem(index_dir: Path, manifest: dict, verify: bool = True) -> str:
    """What is wrong with the files a manifest names ("" when nothing): the
    one place index files are checked against their recorded hashes."""
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return "The index manifest is incomplete (it names no files)"
    for rel, digest in files.items():
        path = index_dir / rel
        if not path.is_file():
            return f"The index file {rel} is missing"
        try:
            if verify and sha256_file(path) != digest:
                return f"The index file {rel} does not match its manifest (changed or damaged)"
        except OSError as exc:
            return f"The index file {rel} cannot be read ({exc.strerror})"
    return ""


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest, or None when there is none or it is not valid JSON."""
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def recorded_corpus(index_dir: Path) -> Path | None:
    """The corpus folder the index in index_dir was built from, if it says."""
    manifest = read_manifest(index_dir)
    recorded = (manifest or {}).get("corpus", {}).get("dir") if isinstance((manifest or {}).get("corpus"), dict) else None
    return Path(recorded) if isinstance(recorded, str) and recorded else None


def check_corpus(index_dir: Path, corpus_dir: Path) -> None:
    """Refuse an index folder built from another corpus than the one named:
    it is never searched, let alone rebuilt, as another corpus's."""
    recorded = recorded_corpus(index_dir)
    if recorded is not None and recorded.resolve() != corpus_dir.resolve():
        raise WrongCorpusError(
            f"The index in {index_dir} was built from the corpus in {recorded}, not {corpus_dir}: "
            f"name that corpus (--corpus or SEN_GUIDE_CORPUS), or give {corpus_dir} an index folder of "
            "its own (--index or SEN_GUIDE_INDEX).")


def new_build_folder(index_dir: Path, build_id: str) -> Path:
    folder = index_dir / BUILDS / build_id
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def hash_build_files(index_dir: Path, folder: Path) -> dict[str, str]:
    return {p.relative_to(index_dir).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def commit(index_dir: Path, manifest: dict) -> None:
    """Make the build named in the manifest current, then remove old builds."""
    # The build's files reach the disk before the manifest that names them,
    # so that even a power cut never leaves a manifest pointing at nothing.
    folder = index_dir / manifest["folder"]
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            _fsync(path)
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    previous = read_manifest(index_dir)
    os.replace(tmp, index_dir / MANIFEST)
    _fsync(index_dir)
    # The previous build stays until the next commit: a process that read the
    # previous manifest a moment ago is still reading its files.
    remove_stale_builds(index_dir, keep=manifest["build_id"], also=(previous or {}).get("build_id"))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_builds(index_dir: Path, keep: str | None, also: str | None = None) -> None:
    """Remove every build folder but `keep` (and `also`)."""
    builds = index_dir / BUILDS
    if not builds.is_dir():
        return
    for folder in builds.iterdir():
        if folder.name not in (keep, also):
            shutil.rmtree(folder, ignore_errors=True)


_held = threading.local()  # the lock files this thread holds


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: bool = True, on_wait: Callable[[], None] | None = None):
    """One build at a time per index folder; a second one waits or is told why.

    on_wait is called once when the lock is held by another build and this
    one is about to wait for it (so a person is not left looking at nothing).
    The lock belongs to the open file: the system drops it when the process
    ends, even when it is killed, so no stale lock is ever left behind. A
    thread that already holds it (ensure_index, then build) takes it again at
    once; another thread, like another process, waits.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    key = str((index_dir / LOCK).resolve())
    held = _held.__dict__.setdefault("paths", set())
    if key in held:
        yield
        return
    with open(index_dir / LOCK, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BuildLockedError(
                    f"Another build of {index_dir} is running: wait for it to finish, then run "
                    "`python -m ingest` again."
                ) from None
            if on_wait is not None:
                on_wait()
            fcntl.flock(f, fcntl.LOCK_EX)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.flock(f, fcntl.LOCK_UN)
