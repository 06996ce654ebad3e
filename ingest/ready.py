"""Build the index if it is missing, damaged or stale: the one step the app
and the command lines take before they search.

The engine only loads and answers; building is the builder's job. This step
takes the build lock and checks the index again once it has it, so two
processes that start on a stale index build it once, not twice. It checks and
rebuilds with one model: the index's own when there is one (a model is
changed on purpose, with `python -m ingest --model`), else the settings'.
It never builds one corpus's index folder from another corpus.
"""
from __future__ import annotations

from typing import Callable

from . import store
from .build import build, corpus_fingerprint, is_current
from .settings import INDEX_FORMAT_VERSION, Settings


def why_stale(settings: Settings) -> str:
    """Why the index must be built ("" when it is current)."""
    index_dir = settings.index_dir
    manifest = store.read_manifest(index_dir)
    if manifest is None:
        if (index_dir / store.MANIFEST).exists():
            return f"The index manifest in {index_dir} is not valid JSON"
        return f"No index at {index_dir}"
    if manifest.get("format_version") != INDEX_FORMAT_VERSION:
        return f"The index at {index_dir} has an older format"
    problem = store.file_problem(index_dir, manifest)
    if problem:
        return problem
    if settings.corpus_dir.is_dir() and not is_current(manifest, _model_of(settings), corpus_fingerprint(settings.corpus_dir)):
        return f"The corpus in {settings.corpus_dir} has changed since the index was built"
    return ""


def ensure_index(settings: Settings, log: Callable[[str], None] = lambda _m: None,
                 unreadable: tuple[str, str] | None = None) -> str:
    """Build the index when it must be; say why it was built ("" when it was
    current). `unreadable` is (build id, why) of a build a reader could not
    load though its files match their hashes: it is rebuilt too, unless
    another process has built a new one meanwhile."""
    store.check_corpus(settings.index_dir, settings.corpus_dir)

    def reason() -> str:
        current = (store.read_manifest(settings.index_dir) or {}).get("build_id")
        return why_stale(settings) or (unreadable[1] if unreadable and unreadable[0] == current else "")

    if not reason():
        return ""
    waiting = f"Another process is building the index in {settings.index_dir}; waiting for it..."
    with store.build_lock(settings.index_dir, on_wait=lambda: log(waiting)):
        why = reason()  # another process may have built it while this one waited
        if not why:
            return ""
        log(f"{why}; building the index...")
        report = build(_model_of(settings), log=log, force=True)
    log(report.summary())
    return f"{why}, so the index was rebuilt ({report.chunks} passages)."


def _model_of(settings: Settings) -> Settings:
    """The settings with the model the index was built with, when it names one."""
    manifest = store.read_manifest(settings.index_dir) or {}
    name = manifest.get("model", {}).get("name") if isinstance(manifest.get("model"), dict) else None
    return settings.with_(model=name) if isinstance(name, str) and name else settings
