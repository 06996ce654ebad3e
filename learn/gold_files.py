"""An evaluation run from the staff view: which gold files it may read (the
rules for a path a person types), and one at a time per server."""
from __future__ import annotations

import threading
from pathlib import Path

from ingest.errors import SenGuideError
from ingest.settings import GOLD_DIRS_ENV, ROOT, gold_dirs

# The dev set sits beside the repository (../shared/eval), as `make evaluate` expects.
DEFAULT_GOLD = "../shared/eval/dev.jsonl"
GOLD_SUFFIX = ".jsonl"

# One evaluation at a time per server process: it runs every question of a
# gold file through the search and two baselines, and two at once would take
# both cores from parents' questions. (A lock in views/staff.py itself would be
# made anew on every run: Streamlit executes a page's file afresh each time.)
EVALUATION_LOCK = threading.Lock()


def gold_path(typed: str, root: Path = ROOT, allowed: list[Path] | None = None) -> Path:
    """The gold file a person named, relative to the repository folder; only an
    existing JSON Lines file inside an allowed folder (ingest.settings.gold_dirs)
    is accepted, and it is only ever read."""
    typed = typed.strip()
    if not typed:
        raise SenGuideError(f"Type the path of a gold file, for example {DEFAULT_GOLD}.")
    path = Path(typed).expanduser()
    path = path if path.is_absolute() else (root / path)
    if path.suffix != GOLD_SUFFIX:
        raise SenGuideError(f"{typed} is not a JSON Lines file: the evaluation reads only {GOLD_SUFFIX} files "
                            "with one question per line (see shared/eval/README.md).")
    folders = [d.resolve() for d in (gold_dirs() if allowed is None else allowed)]
    if not any(path.resolve().is_relative_to(d) for d in folders):
        raise SenGuideError(f"{typed} is outside the folders gold files are read from; put it in the repository "
                            f"or the shared folder, or name its folder in {GOLD_DIRS_ENV} when starting the app.")
    if not path.is_file():
        raise SenGuideError(f"There is no gold file at {path.resolve()}: check the path "
                            f"(relative paths start at the repository folder {root}).")
    return path
