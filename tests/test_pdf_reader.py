"""Reading PDF guidance: headings from the outline or the fonts, page numbers
of passages, page furniture left out, and the PDFs that cannot be read.

The PDFs are written here with fpdf2, so each test says exactly what is on
each page.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from fpdf import FPDF
from pypdf import PdfWriter

from ingest import build
from ingest.chunking import chunk_document
from ingest.pdf_reader import page_at, read_pdf
from ingest.readers import UnreadableFile, read_document

# Heading styles: (font size, bold) and the outline level of each.
STYLES = {"h1": (20, True), "h2": (15, True), "h3": (11, True), "p": (11, False), "li": (11, False)}
LEVELS = {"h1": 0, "h2": 1, "h3": 2}
HEADER = "Anytown Council SEND Strategy 2025-2030"


class _Pdf(FPDF):
    """Pages with a running header, and a footer "Page n of N"."""

    def header(self):
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, HEADER, new_x="LMARGIN", new_y="NEXT")

    def footer(self):
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def make_pdf(pages: list[list[tuple[str, str]]], outline: bool = True, title: str = "Anytown SEND strategy",
             furniture: bool = True) -> bytes:
    """A PDF of pages, each a list of (kind, text): h1/h2/h3 headings (in the
    outline when `outline`), p paragraphs (wrapped by fpdf2), li bullets."""
    pdf = _Pdf() if furniture else FPDF()
    pdf.core_fonts_encoding = "windows-1252"  # for the bullet "•"
    pdf.set_creation_date(datetime(2024, 3, 7, 10, 30, tzinfo=timezone.utc))
    if title:
        pdf.set_title(title)
    for page in pages:
        pdf.add_page()
        for kind, text in page:
            size, bold = STYLES[kind]
            pdf.set_font("Helvetica", "B" if bold else "", size)
            if kind in LEVELS and outline:
                pdf.start_section(text, level=LEVELS[kind])
            if kind == "li":
                text = "\u2022 " + text
            pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
            if kind == "p":
                pdf.ln(4)  # paragraph spacing
    return bytes(pdf.output())


LONG = ("The local authority must make sure that children and young people with special educational needs "
        "get the support they need, and that their parents are involved in every decision about it. ")

GUIDE = [
    [("h1", "Introduction"), ("p", "This strategy sets out how we support children. " + LONG),
     ("h2", "Who it is for"), ("p", "Parents and carers of children aged 0 to 25. " + LONG)],
    [("h1", "SEN support"), ("p", "Schools must use their best endeavours to meet needs. " + LONG),
     ("p", "If you are worried you can:"), ("li", "talk to the class teacher"),
     ("li", "ask the SENCO for a meeting about the support your child gets at school and at home"),
     ("h2", "Reviews"), ("p", "Progress is reviewed three times a year. " + LONG)],
    [("h3", "Termly meetings"), ("p", "A meeting each term looks at the plan. " + LONG)],
    [("h1", "EHC plans"), ("p", "An EHC needs assessment can be asked for by a parent. " + LONG)],
]


def bodies(doc):
    return {s.heading_path: doc.text[s.start:s.end] for s in doc.sections}


def section_pages(doc):
    return {s.heading_path: page_at(doc, s.start) for s in doc.sections}


# --- Text PDFs ----------------------------------------------------------------

def test_nested_bookmarks_give_heading_paths_and_each_section_its_page():
    doc = read_pdf(make_pdf(GUIDE), "guide.pdf")
    assert doc.path == "guide.pdf" and doc.title == "Anytown SEND strategy" and doc.updated == "2024-03-07"
    assert section_pages(doc) == {
        ("Introduction",): 1, ("Introduction", "Who it is for"): 1,
        ("SEN support",): 2, ("SEN support", "Reviews"): 2,
        ("SEN support", "Reviews", "Termly meetings"): 3,
        ("EHC plans",): 4,
    }
    assert bodies(doc)[("EHC plans",)] == "An EHC needs assessment can be asked for by a parent. " + LONG.strip()
    assert len(doc.page_starts) == 4 and doc.page_starts[0] == 0
    assert doc.text[doc.page_starts[3]:].startswith("EHC plans\n\nAn EHC needs assessment")


def test_without_an_outline_headings_come_from_larger_and_bold_fonts():
    doc = read_pdf(make_pdf(GUIDE, outline=False), "guide.pdf")
    assert list(section_pages(doc)) == [
        ("Introduction",), ("Introduction", "Who it is for"), ("SEN support",), ("SEN support", "Reviews"),
        ("SEN support", "Reviews", "Termly meetings"), ("EHC plans",)]
    assert section_pages(doc)[("SEN support", "Reviews", "Termly meetings")] == 3


def test_wrapped_lines_are_joined_paragraphs_split_and_bullets_become_list_lines():
    doc = read_pdf(make_pdf(GUIDE), "guide.pdf")
    assert bodies(doc)[("SEN support",)] == (
        "Schools must use their best endeavours to meet needs. " + LONG.strip() + "\n\n"
        "If you are worried you can:\n\n"
        "- talk to the class teacher\n"
        "- ask the SENCO for a meeting about the support your child gets at school and at home")
    # The chunker keeps the list with the sentence that introduces it, and
    # takes each item as a sentence.
    chunk = next(c for c in chunk_document(doc, 300, 300) if "- talk" in c.text)
    assert chunk.text.startswith("If you are worried you can:")
    assert [chunk.text[s:e] for s, e in chunk.sentences][-2:] == [
        "talk to the class teacher", "ask the SENCO for a meeting about the support your child gets at school and at home"]


def test_running_headers_footers_and_page_numbers_are_not_in_the_text():
    # The first line of each page differs from the others only by a number,
    # as a running header might: it is text all the same (it is long, and
    # part of a paragraph).
    words = ["first", "second", "third", "fourth", "fifth", "sixth"]
    pages = [[("p", f"Page {n} of the guidance says something different. " + LONG + f"This is the {words[n - 1]}.")]
             for n in range(1, 7)]
    doc = read_pdf(make_pdf(pages, outline=False), "guide.pdf")
    assert HEADER not in doc.text and "of 6" not in doc.text
    for n in range(1, 7):
        assert f"Page {n} of the guidance says something different." in doc.text
    # Every word that is not furniture is kept.
    plain = read_pdf(make_pdf(pages, outline=False, furniture=False), "guide.pdf")
    assert doc.text == plain.text


def test_bare_page_numbers_are_left_out():
    class Numbered(FPDF):
        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, f"- {self.page_no()} -", align="C")

    pdf = Numbered()
    for n in range(1, 3):  # two pages: too few for a repeat, a page number all the same
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, f"Text of page {n}.", new_x="LMARGIN", new_y="NEXT")
    doc = read_pdf(bytes(pdf.output()), "n.pdf")
    assert doc.text == "Text of page 1.\n\nText of page 2."
    assert [page_at(doc, doc.text.index(f"page {n}")) for n in (1, 2)] == [1, 2]


def test_a_title_that_is_a_file_name_gives_way_to_the_first_heading():
    doc = read_pdf(make_pdf(GUIDE, title="Microsoft Word - strategy v3.docx"), "guide.pdf")
    assert doc.title == "Introduction"


def test_a_pdf_in_the_corpus_is_read_with_its_sidecar(tiny_corpus):
    folder = tiny_corpus({"guide.pdf": make_pdf(GUIDE),
                          "guide.pdf.meta.json": '{"publisher": "Anytown Council", "source": "https://example.org/send.pdf"}'})
    doc = read_document(folder / "guide.pdf", folder)
    assert (doc.title, doc.publisher, doc.source) == ("Anytown SEND strategy", "Anytown Council", "https://example.org/send.pdf")


# --- PDFs that cannot be read -------------------------------------------------

def scanned_pdf() -> bytes:
    from PIL import Image

    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("L", (200, 280), 255), x=10, y=10, w=190)
    return bytes(pdf.output())


def encrypted(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_scanned_pdf_is_refused_naming_ocr():
    with pytest.raises(UnreadableFile, match=r"no text layer \(a scanned document\?\): run OCR on it or use the web page"):
        read_pdf(scanned_pdf(), "scan.pdf")


def test_a_password_protected_pdf_is_refused_and_one_locked_only_against_copying_is_read():
    with pytest.raises(UnreadableFile, match="protected by a password: ask the publisher"):
        read_pdf(encrypted(make_pdf(GUIDE), "parent"), "locked.pdf")
    doc = read_pdf(encrypted(make_pdf(GUIDE), ""), "restricted.pdf")
    assert ("EHC plans",) in bodies(doc)


def test_a_truncated_pdf_is_refused():
    data = make_pdf(GUIDE)
    with pytest.raises(UnreadableFile, match="not a readable PDF .*: download or export it again"):
        read_pdf(data[: len(data) // 2], "cut.pdf")


def test_too_many_pages_or_bytes_are_refused_before_the_text_is_read(tiny_corpus, monkeypatch):
    folder = tiny_corpus({"guide.pdf": make_pdf(GUIDE)})
    monkeypatch.setattr("ingest.pdf_reader.MAX_PDF_PAGES", 3)
    with pytest.raises(UnreadableFile, match="it has 4 pages, more than the 3 a PDF in the corpus may have: split it"):
        read_document(folder / "guide.pdf", folder)
    monkeypatch.setattr("ingest.readers.MAX_PDF_BYTES", 1000)
    with pytest.raises(UnreadableFile, match=r"MB, more than the 0 MB a PDF may be .*split it"):
        read_document(folder / "guide.pdf", folder)


def test_a_corpus_with_broken_pdfs_still_builds_and_names_each(tiny_corpus, fake_model, tmp_path):
    good = make_pdf(GUIDE)
    folder = tiny_corpus({"good.md": "# Good\n\nReadable guidance.\n", "strategy.pdf": good,
                          "cut.pdf": good[:2000], "scan.pdf": scanned_pdf(), "locked.pdf": encrypted(good, "parent")})
    logs = []
    report = build(fake_model.settings(folder, tmp_path / "index"), log=logs.append)
    skipped = dict(report.skipped)
    assert set(skipped) == {"cut.pdf", "scan.pdf", "locked.pdf"}
    assert "not a readable PDF" in skipped["cut.pdf"] and "run OCR" in skipped["scan.pdf"]
    assert "password" in skipped["locked.pdf"]
    assert "Skipped cut.pdf: it is not a readable PDF" in "\n".join(logs)
    assert report.files == 2
    assert any(t.startswith("Introduction › Who it is for\n") for t in fake_model.texts)


# --- A long PDF ----------------------------------------------------------------

@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    """300 pages: 30 chapters (outline level 1) of 10 pages, a section
    (level 2) starting on each page, three paragraphs a page."""
    pages = []
    for n in range(1, 301):
        page = [("h1", f"Chapter {(n - 1) // 10 + 1}")] if n % 10 == 1 else []
        page.append(("h2", f"Section {n}"))
        page += [("p", f"Paragraph {k} of page {n}. " + LONG * 2) for k in (1, 2, 3)]
        pages.append(page)
    return make_pdf(pages)


def test_a_300_page_pdf_reads_every_page_with_its_page_and_section(long_pdf):
    # How long it takes is the benchmark's (`python -m bench`, pdf_300_pages_s, at most 30 s).
    doc = read_pdf(long_pdf, "code-of-practice.pdf")
    assert len(doc.page_starts) == 300
    for n in (1, 150, 300):
        start = doc.text.index(f"Paragraph 1 of page {n}.")
        assert page_at(doc, start) == n
        assert page_at(doc, doc.text.index(f"Paragraph 3 of page {n}.")) == n
    assert sum(f"of page {n}." in doc.text for n in range(1, 301)) == 300
    assert HEADER not in doc.text and "of 300" not in doc.text
    paths = [s.heading_path for s in doc.sections]
    assert len(paths) == 300 and paths[0] == ("Chapter 1", "Section 1") and paths[-1] == ("Chapter 30", "Section 300")
    assert all(page_at(doc, s.start) == int(s.heading_path[-1].split()[1]) for s in doc.sections)
