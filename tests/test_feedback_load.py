"""Parents' feedback under load: `streamlit run app.py` on a free localhost
port, one Chromium, twenty browser contexts (separate sessions) at once, each
asking ten questions (answered and refused) and rating every answer. Run
against a SQLite file and against a real PostgreSQL (tests/pg_server.py):
the stored rows are exactly the questions asked and the ratings exactly those
given, none lost and none doubled.

Then PostgreSQL is stopped in the middle of a run: every question is still
answered, a rating made meanwhile says it could not be saved (never an
apology or a traceback), and once the server is back ratings are saved again,
including the rating of an answer given while it was down.

Wall times and answer times are printed (run with -s); docs/RELIABILITY.md
("Parents' feedback under load") keeps the figures.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

import pg_server
from test_browser import streamlit_server
from ingest.settings import DEFAULT_CORPUS_DIR
from qa import messages
from feedback.store import FeedbackStore

pytestmark = [pytest.mark.browser, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 300_000  # for one thing to appear on a page: twenty pages and the server share two cores
SESSIONS = 20
PER_SESSION = 10
# Twenty questions: sixteen the guidance answers and four it refuses (with
# passages, so the page still asks for feedback), one refusal every five
# places, so any ten in a row hold exactly two refusals.
QUESTIONS = [
    "What is the capital of France?",
    "What is a SENCO?",
    "Can I ask for an EHC needs assessment myself?",
    "How often will my child's progress be reviewed?",
    "What is the high needs block?",
    "How do I renew my passport?",
    "Who manages Element 3 funding?",
    "What is the Local Offer?",
    "Does the school spend all the SEN money on my child?",
    "How do I make a formal complaint?",
    "What is the weather tomorrow?",
    "Can my son get speech therapy through school?",
    "What is AWPU?",
    "Who pays for SEN support in academies?",
    "Can I get a copy of my child's support plan?",
    "Who marks the GCSE exams?",
    "My child has just been diagnosed with autism. What should I do first?",
    "What is the notional SEN budget?",
    "Will the school bring in an educational psychologist?",
    "How should I prepare for a meeting with the school?",
]
REFUSED = {QUESTIONS[i] for i in (0, 5, 10, 15)}
COMMENT = "the form to ask for help with school transport"
# Lines of the server's log that mean something went wrong. The store's own
# "could not be recorded/saved" lines are expected while PostgreSQL is down.
LOG_PROBLEMS = ("Traceback", "Error", "Exception", "CRITICAL")
EXPECTED_WHILE_DOWN = ("A question could not be recorded", "Feedback could not be saved")


def questions_for(session: int) -> list[str]:
    return [QUESTIONS[(session + j) % len(QUESTIONS)] for j in range(PER_SESSION)]


def rating_for(session: int, j: int) -> str:
    """Yes; No with nothing written; No with a few words sent."""
    return ("yes", "no", "no+comment")[(session + j) % 3]


def test_the_questions_are_answered_and_refused_as_the_load_test_expects(real_engine):
    # The browser tests below count refusals and ratings: their expectations must hold.
    assert len(set(QUESTIONS)) == len(QUESTIONS) == 20
    for question in QUESTIONS:
        answer = real_engine.search(question, k=3)
        assert answer.passages and not answer.urgent and not answer.did_you_mean, question
        assert answer.answered == (question not in REFUSED), question
    for session in range(SESSIONS):
        assert sum(q in REFUSED for q in questions_for(session)) == 2


# --- the server ---------------------------------------------------------------

@contextmanager
def streamlit_app(index_dir: Path, store_url: str, log: Path):
    """`streamlit run app.py` over the session's index, keeping questions at store_url; yields its URL."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SEN_GUIDE_INDEX": str(index_dir),
           "SEN_GUIDE_CORPUS": str(DEFAULT_CORPUS_DIR), "SEN_GUIDE_DATABASE_URL": str(store_url),
           "SEN_GUIDE_FEEDBACK": "true"}
    with streamlit_server(env, log) as url:
        yield url


@pytest.fixture
def tools():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` (or `apt-get install -y chromium`) installs it.")


# --- one parent in the browser ------------------------------------------------

async def _settle(page) -> None:
    """Wait until Streamlit has finished the script run (nothing stale, no spinner)."""
    await page.wait_for_function(
        "() => !document.querySelector('[data-test-script-state=\"running\"], [data-stale=\"true\"], "
        "[data-testid=\"stSpinner\"]')", timeout=WAIT_MS)


async def _ask(page, question: str) -> tuple[str, float]:
    """Type the question, press Enter; (the heading shown, seconds until this question's answer showed)."""
    box = page.get_by_label(messages.QUESTION_LABEL)
    await box.fill(question)
    started = time.perf_counter()
    await box.press("Enter")
    await page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=question,
                                 timeout=WAIT_MS)
    # The answer restates the question: this is this question's answer, not the last one's.
    await page.locator(".sg-asked").filter(has_text=question).first.wait_for(timeout=WAIT_MS)
    heading = page.get_by_role("heading", name=messages.ANSWER_HEADING).or_(
        page.get_by_role("heading", name=messages.NO_ANSWER_HEADING)).first
    await heading.wait_for(timeout=WAIT_MS)
    seconds = time.perf_counter() - started
    await _settle(page)
    return (await heading.inner_text()).strip(), seconds


async def _rate(page, rating: str) -> str:
    """Click Yes or No (and, for "no+comment", write a few words and send); what the page said."""
    outcome = page.get_by_text(messages.FEEDBACK_THANKS).or_(page.get_by_text(messages.FEEDBACK_FAILED)).or_(
        page.get_by_text(messages.FEEDBACK_MORE))
    await page.locator(".st-key-feedback-yes button" if rating == "yes" else ".st-key-feedback-no button").click()
    await outcome.first.wait_for(timeout=WAIT_MS)
    await _settle(page)
    if rating == "no+comment" and await page.get_by_text(messages.FEEDBACK_MORE).count():
        await page.get_by_label(messages.FEEDBACK_MORE).fill(COMMENT)
        await page.get_by_role("button", name=messages.FEEDBACK_SEND).click()
        await page.get_by_text(messages.FEEDBACK_THANKS).or_(page.get_by_text(messages.FEEDBACK_FAILED)).first.wait_for(
            timeout=WAIT_MS)
        await _settle(page)
    if await page.get_by_text(messages.FEEDBACK_FAILED).count():
        return "failed"
    if await page.get_by_text(messages.FEEDBACK_THANKS).count():
        return "thanks"
    return "more"  # No, nothing written: the box asks what they were looking for; the No is already saved


async def _trouble(page) -> list[str]:
    """What a parent must never see: the apology, a traceback, Streamlit's exception box."""
    text = await page.locator("body").inner_text()
    seen = [words for words in (messages.APOLOGY, "Traceback") if words in text]
    return seen + ["exception box"] * await page.locator('[data-testid="stException"]').count()


async def _open(browser, url: str):
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(url, timeout=WAIT_MS)
    await page.get_by_label(messages.QUESTION_LABEL).wait_for(timeout=WAIT_MS)  # shown once the engine is ready
    return context, page, errors


async def _parent(browser, url: str, session: int) -> dict:
    """One parent: ten questions, each answer rated."""
    context, page, errors = await _open(browser, url)
    try:
        seen = []
        for j, question in enumerate(questions_for(session)):
            heading, seconds = await _ask(page, question)
            outcome = await _rate(page, rating_for(session, j))
            seen.append({"question": question, "heading": heading, "seconds": seconds,
                         "rating": rating_for(session, j), "outcome": outcome, "trouble": await _trouble(page)})
        return {"seen": seen, "page_errors": errors}
    finally:
        await context.close()


async def _in_chromium(run):
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            return await run(browser)
        finally:
            await browser.close()


def _log_problems(log: Path, allowed: tuple[str, ...] = ()) -> list[str]:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if any(w in line for w in LOG_PROBLEMS) and not any(a in line for a in allowed)]


def _p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- twenty parents at once, each backend ------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.db'}"
    else:
        with pg_server.running_postgres(tmp_path) as url:
            yield url


def test_twenty_parents_asking_ten_questions_each_lose_no_question_and_no_rating(tools, real_index_dir, store_url,
                                                                                tmp_path):
    log = tmp_path / "streamlit.log"
    backend = "sqlite" if store_url.startswith("sqlite") else "postgresql"
    with streamlit_app(real_index_dir, store_url, log) as url:
        started = time.perf_counter()
        results = asyncio.run(_in_chromium(lambda browser: asyncio.gather(
            *(_parent(browser, url, s) for s in range(SESSIONS)), return_exceptions=True)))
        wall = time.perf_counter() - started

    failed = [(s, r) for s, r in enumerate(results) if isinstance(r, BaseException)]
    assert failed == [], f"{len(failed)} of {SESSIONS} sessions failed: {failed[:3]}\n{log.read_text()[-3000:]}"
    seen = [q for r in results for q in r["seen"]]
    # Every session saw every one of its answers, each the answer to its own question.
    assert [len(r["seen"]) for r in results] == [PER_SESSION] * SESSIONS
    for s, r in enumerate(results):
        assert [q["question"] for q in r["seen"]] == questions_for(s)
        assert r["page_errors"] == [], r["page_errors"]
    for q in seen:
        expected = messages.NO_ANSWER_HEADING if q["question"] in REFUSED else messages.ANSWER_HEADING
        assert q["heading"] == expected, q
        assert q["trouble"] == [], q
        assert q["outcome"] == ("more" if q["rating"] == "no" else "thanks"), q  # every rating saved, none failed

    ratings = len(seen)
    yes = sum(q["rating"] == "yes" for q in seen)
    store = FeedbackStore(store_url)
    records = store.records()
    counts = store.counts()
    store.close()
    print(f"\n[{backend}] {SESSIONS} sessions x {PER_SESSION} questions: wall {wall:.1f} s; "
          f"answer p50 {_p50([q['seconds'] for q in seen]):.2f} s, max {max(q['seconds'] for q in seen):.2f} s; "
          f"rows {len(records)}, rated {sum(r.helpful is not None for r in records)} of {ratings} ratings given; "
          f"counts {counts}")
    assert len(records) == SESSIONS * PER_SESSION == ratings  # one row per question asked, none lost, none doubled
    assert sum(r.helpful is not None for r in records) == ratings  # every rating given is stored
    assert counts == {"questions": ratings, "refused": sum(q["question"] in REFUSED for q in seen),
                      "yes": yes, "no": ratings - yes}
    assert sorted(r.question for r in records) == sorted(q["question"] for q in seen)
    assert sum(r.comment == COMMENT for r in records) == sum(q["rating"] == "no+comment" for q in seen)
    assert _log_problems(log) == []


# --- PostgreSQL stopped in the middle of the run -----------------------------

class _Barrier:
    """Every session arrives, then the test does something (stop or start the server) and lets them on."""

    def __init__(self, parties: int):
        self.parties, self.arrived = parties, 0
        self.all_here, self.go = asyncio.Event(), asyncio.Event()

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived == self.parties:
            self.all_here.set()

    async def pass_(self) -> None:
        self.arrive()
        await asyncio.wait_for(self.go.wait(), WAIT_MS / 1000)


async def _parent_through_an_outage(browser, url: str, session: int, down: _Barrier, back: _Barrier) -> dict:
    """Two questions rated with PostgreSQL up; one rated while it is down; one asked while it is down and
    rated once it is back; one more asked and rated once it is back."""
    qs = [QUESTIONS[(session + 4 * j) % len(QUESTIONS)] for j in range(5)]
    context, page, errors = await _open(browser, url)
    passed = []
    seen = []

    async def step(phase: str, question: str, rate: bool = True) -> None:
        heading, seconds = await _ask(page, question)
        outcome = await _rate(page, "yes") if rate else None
        seen.append({"phase": phase, "question": question, "heading": heading, "seconds": seconds,
                     "outcome": outcome, "trouble": await _trouble(page)})

    try:
        await step("up", qs[0])
        await step("up", qs[1])
        passed.append(down)
        await down.pass_()
        await step("down", qs[2])
        await step("down", qs[3], rate=False)
        passed.append(back)
        await back.pass_()
        seen.append({"phase": "back", "question": qs[3], "heading": None, "seconds": None,
                     "outcome": await _rate(page, "yes"), "trouble": await _trouble(page)})
        await step("back", qs[4])
        return {"seen": seen, "page_errors": errors}
    finally:
        for barrier in (down, back):  # a session that failed must not hold the others up
            if barrier not in passed:
                barrier.arrive()
        await context.close()


def test_with_postgresql_stopped_mid_run_every_question_is_answered_and_ratings_save_again(
        tools, real_index_dir, tmp_path):
    log = tmp_path / "streamlit.log"
    with pg_server.running_postgres(tmp_path) as store_url, streamlit_app(real_index_dir, store_url, log) as url:
        timings = {}

        async def run(browser):
            down, back = _Barrier(SESSIONS), _Barrier(SESSIONS)
            sessions = asyncio.gather(*(_parent_through_an_outage(browser, url, s, down, back)
                                        for s in range(SESSIONS)), return_exceptions=True)
            task = asyncio.ensure_future(sessions)
            await asyncio.wait_for(down.all_here.wait(), WAIT_MS / 1000)
            started = time.perf_counter()
            await asyncio.to_thread(store_url.stop)
            timings["stop_s"] = time.perf_counter() - started
            down.go.set()
            await asyncio.wait_for(back.all_here.wait(), WAIT_MS / 1000)
            timings["down_s"] = time.perf_counter() - started
            await asyncio.to_thread(store_url.start)
            back.go.set()
            return await task

        started = time.perf_counter()
        results = asyncio.run(_in_chromium(run))
        wall = time.perf_counter() - started
        store = FeedbackStore(store_url)
        records, counts = store.records(), store.counts()
        store.close()

    failed = [(s, r) for s, r in enumerate(results) if isinstance(r, BaseException)]
    assert failed == [], f"{len(failed)} of {SESSIONS} sessions failed: {failed[:3]}\n{log.read_text()[-3000:]}"
    seen = [q for r in results for q in r["seen"]]
    asked = [q for q in seen if q["heading"] is not None]
    assert len(asked) == 5 * SESSIONS
    for q in asked:  # every question answered, up, down or back
        expected = messages.NO_ANSWER_HEADING if q["question"] in REFUSED else messages.ANSWER_HEADING
        assert q["heading"] == expected, q
    assert [q for q in seen if q["trouble"]] == []
    assert all(r["page_errors"] == [] for r in results)
    outcomes = {phase: [q["outcome"] for q in seen if q["phase"] == phase and q["outcome"] is not None]
                for phase in ("up", "down", "back")}
    by_phase = {phase: [q["seconds"] for q in asked if q["phase"] == phase] for phase in ("up", "down", "back")}
    print(f"\n[postgresql stopped mid-run] {SESSIONS} sessions x 5 questions: wall {wall:.1f} s "
          f"(down for {timings['down_s']:.1f} s, pg_ctl stop {timings['stop_s']:.2f} s); answer p50 up "
          f"{_p50(by_phase['up']):.2f} s, down {_p50(by_phase['down']):.2f} s (max {max(by_phase['down']):.2f}), back "
          f"{_p50(by_phase['back']):.2f} s; ratings up {outcomes['up'].count('thanks')}/{len(outcomes['up'])} saved, "
          f"down {outcomes['down'].count('failed')}/{len(outcomes['down'])} failed, back "
          f"{outcomes['back'].count('thanks')}/{len(outcomes['back'])} saved; rows {len(records)}, counts {counts}")
    assert outcomes["up"] == ["thanks"] * 2 * SESSIONS
    assert outcomes["down"] == ["failed"] * SESSIONS  # said in words, the answer still above it
    assert outcomes["back"] == ["thanks"] * 2 * SESSIONS  # including answers given while it was down
    # Stored: the questions rated while up or back; the ones rated while down are not, and nothing is doubled.
    assert len(records) == 4 * SESSIONS
    assert all(r.helpful is True for r in records) and counts["yes"] == 4 * SESSIONS
    assert _log_problems(log, allowed=EXPECTED_WHILE_DOWN) == []
    server_log = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in server_log
    assert [q for q in QUESTIONS if q in server_log] == []  # the store's errors never quote a question
