"""Staff sign-in: the checks in web.staff_auth, and the app driven by AppTest
with each staff login setting ("off", "password", "oidc").

The app runs over the tiny corpus with the fake model (conftest), so these
tests load no real model; tests/test_browser_login.py checks the same in a
real browser against `streamlit run`.
"""
import io
import re
import tomllib
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from conftest import FAKE_MODEL_NAME
from learn import gold_files
from web import staff_auth
from web.live import LiveEngine
from web.staff_auth import Throttle, account_allowed, check, hash_password, login_problem, sign_in
from views import login

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60  # the first run builds the tiny index with the fake model
# Cheap argon2 for the unit tests: the cost is in the hash, so verifying is quick too.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"
USERS = {"sam.senco": hash_password(PASSWORD, CHEAP), "alex.head": hash_password("another long password", CHEAP)}
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a long random secret for tests",
        "client_id": "sen-guide", "client_secret": "not a real secret",
        "server_metadata_url": "https://login.westvale.example/.well-known/openid-configuration"}


class SpyHasher(PasswordHasher):
    """A cheap PasswordHasher that records the hash each verify was given."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        self.verified.append(hash)
        return super().verify(hash, password)


class FakeClock:
    """time.monotonic and time.sleep for a Throttle: sleeping moves the clock on, and is recorded."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def fake_throttle(**kw) -> tuple[Throttle, FakeClock]:
    clock = FakeClock()
    return Throttle(clock=clock, sleep=clock.sleep, **kw), clock


# --- passwords ----------------------------------------------------------------

def test_a_password_is_kept_only_as_an_argon2id_hash():
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert hash_password(PASSWORD) != stored  # salted
    assert check({"sam.senco": stored}, "sam.senco", PASSWORD)


def test_the_right_password_matches_and_a_wrong_one_does_not():
    assert check(USERS, "sam.senco", PASSWORD, CHEAP)
    assert check(USERS, "  Sam.Senco ", PASSWORD, CHEAP)  # a username in any case, spaces around it
    assert not check(USERS, "sam.senco", PASSWORD.upper(), CHEAP)
    assert not check(USERS, "sam.senco", "", CHEAP)
    assert not check(USERS, "alex.head", PASSWORD, CHEAP)  # another user's password


def test_an_unknown_user_gets_the_same_answer_after_the_same_work():
    spy = SpyHasher()
    assert check(USERS, "nobody", PASSWORD, spy) is False
    assert check(USERS, "", "", spy) is False
    assert check(USERS, "sam.senco", "wrong", spy) is False
    assert len(spy.verified) == 3  # every attempt verifies one argon2 hash, known user or not
    dummy, _, real = spy.verified
    assert dummy not in USERS.values()
    # The dummy hash costs what the hasher's own hashes cost, so the time taken gives nothing away.
    assert extract_parameters(dummy) == extract_parameters(hash_password("x", spy))


def test_a_hash_that_is_not_argon2_never_matches():
    assert not check({"sam.senco": PASSWORD}, "sam.senco", PASSWORD, CHEAP)  # a password pasted as it is
    assert not check({"sam.senco": "$argon2id$broken"}, "sam.senco", PASSWORD, CHEAP)


# --- slowing down failed attempts ---------------------------------------------

def test_each_failure_doubles_the_wait_up_to_30_seconds():
    throttle, clock = fake_throttle()
    for _ in range(8):
        assert sign_in(USERS, "sam.senco", "wrong", throttle, CHEAP) == ""
    assert clock.slept == [0, 1, 2, 4, 8, 16, 30, 30]
    assert throttle.wait("sam.senco") == 30 and throttle.wait("SAM.SENCO") == 30  # one key, whatever the case
    assert [throttle.delay(n) for n in range(8)] == [0, 1, 2, 4, 8, 16, 30, 30]


def test_a_success_clears_the_wait():
    throttle, clock = fake_throttle()
    sign_in(USERS, "sam.senco", "wrong", throttle, CHEAP)
    sign_in(USERS, "sam.senco", "wrong", throttle, CHEAP)
    assert sign_in(USERS, "Sam.Senco", PASSWORD, throttle, CHEAP) == "sam.senco"  # the name as in secrets
    assert sign_in(USERS, "sam.senco", "wrong", throttle, CHEAP) == ""
    assert clock.slept == [0, 1, 2, 0]  # the right password waited its turn too; then a fresh start


def test_the_wait_is_what_remains_of_it():
    throttle, clock = fake_throttle()
    for _ in range(3):
        sign_in(USERS, "sam.senco", "wrong", throttle, CHEAP)
    clock.now += 3  # 4 s were due; 3 have passed
    assert throttle.wait("sam.senco") == 1
    clock.now += 900  # a quarter of an hour with no attempt: forgotten
    assert throttle.wait("sam.senco") == 0


def test_unknown_users_are_slowed_like_known_ones():
    throttle, clock = fake_throttle()
    for _ in range(3):
        sign_in(USERS, "nobody", "wrong", throttle, CHEAP)
    for _ in range(3):
        sign_in(USERS, "sam.senco", "wrong", throttle, CHEAP)
    assert clock.slept == [0, 1, 2, 0, 1, 2]
    assert throttle.wait("nobody") == throttle.wait("sam.senco") - 3  # sam.senco's 4 s began 3 s later


def test_guessing_across_many_usernames_slows_every_attempt():
    throttle, clock = fake_throttle(global_free=10)
    for n in range(14):
        sign_in(USERS, f"user{n}", "wrong", throttle, CHEAP)
    # Each username was tried once; the server-wide count slows the attempts beyond the tenth.
    assert clock.slept == [0] * 11 + [1, 2, 4]


def test_attempts_sent_at_once_wait_in_turn():
    throttle, clock = fake_throttle()
    waits = [throttle.begin("sam.senco") for _ in range(4)]  # four sessions, none finished yet
    assert waits == [0, 1, 3, 7]  # each after the one before, as if they had failed one by one


def test_made_up_usernames_do_not_fill_the_memory():
    throttle, _ = fake_throttle(max_keys=50, global_free=10_000)
    for n in range(500):
        throttle.begin(f"user{n}")
    assert len(throttle._counts) <= 50


# --- is the sign-in set up? ---------------------------------------------------

def test_no_staff_login_needs_no_secrets():
    assert login_problem("off", {}) == ""


def test_a_password_login_needs_staff_users():
    for secrets in ({}, {"staff": {}}, {"staff": {"users": {}}}):
        problem = login_problem("password", secrets)
        assert ("no [staff.users]" in problem and "python -m web.staff_auth hash" in problem
                and ".streamlit/secrets.toml" in problem and "\n" not in problem), problem
    assert login_problem("password", {"staff": {"users": USERS}}) == ""


def test_a_password_kept_as_it_is_is_refused_without_naming_the_user():
    problem = login_problem("password", {"staff": {"users": {**USERS, "kim.secret": "hunter2hunter2"}}})
    assert problem.startswith("Entry 3 under [staff.users] in .streamlit/secrets.toml is not an argon2 hash")
    assert "python -m web.staff_auth hash" in problem
    assert "kim" not in problem and "hunter2" not in problem  # anyone who opens /staff may read this line


def test_an_oidc_login_needs_the_auth_section():
    problem = login_problem("oidc", {})
    assert "no [auth] section" in problem and all(key in problem for key in staff_auth.AUTH_KEYS)
    problem = login_problem("oidc", {"auth": {**AUTH, "client_secret": "", "server_metadata_url": None}})
    assert problem.startswith("[auth] in .streamlit/secrets.toml is missing client_secret, server_metadata_url")
    problem = login_problem("oidc", {"auth": {**AUTH, "redirect_uri": "http://localhost:8501/"}})
    assert "must be this app's address ending in /oauth2callback" in problem
    assert "must be a list" in login_problem("oidc", {"auth": AUTH, "staff": {"emails": "sam@westvale.gov.uk"}})
    assert login_problem("oidc", {"auth": AUTH}) == ""
    assert login_problem("oidc", {"auth": AUTH, "staff": {"emails": ["@westvale.gov.uk"]}}) == ""


def test_an_unknown_login_setting_names_the_choices():
    problem = login_problem("pasword", {})
    assert 'is "pasword": set it to "off", "password" or "oidc"' in problem and "sen-guide.toml" in problem


def test_staff_emails_limit_who_may_sign_in_with_the_identity_provider():
    assert account_allowed({}, "anyone@example.org")  # no list: any account of the council's provider
    secrets = {"staff": {"emails": ["sam.senco@westvale.gov.uk", "@schools.westvale.gov.uk"]}}
    assert account_allowed(secrets, "Sam.Senco@westvale.gov.uk")
    assert account_allowed(secrets, "kim@schools.westvale.gov.uk")
    assert not account_allowed(secrets, "kim@westvale.gov.uk")
    assert not account_allowed(secrets, "kim@evilschools.westvale.gov.uk.example")
    assert not account_allowed(secrets, "")


# --- python -m web.staff_auth hash ---------------------------------------------

def test_the_hash_command_prints_the_line_to_paste(monkeypatch, capsys):
    typed = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert staff_auth.main(["hash", "sam.senco"]) == 0
    out, err = capsys.readouterr()
    assert "[staff.users]" in err and ".streamlit/secrets.toml" in err and PASSWORD not in out + err
    users = tomllib.loads("[staff.users]\n" + out)["staff"]["users"]
    assert list(users) == ["sam.senco"] and check(users, "sam.senco", PASSWORD)
    assert login_problem("password", {"staff": {"users": users}}) == ""


def test_the_hash_command_asks_for_the_username(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("alex.head\n"))
    typed = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert staff_auth.main(["hash"]) == 0
    assert capsys.readouterr().out.startswith('"alex.head" = "$argon2id$')


@pytest.mark.parametrize("first, second, says", [
    (PASSWORD, PASSWORD + "!", "not the same"),
    ("short", "short", "at least 12"),
])
def test_the_hash_command_prints_nothing_to_paste_when_the_password_will_not_do(monkeypatch, capsys,
                                                                                first, second, says):
    typed = iter([first, second])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert staff_auth.main(["hash", "sam.senco"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and says in err and "Nothing was written" in err


# --- the app, driven by AppTest -----------------------------------------------

@pytest.fixture
def app_env(fake_model, tiny_corpus, tmp_path, monkeypatch):
    """The app over the tiny corpus with the fake model; nothing recorded; a throttle that does not sleep."""
    monkeypatch.setenv("SEN_GUIDE_CORPUS", str(tiny_corpus()))
    monkeypatch.setenv("SEN_GUIDE_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("SEN_GUIDE_MODEL", FAKE_MODEL_NAME)
    monkeypatch.setenv("SEN_GUIDE_ENCODER", "sentence-transformers")
    monkeypatch.setenv("SEN_GUIDE_FEEDBACK", "off")
    monkeypatch.setenv("SEN_GUIDE_GOLD_DIRS", str(tmp_path))
    throttle, clock = fake_throttle()
    monkeypatch.setattr(staff_auth, "THROTTLE", throttle)
    # Each test's settings start one engine watcher (web.live); it reads the
    # environment at every look, so once this test's is undone it would load
    # the real model. Stop it while the test's environment still stands.
    started = []
    start = LiveEngine.start

    def recorded_start(self):
        started.append(self)
        return start(self)

    monkeypatch.setattr(LiveEngine, "start", recorded_start)
    yield clock
    for live in started:
        live.stop()


def staff_app(login_setting: str, monkeypatch, secrets: dict | None = None, user: dict | None = None) -> AppTest:
    """The app with this staff login, opened at /staff as a browser would open the address."""
    monkeypatch.setenv("SEN_GUIDE_STAFF_LOGIN", login_setting)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    at.run()
    # A browser opening /staff asks for the page whose url path is "staff"
    # (AppTest.switch_page only finds pages by their file).
    at._page_hash = calc_hash("staff")
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    return ([t.value for t in at.title] + [h.value for h in at.header] + [m.value for m in at.markdown]
            + [e.value for e in at.error])


def plain(markdown: str) -> str:
    """Markdown as it reads: the page escapes a command's _ or [ ] (web.markdown.markdown_text)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def shows_staff_content(at: AppTest) -> bool:
    headings = {t.value for t in at.title} | {h.value for h in at.header}
    return bool({"Staff view", "The index", "Evaluation"} & headings
                or any(w.key == "staff_question" for w in at.text_input) or at.table)


def sign_in_with(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="staff_username").input(username)
    at.text_input(key="staff_password").input(password)
    at.button(key="staff_sign_in_button").click().run()
    assert not at.exception, at.exception
    return at


def test_with_no_staff_login_there_is_no_staff_page(app_env, monkeypatch):
    at = staff_app("off", monkeypatch)
    assert [t.value for t in at.title] == ["Ask about SEN support"]  # /staff shows the parent page
    assert not shows_staff_content(at) and not at.text_input(key="question").value
    assert not at.sidebar.children  # no menu, so no link to a staff page
    assert all("staff" not in link.proto.page.lower() for link in at.page_link)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/staff.py")  # not in the navigation at all


def test_with_a_password_login_staff_see_only_the_sign_in_form(app_env, monkeypatch):
    at = staff_app("password", monkeypatch, secrets={"staff": {"users": USERS}})
    assert [t.value for t in at.title] == ["Staff sign-in"]
    assert not shows_staff_content(at)
    username, password = at.text_input(key="staff_username"), at.text_input(key="staff_password")
    assert (username.label, username.proto.autocomplete) == ("Username", "username")
    assert (password.label, password.proto.autocomplete) == ("Password", "current-password")
    assert password.proto.type == password.proto.PASSWORD  # dots, not letters
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.children  # parents see no link to the staff view


def test_a_wrong_password_or_an_unknown_user_says_the_same_and_shows_nothing(app_env, monkeypatch):
    at = staff_app("password", monkeypatch, secrets={"staff": {"users": USERS}})
    for username, password in [("sam.senco", "wrong"), ("nobody", PASSWORD), ("", ""), ("alex.head", PASSWORD)]:
        sign_in_with(at, username, password)
        assert [e.value for e in at.error] == [login.FAILED], username
        assert [t.value for t in at.title] == ["Staff sign-in"] and not shows_staff_content(at)
        assert at.text_input(key="staff_password").value == ""  # the form was cleared
    # Really slowed on the server: sam.senco's second failure would wait 1 s; "nobody" waits like anyone.
    assert app_env.slept == [0, 0, 0, 0]
    sign_in_with(at, "sam.senco", "wrong again")
    assert app_env.slept[-1] == 1


def test_the_right_password_shows_the_staff_view_until_sign_out(app_env, monkeypatch):
    at = staff_app("password", monkeypatch, secrets={"staff": {"users": USERS}})
    sign_in_with(at, "Sam.Senco", PASSWORD)
    assert [t.value for t in at.title] == ["Staff view"] and not at.error
    assert {"The index", "Evaluation"} <= {h.value for h in at.header}
    assert "Signed in as sam.senco" in at.sidebar.html[0].value
    at.run()  # stays signed in across runs of the same session
    assert [t.value for t in at.title] == ["Staff view"]
    at.sidebar.button(key="staff_sign_out").click().run()
    assert [t.value for t in at.title] == ["Staff sign-in"] and not shows_staff_content(at)


def test_a_password_login_with_no_users_says_how_to_add_one(app_env, monkeypatch):
    at = staff_app("password", monkeypatch)
    (error,) = at.error
    assert "no [staff.users]" in plain(error.value) and "python -m web.staff_auth hash" in plain(error.value)
    assert not at.text_input and not shows_staff_content(at)


def test_one_evaluation_at_a_time_per_server(app_env, monkeypatch, tmp_path):
    at = staff_app("password", monkeypatch, secrets={"staff": {"users": USERS}})
    sign_in_with(at, "sam.senco", PASSWORD)
    missing = str(tmp_path / "nowhere.jsonl")
    at.text_input[1].input(missing)
    assert gold_files.EVALUATION_LOCK.acquire(blocking=False)  # another session's evaluation
    try:
        next(b for b in at.button if b.label == "Run the evaluation").click().run()
        assert any("Another evaluation is running on this server; try again in a minute." in h.value
                   for h in at.html)
        assert not any("could not run" in h.value for h in at.html)  # it did not start
    finally:
        gold_files.EVALUATION_LOCK.release()
    next(b for b in at.button if b.label == "Run the evaluation").click().run()
    assert any("The evaluation could not run" in h.value for h in at.html)  # it ran, on a missing file
    assert not gold_files.EVALUATION_LOCK.locked()  # and let go of the lock when it ended


def test_with_an_oidc_login_staff_see_only_the_council_sign_in_button(app_env, monkeypatch):
    at = staff_app("oidc", monkeypatch, secrets={"auth": AUTH})
    assert [t.value for t in at.title] == ["Staff sign-in"] and not shows_staff_content(at)
    assert [b.label for b in at.button] == [login.OIDC_BUTTON]
    assert not at.text_input  # no password here


def test_an_oidc_login_without_its_secrets_says_what_to_add(app_env, monkeypatch):
    at = staff_app("oidc", monkeypatch)
    (error,) = at.error
    assert "no [auth] section" in plain(error.value) and "server_metadata_url" in plain(error.value)
    assert not at.button and not shows_staff_content(at)


def test_signed_in_with_the_council_account_staff_see_the_staff_view(app_env, monkeypatch):
    at = staff_app("oidc", monkeypatch, secrets={"auth": AUTH},
                   user={"is_logged_in": True, "email": "sam.senco@westvale.gov.uk", "name": "Sam Senco"})
    assert [t.value for t in at.title] == ["Staff view"] and not at.error
    assert "Signed in as Sam Senco" in at.sidebar.html[0].value
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


def test_an_account_not_on_the_staff_list_sees_nothing(app_env, monkeypatch):
    secrets = {"auth": AUTH, "staff": {"emails": ["@westvale.gov.uk"]}}
    at = staff_app("oidc", monkeypatch, secrets=secrets,
                   user={"is_logged_in": True, "email": "parent@example.org", "name": "A Parent"})
    assert [t.value for t in at.title] == ["Staff sign-in"] and not shows_staff_content(at)
    (error,) = at.error
    assert "is not one of this service's staff accounts" in error.value
    assert [b.label for b in at.button] == ["Sign out"]
