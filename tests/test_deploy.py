"""Several servers, tested for real (docs/DEPLOY.md).

deploy/nginx.conf, filled in with loopback ports and temporary folders, runs
as a foreground nginx in front of two `streamlit run app.py` servers. TLS ends
at nginx, with a certificate made for the test's host name, sen-guide.test
(Chromium is told that name is 127.0.0.1). Both servers start on one empty
index folder: exactly one builds it, under the lock.

Both servers share one real PostgreSQL feedback store (tests/pg_server.py),
as a council's servers share theirs.

Twenty browser sessions (one Chromium, twenty contexts, so twenty cookie
jars and twenty sticky keys) open the page through nginx at once. Every one is
answered, with no error, every request of one session reached one server, and
both servers served some. Each session rates its answer (Yes), on whichever
server it is. Then one server is killed (SIGKILL): every session asks a new
question and gets its answer at the first try, those of the dead server after
their page reconnected to the survivor, and new sessions go to the survivor.
Then the same questions are timed through nginx and straight to a server, and
the medians printed (not asserted: docs/DEPLOY.md records them). Last, the
shared store holds one record per question asked, from both servers, and the
twenty ratings.

The nginx access log (the template's own format, which names the server of
every request and never the question) tells which server served what.
"""
from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import time
import http.client
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest

import pg_server
from feedback.store import FeedbackStore

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"
UNIT = ROOT / "deploy" / "sen-guide@.service"
DOC = ROOT / "docs" / "DEPLOY.md"
OUT = ROOT / "test-output"
NGINX = Path("/usr/sbin/nginx")
CHROMIUM = Path("/usr/bin/chromium")
HOST = "sen-guide.test"  # the name parents would type; Chromium maps it to 127.0.0.1
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
SERVER_START_LIMIT = 120  # seconds for a server to answer its health check
FIRST_ANSWER_MS = 300_000  # the first answers wait for the index build, twenty pages on two cores
WAIT_MS = 60_000  # for anything else to appear on a page
TIMED_QUESTIONS = 15  # each way, through nginx and straight to a server
NEW_SESSIONS = 5  # opened after the kill
STORE_WAIT_S = 30  # for the last questions' records, written in the background, to reach the store
# Twenty questions, each with words of the passage that answers it.
from test_app_concurrency import SESSIONS  # noqa: E402
LOG_PROBLEMS = ("Traceback", "Error", "Exception", "CRITICAL")
# The template's values for a council's server (as in its header and docs/DEPLOY.md).
PRODUCTION = {"SERVER_NAME": "sen-guide.westvale.gov.uk", "HTTP_LISTEN": "80", "HTTPS_LISTEN": "443",
              "APP_SERVER_1": "127.0.0.1:8501", "APP_SERVER_2": "127.0.0.1:8502",
              "STATE_DIR": "/var/lib/nginx", "LOG_DIR": "/var/log/nginx"}


# --- helpers -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill_template(values: dict[str, str]) -> str:
    """deploy/nginx.conf with every {{NAME}} replaced; none may be left outside comments."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{%s}}" % name, value)
    left = [line for line in text.splitlines() if "{{" in line and not line.lstrip().startswith("#")]
    assert left == [], f"placeholders not filled: {left}"
    return text


def make_certificate(folder: Path, names: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate for the names and 127.0.0.1 (what a council buys or gets from Let's Encrypt)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.timezone.utc)
    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "fullchain.pem", folder / "privkey.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file


def nginx_command(prefix: Path, conf: Path, *extra: str) -> list[str]:
    """nginx in the foreground with everything of its own inside prefix (as root, its workers stay root:
    the test's temporary folders are not open to www-data)."""
    globals_ = f"daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;"
    if os.geteuid() == 0:
        globals_ += " user root;"
    return [str(NGINX), "-p", str(prefix), "-c", str(conf), *extra, "-g", globals_]


def need(path: Path, what: str) -> None:
    if not path.exists():
        pytest.fail(f"{path} is missing: `make {what}` installs it (or apt-get install -y "
                    f"{'nginx-light' if what == 'services' else 'chromium'}).")


def https_get(port: int, path: str, cafile: Path, host: str = HOST) -> http.client.HTTPResponse:
    """GET through nginx over TLS, checking the certificate, as a load balancer's health check would."""
    context = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    conn.request("GET", path, headers={"Host": f"{host}:{port}"})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def http_get(port: int, path: str, host: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def websocket_handshake(port: int, host: str) -> int:
    """The status a server gives a WebSocket handshake for a Host (101: accepted)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/_stcore/stream", headers={
        "Host": host, "Origin": f"https://{host}", "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Protocol": "streamlit"})
    status = conn.getresponse().status
    conn.close()
    return status


class Server:
    """One `streamlit run app.py` in its own process group, so that it can be killed whole."""

    def __init__(self, port: int, env: dict, log: Path):
        self.port, self.log = port, log
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "app.py", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_LIMIT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"streamlit exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if http_get(self.port, "/_stcore/health", f"127.0.0.1:{self.port}").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer within {SERVER_START_LIMIT} s:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)  # between polls of a bounded loop

    def kill(self, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
                self.proc.wait(timeout=20)


def served_by(access_log: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Sticky key -> [(method and path, status, the server that answered)] from the template's log format."""
    by_key: dict[str, list[tuple[str, str, str]]] = {}
    pattern = re.compile(r"^\S+ (\S+ \S+) (\d+) \S+ upstream=(.*) upstream_status=.* key=(\S+)$")
    for line in access_log.read_text(encoding="utf-8").splitlines():
        m = pattern.match(line)
        if m and m.group(3) != "-":
            # After a refused connection nginx names both: "dead:port, survivor:port". The last one answered.
            by_key.setdefault(m.group(4), []).append((m.group(1), m.group(2), m.group(3).split(", ")[-1]))
    return by_key


# --- the browser side (async: twenty people at once) --------------------------

async def settle(page) -> None:
    """Wait until Streamlit has finished the script run (nothing stale, no spinner)."""
    await page.wait_for_function(
        "() => !document.querySelector('[data-test-script-state=\"running\"], [data-stale=\"true\"], "
        "[data-testid=\"stSpinner\"]')", timeout=WAIT_MS)


async def answer_shows(page, question: str, phrase: str, timeout: int = WAIT_MS) -> None:
    """The answer to this question is on the page: its URL, the heading and the passage."""
    await page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=question,
                                 timeout=timeout)
    await page.get_by_role("heading", name="What the guidance says").wait_for(timeout=timeout)
    await page.locator("blockquote").filter(has_text=phrase).first.wait_for(state="visible", timeout=timeout)
    await settle(page)


class Session:
    """One person's browser (a context: its own cookies, so its own sticky key) and page."""

    def __init__(self, context, page):
        self.context, self.page = context, page
        self.errors: list[str] = []
        self.question = ""
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)

    @classmethod
    async def open(cls, browser, url: str, question: str, phrase: str, timeout: int = WAIT_MS) -> "Session":
        context = await browser.new_context(ignore_https_errors=True, viewport={"width": 1000, "height": 900})
        session = cls(context, await context.new_page())
        await session.page.goto(f"{url}/?q={quote(question)}", timeout=timeout)
        await answer_shows(session.page, question, phrase, timeout)
        session.question = question
        return session

    async def key(self) -> str:
        return next(c["value"] for c in await self.context.cookies() if c["name"] == "sg_server")

    async def rate(self) -> None:
        """Say the answer helped ("Yes"), and wait until the page says the rating is saved."""
        await self.page.get_by_role("button", name="Yes", exact=True).click(timeout=WAIT_MS)
        await self.page.get_by_text("Thank you. We have saved your answer").wait_for(timeout=WAIT_MS)
        await settle(self.page)

    async def ask(self, question: str, phrase: str) -> int:
        """Type a question and press Enter until it is answered; how many tries it took.

        A page whose server died reconnects its WebSocket to another server,
        where it is a new Streamlit session that has never run the page. The
        first question typed there must be answered as anywhere else (the test
        asserts one try for every session); were it dropped (the box showing
        the page's question again, and that answer again), the person would
        ask again, once, and the figures would say so."""
        box = self.page.get_by_label("Your question")
        for attempt in (1, 2):
            await box.fill(question)  # waits while the box is disabled (the page reconnecting)
            await box.press("Enter")
            # Either the URL takes the new question, or the run ends with the old one back in the box.
            await self.page.wait_for_function(
                """([q, old]) => {
                    const box = document.querySelector('input[aria-label="Your question"]');
                    const done = !document.querySelector('[data-test-script-state="running"], [data-stale="true"]');
                    return new URLSearchParams(location.search).get('q') === q || (done && box && box.value === old);
                }""", arg=[question, self.question], timeout=WAIT_MS)
            if await self.page.evaluate("q => new URLSearchParams(location.search).get('q') === q", question):
                await answer_shows(self.page, question, phrase)
                self.question = question
                return attempt
        raise AssertionError(f"{question!r} was dropped twice")


async def timed_answer(page, url: str, question: str, phrase: str) -> float:
    """Seconds from navigating to ?q= until the answer's heading and passage show."""
    started = time.perf_counter()
    await page.goto(f"{url}/?q={quote(question)}", timeout=WAIT_MS)
    await page.get_by_role("heading", name="What the guidance says").wait_for(timeout=WAIT_MS)
    await page.locator("blockquote").filter(has_text=phrase).first.wait_for(state="visible", timeout=WAIT_MS)
    elapsed = time.perf_counter() - started
    await settle(page)
    return elapsed


async def xsrf_statuses(page) -> dict:
    """What Streamlit's upload route (the one that checks the XSRF token) says to the page, through nginx:
    without the token, and with the token read from the _streamlit_xsrf cookie as Streamlit's frontend does."""
    return await page.evaluate("""async () => {
        const token = (document.cookie.match(/(?:^|; )_streamlit_xsrf=([^;]*)/) || [])[1];
        const put = headers => fetch('/_stcore/upload_file/no-such-session/no-such-file',
                                     {method: 'PUT', headers, body: new FormData(), credentials: 'same-origin'});
        const without = await put({});
        const with_token = await put({'X-Xsrftoken': token});
        return {token: Boolean(token), without: without.status, with_token: with_token.status};
    }""")


async def scenario(proxy_url: str, servers: list[Server], access_log: Path) -> dict:
    """Everything a browser does; returns what it saw."""
    from playwright.async_api import async_playwright

    found: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # 1. Twenty people at once, through nginx, while the index is still to be built.
            started = time.perf_counter()
            opened = await asyncio.gather(*(Session.open(browser, proxy_url, q, phrase, FIRST_ANSWER_MS)
                                            for q, phrase in SESSIONS), return_exceptions=True)
            found["first_answers_s"] = round(time.perf_counter() - started, 1)
            found["failed_sessions"] = [f"{q}: {r!r}"[:500] for (q, _), r in zip(SESSIONS, opened)
                                        if isinstance(r, BaseException)]
            sessions = [s for s in opened if isinstance(s, Session)]
            if found["failed_sessions"]:
                return found
            found["errors"] = [e for s in sessions for e in s.errors]
            keys = [await s.key() for s in sessions]
            found["cookies"] = [{k: c[k] for k in ("name", "secure", "httpOnly", "sameSite")}
                                for c in await sessions[0].context.cookies()]
            found["xsrf"] = await xsrf_statuses(sessions[0].page)
            log = served_by(access_log)
            found["servers_of_sessions"] = [sorted({srv for _, _, srv in log.get(k, [])}) for k in keys]
            asked = [q for q, _ in SESSIONS]
            found["questions_asked"] = asked

            # Every person says the answer helped, on whichever server their page is.
            rated = await asyncio.gather(*(s.rate() for s in sessions), return_exceptions=True)
            found["ratings_failed"] = [f"{q}: {r!r}"[:500] for (q, _), r in zip(SESSIONS, rated)
                                       if isinstance(r, BaseException)]
            found["ratings_by_server"] = dict(sorted(Counter(
                srv[0] for srv, r in zip(found["servers_of_sessions"], rated)
                if len(srv) == 1 and not isinstance(r, BaseException)).items()))

            # 2. One server dies. Every person asks a new question; new people come.
            counts = {srv.address: sum(found["servers_of_sessions"][i] == [srv.address] for i in range(len(keys)))
                      for srv in servers}
            victim, survivor = sorted(servers, key=lambda srv: -counts[srv.address])  # the busier one dies
            found["victim"], found["survivor"] = victim.address, survivor.address
            victim.kill()
            victim.proc.wait(timeout=20)
            killed_at = time.perf_counter()
            again = [SESSIONS[(i + 10) % len(SESSIONS)] for i in range(len(sessions))]
            tries = await asyncio.gather(*(s.ask(q, phrase) for s, (q, phrase) in zip(sessions, again)),
                                         return_exceptions=True)
            asked += [q for (q, _), t in zip(again, tries) if isinstance(t, int)]
            found["after_kill_s"] = round(time.perf_counter() - killed_at, 1)
            moved = [i for i, srv in enumerate(found["servers_of_sessions"]) if srv == [victim.address]]
            found["asks_after_kill"] = [{"moved": i in moved, "tries": t if isinstance(t, int) else repr(t)[:300]}
                                        for i, t in enumerate(tries)]
            found["errors_after_kill"] = [e for s in sessions for e in s.errors[len(found["errors"]):]]
            newcomers = await asyncio.gather(*(Session.open(browser, proxy_url, q, phrase)
                                               for q, phrase in SESSIONS[:NEW_SESSIONS]), return_exceptions=True)
            found["newcomers_failed"] = [repr(n)[:300] for n in newcomers if isinstance(n, BaseException)]
            asked += [q for (q, _), n in zip(SESSIONS, newcomers) if isinstance(n, Session)]
            newcomers = [n for n in newcomers if isinstance(n, Session)]
            newcomer_keys = [await n.key() for n in newcomers]
            found["newcomer_errors"] = [e for n in newcomers for e in n.errors]

            # 3. The same questions timed through nginx and straight to the survivor, taking turns.
            for s in sessions + newcomers:
                await s.context.close()
            contexts = [await browser.new_context(ignore_https_errors=True, viewport={"width": 1000, "height": 900})
                        for _ in range(2)]
            proxied, direct = [await c.new_page() for c in contexts]
            direct_url = f"http://{survivor.address}"
            await timed_answer(proxied, proxy_url, *SESSIONS[-1])  # each page has loaded once before timing
            await timed_answer(direct, direct_url, *SESSIONS[-1])
            asked += [SESSIONS[-1][0]] * 2
            times = {"proxy": [], "direct": []}
            for i, (q, phrase) in enumerate(SESSIONS[:TIMED_QUESTIONS]):
                order = [("proxy", proxied, proxy_url), ("direct", direct, direct_url)]
                for name, page, url in (order if i % 2 == 0 else order[::-1]):
                    times[name].append(await timed_answer(page, url, q, phrase))
                    asked.append(q)
            found["timed_s"] = {k: [round(t, 3) for t in v] for k, v in times.items()}
            found["p50_s"] = {k: round(statistics.median(v), 3) for k, v in times.items()}
        finally:
            await browser.close()
    log = served_by(access_log)
    found["servers_of_newcomers"] = [sorted({srv for _, _, srv in log.get(k, [])}) for k in newcomer_keys]
    return found


# --- the tests ----------------------------------------------------------------

def test_the_doc_shows_the_template_and_nginx_accepts_it(tmp_path):
    if not NGINX.exists():  # `make check` installs no services; `make test` does, and the test below needs it
        pytest.skip(f"{NGINX} is missing (`make services` installs it)")
    doc = deploy_doc_text()
    body = TEMPLATE.read_text(encoding="utf-8")
    config = body[body.index("worker_processes"):].rstrip()
    assert config in doc, "docs/DEPLOY.md must show deploy/nginx.conf as it is (from worker_processes on)"
    assert UNIT.read_text(encoding="utf-8").rstrip() in doc, "docs/DEPLOY.md must show deploy/sen-guide@.service"
    for name in ("/_stcore/health", "database_url", "SEN_GUIDE_DATABASE_URL", "sen-guide.toml", "python -m ingest",
                 "Strict-Transport-Security"):
        assert name in doc
    # The template with a council's values is a valid nginx configuration.
    for sub in ("logs", "state"):
        (tmp_path / sub).mkdir()
    cert, key = make_certificate(tmp_path, [PRODUCTION["SERVER_NAME"]])
    values = {**PRODUCTION, "CERTIFICATE": str(cert), "CERTIFICATE_KEY": str(key),
              "STATE_DIR": str(tmp_path / "state"), "LOG_DIR": str(tmp_path / "logs")}
    conf = tmp_path / "nginx.conf"
    conf.write_text(fill_template(values), encoding="utf-8")
    checked = subprocess.run(nginx_command(tmp_path, conf, "-t"), capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def deploy_doc_text() -> str:
    assert DOC.is_file(), "docs/DEPLOY.md describes the deployment"
    return DOC.read_text(encoding="utf-8")


@pytest.fixture
def database_url(tmp_path):
    """The feedback store both servers share: a real, throw-away PostgreSQL."""
    try:
        with pg_server.running_postgres(tmp_path) as url:
            yield url
    except pg_server.PostgresError as exc:
        pytest.fail(str(exc))


def stored_records(url: str, expected: int) -> list:
    """Every record in the shared store, once `expected` are there (the last questions of a
    run are written in the background) or after STORE_WAIT_S."""
    store = FeedbackStore(url)
    try:
        deadline = time.monotonic() + STORE_WAIT_S
        while len(records := store.records()) < expected and time.monotonic() < deadline:
            time.sleep(0.2)  # between polls of a bounded loop
        return records
    finally:
        store.close()


@pytest.mark.browser
@pytest.mark.model
def test_nginx_in_front_of_two_servers_shares_sessions_out_and_survives_one_dying(tmp_path, database_url):
    need(NGINX, "services")
    need(CHROMIUM, "browser")
    wall_started = time.perf_counter()
    for sub in ("logs", "state", "index"):
        (tmp_path / sub).mkdir()
    index = tmp_path / "index"  # empty: the servers must build it, once
    cert, key = make_certificate(tmp_path, [HOST])
    app_ports, http_port, https_port = [free_port(), free_port()], free_port(), free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(fill_template({
        "SERVER_NAME": HOST, "HTTP_LISTEN": f"127.0.0.1:{http_port}", "HTTPS_LISTEN": f"127.0.0.1:{https_port}",
        "APP_SERVER_1": f"127.0.0.1:{app_ports[0]}", "APP_SERVER_2": f"127.0.0.1:{app_ports[1]}",
        "CERTIFICATE": str(cert), "CERTIFICATE_KEY": str(key),
        "STATE_DIR": str(tmp_path / "state"), "LOG_DIR": str(tmp_path / "logs")}), encoding="utf-8")
    access_log = tmp_path / "logs" / "sen-guide.access.log"
    # As the systemd unit sets them (docs/DEPLOY.md); 127.0.0.1 too, for the timings straight to a server.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SEN_GUIDE_INDEX": str(index),
           "SEN_GUIDE_DATABASE_URL": str(database_url),  # one PostgreSQL for both servers
           "STREAMLIT_SERVER_ALLOWED_HOSTS": f"{HOST} 127.0.0.1",
           "STREAMLIT_SERVER_COOKIE_SECRET": os.urandom(32).hex()}
    servers: list[Server] = []
    nginx = None
    try:
        servers = [Server(port, env, tmp_path / f"streamlit-{port}.log") for port in app_ports]
        nginx = subprocess.Popen(nginx_command(tmp_path, conf), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        for server in servers:
            server.wait_until_healthy()
        deadline = time.monotonic() + 20
        while True:  # nginx is up when it answers
            try:
                health = https_get(https_port, "/_stcore/health", cert)
                break
            except OSError:
                if nginx.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start:\n{nginx.stdout.read().decode()}"
                                f"{(tmp_path / 'logs' / 'error.log').read_text() if (tmp_path / 'logs' / 'error.log').exists() else ''}")
                time.sleep(0.1)  # between polls of a bounded loop

        # The load balancer's check, over TLS with the certificate checked; HSTS; HTTP redirects to HTTPS.
        assert (health.status, health.body) == (200, b"ok")
        assert health.getheader("Strict-Transport-Security") == "max-age=31536000"
        redirect = http_get(http_port, "/?q=What%20is%20a%20SENCO%3F", f"{HOST}:{http_port}")
        assert (redirect.status, redirect.getheader("Location")) == (301, f"https://{HOST}/?q=What%20is%20a%20SENCO%3F")
        # A WebSocket is accepted for the service's name and refused for another (server.allowedHosts).
        assert websocket_handshake(app_ports[0], HOST) == 101
        assert websocket_handshake(app_ports[0], "evil.example") != 101

        found = asyncio.run(scenario(f"https://{HOST}:{https_port}", servers, access_log))
        health_after = https_get(https_port, "/_stcore/health", cert)
        # Read while the survivor still runs: nothing it has yet to write is lost by stopping it.
        records = stored_records(database_url, len(found.get("questions_asked", [])))
    finally:
        for server in servers:
            server.stop()
        if nginx is not None and nginx.poll() is None:
            os.killpg(nginx.pid, signal.SIGQUIT)  # graceful: finishes writing its logs
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(nginx.pid, signal.SIGKILL)
        # Kept for whoever reads a failure: nginx's logs and each server's output.
        kept = OUT / "deploy-logs"
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True)
        for log in [*(tmp_path / "logs").iterdir(), *tmp_path.glob("streamlit-*.log")]:
            shutil.copy(log, kept / log.name)
    found["wall_s"] = round(time.perf_counter() - wall_started, 1)
    found["load_average_1min_at_end"] = round(os.getloadavg()[0], 1)  # other work on the machine slows every figure
    builds = sorted(p.name for p in (index / "builds").iterdir()) if (index / "builds").is_dir() else []
    found["builds"] = builds
    found["store"] = {"records": len(records), "rated_yes": sum(r.helpful is True for r in records),
                      "rated_no": sum(r.helpful is False for r in records),
                      "questions_asked": len(found.get("questions_asked", []))}
    OUT.mkdir(exist_ok=True)
    (OUT / "deploy-figures.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    print("\nDeploy figures:", json.dumps({k: v for k, v in found.items() if k not in ("timed_s", "questions_asked")}, indent=2))
    print("Timed (s):", json.dumps(found.get("timed_s")))

    # Twenty sessions through nginx: all answered, no error in any page.
    assert found["failed_sessions"] == [], found["failed_sessions"]
    assert found["errors"] == []
    # Exactly one build: both servers started on the empty folder, one built under the lock.
    manifest = json.loads((index / "manifest.json").read_text())
    assert builds == [Path(manifest["folder"]).name], builds
    # Sticky: every request of a session went to one server; both servers served some sessions.
    assert all(len(srv) == 1 for srv in found["servers_of_sessions"]), found["servers_of_sessions"]
    assert {srv[0] for srv in found["servers_of_sessions"]} == {s.address for s in servers}
    # The sticky cookie and Streamlit's XSRF cookie are Secure behind TLS; XSRF protection works through nginx.
    cookies = {c["name"]: c for c in found["cookies"]}
    assert cookies["sg_server"]["secure"] and cookies["sg_server"]["httpOnly"]
    assert cookies["_streamlit_xsrf"]["secure"]
    assert found["xsrf"]["token"] and found["xsrf"]["without"] == 403 and found["xsrf"]["with_token"] != 403
    # Every session rated its answer, on both servers.
    assert found["ratings_failed"] == [], found["ratings_failed"]
    assert set(found["ratings_by_server"]) == {s.address for s in servers}, found["ratings_by_server"]
    assert sum(found["ratings_by_server"].values()) == len(SESSIONS)
    # One server killed: every session got its next answer at the first try, a moved one too.
    assert all(isinstance(a["tries"], int) for a in found["asks_after_kill"]), found["asks_after_kill"]
    assert all(a["tries"] == 1 for a in found["asks_after_kill"]), found["asks_after_kill"]
    assert any(a["moved"] for a in found["asks_after_kill"])
    assert found["errors_after_kill"] == [] and found["newcomer_errors"] == []
    # New sessions all went to the survivor; the load balancer's check still says ok.
    assert found["newcomers_failed"] == []
    assert found["servers_of_newcomers"] and all(srv == [found["survivor"]] for srv in found["servers_of_newcomers"])
    assert (health_after.status, health_after.body) == (200, b"ok")
    # The shared store: one record per question asked, through either server (the killed one's
    # written before it died), and the twenty ratings, all Yes, on the first twenty questions.
    assert Counter(r.question for r in records) == Counter(found["questions_asked"]), found["store"]
    rated = sorted(r.question for r in records if r.helpful is not None)
    assert rated == sorted(q for q, _ in SESSIONS) and all(r.helpful is True for r in records if r.helpful is not None)
    for server in servers:
        problems = [line for line in server.log.read_text(errors="replace").splitlines()
                    if any(word in line for word in LOG_PROBLEMS)]
        assert problems == [], f"{server.address}: {problems[:5]}"
