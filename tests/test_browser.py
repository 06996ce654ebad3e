"""The app in a real browser: `streamlit run app.py` on a free localhost port,
Debian's Chromium driven by Playwright, and axe-core checking accessibility.

Screenshots go to test-output/; the parent-page and staff-page ones are copied
to docs/screenshots/ for the README. Load and answer times are printed (the
timing targets live in the benchmark, not here).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# The README's screenshots are replaced only when asked, so that a test run
# leaves the working tree clean: SEN_GUIDE_UPDATE_SCREENSHOTS=1 make test
UPDATE_SCREENSHOTS_ENV = "SEN_GUIDE_UPDATE_SCREENSHOTS"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # `make browser` installs it
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_LIMIT = 120  # seconds for `streamlit run` to answer its health check
WAIT_MS = 60_000  # for any one thing to appear on the page
PHONE = {"width": 375, "height": 812}
SMALL_PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
ELEMENT_2_CRUMB = "Funding for special educational needs in mainstream schools › Where does funding for SEN come from? › Element 2"
ELEMENT_2_QUOTE = "Element 2 funding is to provide SEN support that is additional to or different from"
WIASS = "Westminster Information Advice Support Service for SEND"
BLOCKING = ("serious", "critical")  # the staff page; the parent page allows no violation at all
EXAMPLES = ["My child has just been diagnosed. What now?", "What is a SENCO?",
            "How often should my child's progress be reviewed?", "Can I ask for an EHC assessment myself?",
            "What is Element 2 funding?", "What can I do if I'm not happy with the support?"]
ANSWER_HEADINGS = ("What the guidance says", "No answer in the guidance")


@pytest.fixture(scope="module")
def tools():
    """Chromium (apt) and axe-core (npm). A test never installs them (that would
    reach the internet and change .venv): when one is missing it fails at once
    with the command that installs both."""
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not found: run `make browser` once to install Chromium and axe-core",
                    pytrace=False)
    return CHROMIUM, AXE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    """Poll the health endpoint until the server answers, the process dies, or the limit passes."""
    deadline = time.monotonic() + SERVER_START_LIMIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"streamlit did not answer within {SERVER_START_LIMIT} s:\n{log.read_text()[-3000:]}")


# The staff view is behind a sign-in (views/login.py): this server has one staff password.
STAFF_USER, STAFF_PASSWORD = "sam.senco", "correct horse battery staple"


@contextmanager
def streamlit_server(env: dict, log: Path, *settings: str):
    """`streamlit run app.py` on a free loopback port with this environment and
    any more command-line settings, its output in `log`; yields its URL once
    healthy, and stops it afterwards."""
    port = free_port()
    with open(log, "w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *settings],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(real_index_dir, tmp_path_factory):
    """A fresh `streamlit run app.py` over the session's index (see conftest): nothing loaded yet."""
    from web.staff_auth import hash_password

    OUT.mkdir(exist_ok=True)
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(f'[staff.users]\n"{STAFF_USER}" = "{hash_password(STAFF_PASSWORD)}"\n', encoding="utf-8")
    # Its own feedback database: "What parents asked" on the staff page shows
    # only the questions this module's tests asked, not what earlier tests stored.
    feedback = tmp_path_factory.mktemp("browser-feedback") / "feedback.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SEN_GUIDE_INDEX": str(real_index_dir), "SEN_GUIDE_STAFF_LOGIN": "password",
           "SEN_GUIDE_DATABASE_URL": f"sqlite:///{feedback}"}
    with streamlit_server(env, OUT / "streamlit.log", "--secrets.files", str(secrets)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tools):
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(tools[0]), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def figures():
    """Timings and axe results gathered by the tests, printed and saved at the end."""
    data = {"timings_s": {}, "axe": {}}
    yield data
    (OUT / "browser-figures.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    print("\nBrowser figures:", json.dumps(data, indent=2))


def settle(page) -> None:
    """Wait until Streamlit has finished the script run (no element is stale, no spinner)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-test-script-state=\"running\"], [data-stale=\"true\"], "
        "[data-testid=\"stSpinner\"]')", timeout=WAIT_MS)


def ask(page, question: str) -> float:
    """Type a question and press Enter; seconds until the answer or the no-answer message shows."""
    box = page.get_by_label("Your question")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    # The page puts the question in the URL when it starts answering it.
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=question, timeout=WAIT_MS)
    page.get_by_role("heading", name="What the guidance says").or_(
        page.get_by_role("heading", name="No answer in the guidance")).wait_for(timeout=WAIT_MS)
    settle(page)
    return time.perf_counter() - started


def run_axe(page, name: str, figures: dict) -> list[dict]:
    """Every violation axe-core finds, at any impact."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        const brief = list => list.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}));
        return {version: r.testEngine.version, passes: r.passes.length, violations: brief(r.violations), incomplete: brief(r.incomplete)};
    }""")
    violations = result["violations"]
    assert result["passes"] > 10, "axe-core checked almost nothing: is the page empty?"
    figures["axe"][name] = {
        "axe_version": result["version"], "rules_passed": result["passes"],
        "violations_by_impact": dict(Counter(v["impact"] for v in violations for _ in v["nodes"])),
        "needs_review_by_impact": dict(Counter(v["impact"] for v in result["incomplete"] for _ in v["nodes"])),
        "violations": violations, "needs_review": result["incomplete"]}
    return violations


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def focus_on_the_answer(page) -> str:
    """Wait until focus is on the answer's heading; check it is inside the window; its text."""
    page.wait_for_function("names => names.includes((document.activeElement?.innerText || '').trim())",
                           arg=list(ANSWER_HEADINGS), timeout=WAIT_MS)
    where = page.evaluate("() => { const r = document.activeElement.getBoundingClientRect();"
                          " return {tag: document.activeElement.tagName, top: r.top, bottom: r.bottom, window: innerHeight}; }")
    assert where["tag"] == "H2" and 0 <= where["top"] and where["bottom"] <= where["window"], where
    return page.evaluate("() => document.activeElement.innerText.trim()")


def expand_a_section(page) -> None:
    page.locator("summary", has_text="Read the whole section").first.click()
    page.locator(".sg-section").first.wait_for(timeout=WAIT_MS)


def luminance(css_colour: str) -> float:
    """WCAG 2.2 relative luminance of an opaque rgb()/rgba() colour."""
    r, g, b, *alpha = (float(x) for x in re.findall(r"[\d.]+", css_colour))
    assert not alpha or alpha[0] == 1, f"{css_colour} is see-through: its contrast depends on what is behind it"
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r / 255, g / 255, b / 255)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# What has focus: its text, tag, role, outline, and the background the outline is drawn on.
FOCUSED = """() => {
    const a = document.activeElement, s = getComputedStyle(a);
    let bg = 'rgb(255, 255, 255)';
    for (let e = a.parentElement; e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)') { bg = c; break; }
    }
    return {text: (a.innerText || '').trim(), tag: a.tagName, role: a.getAttribute('role'),
            outline: s.outlineColor, style: s.outlineStyle, width: parseFloat(s.outlineWidth), background: bg};
}"""


def shoot(page, name: str, readme_name: str | None = None, readme_height: int | None = None) -> None:
    """The whole page (Streamlit scrolls inside its main area, so the window is
    stretched to fit it); the README copy may keep only the top of it."""
    path = OUT / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    settle(page)
    page.screenshot(path=str(path))
    if readme_name and os.environ.get(UPDATE_SCREENSHOTS_ENV):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(readme_height or height, max(size["height"], height))}
        page.screenshot(path=str(SCREENSHOTS / readme_name), clip=clip)
    page.set_viewport_size(size)


def test_parent_page_on_a_desktop(server, browser, figures):
    page = browser.new_page(viewport=DESKTOP)
    started = time.perf_counter()
    page.goto(server)
    page.get_by_label("Your question").wait_for(timeout=WAIT_MS)  # shown once the engine has loaded
    settle(page)
    figures["timings_s"]["first_load"] = round(time.perf_counter() - started, 2)
    assert page.get_by_role("heading", level=1).inner_text() == "Ask about SEN support"
    assert page.get_by_text("quoted from the guidance, word for word").is_visible()
    # The live region is on the page, empty, before any question; the search changes its text.
    live = page.locator(".sg-live")
    expect(live).to_have_count(1)
    expect(live).to_have_attribute("role", "status")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_have_text("")
    page.evaluate("() => { window.liveBefore = document.querySelector('.sg-live'); }")
    assert not run_axe(page, "parent home, desktop", figures)

    figures["timings_s"]["first_question"] = round(ask(page, "What is Element 2 funding?"), 2)
    expect(page.locator(".sg-crumb").first).to_have_text(ELEMENT_2_CRUMB)
    expect(live).to_have_text("Found 3 passages in the guidance.")
    assert page.evaluate("() => document.querySelector('.sg-live') === window.liveBefore")  # the same element
    assert focus_on_the_answer(page) == "What the guidance says"  # after Enter, focus moves to the answer
    expect(page.locator(".sg-asked")).to_have_text("You asked: “What is Element 2 funding?”")
    expect(page.locator("blockquote.sg-quote mark").first).to_contain_text(ELEMENT_2_QUOTE)
    assert "q=What+is+Element+2+funding" in page.url or "q=What%20is%20Element%202%20funding" in page.url
    assert not run_axe(page, "parent answer, desktop", figures)
    shoot(page, "parent-desktop")

    figures["timings_s"]["warm_question"] = round(ask(page, "Can I ask for an EHC assessment myself?"), 2)
    expect(page.locator(".sg-crumb").first).to_have_text("Getting extra help")

    expand_a_section(page)
    assert "If the school believes that your child is making progress" in page.locator(".sg-section").first.inner_text()
    assert not run_axe(page, "parent section open, desktop", figures)

    ask(page, "What is the capital of France?")
    assert page.get_by_role("heading", name="No answer in the guidance").is_visible()
    assert WIASS in page.locator(".sg-notice").inner_text()
    assert page.locator("blockquote.sg-quote").count() == 0
    expect(live).to_have_text("No answer in the guidance for this question.")
    assert focus_on_the_answer(page) == "No answer in the guidance"
    assert not run_axe(page, "parent no answer, desktop", figures)
    page.close()


def test_back_and_forward_keep_the_box_and_the_answer_in_step(server, browser):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server)
    page.get_by_label("Your question").wait_for(timeout=WAIT_MS)
    settle(page)
    first, second = "What is a SENCO?", "What is Element 2 funding?"
    ask(page, first)
    ask(page, second)
    for go, question in ((page.go_back, first), (page.go_forward, second), (page.go_back, first)):
        go()
        page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=question, timeout=WAIT_MS)
        settle(page)
        expect(page.get_by_label("Your question")).to_have_value(question)
        expect(page.locator(".sg-asked")).to_have_text(f"You asked: “{question}”")
    page.close()


def test_the_examples_are_buttons_reached_by_tab_with_a_clear_focus_outline(server, browser):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server)
    page.get_by_label("Your question").wait_for(timeout=WAIT_MS)
    settle(page)
    for example in EXAMPLES:
        expect(page.get_by_role("button", name=example, exact=True)).to_have_count(1)
    page.get_by_label("Your question").focus()
    reached = {}
    for _ in range(len(EXAMPLES) + 6):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["text"] in EXAMPLES:
            reached[focused["text"]] = focused
        elif focused["text"] == "Search the guidance":
            reached["submit"] = focused
    assert set(EXAMPLES) <= set(reached), f"not reached by Tab: {set(EXAMPLES) - set(reached)}"
    for name, focused in reached.items():
        assert focused["tag"] == "BUTTON" and focused["role"] in (None, "button"), focused
        assert focused["style"] != "none" and focused["width"] >= 2, focused
        assert contrast(focused["outline"], focused["background"]) >= 3, (name, focused)
    # The text box shows its focus the same way.
    page.get_by_label("Your question").focus()
    ring = page.locator('[data-testid="stMain"] [data-testid="stTextInputRootElement"]').first.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineColor, s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert ring[1] != "none" and ring[2] >= 2 and contrast(ring[0], "rgb(255, 255, 255)") >= 3, ring
    page.close()


def test_parent_page_at_375_px(server, browser, figures):
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(f"{server}/?q={quote('What is a SENCO?')}")  # a shared link: prefilled and answered
    page.get_by_role("heading", name="What the guidance says").wait_for(timeout=WAIT_MS)
    settle(page)
    expect(page.get_by_label("Your question")).to_have_value("What is a SENCO?")
    # expect() waits for Streamlit to finish replacing the page's elements
    # (a one-shot read once saw a passage from below the first).
    # (The section's passages are in the guidance's order: the answering one may come second.)
    expect(page.locator("blockquote.sg-quote mark", has_text="responsible for the school’s day to day SEN policy")).to_be_visible()
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent answer, 375 px", figures)
    shoot(page, "parent-375", readme_name="parent-page.png", readme_height=1350)
    expand_a_section(page)
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent section open, 375 px", figures)

    ask(page, "What is Element 2 funding?")
    expect(page.locator(".sg-crumb").first).to_have_text(ELEMENT_2_CRUMB)
    assert no_sideways_scroll(page)

    # An example tapped at the bottom of the page: the answer comes into view, focused.
    last = page.get_by_role("button", name=EXAMPLES[-1], exact=True)
    last.scroll_into_view_if_needed()
    last.tap()
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=EXAMPLES[-1], timeout=WAIT_MS)
    settle(page)
    assert focus_on_the_answer(page) == "What the guidance says"
    expect(page.get_by_label("Your question")).to_have_value(EXAMPLES[-1])

    ask(page, "What is the capital of France?")
    assert WIASS in page.locator(".sg-notice").inner_text()
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent no answer, 375 px", figures)
    shoot(page, "parent-375-no-answer")

    page.goto(server)
    page.get_by_label("Your question").wait_for(timeout=WAIT_MS)
    settle(page)
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent home, 375 px", figures)
    page.close()


def test_words_explained_open_by_keyboard_and_by_touch_at_375_px(server, browser, figures):
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(f"{server}/?q={quote('What is a SENCO?')}")
    page.get_by_role("heading", name="What the guidance says").wait_for(timeout=WAIT_MS)
    settle(page)
    quote_ = page.locator("blockquote.sg-quote").first
    expect(quote_.locator("abbr", has_text="SENCO").first).to_have_attribute("title", "Special Educational Needs Coordinator")
    words = page.locator("details.sg-words").first
    summary = words.locator("summary")
    definition = words.locator("dd").filter(has_text="The teacher in a school or nursery who organises extra help")
    expect(summary).to_contain_text("Words explained")
    assert not words.evaluate("d => d.open") and not definition.is_visible()

    # By keyboard: Tab from the section's heading reaches the summary (nothing in a quote takes focus), Enter opens it.
    page.locator(".sg-crumb").first.evaluate("h => { h.tabIndex = -1; h.focus(); }")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.tagName") == "SUMMARY":
            break
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] == "SUMMARY" and focused["text"].startswith("Words explained"), focused
    assert focused["style"] != "none" and focused["width"] >= 2, focused
    assert contrast(focused["outline"], focused["background"]) >= 3, focused
    page.keyboard.press("Enter")
    expect(definition).to_be_visible()
    assert words.evaluate("d => d.open")
    page.keyboard.press("Enter")
    expect(definition).to_be_hidden()

    # By touch and by click.
    summary.tap()
    expect(definition).to_be_visible()
    summary.click()
    expect(definition).to_be_hidden()
    summary.click()
    expect(definition).to_be_visible()
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent words explained open, 375 px", figures)
    shoot(page, "parent-375-words-explained")
    page.close()


def test_parent_page_at_320_px(server, browser, figures):
    page = browser.new_page(viewport=SMALL_PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(server)
    box = page.get_by_label("Your question")
    box.wait_for(timeout=WAIT_MS)
    settle(page)
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent home, 320 px", figures)
    # Nothing lies over the typed question (a "Press Enter to submit form" hint once did).
    box.fill("Can I ask for an EHC assessment for my child myself?")
    covered = box.evaluate("""el => {
        const r = el.getBoundingClientRect(), y = r.top + r.height / 2, hits = [];
        for (let x = r.left + 2; x < r.right - 2; x += 8) {
            const at = document.elementFromPoint(x, y);
            if (at !== el) hits.push(at ? at.outerHTML.slice(0, 80) : null);
        }
        return hits;
    }""")
    assert not covered, covered
    box.press("Enter")
    page.get_by_role("heading", name="What the guidance says").wait_for(timeout=WAIT_MS)
    settle(page)
    focus_on_the_answer(page)
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent answer, 320 px", figures)
    expand_a_section(page)
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent section open, 320 px", figures)
    ask(page, "What is the capital of France?")
    assert no_sideways_scroll(page)
    assert not run_axe(page, "parent no answer, 320 px", figures)
    page.close()


def test_an_injected_question_shows_as_text_in_the_browser(server, browser):
    page = browser.new_page(viewport=DESKTOP)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    attack = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    page.goto(f"{server}/?q={quote(attack)}")
    page.get_by_role("heading", name="No answer in the guidance").wait_for(timeout=WAIT_MS)
    settle(page)
    expect(page.get_by_label("Your question")).to_have_value(attack)
    assert page.locator("img[src=x]").count() == 0 and not dialogs
    page.close()


def test_staff_page(server, browser, figures):
    # Inside the repository (test-output/ is ignored by git): the staff page
    # reads gold files only from the repository and the shared folder.
    OUT.mkdir(exist_ok=True)
    gold = OUT / "staff-gold.jsonl"
    gold.write_text("\n".join(json.dumps(x) for x in [
        {"id": "b1", "question": "What is Element 2 funding?", "kind": "keyword", "section": "Element 2",
         "gold": ["Element 2 funding is to provide SEN support"]},
        {"id": "b2", "question": "Who sets the funding formula for schools?", "kind": "synonym", "section": "Element 1",
         "gold": ["This is called the Age Weighted Pupil Unit"]},
        {"id": "b3", "question": "How do I renew my passport?", "kind": "out_of_scope", "gold": []},
    ]) + "\n", encoding="utf-8")
    page = browser.new_page(viewport=DESKTOP)
    # A parent's question the guidance does not answer: "What parents asked" then has a group to show.
    page.goto(f"{server}/?q={quote('how do i renew my passport')}")
    page.get_by_role("heading", name="No answer in the guidance").wait_for(timeout=WAIT_MS)
    page.goto(f"{server}/staff?q={quote('who pays for a teaching assistant?')}")
    page.get_by_label("Username", exact=True).fill(STAFF_USER)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Ranked passages").wait_for(timeout=WAIT_MS)
    settle(page)
    # expect() waits while Streamlit is still replacing the page (one-shot reads raced it on a busy machine).
    facts = page.locator(".sg-facts").filter(has_text="Question as searched (after glossary expansion)")
    expect(facts).to_contain_text("learning support assistant LSA", timeout=WAIT_MS)
    expect(page.locator(".sg-facts").filter(has_text="Model")).to_contain_text("all-MiniLM-L6-v2", timeout=WAIT_MS)
    assert page.get_by_text("Answered: the chance that the guidance answers this is").is_visible()

    page.get_by_label("Test questions file, relative to the repository folder").fill(str(gold))
    page.get_by_role("button", name="Run the evaluation").click()
    page.get_by_role("heading", name="Hits and misses").wait_for(timeout=WAIT_MS)
    settle(page)
    assert page.get_by_text("2 questions the guidance answers and 1 it does not").is_visible()
    assert page.get_by_text("1 of 1 questions the guidance does not answer were refused").is_visible()
    assert page.get_by_role("columnheader", name="overall match").is_visible()  # the plain names, none cut off
    assert no_sideways_scroll(page)  # tables scroll inside themselves; the page does not
    expect(page.get_by_role("heading", name="What parents asked")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("how do i renew my passport").first).to_be_attached(timeout=WAIT_MS)
    assert not [v for v in run_axe(page, "staff, desktop", figures) if v["impact"] in BLOCKING]
    shoot(page, "staff-desktop", readme_name="staff-page.png")
    page.close()
