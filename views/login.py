"""Staff sign-in for the staff view: a username and password checked against
argon2 hashes in .streamlit/secrets.toml, or the council's own identity
provider through Streamlit's st.login. The checks live in web.staff_auth."""
from __future__ import annotations

import html
import logging
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from ingest.settings import from_env
from web import staff_auth
from web.markdown import markdown_text
from views import shared

log = logging.getLogger("sen_guide.app")

# The same words for every failure: a wrong password, an unknown username, an empty box.
FAILED = "That username and password do not match. Try again."
OIDC_BUTTON = "Sign in with your council account"
TITLE = "Staff sign-in"
_SIGNED_IN = "staff_signed_in"  # session state: the signed-in staff member's name (password sign-in)
_ATTEMPT = "staff_attempt"  # session state, for one run: the username and password just submitted


def setting() -> str:
    """The staff login setting: "off", "password" or "oidc" (anything else is reported by the staff page).
    "off" when the settings cannot be read, so a broken configuration never opens the staff view."""
    from views import shared

    try:
        return from_env().staff_login
    except Exception:  # noqa: BLE001 - the settings the served guidance was loaded with, else off
        try:
            return shared.settings().staff_login
        except Exception:  # noqa: BLE001 - st.stop() or any failure: never open the staff view
            log.exception("The settings could not be read: the staff view is off")
            return "off"


def read_secrets() -> tuple[dict[str, Any], str]:
    """.streamlit/secrets.toml as a plain dict, and "" or the one line saying it cannot be read."""
    try:
        return st.secrets.to_dict(), ""
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", "") == "no-secrets-found":
            return {}, ""  # no file at all: login_problem says what to add
        log.error("The secrets file could not be read: %s", exc)
        return {}, (f"{staff_auth.SECRETS_FILE} could not be read (the server log says where): "
                    "check that it is valid TOML, then restart the app.")


def _users(secrets: dict[str, Any]) -> dict[str, str]:
    staff = secrets.get("staff")
    users = staff.get("users") if isinstance(staff, dict) else None
    return users if isinstance(users, dict) else {}


def staff_name(login: str | None = None) -> str:
    """The signed-in staff member's name; "" when nobody is signed in or the sign-in is not set up."""
    login = login or setting()
    secrets, unreadable = read_secrets()
    if unreadable or staff_auth.login_problem(login, secrets):
        return ""
    if login == "password":
        # Still one of the users: someone removed from secrets.toml is signed out.
        user = staff_auth.find(_users(secrets), st.session_state.get(_SIGNED_IN, ""))
        return user[0] if user else ""
    if login == "oidc" and st.user.get("is_logged_in"):
        email = str(st.user.get("email") or "")
        if staff_auth.account_allowed(secrets, email):
            return str(st.user.get("name") or email or "staff")
    return ""


def require_staff() -> str:
    """The signed-in staff member's name. Anyone else sees only the sign-in (or
    what is wrong with its setup), and the page stops there."""
    attempt = st.session_state.pop(_ATTEMPT, None)  # taken now, so a password never outlives its run
    login = setting()
    secrets, unreadable = read_secrets()
    problem = unreadable or staff_auth.login_problem(login, secrets)
    if problem:
        log.error("Staff sign-in is not set up: %s", problem)
        st.title(TITLE, anchor=False)
        st.error(markdown_text(problem))  # the line as written: a command's _ or [ ] is not Markdown
        st.stop()
    name = staff_name(login)
    if name:
        _signed_in(login, name)
        return name
    st.html(shared.STYLE)  # the focus outlines; the staff view adds them itself once it loads the engine
    st.title(TITLE, anchor=False)
    if login == "password":
        _password_form(_users(secrets), attempt)
    else:
        _oidc_sign_in()
    st.stop()


def _take_attempt() -> None:
    """Before the run: take the typed password out of its box, so that it is
    neither shown again nor kept in the session once checked."""
    st.session_state[_ATTEMPT] = (st.session_state.staff_username, st.session_state.staff_password)
    st.session_state.staff_password = ""


def _password_form(users: dict[str, str], attempt: tuple[str, str] | None) -> None:
    st.markdown("For SENCOs and school staff. Sign in with the username and password your service gave you.")
    with st.form("staff_sign_in", enter_to_submit=True):
        st.text_input("Username", key="staff_username", autocomplete="username")
        st.text_input("Password", type="password", key="staff_password", autocomplete="current-password")
        st.form_submit_button("Sign in", type="primary", key="staff_sign_in_button", on_click=_take_attempt)
    if attempt is None:
        return
    with st.spinner("Checking..."):
        name = staff_auth.sign_in(users, *attempt)  # waits first after failed attempts
    if name:
        log.info("Staff sign-in succeeded")
        st.session_state[_SIGNED_IN] = name
        st.rerun()  # the navigation shows the staff view's link once signed in
    log.warning("Staff sign-in failed")
    st.error(FAILED)


def _oidc_sign_in() -> None:
    if st.user.get("is_logged_in"):  # signed in, but not with an account on the staff list
        email = str(st.user.get("email") or "this account")
        st.error(f"{markdown_text(email)} is not one of this service's staff accounts. Sign out, then sign in with "
                 f"your council account, or ask whoever runs the server to add it to [staff] emails in "
                 f"{markdown_text(staff_auth.SECRETS_FILE)}.")
        st.button("Sign out", key="staff_sign_out", on_click=st.logout)
        return
    st.markdown("For SENCOs and school staff. You will sign in on your council's own sign-in page, "
                "then come back here.")
    st.button(OIDC_BUTTON, type="primary", key="staff_oidc_sign_in", on_click=st.login)


def _sign_out() -> None:
    st.session_state.pop(_SIGNED_IN, None)


def _signed_in(login: str, name: str) -> None:
    st.sidebar.html(f'<p class="sg-doc">Signed in as {html.escape(name)}</p>')
    st.sidebar.button("Sign out", key="staff_sign_out", on_click=st.logout if login == "oidc" else _sign_out)
