"""Staff sign-in in a real browser: `streamlit run app.py` with each staff
login setting, Debian's Chromium driven by Playwright (as tests/test_browser.py).

With a password login, /staff shows only the sign-in form until the right
password is given; with no staff login, /staff is the parent page and no link
leads to a staff page.
"""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from web.staff_auth import hash_password
from test_browser import OUT, WAIT_MS, browser, settle, streamlit_server, tools  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.model]

PASSWORD = "a staff password for the browser test"
DESKTOP = {"width": 1280, "height": 900}


def serve(name: str, staff_login: str, index: Path, secrets: Path):
    """`streamlit run app.py` with this staff login and secrets file (--secrets.files: this test's
    secrets, never a .streamlit/secrets.toml in the repository or home folder); yields its URL."""
    OUT.mkdir(exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SEN_GUIDE_INDEX": str(index), "SEN_GUIDE_STAFF_LOGIN": staff_login,
           "SEN_GUIDE_FEEDBACK": "off"}  # nothing asked here is kept
    return streamlit_server(env, OUT / f"streamlit-{name}.log", "--secrets.files", str(secrets))


@pytest.fixture(scope="module")
def password_server(real_index_dir, tmp_path_factory):
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(f'[staff.users]\n"sam.senco" = "{hash_password(PASSWORD)}"\n', encoding="utf-8")
    with serve("password-login", "password", real_index_dir, secrets) as url:
        yield url


@pytest.fixture(scope="module")
def off_server(real_index_dir, tmp_path_factory):
    with serve("no-login", "off", real_index_dir, tmp_path_factory.mktemp("none") / "secrets.toml") as url:
        yield url


def links_to_staff(page) -> int:
    return page.locator('a[href$="/staff"], a[href*="/staff?"]').count()


def staff_content(page):
    """What only signed-in staff may see: the staff view's headings and its question box."""
    return (page.get_by_role("heading", name="Staff view").or_(page.get_by_role("heading", name="The index"))
            .or_(page.get_by_label("Question", exact=True)))


def sign_in(page, username: str, password: str) -> None:
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def test_staff_sign_in_with_a_password(password_server, browser):  # noqa: F811 - the fixture from test_browser
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{password_server}/staff")
    page.get_by_role("heading", name="Staff sign-in").wait_for(timeout=WAIT_MS)
    settle(page)
    expect(staff_content(page)).to_have_count(0)
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("type", "password")
    expect(password).to_have_attribute("autocomplete", "current-password")
    expect(page.get_by_label("Username", exact=True)).to_have_attribute("autocomplete", "username")

    sign_in(page, "sam.senco", "not the password")
    expect(page.get_by_text("That username and password do not match. Try again.")).to_be_visible(timeout=WAIT_MS)
    expect(staff_content(page)).to_have_count(0)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")  # the password typed is not kept in the box
    sign_in(page, "nobody", PASSWORD)  # an unknown user: the same words
    expect(page.get_by_text("That username and password do not match. Try again.")).to_be_visible(timeout=WAIT_MS)
    expect(staff_content(page)).to_have_count(0)

    sign_in(page, "sam.senco", PASSWORD)  # waits a second first: sam.senco's last attempt failed
    page.get_by_role("heading", name="Staff view").wait_for(timeout=WAIT_MS)
    page.get_by_role("heading", name="The index").wait_for(timeout=WAIT_MS)
    expect(page.get_by_text("Signed in as sam.senco")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Staff sign-in").wait_for(timeout=WAIT_MS)
    settle(page)
    expect(staff_content(page)).to_have_count(0)
    page.close()


def test_parents_see_no_link_to_the_staff_sign_in(password_server, browser):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    page.goto(password_server)
    page.get_by_role("heading", name="Ask about SEN support").wait_for(timeout=WAIT_MS)
    settle(page)
    assert links_to_staff(page) == 0
    page.close()


def test_with_no_staff_login_staff_is_the_parent_page(off_server, browser):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{off_server}/staff")
    page.get_by_role("heading", name="Ask about SEN support").wait_for(timeout=WAIT_MS)
    settle(page)
    expect(page.get_by_label("Your question")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)  # not Streamlit's error dialog
    expect(page.get_by_role("heading", name="Staff sign-in")).to_have_count(0)
    expect(staff_content(page)).to_have_count(0)
    assert links_to_staff(page) == 0
    page.goto(off_server)
    page.get_by_role("heading", name="Ask about SEN support").wait_for(timeout=WAIT_MS)
    settle(page)
    assert links_to_staff(page) == 0
    page.close()
