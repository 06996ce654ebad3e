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
previous index, in place.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path

from .errors import BuildLockedError

MANIFEST = "manifest.json"
BUILDS = "builds"
LOCK = ".build.lock"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest, or None when there is none or it is not valid JSON."""
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def new_build_folder(index_dir: Path, build_id: str) -> Path:
    folder = index_dir / BUILDS / build_id
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def hash_build_files(index_dir: Path, folder: Path) -> dict[str, str]:
    return {p.relative_to(index_dir).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def commit(index_dir: Path, manifest: dict) -> None:
    """Make the build named in the manifest current, then remove old builds."""
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / MANIFEST)
    remove_stale_builds(index_dir, keep=manifest["build_id"])


def remove_stale_builds(index_dir: Path, keep: str | None) -> None:
    builds = index_dir / BUILDS
    if not builds.is_dir():
        return
    for folder in builds.iterdir():
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: bool = True):
    """One build at a time per index folder; a second one waits or is told why."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "w") as f:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(f, flags)
        except BlockingIOError:
            raise BuildLockedError(
                f"Another build of {index_dir} is running; wait for it to finish, then run it again."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
