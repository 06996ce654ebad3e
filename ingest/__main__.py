"""python -m ingest [--corpus DIR] [--index DIR] [--model NAME] [--force] [--refresh]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import SenGuideError, build, from_env
from .settings import MODEL_ENV


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Build the SEN Guide search index from the corpus.")
    parser.add_argument("--corpus", type=Path, help="folder of guidance files (default: corpus/)")
    parser.add_argument("--index", type=Path, help="folder to write the index to (default: index/)")
    parser.add_argument("--model", help=f"sentence-transformers model name or path (default: the bundled all-MiniLM-L6-v2, SEN-tuned by learn/tune.py; env {MODEL_ENV})")
    parser.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    parser.add_argument("--refresh", action="store_true",
                        help="first fetch the council's pages listed under [guidance] refresh in sen-guide.toml "
                             "into the corpus folder (only what changed), then index what changed")
    args = parser.parse_args(argv)
    try:
        settings = from_env(corpus_dir=args.corpus, index_dir=args.index, model=args.model)
        if args.refresh:
            refreshed = _refresh(settings)
            if refreshed is None:
                return 1
            print(refreshed.summary())
        report = build(settings, progress=sys.stderr.isatty(), log=lambda m: print(m, file=sys.stderr), force=args.force)
    except SenGuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the index folder cannot be written: a full disk, a file in the way...
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: the index could not be written to {settings.index_dir}: {exc.strerror or exc}{where}. "
              "Choose another folder with --index, or free the space, then run it again; "
              "the previous index is unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopped; the previous index is unchanged.", file=sys.stderr)
        return 130
    print(report.summary())
    return 0


def _refresh(settings):
    """Fetch the council's pages into the corpus; None (after saying why) when none are listed.
    A page that fails keeps its last good copy, so the build goes on."""
    from .refresh import refresh

    if not settings.refresh_urls:
        print('error: no pages to refresh: list them as refresh = ["https://..."] under [guidance] '
              "in sen-guide.toml (README, 'Set it up for your council').", file=sys.stderr)
        return None
    return refresh(settings.refresh_urls, settings.corpus_dir, allowed_hosts=settings.refresh_allowed_hosts,
                   log=lambda m: print(m, file=sys.stderr))


if __name__ == "__main__":
    sys.exit(main())
