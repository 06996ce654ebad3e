"""Reading corpus files: Markdown, plain text and HTML, in the encodings
people save them in, and the files that cannot be read."""
import pytest

from ingest import CorpusError, build
from ingest.readers import UnreadableFile, read_document


def read(folder, name):
    return read_document(folder / name, folder)


def bodies(doc):
    return {s.heading_path: doc.text[s.start:s.end] for s in doc.sections}


# --- Markdown ---------------------------------------------------------------

def test_markdown_front_matter_heading_paths_and_offsets(tiny_corpus):
    folder = tiny_corpus()
    doc = read(folder, "support.md")
    assert (doc.title, doc.publisher, doc.source) == ("Support at school", "Test Council", "https://example.org/support")
    assert doc.path == "support.md"
    assert doc.text == (folder / "support.md").read_text(encoding="utf-8")
    assert bodies(doc) == {
        ("Support at school", "Who to talk to"): (
            "Start with your child’s class teacher. The SENCO coordinates support for children with SEN.\n\n"
            "If you are worried you can:\n\n- Tell the teacher about your concerns\n- Ask the SENCO to make a note of them"),
        ("Support at school", "Reviews"): "Progress should be reviewed at least three times a year.",
    }


def test_markdown_levels_nest_and_a_shallower_heading_closes_deeper_ones(tiny_corpus):
    folder = tiny_corpus({"g.md": "# T\n\n## A\n\na\n\n#### A deep\n\nd\n\n### B\n\nb\n\n## C ##\n\nc\n"})
    doc = read(folder, "g.md")
    assert [s.heading_path for s in doc.sections] == [
        ("T", "A"), ("T", "A", "A deep"), ("T", "A", "B"), ("T", "C")]
    assert doc.title == "T"  # no front matter: the first heading


def test_markdown_keeps_text_before_the_first_heading_and_titles_from_the_heading(tiny_corpus):
    folder = tiny_corpus({"g.md": "A note before any heading.\n\n# Using C#\n\nText.\n"})
    doc = read(folder, "g.md")
    assert bodies(doc) == {(): "A note before any heading.", ("Using C#",): "Text."}
    assert doc.title == "Using C#"


def test_markdown_ignores_hash_lines_inside_code_fences(tiny_corpus):
    folder = tiny_corpus({"g.md": "# T\n\n```\n# not a heading\n```\n\nAfter.\n"})
    doc = read(folder, "g.md")
    assert [s.heading_path for s in doc.sections] == [("T",)]
    assert "# not a heading" in bodies(doc)[("T",)]


def test_markdown_setext_headings_are_headings(tiny_corpus):
    text = "Travel help\n===========\n\nIntro.\n\nWho can apply\n-------------\n\nAnyone.\n"
    doc = read(tiny_corpus({"g.md": text}), "g.md")
    assert bodies(doc) == {("Travel help",): "Intro.", ("Travel help", "Who can apply"): "Anyone."}
    assert doc.text == text  # the file's text, as written


def test_markdown_hash_lines_in_html_blocks_and_indented_code_are_not_headings(tiny_corpus):
    text = ("# T\n\n<div class=\"note\">\n# not a heading either\n</div>\n\n"
            "Example:\n\n    # an indented code line\n\nAfter.\n")
    doc = read(tiny_corpus({"g.md": text}), "g.md")
    assert bodies(doc) == {("T",): text[len("# T\n\n"):].rstrip("\n")}


def test_markdown_front_matter_gives_the_updated_date(tiny_corpus):
    folder = tiny_corpus({"a.md": "---\ntitle: A\nupdated: 2026-03-03\n---\n# A\n\nText.\n",
                          "b.md": "---\nlast_updated: 2025-01-02\n---\n# B\n\nText.\n",
                          "c.md": "---\ndate: 2024-05-06\n---\n# C\n\nText.\n"})
    assert [read(folder, n).updated for n in ("a.md", "b.md", "c.md")] == ["2026-03-03", "2025-01-02", "2024-05-06"]


def test_markdown_with_crlf_line_ends_reads_like_lf(tiny_corpus):
    folder = tiny_corpus({"g.md": b"---\r\ntitle: Windows\r\n---\r\n# H\r\n\r\nLine one.\r\nLine two.\r\n"})
    doc = read(folder, "g.md")
    assert "\r" not in doc.text
    assert doc.title == "Windows"
    assert bodies(doc) == {("H",): "Line one.\nLine two."}


# --- Plain text -------------------------------------------------------------

def test_plain_text_headings_title_and_sidecar_metadata(tiny_corpus):
    folder = tiny_corpus()
    doc = read(folder, "funding.txt")
    assert (doc.title, doc.publisher, doc.source) == ("Funding for SEN", "Test Council", "funding leaflet")
    assert bodies(doc) == {
        ("Funding for SEN",): "Schools get money for every pupil. Some of it pays for general SEN support.",
        ("Funding for SEN", "Top-up funding"): "The local authority can add top-up funding when a child has complex needs.",
    }


def test_plain_text_lines_that_only_look_like_headings_stay_body_text(tiny_corpus):
    text = ("Guide\n\n"
            "Before the meeting ask yourself:\n\n"  # ends like an introduction
            "  • Who will be at the meeting?\n\n"  # a list item
            "Westminster Information Service\n\n"  # continued by a lower-case line
            "can also give you advice.\n\n"
            "Things to bring\n\n"  # followed by a list: it introduces it
            "  • Reports\n")
    doc = read(tiny_corpus({"g.txt": text}), "g.txt")
    assert [s.heading_path for s in doc.sections] == [("Guide",)]
    assert bodies(doc)[("Guide",)].endswith("• Reports")


def test_plain_text_navigation_before_the_title_is_dropped_but_a_real_preamble_is_kept(tiny_corpus):
    nav = read(tiny_corpus({"nav.txt": "Contact us\n\nGuide\n\nBody text.\n"}), "nav.txt")
    assert bodies(nav) == {("Guide",): "Body text."}
    assert nav.title == "Guide"
    pre = read(tiny_corpus({"pre.txt": "This leaflet is for parents.\n\nFunding\n\nSchools get money.\n"}), "pre.txt")
    assert bodies(pre) == {(): "This leaflet is for parents.", ("Funding",): "Schools get money."}


def test_plain_text_last_line_is_never_a_heading_so_it_is_never_lost(tiny_corpus):
    doc = read(tiny_corpus({"g.txt": "Contacts\n\nWestminster SENDIASS on 020 7641 5355\n"}), "g.txt")
    assert bodies(doc) == {("Contacts",): "Westminster SENDIASS on 020 7641 5355"}


def test_plain_text_with_no_headings_is_one_section_titled_by_its_file_name(tiny_corpus):
    doc = read(tiny_corpus({"school-offer.txt": "all in lower case, a single paragraph.\n"}), "school-offer.txt")
    assert bodies(doc) == {(): "all in lower case, a single paragraph."}
    assert doc.title == "school offer"


# --- HTML -------------------------------------------------------------------

def test_html_headings_h1_to_h6_give_heading_paths(tiny_corpus):
    html = "".join(f"<h{n}>Level {n}</h{n}><p>Text {n}.</p>" for n in range(1, 7)) + "<h2>Back up</h2><p>Up.</p>"
    doc = read(tiny_corpus({"g.html": html}), "g.html")
    paths = [s.heading_path for s in doc.sections]
    assert paths[5] == tuple(f"Level {n}" for n in range(1, 7))
    assert paths[6] == ("Level 1", "Back up")
    assert bodies(doc)[paths[5]] == "Text 6."


def test_html_text_without_scripts_styles_or_navigation(tiny_corpus):
    doc = read(tiny_corpus(), "rights.html")
    assert doc.title == "Your rights"
    assert bodies(doc) == {
        ("Your rights",): "You can ask for an EHC needs assessment yourself.",
        ("Your rights", "Complaints"): "Ask the school for its complaints procedure & follow it.",
    }
    for hidden in ("var x", "color", "Home"):
        assert hidden not in doc.text


def test_html_lists_tables_and_inline_tags(tiny_corpus):
    html = ("<h1>T</h1><p>You can <b>ask</b> for:</p><ul>\n<li>a meeting</li>\n<li>a <i>written</i> plan</li></ul>"
            "<table><tr><th>Element</th><th>Paid by</th></tr><tr><td>1</td><td>school</td></tr></table>")
    doc = read(tiny_corpus({"g.htm": html}), "g.htm")
    # One line per list item and per table row (cells kept apart by " | "),
    # so a list or a table stays one block for the chunker.
    assert bodies(doc)[("T",)] == "You can ask for:\n\n- a meeting\n- a written plan\n\nElement | Paid by\n1 | school"


def test_html_whose_head_is_never_closed_still_gives_its_body(tiny_corpus):
    # </head> is optional in HTML.
    doc = read(tiny_corpus({"g.html": "<html><head><title>T</title><body><h1>Hi</h1><p>Body text.</p>"}), "g.html")
    assert bodies(doc) == {("Hi",): "Body text."}


# --- Encodings --------------------------------------------------------------

def test_cp1252_text_reads_correctly(tiny_corpus):
    line = "The café – £6,000 “quoted”"
    doc = read(tiny_corpus({"w.txt": f"Windows file\n\n{line}\n".encode("cp1252")}), "w.txt")
    assert bodies(doc) == {("Windows file",): line}


def test_utf8_with_bom_reads_without_the_bom(tiny_corpus):
    folder = tiny_corpus({"b.md": "\ufeff---\ntitle: With BOM\n---\n# Heading\n\nCafé.\n".encode("utf-8"),
                          "b.txt": "\ufeffHeading\n\nCafé.\n".encode("utf-8")})
    md, txt = read(folder, "b.md"), read(folder, "b.txt")
    assert "\ufeff" not in md.text + txt.text
    assert md.title == "With BOM" and bodies(md) == {("Heading",): "Café."}
    assert txt.title == "Heading" and bodies(txt) == {("Heading",): "Café."}


def test_utf16_with_bom_reads_as_text_not_binary(tiny_corpus):
    doc = read(tiny_corpus({"u.txt": "Heading\n\nCafé – £5.\n".encode("utf-16")}), "u.txt")
    assert bodies(doc) == {("Heading",): "Café – £5."}


# --- Files that cannot be read ----------------------------------------------

def test_binary_file_named_txt_is_refused_with_the_reason(tiny_corpus):
    folder = tiny_corpus({"scan.txt": b"%PDF-1.7\n\x00\x01\x02binary"})
    with pytest.raises(UnreadableFile, match="binary"):
        read(folder, "scan.txt")


def test_bytes_that_are_neither_utf8_nor_cp1252_are_refused(tiny_corpus):
    folder = tiny_corpus({"odd.txt": b"Heading\n\nbad \x81 byte\n"})  # 0x81 is undefined in cp1252
    with pytest.raises(UnreadableFile, match="neither UTF-8 nor cp1252"):
        read(folder, "odd.txt")


def test_unsupported_type_is_refused_naming_the_supported_ones(tiny_corpus):
    folder = tiny_corpus({"guide.docx": b"PK"})
    with pytest.raises(UnreadableFile, match=r"'\.docx' are not supported \(use \.md, \.txt, \.html, \.htm or \.pdf\)"):
        read(folder, "guide.docx")


def test_build_reports_each_bad_file_by_name_and_indexes_the_rest(tiny_corpus, fake_model, tmp_path):
    folder = tiny_corpus({**{"scan.txt": b"\x00\x01binary", "guide.pdf": b"%PDF-1.7", "bad.md.meta.json": "{",
                             "bad.md": "# Bad\n\nIts metadata is broken.\n", "empty.md": ""},
                          "good.md": "# Good\n\nReadable guidance.\n", "sub/x.md/inner.md": "# Inner\n\nInside a folder named x.md.\n"})
    logs = []
    report = build(fake_model.settings(folder, tmp_path / "index"), log=logs.append)
    skipped = dict(report.skipped)
    assert set(skipped) == {"scan.txt", "guide.pdf", "bad.md"}
    assert "binary" in skipped["scan.txt"] and "not a readable PDF" in skipped["guide.pdf"]
    assert "bad.md.meta.json is not valid JSON" in skipped["bad.md"]
    for name in skipped:
        assert any(line.startswith(f"Skipped {name}: ") for line in logs)
    # good.md, the empty file (no sections), and the file inside the folder named x.md
    assert report.files == 3 and report.chunks == 2
    # A second, up-to-date build still says what it passed over.
    logs.clear()
    again = build(fake_model.settings(folder, tmp_path / "index"), log=logs.append)
    assert again.up_to_date and dict(again.skipped) == skipped
    assert sum(line.startswith("Skipped ") for line in logs) == 3


def test_empty_folder_is_a_clear_error(tmp_path, fake_model):
    (tmp_path / "corpus").mkdir()
    with pytest.raises(CorpusError, match=r"No guidance text found in .*corpus: add readable files \(\.md, \.txt, \.html, \.htm or \.pdf\)"):
        build(fake_model.settings(tmp_path / "corpus", tmp_path / "index"))
    assert fake_model.count == 0


def test_folder_of_only_unreadable_files_is_a_clear_error_counting_them(tiny_corpus, fake_model, tmp_path):
    folder = tiny_corpus({"a.txt": b"\x00", "b.docx": b"PK"})
    with pytest.raises(CorpusError, match=r"\(2 file\(s\) were skipped\)"):
        build(fake_model.settings(folder, tmp_path / "index"))


def test_missing_folder_is_a_clear_error(tmp_path, fake_model):
    with pytest.raises(CorpusError, match=r"No corpus folder at .*nowhere: create it"):
        build(fake_model.settings(tmp_path / "nowhere", tmp_path / "index"))
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_a_50_mb_file_is_skipped_with_its_size_before_it_is_read(tiny_corpus, fake_model, tmp_path):
    """Embedding 50 MB of text would take hours here: the build refuses that
    file by name, without reading it into memory, and indexes the rest."""
    import tracemalloc

    folder = tiny_corpus({"good.md": "# Good\n\nReadable guidance.\n"})
    paragraph = ("The SENCO coordinates support for children with special educational needs. " * 8 + "\n\n").encode()
    with open(folder / "huge.txt", "wb") as f:
        f.write(b"Huge heading\n\n")
        while f.tell() < 50_000_000:
            f.write(paragraph * 1000)
    with pytest.raises(UnreadableFile, match=r"it is 50\.\d MB, more than the 10 MB a corpus file may be"):
        read(folder, "huge.txt")
    tracemalloc.start()
    report = build(fake_model.settings(folder, tmp_path / "index"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert dict(report.skipped).keys() == {"huge.txt"} and "split it into smaller files" in dict(report.skipped)["huge.txt"]
    assert report.files == 1 and report.chunks == 1
    assert peak < 10_000_000  # hashing streams the file; nothing holds its 50 MB


def test_updated_dates_are_kept_as_iso_however_they_are_written(tiny_corpus):
    folder = tiny_corpus({"a.md": "---\nupdated: 3rd March 2026\n---\n# A\n\nText.\n",
                          "b.md": "---\nupdated: \"2026-03-03T10:00:00Z\"\n---\n# B\n\nText.\n",
                          "c.md": "---\nupdated: soon\n---\n# C\n\nText.\n",
                          "d.txt": "D\n\nText here.\n", "d.txt.meta.json": '{"updated": "March 3, 2026"}'})
    assert [read(folder, n).updated for n in ("a.md", "b.md", "c.md", "d.txt")] == [
        "2026-03-03", "2026-03-03", "", "2026-03-03"]
