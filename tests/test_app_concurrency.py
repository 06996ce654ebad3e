"""Twenty people at once: `streamlit run app.py` on a localhost port, twenty
Playwright browser contexts (separate sessions, cookies and all) asking twenty
different questions at the same moment against a server that has not loaded
the engine yet. Each gets its own right passage; the server log shows no
error and none of the questions."""
import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_LIMIT = 120  # seconds for `streamlit run` to answer its health check
WAIT_MS = 180_000  # for one thing to appear on a page, with twenty pages sharing two cores
# Twenty questions, each with words of the passage that answers it.
SESSIONS = [
    ("Can I ask for an EHC needs assessment myself?", "request an Educational Health Care (EHC) Assessment yourself"),
    ("who pays for a teaching assistant?", "Learning Support Assistant"),
    ("What is a SENCO?", "Special Educational Needs Coordinator or SENCO"),
    ("How often will my child's progress be reviewed?", "reviewed at least 3 times every year"),
    ("Who sets the funding formula for schools?", "The local Schools Forum agrees the formula"),
    ("Who manages Element 3 funding?", "The local authority is responsible for managing Element 3 funding"),
    ("What is Element 2 funding for?", "Element 2 funding is to provide SEN support"),
    ("What is the Local Offer?", "The Local Offer is the place to find out about services available locally"),
    ("What is the high needs block?", "sometimes called the ‘high needs block’"),
    ("Does the school spend all the SEN money on my child?", "does not mean that the school will spend all the money"),
    ("what is the pupil premium", "such as the pupil premium"),
    ("Can I bring someone with me to the meeting?", "Who will you bring to the meeting?"),
    ("Whats delegated fundng", "This is called delegated funding"),
    ("Who is responsible for the school's SEN policy?", "School governors are responsible for the school"),
    ("My child has just been diagnosed with autism. What should I do first?", "Tell the teacher about your concerns"),
    ("How do I make a formal complaint?", "complaints procedure"),
    ("What is SEN funding for?", "use their best endeavours to make sure that a child with SEN gets the support"),
    ("Can I get a copy of my child's support plan?", "You can ask for a written copy of any support plan"),
    ("Does this guidance apply to academies and free schools?", "This includes academies and free schools"),
    ("How much does the school pay towards SEN support before asking the council?", "up to the first £6,000"),
]
LOG_PROBLEMS = ("Traceback", "Error", "Exception", "WARNING", "CRITICAL")


def test_every_question_has_its_passage_in_the_engine(real_engine):
    # The browser test below is only as good as its expectations.
    assert len({q for q, _ in SESSIONS}) == 20
    for question, phrase in SESSIONS:
        answer = real_engine.search(question, k=3)
        assert answer.answered and any(phrase in p.text for p in answer.passages), question


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(real_index_dir, tmp_path_factory):
    """`streamlit run app.py` over the session's index; yields (url, log file)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("app-concurrency") / "streamlit.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SEN_GUIDE_INDEX": str(real_index_dir)}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.address", "127.0.0.1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_LIMIT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer within {SERVER_START_LIMIT} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)  # between polls of a bounded loop, not to make timing pass
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


async def _session(browser, url: str, question: str, phrase: str) -> dict:
    """One person: open the page, type the question, press Enter, read the answer."""
    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        await page.goto(url, timeout=WAIT_MS)
        box = page.get_by_label("Your question")
        await box.wait_for(timeout=WAIT_MS)  # shown once the engine is ready
        await box.fill(question)
        await box.press("Enter")
        await page.get_by_role("heading", name="What the guidance says").wait_for(timeout=WAIT_MS)
        quote = page.locator("blockquote").filter(has_text=phrase).first
        await quote.wait_for(state="visible", timeout=WAIT_MS)
        return {"question": question, "typed": await box.input_value(), "page_errors": page_errors,
                "quotes": await page.locator("blockquote").all_inner_texts()}
    finally:
        await context.close()


async def _twenty_at_once(url: str) -> list:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            return await asyncio.gather(*(_session(browser, url, q, phrase) for q, phrase in SESSIONS),
                                        return_exceptions=True)
        finally:
            await browser.close()


def test_twenty_browser_sessions_at_once_each_get_their_own_passage(server):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` (or `apt-get install -y chromium`) installs it.")
    url, log = server
    results = asyncio.run(_twenty_at_once(url))

    failed = [(q, r) for (q, _), r in zip(SESSIONS, results) if isinstance(r, BaseException)]
    assert failed == [], f"{len(failed)} of 20 sessions failed: {failed[:3]}\n{log.read_text()[-3000:]}"
    for (question, phrase), result in zip(SESSIONS, results):
        assert result["typed"] == question  # no session saw another's question
        assert any(phrase in quote for quote in result["quotes"]), question
        assert result["page_errors"] == []
    server_log = log.read_text(encoding="utf-8", errors="replace")
    assert [line for line in server_log.splitlines() if any(word in line for word in LOG_PROBLEMS)] == []
    assert [q for q, _ in SESSIONS if q in server_log] == []  # questions are not logged
