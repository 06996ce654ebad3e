"""Fetch a council's guidance pages and PDFs into the corpus folder.

`refresh(urls, corpus_dir)` fetches each address and saves it as a corpus
file named after the address ("https://www.eastmoor.gov.uk/sen/support" ->
"www.eastmoor.gov.uk_sen_support.html"), with a sidecar
"<name>.meta.json" that records the address as the document's `source`
(so passages link back to it). Only what changed is written, so the build
that follows re-embeds only that.

- Conditional requests: each address's ETag and Last-Modified are kept in
  corpus/.refresh.json (a dot file: the corpus reader passes over it) and
  sent back; a 304 Not Modified is "unchanged".
- A page that cannot be fetched (404, 5xx, a timeout, too large, an
  unreadable type, a redirect to another host) keeps its last good copy; so
  does a download that the corpus reader cannot read (an empty page, a
  broken PDF). `RefreshReport.summary()` names each one and why.
- Redirects are followed on the same host only, unless the other host is in
  `allowed_hosts`.

Only the standard library is used (urllib.request).
"""
from __future__ import annotations

import email.utils
import json
import os
import re
import socket
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from hashlib import sha256
from http.client import HTTPException
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import unquote, urlsplit

from .readers import META_SUFFIX, UnreadableFile, read_document

STATE_FILE = ".refresh.json"  # in the corpus folder; a dot file, so never read as guidance
# The corpus file type for each Content-Type a server may send.
SUFFIXES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
}
# Some servers send PDFs as generic binary: they are taken when the bytes say PDF.
_BINARY_TYPES = {"application/octet-stream", "binary/octet-stream", "application/x-download"}
_USER_AGENT = "SEN-Guide-refresh/1 (fetches published SEN guidance; Python urllib)"
_CHUNK_BYTES = 64 * 1024
# A file name longer than this is cut and made unique with a hash of the address
# (most file systems allow 255 bytes; the sidecar adds 10 and a temp file more).
_MAX_NAME_CHARS = 120


@dataclass
class RefreshReport:
    changed: list[str] = field(default_factory=list)  # addresses whose corpus file was written (new or different)
    unchanged: list[str] = field(default_factory=list)  # 304 Not Modified, or the same bytes
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, plain reason); the last good copy is kept
    kept: dict[str, str] = field(default_factory=dict)  # failed address -> its last good copy, as "corpus/name"

    def summary(self) -> str:
        lines = [f"Refreshed {len(self.changed) + len(self.unchanged) + len(self.failed)} addresses: "
                 f"{len(self.changed)} changed, {len(self.unchanged)} unchanged, {len(self.failed)} failed."]
        for url, reason in self.failed:
            copy = self.kept.get(url)
            kept = (f"the last good copy ({copy}) is kept" if copy
                    else "there is no earlier copy, so it is not in the guidance")
            lines.append(f"Could not fetch {url}: {reason}; {kept}.")
        return "\n".join(lines)


class _FetchFailed(Exception):
    """A page that cannot be fetched or saved; the message is the plain reason."""


def check_url(url: str) -> str:
    """"" when the address can be fetched, else a one-line problem (for the config loader)."""
    if not isinstance(url, str) or not url.strip():
        return "the address is empty: give the full web address, starting https://"
    if url != url.strip() or any(c.isspace() for c in url):
        return f"the address {url!r} contains spaces: write a space as %20, or copy the address from the browser"
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        return f"the address {url} is not a valid web address ({exc})"
    if not parts.scheme:
        return f"the address {url} has no http:// or https:// at its start: write it in full, like https://{url}"
    if parts.scheme.lower() not in ("http", "https"):
        return (f"the address {url} starts with '{parts.scheme}:', but only http:// and https:// addresses "
                "can be fetched")
    if not parts.hostname:
        return f"the address {url} has no host name: give the full web address, like https://www.example.gov.uk/sen"
    if parts.username is not None or parts.password is not None:
        return (f"the address {url} contains a user name or password, which would be shown to readers as the "
                "source link: list only public pages")
    return ""


def refresh(urls: Sequence[str], corpus_dir: Path, *, allowed_hosts: Sequence[str] = (), timeout: float = 20.0,
            max_bytes: int = 50_000_000, log: Callable[[str], None] = lambda m: None) -> RefreshReport:
    """Fetch every address into corpus_dir; write only what changed; keep the last good copy of what failed."""
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    report = RefreshReport()
    state = _read_state(corpus_dir, log)
    urls = list(dict.fromkeys(urls))  # each address once, in order
    # A file belongs to the address that saved it: another address may not overwrite it.
    owners = {state[u]["file"]: u for u in urls if state.get(u, {}).get("file")}
    try:
        for url in urls:
            old = state.get(url, {})
            try:
                entry, changed = _refresh_one(url, corpus_dir, old, owners, allowed_hosts, timeout, max_bytes, log)
            except _FetchFailed as exc:
                report.failed.append((url, str(exc)))
                if old.get("file") and (corpus_dir / old["file"]).exists():
                    report.kept[url] = f"{corpus_dir.name}/{old['file']}"
                log(f"Could not fetch {url}: {exc}")
                continue
            state[url] = entry
            owners[entry["file"]] = url
            (report.changed if changed else report.unchanged).append(url)
            log(f"{'Saved' if changed else 'Unchanged'}: {url} -> {entry['file']}")
    finally:  # what was fetched is recorded even when stopped part way
        _write_atomic(corpus_dir / STATE_FILE, (json.dumps(state, indent=2, sort_keys=True) + "\n").encode())
    return report


# --- One address ----------------------------------------------------------

def _refresh_one(url, corpus_dir, old, owners, allowed_hosts, timeout, max_bytes, log) -> tuple[dict, bool]:
    problem = check_url(url)
    if problem:
        raise _FetchFailed(problem)
    headers = {"User-Agent": _USER_AGENT}
    # Ask "has it changed?" only when the copy it would keep is still there.
    if old.get("file") and (corpus_dir / old["file"]).exists():
        if old.get("etag"):
            headers["If-None-Match"] = old["etag"]
        if old.get("last_modified"):
            headers["If-Modified-Since"] = old["last_modified"]
    status, info, body = _fetch(url, headers, allowed_hosts, timeout, max_bytes)
    if status == 304:
        if "If-None-Match" not in headers and "If-Modified-Since" not in headers:
            raise _FetchFailed("the server answered 304 Not Modified to a request that asked for the whole page; "
                               "try again later")
        _write_sidecar(corpus_dir, old["file"], url, None, old)
        return old, False

    suffix = _suffix(info, body)
    name = _file_name(url, suffix)
    if owners.get(name, url) != url:
        raise _FetchFailed(f"it would be saved as {name}, the file of {owners[name]}: list only one of the two "
                           "addresses")
    body = _as_utf8(body, info, suffix)
    entry = {"file": name, "etag": info.get("ETag", ""), "last_modified": info.get("Last-Modified", "")}
    path = corpus_dir / name
    if path.exists() and path.read_bytes() == body:
        entry["updated"] = old.get("updated", "")
        _write_sidecar(corpus_dir, name, url, None, old)
        return entry, False

    own_date = _check_readable(corpus_dir, name, body)
    # Last-Modified is the document's date only when it gives none itself (the
    # page's "Last updated", the PDF's ModDate are better than the server's clock).
    entry["updated"] = "" if own_date else _http_date(entry["last_modified"])
    _write_sidecar(corpus_dir, name, url, entry["updated"], old)  # first: it fails on a damaged sidecar
    _write_atomic(path, body)
    if old.get("file") and old["file"] != name:  # its type changed: the old copy goes
        _move_old_copy(corpus_dir, old["file"], name, log)
    return entry, True


def _fetch(url, headers, allowed_hosts, timeout, max_bytes) -> tuple[int, object, bytes]:
    """(status, headers, body); a 304 is (304, headers, b"")."""
    opener = urllib.request.build_opener(_SameHostRedirects(url, allowed_hosts))
    deadline = time.monotonic() + timeout
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as resp:
            length = resp.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise _FetchFailed(_too_large(f"{_mb(int(length))} (its Content-Length)", max_bytes))
            chunks, size = [], 0
            while size <= max_bytes:
                chunk = resp.read(min(_CHUNK_BYTES, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() > deadline:
                    raise _FetchFailed(_timed_out(timeout, "the download did not finish"))
            if size > max_bytes:
                raise _FetchFailed(_too_large(f"more than {_mb(max_bytes)} (it sent no size first)", max_bytes))
            return resp.status, resp.headers, b"".join(chunks)
    except _FetchFailed:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return 304, exc.headers, b""
        raise _FetchFailed(_http_reason(exc)) from None
    except urllib.error.URLError as exc:
        raise _FetchFailed(_network_reason(exc.reason, url, timeout)) from None
    except (OSError, HTTPException) as exc:  # a timeout or a dropped connection while reading
        raise _FetchFailed(_network_reason(exc, url, timeout)) from None


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the listed address's own host or to an allowed one."""

    def __init__(self, url: str, allowed_hosts: Sequence[str]):
        self.host = urlsplit(url).hostname or ""
        self.allowed = {self.host} | {h.strip().lower() for h in allowed_hosts}

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = urlsplit(newurl)
        refused = ""
        if new.scheme.lower() not in ("http", "https"):
            refused = f"it redirects to {newurl}, which is not an http:// or https:// address"
        elif (new.hostname or "") not in self.allowed:
            refused = (
                f"it redirects to another host, {new.hostname} (from {self.host}), which is not followed: "
                f"if {new.hostname} is the council's own site, add it to refresh_allowed_hosts in sen-guide.toml, "
                "or list the new address instead")
        if refused:
            fp.close()
            raise _FetchFailed(refused)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# --- Reasons, in plain words ----------------------------------------------

def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def _too_large(size: str, max_bytes: int) -> str:
    return (f"it is {size}, more than the limit of {_mb(max_bytes)}: raise the size limit (max_bytes) "
            "if the file is really guidance, or list a smaller version")


def _timed_out(timeout: float, what: str) -> str:
    return (f"{what} within {timeout:g} s (the timeout): the site may be slow or down; try again later, "
            "or raise the timeout")


def _http_reason(exc: urllib.error.HTTPError) -> str:
    said = f"the server answered {exc.code} {exc.reason}"
    if 300 <= exc.code < 400:
        return f"{said} (it redirects too many times, or in a loop: open it in a browser and list the final address)"
    if exc.code in (401, 403):
        return f"{said} (the page is not public: list a page anyone can open)"
    if exc.code in (404, 410):
        return f"{said} (the page has moved or gone: find its new address on the council's site)"
    if exc.code >= 500 or exc.code == 429:
        return f"{said} (the site has a problem or is busy: try again later)"
    return said


def _network_reason(reason, url: str, timeout: float) -> str:
    host = urlsplit(url).hostname
    if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
        return _timed_out(timeout, "no answer came")
    if isinstance(reason, socket.gaierror):
        return f"the host name {host} could not be found: check the address, and that this machine is online"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection: check the address, or try again later if the site is down"
    if isinstance(reason, ssl.SSLError):
        return f"the secure connection to {host} failed ({getattr(reason, 'reason', None) or reason})"
    return f"the connection to {host} failed ({getattr(reason, 'strerror', None) or reason}); try again later"


# --- Saving ---------------------------------------------------------------

def _suffix(info, body: bytes) -> str:
    kind = info.get_content_type()
    if kind in _BINARY_TYPES and body[:1024].lstrip().startswith(b"%PDF-"):
        kind = "application/pdf"
    if kind not in SUFFIXES:
        raise _FetchFailed(f"the server sent a file of type '{kind}', which the guidance cannot hold (it takes "
                     "HTML pages, PDFs, plain text and Markdown); list the page or PDF itself")
    if not body.strip():
        raise _FetchFailed("the server sent an empty page; try again later")
    if SUFFIXES[kind] == ".pdf" and b"%PDF-" not in body[:1024]:
        raise _FetchFailed(f"the server said it is a PDF but sent something else (it starts {body[:20]!r}); "
                     "open the address in a browser to see what it sends")
    return SUFFIXES[kind]


def _file_name(url: str, suffix: str) -> str:
    """A stable name from the address: host, port and path, with the type's suffix.

    "https://www.x.gov.uk/sen/Support%20Guide.pdf" -> "www.x.gov.uk_sen_Support-Guide-<hash>.pdf".
    When the name had to change characters, or the address has a query, a
    short hash of the address keeps two addresses from sharing one name.
    """
    parts = urlsplit(url)
    host = parts.hostname + (f"-{parts.port}" if parts.port else "")
    path = unquote(parts.path).strip("/")
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and "." + ext.lower() in (suffix, ".htm" if suffix == ".html" else suffix):
        path = stem  # "guide.pdf" is saved as "guide.pdf", not "guide.pdf.pdf"
    raw = host + ("/" + path if path else "")
    name = re.sub(r"[^A-Za-z0-9._\-]+", "-", raw.replace("/", "_")).strip("-._")
    lossy = re.search(r"[^A-Za-z0-9.\-/]", raw) or parts.query or len(name) > _MAX_NAME_CHARS
    if lossy:
        name = name[:_MAX_NAME_CHARS].rstrip("-._") + "-" + sha256(url.encode()).hexdigest()[:8]
    return name + suffix


def _as_utf8(body: bytes, info, suffix: str) -> bytes:
    """Text in a named charset other than UTF-8 is saved as UTF-8 (the reader guesses only UTF-8 or cp1252)."""
    charset = (info.get_content_charset() or "").lower()
    if suffix == ".pdf" or charset in ("", "utf-8", "utf8", "us-ascii", "ascii"):
        return body
    try:
        return body.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return body  # saved as sent; the reader makes its own guess


def _check_readable(corpus_dir: Path, name: str, body: bytes) -> str:
    """Read the download as the build will, before it replaces a good copy; its own date, or ""."""
    fd, tmp = tempfile.mkstemp(dir=corpus_dir, prefix=f".{name}.", suffix=Path(name).suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        return read_document(Path(tmp), corpus_dir).updated
    except UnreadableFile as exc:
        raise _FetchFailed(f"the downloaded file cannot be read as guidance: {exc}") from None
    finally:
        os.unlink(tmp)


def _http_date(value: str) -> str:
    """A Last-Modified header as YYYY-MM-DD, or ""."""
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat() if value else ""
    except (TypeError, ValueError):
        return ""


def _write_sidecar(corpus_dir: Path, name: str, url: str, updated: str | None, old: dict) -> None:
    """Set "source" (and "updated", when given) in <name>.meta.json, keeping the other keys a council put there.

    updated=None leaves the date alone. A date the council wrote is never
    replaced: only one this module wrote (old["updated"]) is.
    """
    path = corpus_dir / (name + META_SUFFIX)
    meta = _read_json(path)
    if meta is None:
        raise _FetchFailed(f"its metadata file {path.name} is not valid JSON: correct or delete it, then refresh "
                           "again")
    new = dict(meta, source=url)
    if updated is not None and meta.get("updated", "") in ("", old.get("updated") or None):
        if updated:
            new["updated"] = updated
        else:
            new.pop("updated", None)
    if new != meta:
        _write_atomic(path, (json.dumps(new, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _move_old_copy(corpus_dir: Path, old_name: str, name: str, log) -> None:
    """The old copy and its sidecar go; the council's keys in the old sidecar move to the new one."""
    old_meta = _read_json(corpus_dir / (old_name + META_SUFFIX)) or {}
    new_path = corpus_dir / (name + META_SUFFIX)
    meta = _read_json(new_path) or {}
    merged = {**{k: v for k, v in old_meta.items() if k != "updated"}, **meta}
    if merged != meta:
        _write_atomic(new_path, (json.dumps(merged, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    for p in (corpus_dir / old_name, corpus_dir / (old_name + META_SUFFIX)):
        p.unlink(missing_ok=True)
    log(f"Removed {old_name}: the address now sends a different type of file, saved as {name}")


def _read_json(path: Path) -> dict | None:
    """The object in a JSON file; {} when there is no file; None when it is not a JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_state(corpus_dir: Path, log) -> dict:
    state = _read_json(corpus_dir / STATE_FILE)
    if state is None:
        log(f"{STATE_FILE} in {corpus_dir} is not valid JSON; every page is fetched in full this time.")
        return {}
    # Only plain file names in the corpus folder itself: nothing else is ever written or removed.
    return {url: entry for url, entry in state.items()
            if isinstance(entry, dict) and isinstance(entry.get("file"), str)
            and re.fullmatch(r"[A-Za-z0-9_\-][A-Za-z0-9._\-]*", entry["file"])}


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside the file under a dot name (the build passes over it), then swap it in."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
