"""What a corpus says about itself: `corpus/sen-guide.json`.

A council names its service and who a parent can turn to, so that a page
searching its guidance never names another council's services:

    {"name": "Westminster Local Offer", "publisher": "Westminster City Council",
     "contacts": [{"name": "WIASS", "phone": "020 7641 5355", "url": "https://...",
                   "about": "free, impartial advice on SEND"}],
     "emergency": [{"name": "Emergency services", "phone": "999"}],
     "examples": ["What is a SENCO?", "Can I ask for an EHC assessment myself?"]}

Every field may be left out. With no contacts, a page says to ask the school's
SENCO; with no emergency contacts, it gives the UK's own numbers; with no
examples, the parent page offers the guidance's own question-like headings.
A council's configuration file (ingest/config.py) may set the contacts and
examples instead; what it sets comes first.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError

ABOUT_FILE = "sen-guide.json"


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    url: str = ""  # only http(s) addresses are kept
    about: str = ""  # what they help with, in a few words

    def to_json(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


# A child in danger: the UK's numbers, whatever the corpus says or does not.
UK_EMERGENCY = (
    Contact("Emergency services", "999", about="if a child is in danger now"),
    Contact("NHS 111", "111", "https://111.nhs.uk", "urgent medical or mental health help, any time"),
)


@dataclass(frozen=True)
class About:
    name: str = ""
    publisher: str = ""
    contacts: tuple[Contact, ...] = ()
    emergency: tuple[Contact, ...] = UK_EMERGENCY
    examples: tuple[str, ...] = ()  # example questions this guidance answers


def read_about(corpus_dir: Path) -> About:
    """The corpus's own settings, or the neutral defaults when it has none."""
    path = corpus_dir / ABOUT_FILE
    if not path.exists():
        return About()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError("it is not a JSON object")
        return About(
            name=_text(data.get("name")), publisher=_text(data.get("publisher")),
            contacts=tuple(_contact(c) for c in _list(data, "contacts")),
            emergency=tuple(_contact(c) for c in _list(data, "emergency")) or UK_EMERGENCY,
            examples=tuple(t for t in (_text(e) for e in _list(data, "examples")) if t),
        )
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise CorpusError(f"The corpus settings {path} cannot be read ({exc}): it must be a JSON object with "
                          "optional name, publisher, contacts, emergency and examples (see ingest/about.py); fix it.") from None


def _list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise TypeError(f"'{key}' must be a list of contacts")
    return value


def _contact(item) -> Contact:
    if not isinstance(item, dict) or not _text(item.get("name")):
        raise TypeError(f"every contact needs a name, got {item!r}")
    url = _text(item.get("url"))
    return Contact(_text(item["name"]), _text(item.get("phone")),
                   url if url.lower().startswith(("https://", "http://")) else "", _text(item.get("about")))


def _text(value) -> str:
    ok = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return " ".join(str(value).split()) if ok else ""
