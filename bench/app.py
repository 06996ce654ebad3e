"""Peak memory of the Streamlit server after it has answered questions in a real browser.

Starts `streamlit run app.py` on a free localhost port, opens the parent page
in headless Chromium (Debian's, driven by Playwright) once per question, as
separate visitors would, waits for each answer, then reads the server's
peak resident memory (VmHWM) from /proc.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from ingest.settings import DEFAULT_CORPUS_DIR, ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 90
ANSWER_TIMEOUT_S = 120  # the first answer waits for the engine and the model to load
# Every answer ends with one of these headings (views/ask.py).
ANSWERED = re.compile("What the guidance says|No answer in the guidance")


def peak_rss_mb(index_dir: Path, questions: list[str], log) -> tuple[float | None, str]:
    """(peak RSS of the server in MB, a note); None with the reason when it cannot be measured here."""
    if not (ROOT / "app.py").is_file():
        return None, "not measured: no app.py"
    if not Path(CHROMIUM).exists():
        return None, f"not measured: no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None, "not measured: Playwright is not installed (pip install -e '.[test]')"

    port = _free_port()
    env = {**os.environ, "SEN_GUIDE_INDEX": str(index_dir), "SEN_GUIDE_CORPUS": str(DEFAULT_CORPUS_DIR), "HF_HUB_OFFLINE": "1"}
    server_log = tempfile.TemporaryFile("w+")  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, server, server_log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for n, question in enumerate(questions, start=1):
                page.goto(f"{base}/?q={quote(question)}")
                page.get_by_role("heading", name=ANSWERED).wait_for(timeout=ANSWER_TIMEOUT_S * 1000)
                log(f"  answered {n}/{len(questions)}")
            browser.close()
        return _vm_hwm_kb(server.pid) * 1024 / 1e6, f"{len(questions)} questions"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server_log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, server: subprocess.Popen, server_log) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            server_log.seek(0)
            raise OSError(f"the Streamlit server stopped at start: {server_log.read().strip()[-300:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)  # polling a server that is starting, not waiting out a race
    raise OSError(f"the Streamlit server did not answer at {base} within {START_TIMEOUT_S} s")


def _vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise OSError(f"no VmHWM for process {pid}")
