#!/usr/bin/env python3
"""Validate the evaluation question files in this folder.

Checks: every line parses and has the five fields; ids are unique across all
files; kinds are known; out_of_scope <=> empty gold; every gold phrase occurs
verbatim (exact characters, after collapsing white space) in the body text of
its corpus: for HTML the visible text of the page's own content (h1 to the end
of its last section, headings removed, tags stripped without joining words),
for .txt the lines that are not headings, for .md the text without front
matter, headings or emphasis markers. It also applies the matching rules of
shared/eval/README.md (curly quotes straightened, lower case).
"""
import html, json, re, sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[2] / "corpus" / "sen-support-guidance.md"
KINDS = {"paraphrase", "keyword", "acronym", "colloquial", "synonym", "typo", "out_of_scope"}
INLINE = r"a|abbr|b|strong|em|i|span|time|code|small"
# where the page's own content lives in each saved web page
CONTENT = {
    "ehc-needs-assessment.html": ("<h1", "</article>"),
    "preparing-for-adulthood.html": ("<h1", '<div class="govuk-grid-column-one-third">'),
    "exclusions-and-alternative-provision.html": ("<h1", '<div class="entry-footer">'),
}

def ws(s): return re.sub(r"\s+", " ", s).strip()

def norm(s):
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"').replace("\u00a0", " ")
    return ws(s).lower()

def html_body(path):
    s = path.read_text(encoding="utf-8")
    start, end = CONTENT[path.name]
    i = s.index(start); j = s.index(end, i)
    s = s[i:j]
    s = re.sub(r"<h[1-6][^>]*>.*?</h[1-6]>", "\n", s, flags=re.S)   # headings are not body
    s = re.sub(rf"</?(?:{INLINE})\b[^>]*>", "", s)                  # inline tags: no break
    s = re.sub(r"<[^>]+>", "\n", s)                                 # block tags: break
    return [ws(html.unescape(p)) for p in s.split("\n") if p.strip()]

def txt_body(path):
    lines = path.read_text(encoding="utf-8").split("\n")
    out = []
    for k, line in enumerate(lines):
        prev_blank = k == 0 or not lines[k - 1].strip()
        next_blank = k + 1 >= len(lines) or not lines[k + 1].strip()
        is_heading = line.strip() and prev_blank and next_blank and not re.search(r"[.:?!]$", line.strip())
        if line.strip() and not is_heading:
            out.append(ws(line))
    return out

def md_body(path):
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"\A---\n.*?\n---\n", "", s, flags=re.S)
    out = []
    for line in s.split("\n"):
        if not line.strip() or line.lstrip().startswith("#") or re.match(r"^\|[\s\-|:]+\|$", line.strip()):
            continue
        line = line.replace("**", "")
        out.extend(ws(c) for c in line.strip().strip("|").split("|") if c.strip())
    return out

def body(path):
    return {".html": html_body, ".txt": txt_body, ".md": md_body}[path.suffix](path)

def check(qfile, docs, seen, problems):
    blocks = [b for d in docs for b in body(d)]
    exact = "\n".join(blocks)
    normed = "\n".join(norm(b) for b in blocks)
    kinds = Counter(); n = 0
    for ln, line in enumerate(qfile.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{qfile.relative_to(HERE)}:{ln}"
        try:
            q = json.loads(line)
        except Exception as e:
            problems.append(f"{where}: bad JSON {e}"); continue
        n += 1
        if set(q) != {"id", "question", "gold", "section", "kind"}:
            problems.append(f"{where}: fields {sorted(q)}")
        if q["id"] in seen:
            problems.append(f"{where}: duplicate id {q['id']}")
        seen.add(q["id"])
        kinds[q["kind"]] += 1
        if q["kind"] not in KINDS:
            problems.append(f"{where}: kind {q['kind']}")
        if (q["kind"] == "out_of_scope") != (not q["gold"]):
            problems.append(f"{where}: out_of_scope must have empty gold and only it")
        for g in q["gold"]:
            if ws(g) != g:
                problems.append(f"{where}: gold has stray white space: {g!r}")
            if g not in exact:
                problems.append(f"{where}: gold not verbatim in body text: {g!r}")
            elif norm(g) not in normed:
                problems.append(f"{where}: gold fails normalised match: {g!r}")
            words = len(g.split())
            if not 3 <= words <= 16:
                problems.append(f"{where}: gold length {words} words (warning): {g!r}")
    ins = n - kinds["out_of_scope"]
    print(f"{qfile.relative_to(HERE)}: {n} questions, {ins} in scope, {kinds['out_of_scope']} out of scope; kinds {dict(sorted(kinds.items()))}")

def main():
    problems, seen = [], set()
    sets = [
        (HERE / "seed-extra.jsonl", [SEED]),
        (HERE / "council-a/questions.jsonl", sorted((HERE / "council-a/corpus").glob("*.[thm]*[tld]"))),
        (HERE / "council-b/questions.jsonl", sorted((HERE / "council-b/corpus").glob("*.[thm]*[tld]"))),
        (HERE / "final/seed-final.jsonl", [SEED]),
        (HERE / "final/council-c/questions.jsonl", sorted((HERE / "final/council-c/corpus").glob("*.[thm]*[tld]"))),
    ]
    for qfile, docs in sets:
        docs = [d for d in docs if d.suffix in (".html", ".txt", ".md")]
        check(qfile, docs, seen, problems)
    for cfg in sorted(HERE.glob("**/sen-guide.json")):
        c = json.loads(cfg.read_text(encoding="utf-8"))
        for key in ("name", "publisher", "contacts", "emergency"):
            if key not in c:
                problems.append(f"{cfg.relative_to(HERE)}: missing {key}")
        print(f"{cfg.relative_to(HERE)}: ok, {len(c.get('contacts', []))} contacts, {len(c.get('emergency', []))} emergency")
    print("\n".join(problems) if problems else "no problems found")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
