"""Timings that tests used to judge, measured here beside their targets
(tests say only whether a thing happens; how soon is the benchmark's to tell):

- `pdf_300_pages_s`: reading a 300-page PDF with an outline, three paragraphs
  a page (`ingest.pdf_reader.read_pdf`), median of runs;
- `reload_commit_to_answer_s`: from `python -m ingest` committing a new build
  (its manifest's mtime) to a running server's engine (`web.live.LiveEngine`,
  watching at its own POLL_SECONDS) answering with the new text, median of
  rebuilds. The page shows it on its next question; the browser tests check
  that it does (tests/test_browser_reload.py, tests/test_council_setup.py).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from ingest.settings import ROOT

PARAGRAPH = ("The local authority must make sure that children and young people with special educational needs "
             "get the support they need, and that their parents are involved in every decision about it. ")
GUIDE = "# Guide\n\n## Reviews\n\nProgress is reviewed three times a year. Edition {n}.\n\n" \
        "## Travel\n\nSchool travel is free for children who live far from school. Edition {n}.\n"
HANG_S = 300  # a bound only a hang reaches


def long_pdf(pages: int = 300) -> bytes:
    """A PDF of `pages` pages: a chapter (outline level 1) every 10, a section (level 2) on each."""
    from fpdf import FPDF

    pdf = FPDF()
    for n in range(1, pages + 1):
        pdf.add_page()
        if n % 10 == 1:
            pdf.set_font("Helvetica", "B", 18)
            pdf.start_section(f"Chapter {(n - 1) // 10 + 1}", level=0)
            pdf.multi_cell(0, 10, f"Chapter {(n - 1) // 10 + 1}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 14)
        pdf.start_section(f"Section {n}", level=1)
        pdf.multi_cell(0, 8, f"Section {n}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for k in (1, 2, 3):
            pdf.multi_cell(0, 6, f"Paragraph {k} of page {n}. " + PARAGRAPH * 2, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
    return bytes(pdf.output())


def pdf_seconds(runs: int, pages: int = 300) -> float:
    from ingest.pdf_reader import read_pdf

    data, times = long_pdf(pages), []
    for _ in range(runs):
        started = time.perf_counter()
        doc = read_pdf(data, "long.pdf")
        times.append(time.perf_counter() - started)
        if len(doc.page_starts) != pages:
            raise RuntimeError(f"the {pages}-page PDF read as {len(doc.page_starts)} pages")
    return statistics.median(times)


def reload_seconds(work: Path, rebuilds: int, env: dict, log) -> float:
    """Median seconds from a committed build to the live engine answering from it."""
    from ingest.settings import Settings
    from web.live import LiveEngine

    corpus, index = work / "reload" / "corpus", work / "reload" / "index"
    corpus.mkdir(parents=True)

    def ingest(n: int) -> float:
        (corpus / "guide.md").write_text(GUIDE.format(n=n), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "ingest", "--corpus", str(corpus), "--index", str(index)],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=900)
        return (index / "manifest.json").stat().st_mtime

    ingest(0)
    live = LiveEngine(lambda: Settings(corpus_dir=corpus, index_dir=index)).start()
    times = []
    try:
        for n in range(1, rebuilds + 1):
            log(f"  rebuild {n} of {rebuilds}...")
            committed = ingest(n)
            deadline = time.monotonic() + HANG_S
            while f"Edition {n}." not in live.current().search("how often is progress reviewed", k=1).passages[0].text:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the live engine did not answer from a new build within {HANG_S} s")
                time.sleep(0.05)
            times.append(time.time() - committed)
    finally:
        live.stop()
    return statistics.median(times)
