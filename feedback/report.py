"""What parents asked, offline: the staff view's report on the command line.

    python -m feedback.report [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--csv FILE] [--json] [--database URL]

Prints how many questions were asked, refused and rated, then the refused
and unhelpful ones grouped by meaning (feedback.gaps), largest group first, each
with the section of the passage shown first. `--csv FILE` also writes every
record of the period. Any error is one line on stderr and exit code 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

from ingest import store as index_store
from ingest.chunking import CRUMB
from ingest.errors import SenGuideError
from ingest.settings import Settings, from_env

from . import gaps
from .store import FeedbackStore, StoreError, to_csv


class ReportError(Exception):
    """A wrong argument: the message says which and how to give it."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        since, until = _day(args.since, "--since"), _day(args.until, "--until")
        if since and until and since > until:
            raise ReportError(f"--since {since} is after --until {until}: give the earlier day first.")
        settings = from_env()
        report = make_report(FeedbackStore(args.database or settings.feedback_url), settings, since, until)
        csv_text = report.pop("csv")
        if args.csv:
            _write(args.csv, csv_text)
            report["csv_file"] = str(args.csv)
    except (ReportError, StoreError, SenGuideError) as exc:
        return _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - a person sees one line, never a traceback
        return _fail(f"The report could not be made ({type(exc).__name__}: {exc}).")
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else format_report(report))
    return 0


def make_report(store: FeedbackStore, settings: Settings, since: date | None = None,
                until: date | None = None) -> dict:
    """The period's counts, groups and CSV, as plain data."""
    counts = store.counts(since, until)
    records = store.records(since, until)
    groups = []
    if any(gaps.needs_attention(r) for r in records):
        groups = gaps.group_questions(records, _encoder(settings))
    headings = _headings(settings.index_dir, {g.first_chunk for g in groups} - {""})
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "counts": counts,
        "groups": [{
            "label": g.label, "size": g.size, "refused": g.refused, "unhelpful": g.unhelpful,
            "others": g.others, "comments": g.comments, "record_ids": [r.id for r in g.records],
            "first_chunk": g.first_chunk, "first_heading": headings.get(g.first_chunk, []),
        } for g in groups],
        "csv": to_csv(records),
    }


def format_report(report: dict) -> str:
    since, until = report["since"], report["until"]
    period = ("every question kept" if not (since or until) else
              f"from {since or 'the first question kept'} to {until or 'today'}")
    lines = [f"What parents asked: {period}", gaps.counts_sentence(report["counts"])]
    groups = report["groups"]
    if not groups:
        lines.append("No question was refused or rated unhelpful.")
    else:
        lines += ["", f"{len(groups)} {'group' if len(groups) == 1 else 'groups'} of questions refused or "
                      "rated unhelpful, largest first:"]
    for n, g in enumerate(groups, start=1):
        lines += ["", f"{n}. {g['label']}",
                  f"   {g['size']} {'question' if g['size'] == 1 else 'questions'}: {g['refused']} refused, "
                  f"{g['unhelpful']} rated unhelpful"]
        lines += [f"   also asked: {q}" for q in g["others"]]
        lines += [f"   parent wrote: {c}" for c in g["comments"]]
        if g["first_chunk"]:
            where = CRUMB.join(g["first_heading"]) or "a passage not in the current index"
            lines.append(f"   passage shown first: {where} ({g['first_chunk']})")
    if report.get("csv_file"):
        lines += ["", f"Wrote the period's records to {report['csv_file']}."]
    return "\n".join(lines)


def _encoder(settings: Settings):
    """The grouping model's batch encoder, loaded only when there is something to group (the load is slow)."""
    encoder = gaps.grouping_encoder(settings.encoder)
    return lambda texts: np.asarray(encoder.encode_many(texts))


def _headings(index_dir: Path, ids: set[str]) -> dict[str, list[str]]:
    """The heading path of each chunk id found in the current index (none when it cannot be read:
    the report still names the chunk ids)."""
    manifest = index_store.read_manifest(index_dir)
    if not ids or not manifest or not isinstance(manifest.get("folder"), str):
        return {}
    found = {}
    try:
        with open(index_dir / manifest["folder"] / "chunks.jsonl", encoding="utf-8") as f:
            for line in f:
                chunk = json.loads(line)
                if chunk.get("id") in ids:
                    found[chunk["id"]] = list(chunk.get("heading_path") or [])
    except (OSError, ValueError, AttributeError, TypeError):
        return found
    return found


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(f"{option} {text!r} is not a date: give it as YYYY-MM-DD, for example 2026-03-01.") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"The CSV file {path} could not be written ({exc.strerror}): "
                          "name a file in a folder you can write to.") from None


def _fail(message: str) -> int:
    print(f"Error: {' '.join(message.split())}", file=sys.stderr)
    return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m feedback.report",
                                description="What parents asked: how many questions were refused or rated, and "
                                            "the refused and unhelpful ones grouped by meaning.")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="the first day to include (default: the oldest kept)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="the last day to include (default: today)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the period's records to this CSV file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--database", metavar="URL",
                   help="the feedback database URL (default: the one in the settings)")
    return p


if __name__ == "__main__":
    sys.exit(main())
