"""What both pages share: the engine, loaded once per server process, and
guards so that a person sees a short apology, never a traceback."""
from __future__ import annotations

import html
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError as FutureTimeout
from typing import NoReturn

import streamlit as st

from ingest import config
from ingest.config import ENV_OVERRIDES, config_path
from ingest.errors import SenGuideError
from ingest.settings import Settings, from_env
from qa import Answer, Engine, messages
from qa.feedback_store import FeedbackStore, StoreError
from qa.live import LiveEngine

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

# One stylesheet for the HTML the pages build with qa.page_html. The colours
# keep at least 4.5:1 contrast on white (WCAG 2.2 AA); pre-line keeps the
# guidance's own line breaks (list items, paragraphs) without reading it as Markdown.
STYLE = """<style>
[data-testid="stMain"] h1 { font-size: 2.1rem; line-height: 1.25; }
[data-testid="stMain"] h2 { font-size: 1.5rem; line-height: 1.3; }
.sg-crumb { font-size: 1.15rem; font-weight: 600; line-height: 1.4; margin: 0 0 .2rem 0; padding: 0; }
.sg-doc { color: #4a4b57; font-size: .95rem; margin: 0 0 .6rem 0; }
.sg-quote { margin: 0; padding: .1rem 0 .1rem .9rem; border-left: 4px solid #1f5fa8;
            white-space: pre-line; line-height: 1.6; overflow-wrap: anywhere; }
.sg-source { color: #4a4b57; font-size: .95rem; margin: .6rem 0 0 0; overflow-wrap: anywhere; }
.sg-source a { color: #1b4f8a; }
.sg-section { white-space: pre-line; line-height: 1.6; overflow-wrap: anywhere; }
.sg-quote mark, .sg-section mark { background: #fff1a8; color: inherit; padding: 0 .1em; }
.sg-notice { padding: .9rem 1rem; border-radius: .5rem; line-height: 1.55; overflow-wrap: anywhere;
             background: #e9f1fb; color: #1b2a41; border-left: 4px solid #1f5fa8; }
.sg-urgent { background: #fdecea; color: #3b0d0c; border-left-color: #b3261e; margin-bottom: 1rem; }
.sg-notice ul, .sg-help ul { margin: .3rem 0 0 0; padding-left: 1.2rem; }
.sg-notice a, .sg-help a { color: #1b4f8a; }
.sg-facts { margin: 0; }
.sg-facts dt { font-weight: 600; margin-top: .5rem; }
.sg-facts dd { margin: 0; overflow-wrap: anywhere; }
.sg-quote ul, .sg-quote ol, .sg-section ul, .sg-section ol { margin: .4rem 0; padding-left: 1.4rem; }
.sg-quote li, .sg-section li { margin: .15rem 0; }
.sg-quote + .sg-quote { margin-top: .8rem; }
.sg-asked { color: #4a4b57; margin: 0; overflow-wrap: anywhere; }
/* Words explained: the glossary's terms underlined where they stand, and listed in a disclosure below. */
abbr[title] { text-decoration: underline dotted; text-underline-offset: .15em; cursor: help; }
.sg-words { margin: .7rem 0 0 0; line-height: 1.5; overflow-wrap: anywhere; }
.sg-words summary { color: #1b4f8a; font-weight: 600; cursor: pointer; padding: .35rem 0; min-height: 24px; }
.sg-words dl { margin: .2rem 0 0 0; }
.sg-words dt { font-weight: 600; margin-top: .5rem; }
.sg-words dd { margin: 0 0 0 1rem; }
[data-testid="stMain"] h2.sg-examples { font-size: 1.15rem; font-weight: 600; margin: .5rem 0 0 0; padding: 0; }
/* The live region is for screen readers: the heading below says the same to the eye. */
.sg-live { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
           clip-path: inset(50%); white-space: nowrap; border: 0; }
[data-testid="stElementContainer"]:has(.sg-live) { margin-bottom: -1rem; }
/* A script that moves focus to the answer takes no room. */
[data-testid="stElementContainer"]:has(script) { display: none; }
/* The answer is focused after a search: clear of the fixed toolbar when scrolled to. */
[data-testid="stMain"] h2, .sg-notice { scroll-margin-top: 4.5rem; }
/* "Press Enter to submit form" sat over the typed question on a phone; the
   button says what to do. */
[data-testid="InputInstructions"] { display: none; }
/* Every focus indicator: a 3px outline at 8.3:1 against the white page (WCAG 2.2 asks 3:1). */
button:focus-visible, a:focus-visible, summary:focus-visible, [tabindex="-1"]:focus,
[data-testid="stTextInputRootElement"]:focus-within {
  outline: 3px solid #1b4f8a !important; outline-offset: 2px; }
</style>"""


@st.cache_resource(show_spinner=False)
def _live_for(where: tuple) -> LiveEngine:
    # The environment as it is now: the watcher re-reads the configuration
    # file, never a later environment (a test's, undone).
    environ = dict(os.environ)
    return LiveEngine(lambda: config.load(environ=environ), log=log.info, warn=log.warning).start()  # `where` only keys the cache


def _live() -> LiveEngine:
    """This server's engine, loaded once and swapped whole when `python -m
    ingest` commits a new build or the glossary or configuration changes
    (qa/live.py): no restart, and no question sees two builds. One per
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


_stop_purging = threading.Event()


@st.cache_resource(show_spinner=False)
def _store_for(url: str, retention_days: int) -> FeedbackStore:
    """One feedback store per server; records past the retention period are
    deleted now, as the server starts, and then once a day."""
    store = FeedbackStore(url)
    threading.Thread(target=_purge_daily, args=(store, retention_days), daemon=True,
                     name="sen-guide-feedback-purge").start()
    return store


def _purge_daily(store: FeedbackStore, retention_days: int) -> None:
    while True:
        try:
            deleted = store.purge(retention_days)
            log.info("Deleted %d feedback records older than %d days", deleted, retention_days)
        except StoreError as exc:
            log.error("Old feedback records could not be deleted: %s", exc)
        if _stop_purging.wait(24 * 3600):
            return


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


# Questions and ratings are written to the store by two background threads,
# so that an answer never waits for the database: a PostgreSQL server that is
# stopped says so at once, but one that is unreachable takes its 3 s connect
# timeout, and one that hangs longer. A rating waits at most RATE_WAIT_SECONDS,
# then the page says it could not be saved. While the database does not
# answer, at most MAX_PENDING writes wait; later questions are not kept.
MAX_PENDING = 500
RATE_WAIT_SECONDS = 8
_writer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sen-guide-feedback")
_pending = threading.BoundedSemaphore(MAX_PENDING)


def _add(store: FeedbackStore, engine: Engine, answer: Answer) -> int:
    """Write the question's record: the passages shown (for a refusal, the closest) and the build."""
    return store.add(answer.question, answer.answered, [p.chunk_id for p in answer.passages],
                     engine.index.manifest.get("build_id", ""))


def _submit(work) -> Future | None:
    if not _pending.acquire(blocking=False):
        log.error("%d feedback writes are waiting for the database; this one is dropped", MAX_PENDING)
        return None

    def run():
        try:
            return work()
        finally:
            _pending.release()

    return _writer.submit(run)


def record_later(engine: Engine, answer: Answer) -> Future | None:
    """Keep the question (personal details taken out by the store) when
    recording is on; the record's id arrives later, in the Future (None when
    it could not be written)."""
    store = feedback_store(engine)
    if store is None:
        return None

    def write() -> int | None:
        try:
            return _add(store, engine, answer)
        except StoreError as exc:  # the parent has the answer already; whoever runs the server sees why
            log.error("A question could not be recorded: %s", exc)
            return None

    return _submit(write)


def rate(engine: Engine, answer: Answer, record: Future | None, helpful: bool, comment: str = "") -> None:
    """Save a parent's rating on their question's record (written now if it
    could not be before), waiting at most RATE_WAIT_SECONDS; raises
    StoreError when it cannot be saved."""
    store = feedback_store(engine)
    if store is None:
        raise StoreError("Questions are not being kept (recording is off, or the store cannot be opened).")

    def write() -> None:
        record_id = record.result() if record is not None else None
        if record_id is None:  # the store was down when the question was asked
            record_id = _add(store, engine, answer)
        store.rate(record_id, helpful, comment)

    job = _submit(write)
    if job is None:
        raise StoreError(f"{MAX_PENDING} feedback writes are waiting for the database.")
    try:
        job.result(timeout=RATE_WAIT_SECONDS)
    except FutureTimeout:
        raise StoreError(f"The feedback database did not answer within {RATE_WAIT_SECONDS} s.") from None
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever failed, the parent is told it was not saved
        raise StoreError(f"The rating could not be saved: {exc}") from exc


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

