"""The engine a running server answers from, swapped whole when the guidance changes.

`python -m ingest` (by hand, from cron, or after `--refresh`) commits a new
build by rewriting the index's manifest. A watcher thread in each app server
looks every POLL_SECONDS at what the engine was loaded from: the manifest's
build id, the glossaries, the corpus's own settings and the configuration
file. When one has changed it loads a new engine in the background (reusing
the loaded model when the model is the same), warms it up, and only then
swaps it in, in one assignment. A question already running finishes on the
engine it started with; the next one gets the new engine. No question sees
half of one build and half of another, since an engine never changes once
loaded. The app never builds the index here: building is the builder's job.

If the new guidance cannot be loaded (a setting made wrong, a build being
repaired) the server keeps answering from what it has, and says why in its
log and on the staff view.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from ingest import store
from ingest.about import ABOUT_FILE
from ingest.settings import Settings, from_env

from qa.engine import Engine
from qa.glossary import LOCAL_GLOSSARY, SEN_GLOSSARY
from qa.ready import ready_engine

# How often each server looks for a new build: well inside the 10 s in which
# a committed build must be answered from, and a few stat() calls each time.
POLL_SECONDS = 2.0


def _stamp(path: Path | None) -> tuple:
    if path is None:
        return ()
    try:
        st = path.stat()
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return ()


def fingerprint(settings: Settings, build_id: str | None = None) -> tuple:
    """What an engine was loaded from, cheaply: a change here means load again.
    The build is the one committed now, unless the loaded engine's is given."""
    if build_id is None:
        build_id = (store.read_manifest(settings.index_dir) or {}).get("build_id", "")
    files = (settings.config_file, SEN_GLOSSARY,
             settings.corpus_dir / LOCAL_GLOSSARY, settings.corpus_dir / ABOUT_FILE)
    return (build_id, *(_stamp(f) for f in files))


def _build_id(engine: Engine) -> str:
    return engine.index.manifest.get("build_id", "")


class LiveEngine:
    """One per server process: `current()` is the engine to answer from now."""

    def __init__(self, load_settings: Callable[[], Settings] = from_env,
                 log: Callable[[str], None] = lambda _m: None, poll_seconds: float = POLL_SECONDS,
                 warn: Callable[[str], None] | None = None):
        self._load_settings = load_settings
        self._log = log
        self._warn = warn or log
        self._poll = poll_seconds
        settings = load_settings()
        files = fingerprint(settings)[1:]  # read before loading: an edit made meanwhile is seen next time
        engine, self.note = ready_engine(settings, log=log)
        engine.warm_up()
        self._stamp = (_build_id(engine), *files)
        self._engine = engine
        self.generation = 1
        self.problem = ""  # why the latest guidance is not being served ("" when it is)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> Engine:
        return self._engine

    def start(self) -> "LiveEngine":
        """Watch for new guidance in a background thread (a daemon: it never keeps the server up)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="sen-guide-live-engine", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(self._poll):
            self.check()

    def check(self) -> bool:
        """Load and swap in the guidance if it changed; True when it swapped."""
        try:
            settings = self._load_settings()
            stamp = fingerprint(settings)
            if stamp == self._stamp:
                return False
            old = self._engine
            same_model = (old.settings.model, old.settings.encoder) == (settings.model, settings.encoder)
            engine = Engine(settings, log=self._log, encoder=old.encoder if same_model else None)
            engine.warm_up()
            # The build it loaded, and the files as they were before loading:
            # anything committed or edited meanwhile is seen at the next look.
            self._engine, self._stamp = engine, (_build_id(engine), *stamp[1:])
            self.generation += 1
            self.problem = ""
            self._log(f"Now answering from build {engine.index.manifest.get('build_id', '?')} "
                      f"({engine.passage_count} passages).")
            return True
        except Exception as exc:  # noqa: BLE001 - keep answering from what is loaded, and say why
            problem = f"The new guidance could not be loaded, so the previous one is still served: {exc}"
            if problem != self.problem:
                self._warn(problem)
            self.problem = problem
            return False
