"""The feedback store keeps what a parent asked and thought of the answer,
and nothing that says who they are, on SQLite and on a real PostgreSQL
(started once per session by pg_server.py), with many writers at once."""
from __future__ import annotations

import csv
import io
import multiprocessing
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Date, DateTime, create_engine, inspect, text

import pg_server
from feedback.store import (CSV_COLUMNS, MAX_COMMENT_CHARS, SCHEMA_VERSION, FeedbackStore, Record, StoreError,
                               default_url, metadata, to_csv)
from feedback.privacy import scrub
from ingest.settings import MAX_QUESTION_CHARS

DAY = date(2026, 3, 2)
EMAIL = "jane.parent@example.com"
PHONE = "07700 900123"
# Columns that would say who asked, or when to the second: none may exist.
IDENTIFYING = re.compile(r"ip|addr|cookie|session|user|agent|time|browser|device|host", re.IGNORECASE)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    with pg_server.running_postgres(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return default_url(tmp_path / "data")  # the folder does not exist yet: the store makes it
    pg = request.getfixturevalue("postgres_url")
    engine = create_engine(pg)
    metadata.drop_all(engine)  # each test starts from an empty database
    engine.dispose()
    return pg


@pytest.fixture
def store(url):
    store = FeedbackStore(url)
    yield store
    store.close()


def _add(store: FeedbackStore, question="what is an EHCP?", day=DAY, answered=True, chunks=("c1", "c2")) -> int:
    return store.add(question, answered=answered, chunk_ids=list(chunks), build_id="build-1", day=day)


def test_add_rate_and_read_back(store):
    first = _add(store)
    second = _add(store, "who pays for a teaching assistant", answered=False, chunks=())
    assert store.records() == [
        Record(second, DAY, "who pays for a teaching assistant", False, (), None, "", "build-1"),
        Record(first, DAY, "what is an EHCP?", True, ("c1", "c2"), None, "", "build-1"),
    ]
    store.rate(first, helpful=False, comment="How to ask for one")
    store.rate(first, helpful=True)  # a parent changes their mind
    store.rate(second, helpful=False, comment="funding for 1:1 support")
    by_id = {r.id: r for r in store.records()}
    assert (by_id[first].helpful, by_id[first].comment) == (True, "")
    assert (by_id[second].helpful, by_id[second].comment) == (False, "funding for 1:1 support")


def test_records_are_newest_first_and_filtered_by_day(store):
    ids = {d: _add(store, f"question on day {d}", day=DAY + timedelta(days=d)) for d in (0, 2, 1, 5)}
    assert [r.id for r in store.records()] == [ids[5], ids[2], ids[1], ids[0]]
    assert [r.id for r in store.records(since=DAY + timedelta(days=1), until=DAY + timedelta(days=2))] == [ids[2], ids[1]]
    assert [r.id for r in store.records(until=DAY)] == [ids[0]]
    assert store.records(since=DAY + timedelta(days=6)) == []


def test_counts(store):
    assert store.counts() == {"questions": 0, "refused": 0, "yes": 0, "no": 0}
    a, b, c = _add(store), _add(store, answered=False), _add(store, day=DAY + timedelta(days=1))
    _add(store, answered=False, day=DAY + timedelta(days=1))
    store.rate(a, True)
    store.rate(b, False, "a list of special schools")
    store.rate(c, False)
    assert store.counts() == {"questions": 4, "refused": 2, "yes": 1, "no": 2}
    assert store.counts(since=DAY + timedelta(days=1)) == {"questions": 2, "refused": 1, "yes": 0, "no": 1}
    assert store.counts(until=DAY) == {"questions": 2, "refused": 1, "yes": 1, "no": 1}


def test_delete(store):
    ids = [_add(store, f"q{i}") for i in range(5)]
    assert store.delete([ids[0], ids[3], 999_999]) == 2
    assert store.delete([]) == 0
    assert sorted(r.id for r in store.records()) == [ids[1], ids[2], ids[4]]
    new = _add(store)
    assert new not in ids  # a deleted record's id is never reused (rate() must not reach a stranger's record)


def test_rating_a_deleted_record_says_so(store):
    rid = _add(store)
    store.delete([rid])
    with pytest.raises(StoreError, match=rf"no question {rid} in the feedback database"):
        store.rate(rid, True)


def test_purge_keeps_exactly_the_retention_period(store):
    today = date(2026, 6, 30)
    old, edge, recent = (_add(store, day=today - timedelta(days=n)) for n in (31, 30, 1))
    assert store.purge(30, today=today) == 1
    assert {r.id for r in store.records()} == {edge, recent}
    assert store.purge(30, today=today) == 0
    assert store.purge(0, today=today) == 2
    with pytest.raises(ValueError, match="below 0"):
        store.purge(-1)


def test_day_is_a_date_with_no_time(store, url):
    _add(store)
    engine = create_engine(url)
    try:
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("feedback")}
        assert isinstance(columns["day"], Date) and not isinstance(columns["day"], DateTime)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT CAST(day AS VARCHAR(40)) FROM feedback")).scalar()
    finally:
        engine.dispose()
    assert stored == "2026-03-02"
    added = store.add("no day given", True, [], "b")
    assert [r.day for r in store.records() if r.id == added] == [date.today()]  # the id returned is the record's
    store.add("a time given", True, [], "b", day=datetime(2026, 3, 4, 15, 30))
    assert [r.day for r in store.records(since=date(2026, 3, 3), until=date(2026, 3, 5))] == [date(2026, 3, 4)]


def test_nothing_stored_says_who_asked(store, url):
    _add(store)
    engine = create_engine(url)
    try:
        schema = inspect(engine)
        tables = {t: [c["name"] for c in schema.get_columns(t)] for t in schema.get_table_names()}
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    finally:
        engine.dispose()
    assert tables["feedback"] == ["id", "day", "question", "answered", "chunk_ids", "helpful", "comment", "build_id"]
    assert set(tables) == {"feedback", "schema_version"}
    assert [(t, c) for t, cols in tables.items() for c in cols if IDENTIFYING.search(c)] == []
    assert version == [SCHEMA_VERSION]


def test_question_and_comment_are_scrubbed(store):
    question = f"my email is {EMAIL} and my phone is {PHONE}, can you help with an EHCP?"
    comment = f"please call me on {PHONE} or write to {EMAIL}"
    rid = _add(store, question)
    store.rate(rid, False, comment)
    (record,) = store.records()
    assert record.question == scrub(question) and record.comment == scrub(comment)
    for stored in (record.question, record.comment):
        assert EMAIL not in stored and "example.com" not in stored
        assert PHONE not in stored and "900123" not in stored
    assert "EHCP" in record.question


def test_long_question_and_comment_are_cut(store):
    rid = _add(store, "why " * 1000)
    store.rate(rid, True, "x" * 5000)
    (record,) = store.records()
    assert len(record.question) == MAX_QUESTION_CHARS and len(record.comment) == MAX_COMMENT_CHARS


def test_csv_export_is_safe_to_open_in_a_spreadsheet():
    records = [
        Record(7, DAY, '=HYPERLINK("http://evil.example","click")', True, ("c1", "c2"), True, "+1 for this", "b-1"),
        Record(6, DAY, "-2+3", False, (), False, "@SUM(A1)", "build, \"quoted\"\nline"),
        Record(5, DAY, "what is a SENCO?", True, ("c9",), None, "", "b-1"),
    ]
    rows = list(csv.reader(io.StringIO(to_csv(records))))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1] == ["7", "2026-03-02", "'=HYPERLINK(\"http://evil.example\",\"click\")", "yes", "c1 c2", "yes",
                       "'+1 for this", "b-1"]
    assert rows[2] == ["6", "2026-03-02", "'-2+3", "no", "", "no", "'@SUM(A1)", "build, \"quoted\"\nline"]
    assert rows[3] == ["5", "2026-03-02", "what is a SENCO?", "yes", "c9", "", "", "b-1"]
    assert to_csv([]).splitlines() == [",".join(CSV_COLUMNS)]


def test_csv_of_stored_records(store):
    rid = _add(store, "=1+1 is what my son wrote")
    store.rate(rid, True, "-")
    rows = list(csv.reader(io.StringIO(to_csv(store.records()))))
    assert rows[1][2:7] == ["'=1+1 is what my son wrote", "yes", "c1 c2", "yes", "'-"]


def test_many_threads_at_once(store):
    threads, per_thread = 20, 10
    start = threading.Barrier(threads)

    def worker(t: int) -> list[int]:
        start.wait()
        ids = []
        for i in range(per_thread):
            rid = store.add(f"thread {t} question {i}", answered=bool(i % 2), chunk_ids=[f"c{t}"], build_id="b")
            store.rate(rid, helpful=bool(t % 2), comment=f"thread {t}")
            ids.append(rid)
        return ids

    with ThreadPoolExecutor(threads) as pool:
        ids = [rid for chunk in pool.map(worker, range(threads)) for rid in chunk]
    assert len(set(ids)) == threads * per_thread
    records = store.records()
    assert len(records) == threads * per_thread and {r.id for r in records} == set(ids)
    assert all(r.helpful is not None and r.comment == f"thread {r.question.split()[1]}" for r in records)
    assert store.counts() == {"questions": 200, "refused": 100, "yes": 100, "no": 100}


def _write_in_process(url: str, worker: int, count: int, start, results) -> None:
    """Runs in a child process: its own store, adding and rating `count`
    records as soon as every process is ready; puts (worker, ids or error)."""
    try:
        store = FeedbackStore(url)
        start.wait(timeout=60)
        ids = []
        for i in range(count):
            rid = store.add(f"process {worker} question {i}", True, ["c"], "b")
            store.rate(rid, helpful=i % 2 == 0)
            ids.append(rid)
        store.close()
        results.put((worker, ids))
    except Exception as exc:  # reported to the test, which fails with it
        results.put((worker, f"{type(exc).__name__}: {exc}"))


def test_several_processes_share_one_sqlite_file(tmp_path):
    url = default_url(tmp_path / "data")
    processes, per_process = 4, 50
    spawn = multiprocessing.get_context("spawn")
    # All start together, so they also create the tables at the same moment.
    start, results = spawn.Barrier(processes), spawn.Queue()
    children = [spawn.Process(target=_write_in_process, args=(url, w, per_process, start, results))
                for w in range(processes)]
    for child in children:
        child.start()
    outcomes = dict(results.get(timeout=120) for _ in children)
    for child in children:
        child.join(timeout=30)
    assert [o for o in outcomes.values() if isinstance(o, str)] == []  # no "database is locked"
    ids = [rid for o in outcomes.values() for rid in o]
    store = FeedbackStore(url)
    try:
        assert len(set(ids)) == processes * per_process
        assert {r.id for r in store.records()} == set(ids)
        assert store.counts() == {"questions": 200, "refused": 0, "yes": 100, "no": 100}
    finally:
        store.close()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_a_stopped_postgres_raises_store_error_then_recovers(postgres_url):
    store = FeedbackStore(postgres_url)
    try:
        first = _add(store)
        postgres_url.stop()
        try:
            with pytest.raises(StoreError) as failure:
                _add(store)
            message = str(failure.value)
            assert f"The feedback database at {postgres_url} could not be reached" in message
            assert "PostgreSQL server is running" in message
            with pytest.raises(StoreError):
                store.records()
        finally:
            postgres_url.start()
        # The same object carries on: dead pooled connections are replaced.
        second = _add(store)
        store.rate(second, True)
        assert {r.id for r in store.records()} >= {first, second}
    finally:
        store.close()


def test_a_server_that_is_down_at_start_is_no_error_until_used():
    # Port 1 on loopback: nothing listens, so the connection is refused at once.
    store = FeedbackStore("postgresql+psycopg://sen:secret-pw@127.0.0.1:1/feedback")
    with pytest.raises(StoreError) as failure:
        store.counts()
    assert "postgresql+psycopg://sen:***@127.0.0.1:1/feedback" in str(failure.value)
    assert "secret-pw" not in str(failure.value)
    store.close()


def test_a_sqlite_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    store = FeedbackStore(default_url(blocker))
    with pytest.raises(StoreError) as failure:
        _add(store)
    message = str(failure.value)
    assert message.startswith(f"The feedback database at sqlite:///{blocker}/feedback.db could not be used")
    assert f"check that the folder {blocker} exists" in message


def test_a_sqlite_folder_that_cannot_be_written(tmp_path):
    if os.geteuid() == 0:
        folder = Path("/proc/self").resolve()  # root writes into any read-only folder, but not here
    else:
        folder = tmp_path / "data"
        folder.mkdir()
        folder.chmod(0o500)
    try:
        store = FeedbackStore(default_url(folder))
        with pytest.raises(StoreError, match=f"check that the folder {folder} exists .* can write to it"):
            _add(store)
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o700)


def test_an_invalid_url_says_what_to_give():
    with pytest.raises(StoreError, match="not valid"):
        FeedbackStore("not a url:pw@")
