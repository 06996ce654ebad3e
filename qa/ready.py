"""An engine ready to answer: the index built if needed, then loaded."""
from __future__ import annotations

from typing import Callable

from ingest import ensure_index, store
from ingest.errors import IndexUnusableError, WrongCorpusError
from ingest.settings import Settings

from .engine import Engine


def ready_engine(settings: Settings, log: Callable[[str], None] = lambda _m: None) -> tuple[Engine, str]:
    """(engine, what building said: "" when the index was current). An index
    that is missing, stale or damaged is built first; one whose files pass
    their hashes but cannot be read is built once more, then loaded."""
    said = ensure_index(settings, log=log)
    try:
        return Engine(settings, log=log), said
    except WrongCorpusError:
        raise
    except IndexUnusableError as exc:
        build_id = (store.read_manifest(settings.index_dir) or {}).get("build_id", "")
        said = ensure_index(settings, log=log, unreadable=(build_id, str(exc).split(":")[0]))
        return Engine(settings, log=log), said
