"""The rooms of the code (README, Layout): which package may import which,
read from every import statement, the ones inside functions too."""
from __future__ import annotations

import ast

import pytest

from conftest import ROOT

PACKAGES = ("ingest", "qa", "feedback", "learn", "web", "views", "bench")
# What each package must never import: the arrows point down only
# (ingest <- qa <- feedback, learn <- web <- views, app.py; bench above all).
FORBIDDEN = {
    "ingest": {"qa", "feedback", "learn", "web", "views", "bench", "streamlit"},
    "qa": {"feedback", "learn", "web", "views", "bench", "streamlit", "sqlalchemy", "argon2", "html"},
    "feedback": {"learn", "web", "views", "bench", "streamlit"},
    "learn": {"feedback", "web", "views", "bench", "streamlit"},
    "web": {"views", "bench", "streamlit"},
}
# Old command names kept for scripts (`python -m qa.report` ...): each only runs
# its new module as a command, and imports nothing of it.
ALIASES = {"qa/evaluate.py": "learn.evaluate", "qa/fit.py": "learn.fit", "qa/report.py": "feedback.report",
           "qa/staff_auth.py": "web.staff_auth", "ingest/tune.py": "learn.tune"}
MAX_SHARE = 0.35


def imported(path) -> set[str]:
    """The top-level names of every module this file imports ('.x' inside its own package)."""
    package = path.relative_to(ROOT).parts[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(package if node.level else (node.module or "").split(".")[0])
    return names


def source_files(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_back_up(package):
    wrong = {str(p.relative_to(ROOT)): sorted(imported(p) & FORBIDDEN[package]) for p in source_files(package)}
    assert {f: names for f, names in wrong.items() if names} == {}


def test_the_imports_read_are_real_ones():
    """The scan sees relative, absolute and in-function imports (so a pass above means something)."""
    assert {"ingest", "qa"} <= imported(ROOT / "learn" / "fit.py")
    assert "qa" in imported(ROOT / "feedback" / "gaps.py")  # its encoder, imported inside a function
    assert "streamlit" in imported(ROOT / "views" / "shared.py")


@pytest.mark.parametrize("alias, target", sorted(ALIASES.items()))
def test_an_old_command_name_only_forwards(alias, target):
    tree = ast.parse((ROOT / alias).read_text(encoding="utf-8"))
    assert imported(ROOT / alias) == {"runpy"}
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert [c.args[0].value for c in calls] == [target]
    assert (ROOT / (target.replace(".", "/") + ".py")).is_file()


def test_no_package_holds_more_than_its_share_of_the_code():
    lines = {p: sum(len(f.read_text(encoding="utf-8").splitlines()) for f in source_files(p)) for p in PACKAGES}
    lines["app.py"] = len((ROOT / "app.py").read_text(encoding="utf-8").splitlines())
    total = sum(lines.values())
    assert {p: round(n / total, 3) for p, n in lines.items() if n / total > MAX_SHARE} == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_it_offers(package):
    doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 8
