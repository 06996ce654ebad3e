"""A real PostgreSQL server for tests, started from Debian's binaries on a
free loopback port and thrown away afterwards.

    from pg_server import running_postgres

    with running_postgres(tmp_path) as url:      # postgresql+psycopg://postgres@127.0.0.1:PORT/feedback
        store = FeedbackStore(url)
        url.stop()                              # the server goes down mid-test...
        url.start()                             # ...and comes back on the same port

`url` is a plain `str` (pass it to SQLAlchemy or to a child process as it is)
that also carries `stop()`, `start()` and the `server` behind it. The
cluster lives in its own temporary folder, with trust authentication and
no fsync (its data is thrown away), so it starts in a second or two.
"""
from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

POSTGRES_BINARIES = "/usr/lib/postgresql/*/bin"
DATABASE = "feedback"
SUPERUSER = "postgres"
# Seconds pg_ctl waits for the server to accept connections, or to stop.
_WAIT_SECONDS = 60
NOT_INSTALLED = (f"PostgreSQL is not installed (no initdb or pg_ctl under {POSTGRES_BINARIES}): "
                 "run make test (it installs Debian's postgresql).")


class PostgresError(RuntimeError):
    """The test server could not be set up, started or stopped."""


def find_binaries() -> Path:
    """The bin folder of the newest PostgreSQL installed, or PostgresError."""
    folders = [Path(p) for p in glob.glob(POSTGRES_BINARIES)
               if (Path(p) / "initdb").exists() and (Path(p) / "pg_ctl").exists()]
    if not folders:
        raise PostgresError(NOT_INSTALLED)
    return max(folders, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One throw-away cluster: `setup()` once, then `start()` / `stop()` as
    often as a test likes, `destroy()` at the end."""

    def __init__(self, base: Path):
        self.bin = find_binaries()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            # initdb refuses to run as root, so the cluster belongs to the
            # postgres user, who cannot enter pytest's root-only tmp folders:
            # use a fresh folder in the system temp folder instead.
            base = Path(tempfile.mkdtemp(prefix="sen-guide-pg-"))
            self._own_base = True
        else:
            base = Path(base)
            base.mkdir(parents=True, exist_ok=True)
            self._own_base = False
        self.base = base
        self.data = base / "data"
        self.sockets = base / "sock"  # short: a unix socket path must fit in 107 bytes
        self.log = base / "server.log"
        self.port = _free_port()
        self.running = False
        self.startup_seconds = 0.0  # from nothing to a database that takes connections

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str, as_owner: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if as_owner and self.as_root:
            if shutil.which("runuser") is None:
                raise PostgresError("runuser is missing: it is needed to run PostgreSQL as the postgres user when testing as root.")
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        done = subprocess.run(cmd, cwd=self.base, capture_output=True, text=True, timeout=_WAIT_SECONDS + 30)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                                + (f"\nserver log:\n{log}" if log else ""))
        return done

    def setup(self) -> None:
        """initdb the cluster, start it and create the database."""
        self.sockets.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            try:
                shutil.chown(self.base, SUPERUSER, SUPERUSER)
                shutil.chown(self.sockets, SUPERUSER, SUPERUSER)
            except LookupError:
                raise PostgresError(f"There is no '{SUPERUSER}' system user to run PostgreSQL as (initdb refuses root): "
                                    "run make test (Debian's postgresql package creates it), or run the tests as another user.")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")
        for attempt in range(3):
            try:
                self.start()
                break
            except PostgresError:
                if attempt == 2:
                    raise
                self.port = _free_port()  # another process took the port since it was free
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, DATABASE,
                  as_owner=False)

    def start(self) -> None:
        if self.running:
            return
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "start", "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", str(_WAIT_SECONDS), "-o", options)
        self.running = True

    def stop(self) -> None:
        if not self.running:
            return
        self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(_WAIT_SECONDS))
        self.running = False

    def destroy(self) -> None:
        """Stop the server (if it runs) and remove a folder this object made."""
        try:
            self.stop()
        finally:
            if self._own_base:
                shutil.rmtree(self.base, ignore_errors=True)


class PostgresURL(str):
    """The SQLAlchemy URL of a running test server, with `stop()` and
    `start()` for tests that take the server down mid-run."""

    server: PostgresServer

    def __new__(cls, server: PostgresServer) -> "PostgresURL":
        url = super().__new__(cls, server.url)
        url.server = server
        return url

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.start()

    def __reduce__(self):
        # A child process gets the plain URL, never the server object.
        return (str, (str(self),))


@contextmanager
def running_postgres(tmp_path: Path) -> Iterator[PostgresURL]:
    """Start a throw-away PostgreSQL, yield its URL, stop it at the end."""
    started = time.monotonic()
    server = PostgresServer(Path(tmp_path) / "postgres")
    atexit.register(server.destroy)  # even if the test run is interrupted
    try:
        server.setup()
        server.startup_seconds = time.monotonic() - started
        yield PostgresURL(server)
    finally:
        server.destroy()
        atexit.unregister(server.destroy)
