"""python -m bench.feedback [--quick] [--json] [--rounds N] [--index DIR] [--questions FILE]

What keeping parents' questions costs a question: a question here is
`engine.search(question, k=3)`, then `store.add(...)` when there are
passages, a StoreError caught and the answer kept; what the parent page
did before it showed the answer, until it moved the write to a background
thread (feedback/writer.py, record_later). So each figure is a search plus
the write's whole cost, which a rating still pays. Timed in one process,
by turns, beside the same search with no store (the baseline):

- SQLite (a WAL file in a temporary folder, as data/feedback.db);
- PostgreSQL running (a throw-away server, started here with tests/pg_server.py);
- PostgreSQL stopped in the middle of the run (`pg_ctl stop -m fast` after
  half the questions; the port then refuses connections);
- PostgreSQL not answering (the server's host gone, or the server hung: a
  connection is accepted and nothing comes back), a few questions only, as
  each waits out the store's connect timeout; and once, a pooled connection
  that stops answering, waited for up to a limit.

Each figure is the median over rounds of each round's p50. The answers are
compared with the baseline's: the store must never change one.
`python -m bench` runs this too and adds its lines to the table.
"""
from __future__ import annotations

import importlib.util
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from ingest.settings import DEFAULT_CORPUS_DIR, ROOT, Settings

PASSAGES = 3  # as views/ask.py asks
ROUNDS = 7
WARM_UP = 5
NOT_ANSWERING_QUESTIONS = 5  # each waits out the connect timeout (3 s)
HANG_LIMIT_S = 20.0  # how long to wait on a pooled connection that stopped answering
QUICK = {"not_answering": 1, "hang_limit_s": 2.0}  # --quick: each step once, as short as it goes
STATES = ("no_store", "sqlite", "postgresql_up", "postgresql_stopped_mid_run")
LABELS = {"no_store": "no store (baseline)", "sqlite": "SQLite", "postgresql_up": "PostgreSQL running",
          "postgresql_stopped_mid_run": "PostgreSQL stopped mid-run",
          "postgresql_while_down": "  of which while it was down"}


def _pg_server():
    """tests/pg_server.py, by its path: a package named `tests` (textstat's) may shadow ours."""
    spec = importlib.util.spec_from_file_location("sen_guide_pg_server", ROOT / "tests" / "pg_server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


class _SilentProxy:
    """A TCP proxy in front of PostgreSQL. `silent = True` is a server that stops answering (its host
    gone, a network cut, a hung server): connections are accepted and bytes read, nothing comes back.
    `silent = False` again lets held bytes through."""

    def __init__(self, upstream_port: int):
        self.upstream_port, self.silent, self._closed = upstream_port, False, False
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=200)
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name="bench-proxy").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._sockets.append(client)
            if self.silent:
                continue  # accepted, never answered
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self._sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True, name="bench-proxy-pump").start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.silent and not self._closed:
                    time.sleep(0.02)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._closed, self.silent = True, False
        for s in [self._listener, *self._sockets]:
            try:
                s.close()
            except OSError:
                pass


def _ask(engine, store, question: str, build_id: str) -> tuple[float, object, bool]:
    """(ms, answer, recorded): a search, then the question written to the store."""
    from feedback.store import StoreError

    start = time.perf_counter()
    answer = engine.search(question, k=PASSAGES)
    recorded = False
    if store is not None and answer.passages:
        try:
            store.add(answer.question, answer.answered, [p.chunk_id for p in answer.passages], build_id)
            recorded = True
        except StoreError:
            pass  # the page logs it and still shows the answer
    return (time.perf_counter() - start) * 1000, answer, recorded


def _fingerprint(answer) -> tuple:
    return answer.answered, tuple(p.chunk_id for p in answer.passages)


@contextmanager
def _postgres(base: Path, log):
    """A running throw-away PostgreSQL URL (with stop/start), or None when it cannot be started here."""
    try:
        pg = _pg_server()
        context = pg.running_postgres(base)
        url = context.__enter__()
    except Exception as exc:  # noqa: BLE001 - not installed, no postgres user...: measured without it
        log(f"  PostgreSQL not measured: {exc}".splitlines()[0])
        yield None
        return
    try:
        yield url
    finally:
        context.__exit__(None, None, None)


def measure(index_dir: Path, questions: list[str], rounds: int, log, quick: bool = False) -> dict:
    """Every figure as a dict (milliseconds unless named otherwise); `quick`
    takes each step once, as short as it goes (QUICK), measuring nothing."""
    rounds = 1 if quick else rounds
    not_answering, hang_limit_s = ((QUICK["not_answering"], QUICK["hang_limit_s"]) if quick
                                   else (NOT_ANSWERING_QUESTIONS, HANG_LIMIT_S))
    from qa import Engine
    from feedback.store import FeedbackStore, default_url

    engine = Engine(Settings(corpus_dir=DEFAULT_CORPUS_DIR, index_dir=Path(index_dir)))
    build_id = engine.index.manifest.get("build_id", "")
    for question in questions[:WARM_UP]:
        engine.search(question, k=PASSAGES)
    expected = {}
    for question in questions:
        engine._cache.clear()  # noqa: SLF001 - every timed question must miss the answer cache
        expected[question] = _fingerprint(engine.search(question, k=PASSAGES))

    out: dict = {"rounds": rounds, "questions": len(questions), "note": ""}
    per_run = {state: [] for state in (*STATES, "postgresql_while_down")}
    asked = answered_same = recorded = failed_writes = 0
    with tempfile.TemporaryDirectory(prefix="sen-guide-bench-feedback-") as tmp, \
            _postgres(Path(tmp) / "pg", log) as pg_url:
        stores = {"no_store": None, "sqlite": FeedbackStore(default_url(tmp))}
        states = list(STATES)
        if pg_url is None:
            states = ["no_store", "sqlite"]
            out["note"] = "PostgreSQL not measured: it could not be started here (see the log)"
        else:
            stores["postgresql_up"] = stores["postgresql_stopped_mid_run"] = FeedbackStore(pg_url)
            out["postgresql_startup_s"] = round(pg_url.server.startup_seconds, 2)
        for store in stores.values():  # the tables made, a connection pooled: as a server that has run a while
            if store is not None:
                store.add("warm-up", True, [], build_id)
        log(f"Feedback store: {len(questions)} questions x {rounds} rounds, {len(states)} states by turns...")
        for r in range(rounds):
            for state in states[r % len(states):] + states[:r % len(states)]:  # a new order each round
                store, times, while_down = stores[state], [], []
                engine._cache.clear()  # noqa: SLF001
                for n, question in enumerate(questions):
                    stopping = state == "postgresql_stopped_mid_run" and n == len(questions) // 2
                    if stopping:
                        pg_url.stop()
                    ms, answer, kept = _ask(engine, store, question, build_id)
                    times.append(ms)
                    if state == "postgresql_stopped_mid_run" and n >= len(questions) // 2:
                        while_down.append(ms)
                    asked += 1
                    answered_same += _fingerprint(answer) == expected[question]
                    recorded += kept
                    failed_writes += store is not None and bool(answer.passages) and not kept
                if state == "postgresql_stopped_mid_run":
                    pg_url.start()
                    per_run["postgresql_while_down"].append(statistics.median(while_down))
                per_run[state].append(statistics.median(times))
        out["per_run_p50_ms"] = {k: [round(v, 3) for v in vs] for k, vs in per_run.items() if vs}
        out["p50_ms"] = {k: round(statistics.median(vs), 3) for k, vs in per_run.items() if vs}
        out["answers"] = {"asked": asked, "same_as_baseline": answered_same, "recorded": recorded,
                          "store_errors_caught": failed_writes}
        if pg_url is not None:
            out.update(_not_answering(engine, pg_url, questions, build_id, not_answering, hang_limit_s, log))
    base = out["p50_ms"]["no_store"]
    out["ratio_to_baseline"] = {k: round(v / base, 3) for k, v in out["p50_ms"].items()}
    return out


def _not_answering(engine, pg_url, questions: list[str], build_id: str, count: int, hang_limit_s: float, log) -> dict:
    """A PostgreSQL that stops answering: new connections wait out the connect timeout; a pooled
    connection waits for a reply that never comes."""
    from feedback.store import FeedbackStore

    log(f"Feedback store: PostgreSQL not answering, {count} questions (each waits for the connect timeout)...")
    out: dict = {}
    proxy = _SilentProxy(pg_url.server.port)
    try:
        through_proxy = str(pg_url).replace(f"127.0.0.1:{pg_url.server.port}/", f"127.0.0.1:{proxy.port}/")
        store = FeedbackStore(through_proxy)
        store.add("warm-up", True, [], build_id)  # ready, through the proxy
        store.close()  # no pooled connection: each question connects anew
        proxy.silent = True
        times = []
        for question in questions[:count]:
            engine._cache.clear()  # noqa: SLF001
            times.append(_ask(engine, store, question, build_id)[0])
        out["postgresql_not_answering_p50_ms"] = round(statistics.median(times), 1)
        out["postgresql_not_answering_questions"] = len(times)

        # A pooled connection, then the server stops answering: pool_pre_ping waits on it.
        proxy.silent = False
        store = FeedbackStore(through_proxy)
        store.add("warm-up", True, [], build_id)
        proxy.silent = True
        log(f"Feedback store: a pooled connection to a PostgreSQL that stopped answering (waiting up to {hang_limit_s:g} s)...")
        done: dict = {}
        thread = threading.Thread(target=lambda: done.setdefault("ms", _ask(engine, store, questions[0], build_id)[0]),
                                  daemon=True, name="bench-hung-question")
        started = time.perf_counter()
        thread.start()
        thread.join(hang_limit_s)
        waited = time.perf_counter() - started
        out["postgresql_hung_pooled_s"] = round(done["ms"] / 1000, 2) if "ms" in done else None
        out["postgresql_hung_pooled_note"] = (f"answered in {done['ms'] / 1000:.1f} s" if "ms" in done
                                              else f"still waiting after {waited:.0f} s")
        proxy.silent = False  # the held bytes go through and the question ends
        thread.join(30)
    finally:
        proxy.close()
    return out


def table_lines(fb: dict) -> list[str]:
    """The figures as lines of the benchmark's table."""
    p50, ratio = fb["p50_ms"], fb["ratio_to_baseline"]
    lines = ["", f"feedback store: question p50 (search + store.add), median of {fb['rounds']} rounds"
                 f" x {fb['questions']} questions",
             f"{'store':<34}{'p50 (ms)':>11}{'× no store':>11}"]
    lines += [f"{LABELS[k]:<34}{p50[k]:>11.2f}{ratio[k]:>11.2f}" for k in (*STATES, "postgresql_while_down") if k in p50]
    if "postgresql_not_answering_p50_ms" in fb:
        lines.append(f"{'PostgreSQL not answering':<34}{fb['postgresql_not_answering_p50_ms']:>11.0f}"
                     f"{fb['postgresql_not_answering_p50_ms'] / p50['no_store']:>11.0f}   "
                     f"({fb['postgresql_not_answering_questions']} questions; new connections wait out connect_timeout)")
        lines.append(f"{'  a pooled connection, server hung':<34}{'':>22}   {fb['postgresql_hung_pooled_note']}")
    a = fb["answers"]
    lines.append(f"answers the same as with no store: {a['same_as_baseline']} of {a['asked']}; "
                 f"recorded {a['recorded']}, store errors caught {a['store_errors_caught']}"
                 + (f"; {fb['note']}" if fb["note"] else ""))
    return lines


def main(argv: list[str] | None = None) -> int:
    from ingest.errors import SenGuideError

    from .measure import _process_output, log, parser, read_questions

    options = parser("python -m bench.feedback", __doc__, "one round, one question not answered: checks, measures nothing")
    options.add_argument("--rounds", type=int, default=ROUNDS, help=f"timed rounds (default {ROUNDS})")
    options.add_argument("--index", type=Path, help="an index built from the default corpus (default: build one in a temporary folder)")
    args = options.parse_args(argv)
    try:
        questions = read_questions(args.questions)
        with tempfile.TemporaryDirectory(prefix="sen-guide-bench-") as work:
            index = args.index
            if index is None:
                log("Building the guidance index...")
                index = Path(work) / "guidance"
                _process_output(["-m", "ingest", "--index", str(index)])
            fb = measure(index, questions, args.rounds, log, quick=args.quick)
    except (SenGuideError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from .measure import machine

    m = machine()
    print(f"{m['cores']} cores, {m['cpu'] or 'unknown CPU'}, Python {m['python']}")
    print("\n".join(table_lines(fb)[1:]))
    if args.json:
        print(json.dumps({"machine": m, **fb}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
