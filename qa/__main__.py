"""python -m qa "question" [--k 5] [--index DIR] [--json]
python -m qa --questions FILE [--json]"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.chunking import CRUMB
from ingest.errors import SenGuideError

from .links import source_link


def _read_questions(path: Path) -> list[str]:
    """JSON Lines with a `question` field, or one question per line."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            lines = [line.rstrip("\n") for line in f]
    except UnicodeDecodeError as exc:
        raise SenGuideError(f"The questions file {path} is not UTF-8 text ({exc.reason} at byte {exc.start}): "
                            "save it as UTF-8 and run again.") from None
    questions = []
    for line in lines:
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                item = json.loads(line)
                if isinstance(item, dict) and "question" in item:
                    questions.append(str(item["question"]))
                    continue
            except ValueError:
                pass
        questions.append(line)
    return questions


def _human(answer) -> str:
    out = []
    if answer.notice:
        out.append(f"Note: {answer.notice}")
    if not answer.answered:
        out.append(answer.reason)
        if answer.passages:
            out.append("\nThe closest passages, which may not answer it:")
    for p in answer.passages:
        out.append(f"\n{p.rank}. {CRUMB.join(p.heading_path)}  ({p.document}; score {p.score:.4f})")
        out.extend("   " + line for line in p.text.splitlines())
        if p.highlights:
            out.append("   Best match: " + " … ".join(p.highlighted_sentences()))
        if source_link(p):
            out.append("   Read it at: " + source_link(p))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa", description="Quote the guidance passages that answer a question.")
    parser.add_argument("question", nargs="?", help="the question, in quotes")
    parser.add_argument("--questions", type=Path, help="answer every question in a file (JSON Lines or one per line)")
    parser.add_argument("--k", type=int, default=5, help="passages to return (default 5)")
    parser.add_argument("--index", type=Path, help="index folder (default: index/)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if args.question is None and args.questions is None:
        parser.error("give a question in quotes, or --questions FILE")
    if args.k < 1:
        parser.error(f"--k of {args.k} is too small: ask for at least 1 passage")

    from .ready import engine_for

    try:
        questions = _read_questions(args.questions) if args.questions else [args.question]
        engine = engine_for(index_dir=args.index)
        for q in questions:
            answer = engine.search(q, k=args.k)
            if args.json:
                print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
            else:
                if args.questions:
                    print(f"\n=== {answer.question}")
                print(_human(answer), flush=True)
    except (SenGuideError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
