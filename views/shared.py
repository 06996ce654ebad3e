"""What both pages share: the engine, loaded once per server process, and
guards so that a person sees a short apology, never a traceback."""
from __future__ import annotations

import html
import logging
import os
from concurrent.futures import Future
from typing import NoReturn

import streamlit as st

from ingest import config
from ingest.config import ENV_OVERRIDES, config_path
from ingest.errors import SenGuideError
from ingest.settings import Settings, from_env
from feedback import writer
from feedback.store import FeedbackStore, StoreError
from qa import Answer, Engine, messages
from web import page_html
from web.live import LiveEngine

log = logging.getLogger("sen_guide.app")
# Swaps of the guidance and problems with it reach the server's log (Streamlit
# configures only its own loggers). Questions are never logged.
_root = logging.getLogger("sen_guide")
if not _root.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _root.addHandler(_handler)
    _root.setLevel(logging.INFO)

APOLOGY = messages.APOLOGY
STYLE = page_html.STYLE  # the pages' one stylesheet (web/style.css)



@st.cache_resource(show_spinner=False)
def _live_for(where: tuple) -> LiveEngine:
    # The environment as it is now: the watcher re-reads the configuration
    # file, never a later environment (a test's, undone).
    environ = dict(os.environ)
    return LiveEngine(lambda: config.load(environ=environ), log=log.info, warn=log.warning).start()  # `where` only keys the cache


def _live() -> LiveEngine:
    """This server's engine, loaded once and swapped whole when `python -m
    ingest` commits a new build or the glossary or configuration changes
    (web/live.py): no restart, and no question sees two builds. One per
    configuration file and environment (tests run several in one process)."""
    return _live_for((str(config_path()), *(os.environ.get(name, "") for name in ENV_OVERRIDES)))


def settings(staff: bool = False) -> Settings:
    """This service's settings (sen-guide.toml, then the environment). If the
    file was made wrong while the server runs, the settings the guidance now
    served was loaded with, and the error in the log (and on the staff view's
    load note); if nothing was loaded yet, the apology (staff: the setting and its fix)."""
    try:
        return from_env()
    except Exception as exc:  # noqa: BLE001 - as in engine()
        try:
            served = _live().current().settings
        except Exception:  # noqa: BLE001 - nothing loaded: say what is wrong
            fail(exc, staff)
        log.warning("The settings could not be read, so those loaded before are used: %s", exc)
        return served


def engine(staff: bool = False) -> Engine:
    """The engine to answer from now; on failure, an apology and stop."""
    st.html(STYLE)
    try:
        with st.spinner("Getting the guidance ready. The first visit takes a few seconds..."):
            return _live().current()
    except Exception as exc:  # noqa: BLE001 - whatever it is, a person sees an apology, not a traceback
        fail(exc, staff)


def load_note() -> str:
    """Why the index was built when this server loaded it ("" when it was
    current), and why newer guidance is not served, if it is not."""
    live = _live()
    return " ".join(n for n in (live.note, live.problem) if n)


@st.cache_resource(show_spinner=False)
def _store_for(url: str, retention_days: int) -> FeedbackStore:
    """One feedback store per server; records past the retention period are
    deleted now, as the server starts, and then once a day."""
    store = FeedbackStore(url)
    writer.start_purging(store, retention_days)
    return store


def feedback_store(engine: Engine) -> FeedbackStore | None:
    """Where parents' questions and ratings go; None when recording is off."""
    settings = engine.settings
    if not settings.feedback:
        return None
    try:
        return _store_for(settings.feedback_url, settings.retention_days)
    except StoreError as exc:  # parents still get their answers; whoever runs the server sees why
        log.error("Questions are not being kept: %s", exc)
        return None


def _what_was_shown(engine: Engine, answer: Answer) -> tuple:
    """The record of a question: as searched, answered or not, the passages shown (for a refusal, the closest), the build."""
    return (answer.question, answer.answered, [p.chunk_id for p in answer.passages],
            engine.index.manifest.get("build_id", ""))


def record_later(engine: Engine, answer: Answer) -> Future | None:
    """Keep the question in the background when recording is on (feedback/writer.py)."""
    store = feedback_store(engine)
    return None if store is None else writer.record_later(store, *_what_was_shown(engine, answer))


def rate(engine: Engine, answer: Answer, record: Future | None, helpful: bool, comment: str = "") -> None:
    """Save a parent's rating; raises StoreError when it cannot be saved."""
    store = feedback_store(engine)
    if store is None:
        raise StoreError("Questions are not being kept (recording is off, or the store cannot be opened).")
    writer.rate(store, *_what_was_shown(engine, answer), record, helpful, comment)


def search(engine: Engine, question: str, k: int, staff: bool = False) -> Answer:
    try:
        return engine.search(question, k=k)
    except Exception as exc:  # noqa: BLE001 - as above
        fail(exc, staff)


def fail(exc: Exception, staff: bool) -> NoReturn:
    """Log the whole error for whoever runs the server; show the person what to do."""
    log.error("The page could not be shown", exc_info=exc)
    st.error(APOLOGY)
    if staff and isinstance(exc, SenGuideError):
        # Our own errors name the problem and the fix (for example, how to rebuild the index).
        st.html(f'<p class="sg-doc">Details for staff: {html.escape(str(exc))}</p>')
    st.stop()

