"""ingest.refresh against a real HTTP server on 127.0.0.1 (no other network).

Each test sets the server's routes: a path -> a function that answers the
request. The server records the headers of every request it was sent.
"""
from __future__ import annotations

import json
import os
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.build import corpus_files, corpus_fingerprint
from ingest.readers import read_document
from ingest.refresh import STATE_FILE, check_url, refresh

PAGE = (b"<html><head><title>SEN support</title></head><body><main><h1>SEN support</h1>"
        b"<p>Every school has a SENCO who plans the support a child needs.</p></main></body></html>")
PAGE_2 = PAGE.replace(b"plans the support", b"plans and reviews the support")
LAST_MODIFIED = formatdate(time.mktime((2026, 3, 3, 10, 0, 0, 0, 0, -1)), usegmt=True)  # Tue, 03 Mar 2026


def _pdf(text: str) -> bytes:
    """A one-page PDF with a text layer, built by hand (no PDF library needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


HANG_S = 60  # a bound only a hang reaches

class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests.append((self.path, dict(self.headers)))
        route = server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404, "Not Found")
            return
        route(self)

    def log_message(self, *args):  # quiet
        pass


class Site:
    """A local web site whose pages the test defines."""

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.routes, self.server.requests = {}, []
        self.server.handle_error = lambda *a: None  # a client that gave up (timeout tests) is no error
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path, fn):
        self.server.routes[path] = fn

    def page(self, path, body: bytes, content_type="text/html; charset=utf-8", etag=None, last_modified=None):
        """Serve body, answering 304 to a matching If-None-Match / If-Modified-Since."""
        def answer(h):
            if (etag and h.headers.get("If-None-Match") == etag) or (
                    last_modified and not etag and h.headers.get("If-Modified-Since") == last_modified):
                h.send_response(304)
                h.end_headers()
                return
            h.send_response(200)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            if etag:
                h.send_header("ETag", etag)
            if last_modified:
                h.send_header("Last-Modified", last_modified)
            h.end_headers()
            h.wfile.write(body)
        self.route(path, answer)

    def headers_of(self, path) -> list[dict]:
        return [headers for p, headers in self.server.requests if p == path]


@pytest.fixture
def site(monkeypatch):
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    s = Site()
    yield s
    s.server.shutdown()
    s.server.server_close()


@pytest.fixture
def corpus(tmp_path) -> Path:
    return tmp_path / "corpus"


def _only_file(corpus: Path, suffix: str) -> Path:
    (path,) = [p for p in corpus.iterdir() if p.suffix == suffix and not p.name.startswith(".")]
    return path


# --- First fetch, conditional requests, changes -----------------------------

def test_first_fetch_saves_the_page_and_its_source(site, corpus):
    site.page("/sen/support", PAGE)
    report = refresh([site.url("/sen/support")], corpus)
    assert report.changed == [site.url("/sen/support")] and not report.unchanged and not report.failed
    path = corpus / f"127.0.0.1-{site.port}_sen_support.html"
    assert path.read_bytes() == PAGE
    assert json.loads((corpus / (path.name + ".meta.json")).read_text()) == {"source": site.url("/sen/support")}
    state = json.loads((corpus / STATE_FILE).read_text())
    assert state[site.url("/sen/support")]["file"] == path.name
    # The corpus reader takes the address as the document's source.
    assert read_document(path, corpus).source == site.url("/sen/support")
    assert "1 changed, 0 unchanged, 0 failed" in report.summary()


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def _mark_old(path: Path) -> tuple[int, int]:
    """Set the file's mtime to 2001: a write now shows, however coarse the file
    system's timestamps (a rename shows as a new inode). Its stamp after."""
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    return _stamp(path)


def test_etag_gives_304_and_leaves_the_file_alone(site, corpus):
    site.page("/p", PAGE, etag='"v1"')
    refresh([site.url("/p")], corpus)
    path = _only_file(corpus, ".html")
    before = _mark_old(path)
    report = refresh([site.url("/p")], corpus)
    assert report.unchanged == [site.url("/p")] and not report.changed
    assert site.headers_of("/p")[-1].get("If-None-Match") == '"v1"'
    assert _stamp(path) == before


def test_last_modified_is_sent_back_and_recorded_as_updated_for_plain_text(site, corpus):
    text = b"Support at school\n\nEvery school has a SENCO who plans the support a child needs.\n"
    site.page("/guide.txt", text, content_type="text/plain", last_modified=LAST_MODIFIED)
    assert refresh([site.url("/guide.txt")], corpus).changed
    path = corpus / f"127.0.0.1-{site.port}_guide.txt"
    meta = json.loads((corpus / (path.name + ".meta.json")).read_text())
    assert meta == {"source": site.url("/guide.txt"), "updated": "2026-03-03"}
    report = refresh([site.url("/guide.txt")], corpus)
    assert report.unchanged == [site.url("/guide.txt")]
    assert site.headers_of("/guide.txt")[-1].get("If-Modified-Since") == LAST_MODIFIED
    assert read_document(path, corpus).updated == "2026-03-03"


def test_changed_content_is_written_and_same_bytes_are_not(site, corpus):
    site.page("/p", PAGE)  # no ETag or Last-Modified: the bytes decide
    refresh([site.url("/p")], corpus)
    path = _only_file(corpus, ".html")
    before = _mark_old(path)
    assert refresh([site.url("/p")], corpus).unchanged == [site.url("/p")]
    assert _stamp(path) == before
    site.page("/p", PAGE_2)
    report = refresh([site.url("/p")], corpus)
    assert report.changed == [site.url("/p")]
    assert path.read_bytes() == PAGE_2


def test_changed_etag_rewrites_the_file(site, corpus):
    site.page("/p", PAGE, etag='"v1"')
    refresh([site.url("/p")], corpus)
    site.page("/p", PAGE_2, etag='"v2"')
    assert refresh([site.url("/p")], corpus).changed == [site.url("/p")]
    assert _only_file(corpus, ".html").read_bytes() == PAGE_2
    assert json.loads((corpus / STATE_FILE).read_text())[site.url("/p")]["etag"] == '"v2"'


def test_the_councils_own_sidecar_keys_are_kept(site, corpus):
    site.page("/p", PAGE)
    name = f"127.0.0.1-{site.port}_p.html"
    corpus.mkdir()
    (corpus / (name + ".meta.json")).write_text(json.dumps({"publisher": "Eastmoor Council", "updated": "2025-01-02"}))
    refresh([site.url("/p")], corpus)
    meta = json.loads((corpus / (name + ".meta.json")).read_text())
    assert meta == {"publisher": "Eastmoor Council", "updated": "2025-01-02", "source": site.url("/p")}


# --- Failures keep the last good copy ---------------------------------------

def _good_copy(site, corpus, path="/p") -> Path:
    site.page(path, PAGE)
    refresh([site.url(path)], corpus)
    return _only_file(corpus, ".html")


def test_404_keeps_the_last_good_copy_and_the_summary_names_it(site, corpus):
    copy = _good_copy(site, corpus)
    del site.server.routes["/p"]
    report = refresh([site.url("/p")], corpus)
    assert not report.changed and not report.unchanged
    (url, reason), = report.failed
    assert url == site.url("/p") and "404 Not Found" in reason
    assert copy.read_bytes() == PAGE
    assert (f"Could not fetch {site.url('/p')}: the server answered 404 Not Found" in report.summary())
    assert f"the last good copy (corpus/{copy.name}) is kept." in report.summary()


def test_server_error_keeps_the_last_good_copy(site, corpus):
    copy = _good_copy(site, corpus)
    site.route("/p", lambda h: h.send_error(503, "Service Unavailable"))
    report = refresh([site.url("/p")], corpus)
    assert "503" in report.failed[0][1] and "try again later" in report.failed[0][1]
    assert copy.read_bytes() == PAGE


def test_a_page_never_fetched_says_there_is_no_copy(site, corpus):
    report = refresh([site.url("/missing")], corpus)
    assert "there is no earlier copy" in report.summary()
    assert not [p for p in corpus.iterdir() if not p.name.startswith(".")]


def test_timeout_keeps_the_last_good_copy(site, corpus):
    copy = _good_copy(site, corpus)

    answer = threading.Event()

    def slow(h):
        # Answers only once refresh() has returned (or after a bound only a
        # hang reaches): a refresh that waited past its timeout would get the
        # answer and report the page changed, not timed out. No clock is judged.
        answer.wait(HANG_S)
        h.send_response(200)
        h.end_headers()
    site.route("/p", slow)
    try:
        report = refresh([site.url("/p")], corpus, timeout=0.5)
    finally:
        answer.set()
    assert not report.changed and "within 0.5 s (the timeout)" in report.failed[0][1]
    assert copy.read_bytes() == PAGE


def test_refused_connection_is_a_plain_failure(corpus):
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = refresh([f"http://127.0.0.1:{port}/p"], corpus, timeout=2)
    assert "refused the connection" in report.failed[0][1]


def test_too_large_by_content_length(site, corpus):
    copy = _good_copy(site, corpus)
    site.page("/p", PAGE_2 + b" " * 2000)
    report = refresh([site.url("/p")], corpus, max_bytes=1000)
    reason = report.failed[0][1]
    assert f"it is {len(PAGE_2) + 2000:,} bytes (its Content-Length), more than the limit of 1,000 bytes" in reason
    assert "max_bytes" in reason
    assert copy.read_bytes() == PAGE


def test_too_large_with_a_chunked_body_that_gives_no_size(site, corpus):
    copy = _good_copy(site, corpus)

    def chunked(h):
        h.protocol_version = "HTTP/1.1"
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(10):
            h.wfile.write(b"%x\r\n%s\r\n" % (500, b"x" * 500))
        h.wfile.write(b"0\r\n\r\n")
    site.route("/p", chunked)
    report = refresh([site.url("/p")], corpus, max_bytes=1000)
    assert "more than 1,000 bytes (it sent no size first)" in report.failed[0][1]
    assert copy.read_bytes() == PAGE


def test_too_large_with_no_length_until_the_connection_closes(site, corpus):
    def unsized(h):  # HTTP/1.0: the body runs to the end of the connection
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.end_headers()
        h.wfile.write(b"word " * 1000)
    site.route("/big", unsized)
    report = refresh([site.url("/big")], corpus, max_bytes=1000)
    assert "it sent no size first" in report.failed[0][1]


def test_unknown_type_is_refused(site, corpus):
    site.page("/logo", b"\x89PNG\r\n", content_type="image/png")
    report = refresh([site.url("/logo")], corpus)
    assert "type 'image/png'" in report.failed[0][1]


def test_an_unreadable_download_does_not_replace_a_good_copy(site, corpus):
    copy = _good_copy(site, corpus)
    site.page("/p", b"   \n", content_type="text/html")
    assert "empty page" in refresh([site.url("/p")], corpus).failed[0][1]
    site.page("/p", b"\x00\x01binary", content_type="text/html")
    assert "cannot be read as guidance" in refresh([site.url("/p")], corpus).failed[0][1]
    assert copy.read_bytes() == PAGE


# --- Redirects ----------------------------------------------------------------

def _redirect(to: str):
    def answer(h):
        h.send_response(301)
        h.send_header("Location", to)
        h.end_headers()
    return answer


def test_redirect_on_the_same_host_is_followed(site, corpus):
    site.page("/new", PAGE)
    site.route("/old", _redirect("/new"))
    report = refresh([site.url("/old")], corpus)
    assert report.changed == [site.url("/old")]
    path = corpus / f"127.0.0.1-{site.port}_old.html"  # named after the listed address
    assert path.read_bytes() == PAGE
    assert json.loads((corpus / (path.name + ".meta.json")).read_text())["source"] == site.url("/old")


def test_redirect_to_another_host_is_refused_unless_allowed(site, corpus):
    site.page("/new", PAGE)
    site.route("/old", _redirect(site.url("/new", host="localhost")))
    report = refresh([site.url("/old")], corpus)
    reason = report.failed[0][1]
    assert "redirects to another host, localhost (from 127.0.0.1)" in reason and "add it to refresh_allowed_hosts" in reason
    assert not site.headers_of("/new")
    report = refresh([site.url("/old")], corpus, allowed_hosts=["localhost"])
    assert report.changed == [site.url("/old")] and not report.failed


def test_redirect_to_another_scheme_is_refused(site, corpus):
    site.route("/old", _redirect("ftp://127.0.0.1/guide.pdf"))
    assert "not an http:// or https:// address" in refresh([site.url("/old")], corpus).failed[0][1]


# --- Types and addresses ----------------------------------------------------

def test_pdf_is_saved_as_pdf(site, corpus):
    pdf = _pdf("Every school has a SENCO.")
    site.page("/docs/Local%20Offer.pdf", pdf, content_type="application/pdf")
    report = refresh([site.url("/docs/Local%20Offer.pdf")], corpus)
    assert report.changed and not report.failed
    path = _only_file(corpus, ".pdf")
    assert path.read_bytes() == pdf
    assert path.name.startswith(f"127.0.0.1-{site.port}_docs_Local-Offer-") and not path.name.endswith(".pdf.pdf")
    doc = read_document(path, corpus)
    assert "SENCO" in doc.text and doc.source == site.url("/docs/Local%20Offer.pdf")


def test_pdf_sent_as_octet_stream_is_taken_and_a_fake_pdf_is_not(site, corpus):
    site.page("/a", _pdf("Every school has a SENCO."), content_type="application/octet-stream")
    site.page("/b", PAGE, content_type="application/pdf")
    report = refresh([site.url("/a"), site.url("/b")], corpus)
    assert report.changed == [site.url("/a")]
    assert "said it is a PDF but sent something else" in report.failed[0][1]


def test_page_whose_type_changes_replaces_its_old_copy(site, corpus):
    site.page("/p", PAGE)
    refresh([site.url("/p")], corpus)
    site.page("/p", b"Support\n\nEvery school has a SENCO.\n", content_type="text/plain")
    assert refresh([site.url("/p")], corpus).changed
    names = sorted(p.name for p in corpus.iterdir() if not p.name.startswith("."))
    assert names == [f"127.0.0.1-{site.port}_p.txt", f"127.0.0.1-{site.port}_p.txt.meta.json"]


@pytest.mark.parametrize("url", ["ftp://example.org/guide.pdf", "file:///etc/passwd", "example.org/sen",
                                 "https://", "https://user:secret@example.org/sen", "https://x.org/a b"])
def test_bad_addresses_are_refused(url, corpus):
    assert check_url(url)
    report = refresh([url], corpus)
    assert report.failed[0][0] == url and report.failed[0][1] == check_url(url)


def test_good_addresses_pass():
    assert check_url("https://www.eastmoor.gov.uk/sen/support?page=2") == ""
    assert check_url("http://127.0.0.1:8080/p") == ""


def test_ftp_message_is_plain():
    assert check_url("ftp://example.org/g.pdf") == (
        "the address ftp://example.org/g.pdf starts with 'ftp:', but only http:// and https:// addresses "
        "can be fetched")


def test_one_bad_address_does_not_stop_the_others(site, corpus):
    site.page("/p", PAGE)
    report = refresh(["file:///etc/passwd", site.url("/p")], corpus)
    assert report.changed == [site.url("/p")] and len(report.failed) == 1
    assert report.failed[0][0] == "file:///etc/passwd" and "only http:// and https://" in report.failed[0][1]


# --- The corpus reader ------------------------------------------------------

def test_state_file_and_sidecars_are_not_read_as_guidance(site, corpus):
    site.page("/p", PAGE, etag='"v1"')
    site.page("/g.pdf", _pdf("Every school has a SENCO."), content_type="application/pdf")
    refresh([site.url("/p"), site.url("/g.pdf")], corpus)
    assert (corpus / STATE_FILE).exists()
    docs, skipped = corpus_files(corpus)
    assert sorted(p.suffix for p in docs) == [".html", ".pdf"] and skipped == []
    assert not any(p.name.endswith(".json") or p.name.startswith(".") for p in docs)
    # The sidecars count in the fingerprint (a new source re-reads the document); the state file does not.
    assert sum(k.endswith(".meta.json") for k in corpus_fingerprint(corpus)) == 2
    assert STATE_FILE not in corpus_fingerprint(corpus)
    # No temporary file is left behind.
    assert sorted(p.name for p in corpus.iterdir() if p.name.startswith(".")) == [STATE_FILE]


def test_two_addresses_for_one_file_name_do_not_overwrite_each_other(site, corpus):
    site.page("/p", PAGE)
    site.page("/p.html", PAGE_2)
    report = refresh([site.url("/p"), site.url("/p.html")], corpus)
    assert report.changed == [site.url("/p")]
    assert f"the file of {site.url('/p')}: list only one" in report.failed[0][1]
    assert _only_file(corpus, ".html").read_bytes() == PAGE


def test_text_in_another_charset_is_saved_as_utf8(site, corpus):
    text = "Café support\n\nThe SENCO’s role.\n"
    site.page("/t", text.encode("cp1252"), content_type="text/plain; charset=windows-1252")
    refresh([site.url("/t")], corpus)
    assert _only_file(corpus, ".txt").read_text(encoding="utf-8") == text


def test_a_page_with_its_own_date_keeps_it(site, corpus):
    dated = PAGE.replace(b"</head>", b'<meta property="article:modified_time" content="2025-11-20"></head>')
    site.page("/p", dated, last_modified=LAST_MODIFIED)
    refresh([site.url("/p")], corpus)
    path = _only_file(corpus, ".html")
    assert "updated" not in json.loads((corpus / (path.name + ".meta.json")).read_text())
    assert read_document(path, corpus).updated == "2025-11-20"


def test_a_damaged_state_file_means_a_full_fetch_and_never_a_path_outside(site, corpus, tmp_path):
    outside = tmp_path / "keep.html"
    outside.write_text("not the corpus")
    corpus.mkdir()
    (corpus / STATE_FILE).write_text(json.dumps({site.url("/p"): {"file": "../keep.html", "etag": '"v1"'}}))
    site.page("/p", b"Support\n\nEvery school has a SENCO.\n", content_type="text/plain", etag='"v1"')
    assert refresh([site.url("/p")], corpus).changed == [site.url("/p")]
    assert "If-None-Match" not in site.headers_of("/p")[-1]
    assert outside.read_text() == "not the corpus"
    (corpus / STATE_FILE).write_text("{not json")
    messages = []
    assert refresh([site.url("/p")], corpus, log=messages.append).unchanged == [site.url("/p")]
    assert "not valid JSON; every page is fetched in full" in messages[0]
