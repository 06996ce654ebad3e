"""Writing parents' questions and ratings in the background, so that an answer
never waits for the database, and deleting old records once a day.

No Streamlit here: the pages (views/shared.py) hold one store per server and
call `record_later` and `rate`.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError as FutureTimeout
from typing import Callable, Sequence

from .store import FeedbackStore, StoreError

log = logging.getLogger("sen_guide.feedback")

# Questions and ratings are written to the store by two background threads,
# so that an answer never waits for the database: a PostgreSQL server that is
# stopped says so at once, but one that is unreachable takes its 3 s connect
# timeout, and one that hangs longer. A rating waits at most RATE_WAIT_SECONDS,
# then the page says it could not be saved. While the database does not
# answer, at most MAX_PENDING writes wait; later questions are not kept.
MAX_PENDING = 500
RATE_WAIT_SECONDS = 8
PURGE_EVERY_SECONDS = 24 * 3600
_writer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sen-guide-feedback")
_pending = threading.BoundedSemaphore(MAX_PENDING)
_stop_purging = threading.Event()


def start_purging(store: FeedbackStore, retention_days: int) -> None:
    """Delete records past the retention period now, and then once a day."""
    threading.Thread(target=_purge_daily, args=(store, retention_days), daemon=True,
                     name="sen-guide-feedback-purge").start()


def _purge_daily(store: FeedbackStore, retention_days: int) -> None:
    while True:
        try:
            deleted = store.purge(retention_days)
            log.info("Deleted %d feedback records older than %d days", deleted, retention_days)
        except StoreError as exc:
            log.error("Old feedback records could not be deleted: %s", exc)
        if _stop_purging.wait(PURGE_EVERY_SECONDS):
            return


def _submit(work: Callable[[], object]) -> Future | None:
    if not _pending.acquire(blocking=False):
        log.error("%d feedback writes are waiting for the database; this one is dropped", MAX_PENDING)
        return None

    def run():
        try:
            return work()
        finally:
            _pending.release()

    return _writer.submit(run)


def record_later(store: FeedbackStore, question: str, answered: bool, chunk_ids: Sequence[str],
                 build_id: str) -> Future | None:
    """Keep the question (personal details taken out by the store); the
    record's id arrives later, in the Future (None when it could not be written)."""
    def write() -> int | None:
        try:
            return store.add(question, answered, list(chunk_ids), build_id)
        except StoreError as exc:  # the parent has the answer already; whoever runs the server sees why
            log.error("A question could not be recorded: %s", exc)
            return None

    return _submit(write)


def rate(store: FeedbackStore, question: str, answered: bool, chunk_ids: Sequence[str], build_id: str,
         record: Future | None, helpful: bool, comment: str = "") -> None:
    """Save a parent's rating on their question's record (written now if it
    could not be before), waiting at most RATE_WAIT_SECONDS; raises
    StoreError when it cannot be saved."""
    def write() -> None:
        record_id = record.result() if record is not None else None
        if record_id is None:  # the store was down when the question was asked
            record_id = store.add(question, answered, list(chunk_ids), build_id)
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
