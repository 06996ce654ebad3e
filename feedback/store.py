"""The store of parents' questions and their feedback.

One record per question asked: the question as searched (scrubbed of names,
emails, phone numbers and the like), whether it was answered, the passages
shown, the feedback if any, the index build and the day. No time of day, IP
address, cookie, session or user id is ever kept.

By default a SQLite file in the data folder (WAL mode: many sessions and
several processes write at once); given a PostgreSQL URL, the same queries
run there, for several servers sharing one store:

    store = FeedbackStore(default_url(data_dir))   # or "postgresql+psycopg://user@host/db"
    rid = store.add("what is an EHCP?", answered=True, chunk_ids=["a1", "b2"], build_id="20260301-ab12")
    store.rate(rid, helpful=False, comment="How to ask for one")

Every method raises StoreError, with a message that names the database and
the fix, when the database cannot be used; the page catches it, still
answers, and says the feedback could not be saved.
"""
from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable, Sequence

from sqlalchemy import (JSON, Boolean, Column, Date, Integer, MetaData, Table, Text, case, create_engine, delete,
                        event, func, insert, select, update)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from ingest.settings import MAX_QUESTION_CHARS

from .privacy import scrub

# Bumped with each change to the tables; a migration reads schema_version.
SCHEMA_VERSION = 1
MAX_COMMENT_CHARS = 1000  # as long as a question: "What were you looking for?" needs no more
_MAX_BUILD_ID_CHARS = 200
# Scrubbing runs on at most this much of a text before it is cut to its limit:
# scrubbing first means a cut never leaves half an email address unrecognised.
_SCRUB_WINDOW = 10
# SQLite waits this long for another writer before "database is locked".
_SQLITE_BUSY_MS = 30_000
# A PostgreSQL server that is down fails fast: the parent is waiting on the page.
_PG_CONNECT_TIMEOUT_S = 3
_DELETE_BATCH = 500
# Processes starting at once race to create the schema; each failed try means
# another made one of its objects (two tables, one index) or the version row.
_SCHEMA_TRIES = 5
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("id", "day", "question", "answered", "chunk_ids", "helpful", "comment", "build_id")

metadata = MetaData()

records_table = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False, index=True),  # the day only, never a time
    Column("question", Text, nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("chunk_ids", JSON, nullable=False),  # list of the chunk ids shown, best first
    Column("helpful", Boolean, nullable=True),  # None: no feedback given
    Column("comment", Text, nullable=False, default=""),
    Column("build_id", Text, nullable=False),
    sqlite_autoincrement=True,  # a deleted record's id is never given to a new one
)

schema_version_table = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
)


@dataclass(frozen=True)
class Record:
    id: int
    day: date
    question: str
    answered: bool
    chunk_ids: tuple[str, ...]
    helpful: bool | None
    comment: str
    build_id: str


class StoreError(Exception):
    """The feedback database could not be used; the message says why and what to do."""


def default_url(data_dir: Path | str) -> str:
    """The SQLite file in the data folder (made on first use)."""
    return f"sqlite:///{Path(data_dir).resolve() / 'feedback.db'}"


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")  # first: switching to WAL may itself wait
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; a power cut loses at most the last rows
    cursor.close()


class FeedbackStore:
    """Questions and feedback in SQLite (`sqlite:///path`) or PostgreSQL
    (`postgresql+psycopg://...`). Connects on first use; safe to share
    between threads."""

    def __init__(self, url: str):
        try:
            parsed = make_url(url)
        except (SQLAlchemyError, ValueError) as exc:
            # Not echoed: a URL may hold a password.
            raise StoreError(f"The feedback database URL is not valid ({exc}): give a URL such as "
                             "sqlite:///data/feedback.db or postgresql+psycopg://user@host/db.") from None
        self.url = parsed.render_as_string(hide_password=True)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._sqlite_path = Path(parsed.database) if self.is_sqlite and parsed.database not in (None, "", ":memory:") else None
        try:
            if self.is_sqlite:
                # One connection per thread at a time, so crossing threads is safe.
                self._engine: Engine = create_engine(
                    parsed, connect_args={"check_same_thread": False, "timeout": _SQLITE_BUSY_MS / 1000})
                event.listen(self._engine, "connect", _set_sqlite_pragmas)
            else:
                # pool_pre_ping: after a server restart, dead pooled connections are replaced.
                # The keepalives and tcp_user_timeout bound a network that goes
                # silent (a host gone), which connect_timeout alone does not.
                self._engine = create_engine(parsed, pool_pre_ping=True, pool_timeout=5, connect_args={
                    "connect_timeout": _PG_CONNECT_TIMEOUT_S, "tcp_user_timeout": 5000, "keepalives": 1,
                    "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3})
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"The feedback database at {self.url} cannot be used ({exc}): "
                             "give a sqlite:/// or postgresql+psycopg:// URL.") from None
        self._ready = False
        self._ready_lock = threading.Lock()

    # -- errors and start-up ------------------------------------------------

    def _error(self, exc: BaseException, doing: str) -> StoreError:
        detail = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
        detail = " ".join(detail.split())[:300]
        if self.is_sqlite:
            folder = self._sqlite_path.parent if self._sqlite_path else "the data folder"
            fix = (f"check that the folder {folder} exists (or can be made) and that this user can write to it "
                   "and to the file, or give another feedback database URL")
            what = "could not be used"
        else:
            fix = ("check that the PostgreSQL server is running and that the URL, user and database are right; "
                   "the store reconnects by itself once the server is back")
            what = "could not be reached"
        return StoreError(f"The feedback database at {self.url} {what} while {doing}: {detail}. To fix: {fix}.")

    def _ensure_ready(self) -> None:
        """Make the folder and the tables on first use (again after a failure)."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            if self._sqlite_path is not None:
                self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            for attempt in range(_SCHEMA_TRIES):
                try:
                    metadata.create_all(self._engine)
                    with self._engine.begin() as conn:
                        stored = conn.execute(select(func.max(schema_version_table.c.version))).scalar()
                        if stored is None:
                            conn.execute(insert(schema_version_table).values(version=SCHEMA_VERSION))
                    break
                except OperationalError as exc:
                    # Two servers creating the tables at once: try again. A server
                    # that cannot be reached: say so now, not after five timeouts.
                    if attempt == _SCHEMA_TRIES - 1 or not _is_create_race(exc):
                        raise
                except SQLAlchemyError:
                    if attempt == _SCHEMA_TRIES - 1:
                        raise
            if stored is not None and stored > SCHEMA_VERSION:
                raise StoreError(f"The feedback database at {self.url} has schema version {stored}, newer than "
                                 f"this code's {SCHEMA_VERSION}: update SEN Guide, or give another database URL.")
            self._ready = True

    def _run(self, doing: str, work):
        """Run work(connection) in one transaction, wrapping database errors."""
        try:
            self._ensure_ready()
            with self._engine.begin() as conn:
                return work(conn)
        except StoreError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise self._error(exc, doing) from exc

    # -- the API ------------------------------------------------------------

    def add(self, question: str, answered: bool, chunk_ids: Sequence[str], build_id: str,
            day: date | None = None) -> int:
        """Record a question (scrubbed, cut to MAX_QUESTION_CHARS); returns its id."""
        day = day or date.today()
        if isinstance(day, datetime):
            day = day.date()  # the day only: a time of day could single a parent out
        values = dict(day=day, question=_scrubbed(question, MAX_QUESTION_CHARS),
                      answered=bool(answered), chunk_ids=[str(c) for c in chunk_ids],
                      helpful=None, comment="", build_id=str(build_id)[:_MAX_BUILD_ID_CHARS])
        return int(self._run("saving a question",
                             lambda conn: conn.execute(insert(records_table).values(**values)).inserted_primary_key[0]))

    def rate(self, record_id: int, helpful: bool, comment: str = "") -> None:
        """Set (or change) the feedback on a record; the comment is scrubbed and cut."""
        values = dict(helpful=bool(helpful), comment=_scrubbed(comment, MAX_COMMENT_CHARS))
        changed = self._run("saving feedback", lambda conn: conn.execute(
            update(records_table).where(records_table.c.id == int(record_id)).values(**values)).rowcount)
        if changed == 0:
            raise StoreError(f"There is no question {record_id} in the feedback database at {self.url} "
                             "(it may have been deleted or purged): ask the question again, then give feedback.")

    def records(self, since: date | None = None, until: date | None = None) -> list[Record]:
        """The records from `since` to `until` (both days included), newest first."""
        query = _between(select(records_table), since, until).order_by(records_table.c.day.desc(),
                                                                       records_table.c.id.desc())
        rows = self._run("reading questions", lambda conn: conn.execute(query).all())
        return [Record(id=r.id, day=r.day, question=r.question, answered=bool(r.answered),
                       chunk_ids=tuple(r.chunk_ids or ()), helpful=None if r.helpful is None else bool(r.helpful),
                       comment=r.comment or "", build_id=r.build_id) for r in rows]

    def counts(self, since: date | None = None, until: date | None = None) -> dict[str, int]:
        """{"questions", "refused", "yes", "no"}: how many of each from `since` to `until`."""
        t = records_table.c
        query = _between(select(
            func.count(),
            func.coalesce(func.sum(case((t.answered.is_(False), 1), else_=0)), 0),
            func.coalesce(func.sum(case((t.helpful.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((t.helpful.is_(False), 1), else_=0)), 0),
        ).select_from(records_table), since, until)
        row = self._run("counting questions", lambda conn: conn.execute(query).one())
        return dict(zip(("questions", "refused", "yes", "no"), (int(n) for n in row)))

    def delete(self, ids: Iterable[int]) -> int:
        """Delete these records; returns how many there were."""
        ids = sorted({int(i) for i in ids})

        def work(conn) -> int:
            return sum(conn.execute(delete(records_table).where(records_table.c.id.in_(ids[i:i + _DELETE_BATCH]))).rowcount
                       for i in range(0, len(ids), _DELETE_BATCH))
        return self._run("deleting questions", work) if ids else 0

    def purge(self, retention_days: int, today: date | None = None) -> int:
        """Delete records older than `retention_days` days; returns how many."""
        if retention_days < 0:
            raise ValueError(f"A retention of {retention_days} days is below 0: keep records for 0 days or more.")
        cutoff = (today or date.today()) - timedelta(days=retention_days)
        return self._run("deleting old questions", lambda conn: conn.execute(
            delete(records_table).where(records_table.c.day < cutoff)).rowcount)

    def close(self) -> None:
        """Close the pooled connections (a later call would open new ones)."""
        self._engine.dispose()


def _is_create_race(exc: OperationalError) -> bool:
    """An error of two processes creating the same tables at once (the other one won)."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(w in text for w in ("already exists", "locked", "duplicate", "unique"))


def to_csv(records: Iterable[Record]) -> str:
    """The records as CSV (a header row, then one row each), safe to open in a
    spreadsheet: a text cell that would run as a formula starts with '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        helpful = "" if r.helpful is None else ("yes" if r.helpful else "no")
        writer.writerow([r.id, r.day.isoformat(), _cell(r.question), "yes" if r.answered else "no",
                         _cell(" ".join(r.chunk_ids)), helpful, _cell(r.comment), _cell(r.build_id)])
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _scrubbed(text: str, limit: int) -> str:
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    return scrub(text[:limit * _SCRUB_WINDOW])[:limit]


def _between(query, since: date | None, until: date | None):
    if since is not None:
        query = query.where(records_table.c.day >= since)
    if until is not None:
        query = query.where(records_table.c.day <= until)
    return query
