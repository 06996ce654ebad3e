"""The corpus is a faithful copy of the supplied guidance, with its real headings.

These tests read files only: no model, no index.
"""
import difflib
import re

from ingest.readers import read_document
from ingest.settings import DEFAULT_CORPUS_DIR

CORPUS_MD = DEFAULT_CORPUS_DIR / "sen-support-guidance.md"

# Page navigation on the web page the text was copied from: dropped from the
# corpus, and nothing else is.
RESIDUE = ["Contact us", "SEN Support", "Newly diagnosed", "Getting extra help", "How does the funding work?"]

HEADINGS = [
    (1, "Special Educational Needs Support"),
    (2, "Newly Diagnosed"),
    (2, "Getting extra help"),
    (2, "Funding for special educational needs in mainstream schools"),
    (3, "What is SEN funding for?"),
    (3, "Where does funding for SEN come from?"),
    (4, "Element 1"),
    (4, "Element 2"),
    (4, "Element 3"),
    (3, "Who manages the school’s SEN resources?"),
    (3, "How can I find out what support and resources my child is getting?"),
    (3, "Where can I get further information, advice or support?"),
]

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def norm(text: str) -> str:
    """White space (no-break spaces included) collapsed to single spaces."""
    return " ".join(text.split())


def seed_units(text: str) -> list[str]:
    """The supplied text as lines of content: paragraphs, headings and list items (bullet removed)."""
    units = [norm(line) for line in text.splitlines()]
    return [re.sub(r"^• ", "", u) for u in units if u]


def md_units(text: str) -> list[str]:
    """The corpus body as lines of content: heading and list markers removed."""
    body = _FRONT_MATTER.sub("", text)
    units = [norm(line) for line in body.splitlines()]
    return [re.sub(r"^(#{1,6}|-) ", "", u) for u in units if u]


def sentences(unit: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=\S)", unit) if s]


def test_every_sentence_and_list_item_of_the_supplied_text_is_in_the_corpus(seed_text):
    seed = seed_text.read_text(encoding="utf-8")
    corpus = norm(" ".join(md_units(CORPUS_MD.read_text(encoding="utf-8"))))
    missing = [s for unit in seed_units(seed) for s in sentences(unit) if s not in corpus]
    # "Newly diagnosed" and "Getting extra help" are nav links; the latter's
    # words are also a heading of the corpus, so the order check below is
    # what proves the nav copy of it was dropped.
    assert missing == ["Contact us", "SEN Support", "Newly diagnosed", "How does the funding work?"], missing


def test_corpus_is_the_supplied_text_in_order_less_only_the_page_navigation(seed_text):
    seed = seed_units(seed_text.read_text(encoding="utf-8"))
    ours = md_units(CORPUS_MD.read_text(encoding="utf-8"))
    ops = difflib.SequenceMatcher(None, seed, ours, autojunk=False).get_opcodes()
    changed = [(op, seed[i1:i2], ours[j1:j2]) for op, i1, i2, j1, j2 in ops if op != "equal"]
    dropped = [u for op, removed, added in changed if op == "delete" for u in removed]
    added_or_changed = [(removed, added) for op, removed, added in changed if op != "delete"]
    assert added_or_changed == [], f"words of the guidance changed or added: {added_or_changed}"
    assert dropped == RESIDUE, f"dropped from the supplied text: {dropped}"


def test_markdown_has_the_guidance_heading_structure():
    text = CORPUS_MD.read_text(encoding="utf-8")
    found = [(len(m.group(1)), m.group(2)) for m in re.finditer(r"^(#{1,6}) (.+?)\s*$", text, re.M)]
    assert found == HEADINGS


def test_reader_gives_each_section_its_full_heading_path():
    doc = read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)
    paths = [s.heading_path for s in doc.sections]
    # Every heading but the page title has a body of its own.
    assert [p[-1] for p in paths] == [title for _, title in HEADINGS[1:]]
    expected, stack = [], []
    for level, title in HEADINGS:
        stack = stack[: level - 1] + [title]
        expected.append(tuple(stack))
    assert paths == expected[1:]
    assert paths[6] == ("Special Educational Needs Support", "Funding for special educational needs in mainstream schools",
                        "Where does funding for SEN come from?", "Element 2")


def test_corpus_carries_title_publisher_and_source():
    doc = read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)
    assert doc.title == "Special Educational Needs Support"
    assert doc.publisher and doc.source
    assert "sen-support-guidance.txt" in doc.source


def _sections(doc) -> list[tuple[str, str]]:
    """(title, body) of each section, white space and bullet markers normalised."""
    out = []
    for s in doc.sections:
        body = re.sub(r"(?m)^[ \t]*•[ \t]", "- ", doc.text[s.start:s.end])
        out.append((s.heading_path[-1] if s.heading_path else "", norm(body)))
    return out


def test_plain_text_reader_finds_the_same_sections_in_the_supplied_text(seed_text):
    txt = read_document(seed_text, seed_text.parent)
    md = read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)
    assert txt.title == md.title
    txt_sections, md_sections = _sections(txt), _sections(md)
    # The .txt has one more section: the title's own body, which is the
    # navigation residue ("Contact us" comes before the title and is dropped).
    assert txt_sections[0] == (md.title, "SEN Support - Newly diagnosed - Getting extra help - How does the funding work?")
    assert [t for t, _ in txt_sections[1:]] == [t for t, _ in md_sections]
    for (title, txt_body), (_, md_body) in zip(txt_sections[1:], md_sections):
        assert txt_body == md_body, f"section {title!r} differs"
    assert "Contact us" not in " ".join(txt.text[s.start:s.end] for s in txt.sections)
