"""Staff sign-in: passwords kept only as argon2 hashes, failed attempts slowed
down, and a check that the sign-in the settings name is set up.

python -m web.staff_auth hash [USERNAME]   prints the line to paste under
                                          [staff.users] in .streamlit/secrets.toml

No Streamlit here: views/login.py shows the form and calls `sign_in`.
"""
from __future__ import annotations

import argparse
import getpass
import importlib.util
import json
import secrets as token
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SECRETS_FILE = ".streamlit/secrets.toml"
HASH_COMMAND = "python -m web.staff_auth hash"
MIN_PASSWORD_CHARS = 12  # NCSC: three random words are long enough and easy to remember
# What st.login() needs under [auth] for the provider it uses by default.
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
SETTING = "staff login ([staff] login in sen-guide.toml, or SEN_GUIDE_STAFF_LOGIN)"

HASHER = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106's second choice)



def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    """The argon2 hash to keep in secrets.toml; the password itself is never stored."""
    return hasher.hash(password)


def find(users: Mapping[str, str], username: str) -> tuple[str, str] | None:
    """(name as written in secrets, its hash) for a username typed in any case, or None."""
    wanted = username.strip().casefold()
    for name, stored in users.items():
        if name.strip().casefold() == wanted and wanted:
            return name, str(stored)
    return None


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password no one knows, with the same cost as the real ones."""
    return hasher.hash(token.token_urlsafe(32))


def check(users: Mapping[str, str], username: str, password: str, hasher: PasswordHasher = HASHER) -> bool:
    """True when the password matches the user's hash. An unknown user is checked
    against a dummy hash, so the answer and the time taken are the same as for a
    wrong password: the sign-in never shows whether a user exists."""
    user = find(users, username)
    try:
        matched = hasher.verify(user[1] if user else _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):  # a wrong password, or a hash that is not argon2
        matched = False
    return bool(matched) and user is not None


@dataclass
class _Count:
    failures: int
    at: float  # when the last counted attempt ran


class Throttle:
    """Failed sign-ins slow down the next attempt, per username and for the whole server.

    After n failures the next attempt waits first * 2**(n-1) seconds (1, 2, 4...)
    up to `cap`; server-wide, failures beyond `global_free` count the same way,
    so guessing across many usernames is slowed too. An attempt is counted as a
    failure when it starts (`begin`), so attempts sent at once wait in turn
    rather than all at once; a success takes its own back and clears the
    username. A key with no attempt for `forget_after` seconds starts afresh.
    `clock` and `sleep` are injectable so tests need not wait.
    """

    GLOBAL = "\0all"  # no username can be this

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 first: float = 1.0, cap: float = 30.0, global_free: int = 10, forget_after: float = 900.0,
                 max_keys: int = 10_000):
        self.clock, self.sleep = clock, sleep
        self.first, self.cap, self.global_free, self.forget_after = first, cap, global_free, forget_after
        self.max_keys = max_keys  # made-up usernames must not fill the memory
        self._counts: dict[str, _Count] = {}
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """How long the attempt after this many failures waits."""
        return 0.0 if failures <= 0 else min(self.cap, self.first * 2 ** (failures - 1))

    def _key(self, username: str) -> str:
        return username.strip().casefold()[:200]

    def _current(self, key: str, now: float) -> _Count | None:
        count = self._counts.get(key)
        if count and now - count.at > self.forget_after:
            del self._counts[key]
            return None
        return count

    def _wait(self, key: str, free: int, now: float) -> float:
        count = self._current(key, now)
        return 0.0 if count is None else max(0.0, count.at + self.delay(count.failures - free) - now)

    def wait(self, username: str) -> float:
        """Seconds the next attempt for this username would wait now."""
        with self._lock:
            now = self.clock()
            return max(self._wait(self._key(username), 0, now), self._wait(self.GLOBAL, self.global_free, now))

    def begin(self, username: str) -> float:
        """Count an attempt (as failed until `succeeded`) and return how long it must wait first."""
        key = self._key(username)
        with self._lock:
            now = self.clock()
            if len(self._counts) >= self.max_keys:
                for stale in [k for k, c in self._counts.items() if now - c.at > self.forget_after]:
                    del self._counts[stale]
                if len(self._counts) >= self.max_keys:  # still full: forget the oldest username
                    oldest = min((k for k in self._counts if k != self.GLOBAL), key=lambda k: self._counts[k].at)
                    del self._counts[oldest]
            wait = max(self._wait(key, 0, now), self._wait(self.GLOBAL, self.global_free, now))
            for k in (key, self.GLOBAL):
                count = self._current(k, now) or self._counts.setdefault(k, _Count(0, now))
                count.failures += 1
                count.at = now + wait
            return wait

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._counts.pop(self._key(username), None)
            count = self._counts.get(self.GLOBAL)
            if count:
                count.failures = max(0, count.failures - 1)


THROTTLE = Throttle()  # one per server process, shared by every session


def sign_in(users: Mapping[str, str], username: str, password: str, throttle: Throttle | None = None,
            hasher: PasswordHasher = HASHER) -> str:
    """The user's name as written in secrets when the password matches, else "".
    Waits first as long as the throttle says: the slowing is real, on the server."""
    throttle = throttle or THROTTLE
    throttle.sleep(throttle.begin(username))
    if not check(users, username, password, hasher):
        return ""
    throttle.succeeded(username)
    return find(users, username)[0]


def account_allowed(secrets: Mapping, email: str) -> bool:
    """Whether an account signed in with the identity provider may use the staff view:
    any, unless [staff] emails lists addresses ("sam@westvale.gov.uk") or domains ("@westvale.gov.uk")."""
    staff = secrets.get("staff")
    allowed = [str(a).strip().casefold() for a in (staff.get("emails") or [])] if isinstance(staff, Mapping) else []
    if not allowed:
        return True
    email = email.strip().casefold()
    return bool(email) and any(email == a or (a.startswith("@") and email.endswith(a)) for a in allowed)


def login_problem(login: str, secrets: Mapping) -> str:
    """"" when the staff sign-in the settings name is set up, else one line naming what to fix."""
    if login == "off":
        return ""
    if login == "password":
        return _password_problem(secrets)
    if login == "oidc":
        return _oidc_problem(secrets)
    return f'The {SETTING} is "{login}": set it to "off", "password" or "oidc".'


def _password_problem(secrets: Mapping) -> str:
    staff = secrets.get("staff")
    users = staff.get("users") if isinstance(staff, Mapping) else None
    paste = f"run {HASH_COMMAND} and paste the line it prints under [staff.users] in {SECRETS_FILE}"
    if not users:
        return f'The {SETTING} is "password" but {SECRETS_FILE} has no [staff.users]: {paste}.'
    if not isinstance(users, Mapping):
        return f'[staff.users] in {SECRETS_FILE} must be lines of "username" = "argon2 hash": {paste}.'
    for n, stored in enumerate(users.values(), 1):
        # Named by position, not by name: this line may be read by anyone who opens /staff.
        if not _is_argon2(stored):
            return (f"Entry {n} under [staff.users] in {SECRETS_FILE} is not an argon2 hash (a password is never "
                    f"kept as it is): run {HASH_COMMAND} and paste the line it prints in its place.")
    return ""


def _is_argon2(stored: object) -> bool:
    if not isinstance(stored, str) or not stored.startswith("$argon2"):
        return False
    try:
        from argon2 import extract_parameters

        extract_parameters(stored)
        return True
    except InvalidHashError:
        return False


def _oidc_problem(secrets: Mapping) -> str:
    auth = secrets.get("auth")
    keys = ", ".join(AUTH_KEYS)
    if not isinstance(auth, Mapping) or not auth:
        return (f'The {SETTING} is "oidc" but {SECRETS_FILE} has no [auth] section: add {keys} under [auth], '
                "from your council's identity provider (README, \"Staff sign-in\").")
    missing = [k for k in AUTH_KEYS if not str(auth.get(k) or "").strip()]
    if missing:
        return (f"[auth] in {SECRETS_FILE} is missing {', '.join(missing)}: add them, from your council's "
                'identity provider (README, "Staff sign-in").')
    if not str(auth["redirect_uri"]).rstrip().endswith("/oauth2callback"):
        return (f"redirect_uri under [auth] in {SECRETS_FILE} must be this app's address ending in /oauth2callback "
                "(for example https://sen-guide.westvale.gov.uk/oauth2callback), and the same in the identity provider.")
    staff = secrets.get("staff")
    emails = staff.get("emails") if isinstance(staff, Mapping) else None
    if emails is not None and (isinstance(emails, str) or not all(isinstance(e, str) for e in emails)):
        return (f'[staff] emails in {SECRETS_FILE} must be a list, like ["sam@westvale.gov.uk", "@westvale.gov.uk"]: '
                "addresses, or domains starting with @.")
    if importlib.util.find_spec("authlib") is None:
        return "Signing in with the council's identity provider needs Authlib: run make install."
    return ""


def _hash_command(username: str | None) -> int:
    if not username:  # the prompt on stderr, so that stdout holds only the line to paste
        print("Staff member's username (for example sam.senco): ", end="", file=sys.stderr, flush=True)
        username = sys.stdin.readline()
    username = username.strip()
    if not username:
        print("A username is needed: run it again and type one.", file=sys.stderr)
        return 1
    password = getpass.getpass("Password: ")
    if len(password) < MIN_PASSWORD_CHARS:
        print(f"That password has {len(password)} characters; use at least {MIN_PASSWORD_CHARS} "
              "(three random words are easy to remember). Nothing was written.", file=sys.stderr)
        return 1
    if getpass.getpass("The same password again: ") != password:
        print("The two passwords were not the same. Nothing was written: run it again.", file=sys.stderr)
        return 1
    print(f"Paste this line under [staff.users] in {SECRETS_FILE}:", file=sys.stderr)
    print(f"{json.dumps(username, ensure_ascii=False)} = {json.dumps(hash_password(password))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.staff_auth", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    hashing = commands.add_parser("hash", help="ask for a password twice and print its line for secrets.toml")
    hashing.add_argument("username", nargs="?", help="the staff member's username (asked for when left out)")
    args = parser.parse_args(argv)
    try:
        return _hash_command(args.username)
    except (KeyboardInterrupt, EOFError):
        print("\nStopped: nothing was written.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
