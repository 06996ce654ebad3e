"""A council's configuration: one TOML file, `sen-guide.toml`, with environment overrides.

    [service]
    name = "Westvale SEN Guide"            # the browser tab's title
    title = "Ask about SEN support"        # the parent page's heading
    examples = ["What is a SENCO?", "..."] # the example question buttons
    [[service.contacts]]                   # who to ask when the guidance has no answer
    name = "Westvale SENDIASS"
    phone = "01234 567890"
    url = "https://www.westvale.gov.uk/sendiass"
    about = "free, impartial advice on SEND"

    [guidance]
    corpus = "corpus"                      # folders, relative to this file
    index = "index"
    model = "default"                      # the SEN-tuned all-MiniLM-L6-v2 (learn/tune.py)
    refresh = ["https://www.westvale.gov.uk/send/support"]   # python -m ingest --refresh
    refresh_allowed_hosts = []             # other hosts those pages may redirect to

    [feedback]
    record = true                          # keep parents' questions and ratings
    database_url = ""                      # "" = SQLite in data/feedback.db
    retention_days = 90

    [staff]
    login = "off"                          # "off", "password" or "oidc" (secrets in .streamlit/secrets.toml)

The file is `sen-guide.toml` beside app.py, or the one that SEN_GUIDE_CONFIG
names. Every key may be left out. An environment variable overrides its key
(ENV_OVERRIDES below), so a container can set one without editing the file.
Extra glossary terms live beside the guidance, in `<corpus>/glossary.json`.
A wrong setting stops the start with one line that names it and the fix.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .about import Contact
from .errors import SenGuideError
from .refresh import check_url
from .settings import ENCODER_BACKENDS, ROOT, STAFF_LOGINS, Settings, canonical_model

CONFIG_ENV = "SEN_GUIDE_CONFIG"
CONFIG_FILE = ROOT / "sen-guide.toml"

# Every key the file may hold: (table, key) -> the Settings field and its kind.
KEYS = {
    ("service", "name"): ("service_name", "text"),
    ("service", "title"): ("title", "text"),
    ("service", "examples"): ("examples", "texts"),
    ("service", "contacts"): ("contacts", "contacts"),
    ("guidance", "corpus"): ("corpus_dir", "folder"),
    ("guidance", "index"): ("index_dir", "path"),
    ("guidance", "model"): ("model", "text"),
    ("guidance", "encoder"): ("encoder", "encoder"),
    ("guidance", "refresh"): ("refresh_urls", "urls"),
    ("guidance", "refresh_allowed_hosts"): ("refresh_allowed_hosts", "texts"),
    ("feedback", "record"): ("feedback", "bool"),
    ("feedback", "database_url"): ("database_url", "database"),
    ("feedback", "retention_days"): ("retention_days", "days"),
    ("staff", "login"): ("staff_login", "login"),
}
# The environment variable that overrides each key.
ENV_OVERRIDES = {
    "SEN_GUIDE_CORPUS": ("guidance", "corpus"),
    "SEN_GUIDE_INDEX": ("guidance", "index"),
    "SEN_GUIDE_MODEL": ("guidance", "model"),
    "SEN_GUIDE_ENCODER": ("guidance", "encoder"),
    "SEN_GUIDE_DATABASE_URL": ("feedback", "database_url"),
    "SEN_GUIDE_FEEDBACK": ("feedback", "record"),
    "SEN_GUIDE_RETENTION_DAYS": ("feedback", "retention_days"),
    "SEN_GUIDE_STAFF_LOGIN": ("staff", "login"),
}
DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+psycopg://")


class ConfigError(SenGuideError):
    """A setting that is wrong: the message names it and the fix, in one line."""


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    named = (os.environ if environ is None else environ).get(CONFIG_ENV, "").strip()
    return Path(named) if named else CONFIG_FILE


def load(path: Path | None = None, environ: dict | None = None) -> Settings:
    """The settings from the configuration file (when there is one), then the environment."""
    environ = os.environ if environ is None else environ
    path = path or config_path(environ)
    values: dict = {}
    base = ROOT
    if path.exists() or environ.get(CONFIG_ENV, "").strip():
        base = path.resolve().parent
        values["config_file"] = path.resolve()
        for (table, key), value in _read(path).items():
            values[KEYS[(table, key)][0]] = _value(f"{path.name}: {table}.{key}", KEYS[(table, key)][1], value, base)
    for name, (table, key) in ENV_OVERRIDES.items():
        text = environ.get(name, "").strip()
        if text:
            field, kind = KEYS[(table, key)]
            values[field] = _value(f"the environment variable {name}", kind, text, Path.cwd())
    settings = Settings().with_(**values)
    return settings.with_(model=canonical_model(settings.model))


def _read(path: Path) -> dict[tuple[str, str], object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The configuration file {path} does not exist: create it (see README, "
                          f"'Set it up for your council') or unset {CONFIG_ENV}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The configuration file {path} cannot be read ({exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name} is not valid TOML ({exc}): fix that line.") from None
    found = {}
    for table, keys in data.items():
        if not isinstance(keys, dict):
            raise ConfigError(f"{path.name}: '{table}' must be a table such as [{table}]; "
                              f"the tables are {_names({t for t, _ in KEYS})}.")
        for key, value in keys.items():
            if (table, key) not in KEYS:
                known = _names({k for t, k in KEYS if t == table}) or "none: the tables are " + _names({t for t, _ in KEYS})
                raise ConfigError(f"{path.name}: unknown setting {table}.{key}; the settings of [{table}] are {known}.")
            found[(table, key)] = value
    return found


def _names(names: set[str]) -> str:
    return ", ".join(sorted(names))


def _value(where: str, kind: str, value, base: Path):
    """One setting, checked: the value the Settings field takes, or a ConfigError."""
    def fail(why: str):
        raise ConfigError(f"{where}: {why}")

    if kind in ("text", "encoder", "login", "database"):
        if not isinstance(value, str):
            fail(f"must be text in quotes, got {value!r}.")
        value = value.strip()
        if kind == "encoder" and value.lower() not in ENCODER_BACKENDS:
            fail(f"'{value}' is not a way to run the model; use one of {', '.join(ENCODER_BACKENDS)}.")
        if kind == "login" and value.lower() not in STAFF_LOGINS:
            fail(f"'{value}' is not a staff login; use one of {', '.join(STAFF_LOGINS)}.")
        if kind == "database" and value and not value.startswith(DATABASE_SCHEMES):
            fail(f"'{_without_password(value)}' is not a database address; use sqlite:///path/to/feedback.db "
                 "or postgresql+psycopg://user@host/database, or leave it empty for SQLite in data/.")
        if kind == "database" and value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]  # the driver installed (psycopg 3)
        return value.lower() if kind in ("encoder", "login") else value
    if kind in ("folder", "path"):
        if not isinstance(value, str) or not value.strip():
            fail(f"must be a folder name in quotes, got {value!r}.")
        folder = (base / Path(value.strip()).expanduser()).resolve()
        if kind == "folder" and not folder.is_dir():
            fail(f"the folder {folder} does not exist; create it and put the council's guidance in it, or fix the path.")
        return folder
    if kind in ("texts", "urls"):
        if isinstance(value, str) and kind == "texts" and where.startswith("the environment"):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            fail('must be a list of text in quotes, such as ["first", "second"].')
        value = tuple(v.strip() for v in value)
        for url in value if kind == "urls" else ():
            problem = check_url(url)
            if problem:
                fail(problem)
        return value
    if kind == "contacts":
        if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
            fail("must be a list of [[service.contacts]] tables, each with a name.")
        contacts = []
        for c in value:
            unknown = set(c) - {"name", "phone", "url", "about"}
            if unknown:
                fail(f"unknown key {_names(unknown)} in a contact; a contact has name, phone, url and about.")
            if not isinstance(c.get("name"), str) or not c["name"].strip():
                fail("every contact needs a name.")
            url = str(c.get("url", "")).strip()
            if url and urlsplit(url).scheme not in ("http", "https"):
                fail(f"the contact {c['name']}'s url '{url}' must start with https:// (or http://).")
            contacts.append(Contact(" ".join(c["name"].split()), str(c.get("phone", "")).strip(), url,
                                    " ".join(str(c.get("about", "")).split())))
        return tuple(contacts)
    if kind == "bool":
        if isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
        if not isinstance(value, bool):
            fail(f"must be true or false, got {value!r}.")
        return value
    if kind == "days":
        try:
            days = int(value)
        except (TypeError, ValueError):
            days = 0
        if isinstance(value, bool) or days < 1:
            fail(f"must be a whole number of days, 1 or more, got {value!r}.")
        return days
    raise AssertionError(kind)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url

