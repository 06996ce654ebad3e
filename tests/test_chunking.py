"""Section-aware chunking: short, verbatim, complete, with lists kept whole and
stable ids. The real corpus needs no model for this."""
import re

import pytest

from ingest.chunking import chunk_document
from ingest.readers import read_document
from ingest.settings import DEFAULT_CORPUS_DIR, MAX_CHUNK_CHARS, TARGET_CHUNK_CHARS

CORPUS_MD = DEFAULT_CORPUS_DIR / "sen-support-guidance.md"


def chunks_of(doc, max_chars=MAX_CHUNK_CHARS, target_chars=TARGET_CHUNK_CHARS):
    return chunk_document(doc, max_chars, target_chars)


def real_documents(seed_path=None):
    docs = [read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)]
    if seed_path is not None:
        docs.append(read_document(seed_path, seed_path.parent))
    return docs


def doc_from(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return read_document(tmp_path / name, tmp_path)


def assert_chunks_cover_sections(doc, chunks):
    """Each section's chunks lie inside it, in order, never overlapping, and
    together hold every character of its body but the white space between them."""
    for section in doc.sections:
        inside = sorted((c for c in chunks if c.heading_path == list(section.heading_path)), key=lambda c: c.start)
        assert inside, f"section {section.heading_path} has no chunk"
        pos = section.start
        for c in inside:
            assert pos <= c.start and c.end <= section.end, f"chunk {c.start}-{c.end} overlaps or leaves its section"
            assert not doc.text[pos:c.start].strip(), f"text lost before chunk at {c.start}: {doc.text[pos:c.start]!r}"
            pos = c.end
        assert not doc.text[pos:section.end].strip(), f"text lost at the end of {section.heading_path}"


# --- the real corpus -------------------------------------------------------------

def test_no_chunk_of_the_corpus_or_the_supplied_text_is_over_700_chars(seed_text):
    for doc in real_documents(seed_text):
        chunks = chunks_of(doc)
        longest = max(chunks, key=lambda c: len(c.text))
        assert len(longest.text) <= 700, f"{doc.path}: {len(longest.text)} chars under {longest.heading_path}"


def test_real_corpus_chunks_are_verbatim_complete_and_in_order(seed_text):
    for doc in real_documents(seed_text):
        chunks = chunks_of(doc)
        source = (seed_text if doc.path.endswith(".txt") else CORPUS_MD).read_text(encoding="utf-8")
        for c in chunks:
            assert source[c.start:c.end] == c.text
            assert c.file == doc.path and c.document == doc.title
        assert_chunks_cover_sections(doc, chunks)


def test_real_corpus_chunks_start_and_end_with_text():
    for c in chunks_of(read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)):
        assert c.text == c.text.strip()


def test_extra_blank_lines_or_trailing_spaces_never_start_or_end_a_chunk(tmp_path):
    para = "The school reviews the plan every term with the parents and the SENCO. " * 5
    doc = doc_from(tmp_path, "g.txt", f"Title\n\n{para}\n\n\n\n{para}\n\n\n{para}\n")
    chunks = chunks_of(doc)
    assert len(chunks) >= 2
    for c in chunks:
        assert c.text == c.text.strip(), repr(c.text[:20])


def _list_intros() -> list:
    """Each paragraph of the corpus that is followed directly by a list."""
    text = read_document(CORPUS_MD, DEFAULT_CORPUS_DIR).text
    found = [(m.start(), m.end(), m.group(0).strip()) for m in re.finditer(r"(?m)^(?!- )[^\n]+\n\n- ", text)]
    assert len(found) == 9  # "you can:", "in the form of:", "Before meeting ask yourself:", ...
    return [pytest.param(start, end, id=intro[-30:].replace("\n", " ").strip()) for start, end, intro in found]


@pytest.mark.parametrize("start, end", _list_intros())
def test_real_corpus_lists_stay_with_the_sentence_that_introduces_them(start, end):
    chunks = chunks_of(read_document(CORPUS_MD, DEFAULT_CORPUS_DIR))
    assert any(c.start <= start and end <= c.end for c in chunks), "the list starts a new chunk"


def test_every_chunk_records_document_heading_path_and_sentences():
    doc = read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)
    for c in chunks_of(doc):
        assert c.document == "Special Educational Needs Support" and c.publisher and c.source
        assert c.heading_path[0] == "Special Educational Needs Support" and len(c.heading_path) >= 2
        assert c.embed_text().startswith(" › ".join(c.heading_path) + "\n") and c.embed_text().endswith(c.text)
        assert c.sentences
        for s, e in c.sentences:
            piece = c.text[s:e]
            assert piece and piece == piece.strip() and not piece.startswith("- ")


# --- synthetic sections ------------------------------------------------------------

LONG_PARAGRAPH = " ".join(f"Sentence {i} says that the school must review the support plan with the parents." for i in range(40))
LONG_SENTENCE = "and ".join(f"clause {i} of a sentence that never ends " for i in range(60)).strip()
LONG_LIST = "You can ask for:\n\n" + "\n".join(f"- item {i}: a written copy of the support plan for your child" for i in range(40))


@pytest.mark.parametrize("body", [LONG_PARAGRAPH, LONG_SENTENCE, LONG_LIST], ids=["paragraph", "sentence", "list"])
def test_no_chunk_of_a_long_section_is_over_700_chars(tmp_path, body):
    doc = doc_from(tmp_path, "long.md", f"# Title\n\n## Long\n\n{body}\n")
    assert len(body) > 2000
    assert max(len(c.text) for c in chunks_of(doc)) <= 700


@pytest.mark.parametrize("body", [
    LONG_PARAGRAPH,
    LONG_SENTENCE,
    LONG_LIST,
], ids=["paragraph", "sentence", "list"])
def test_a_long_section_is_split_without_losing_or_repeating_text(tmp_path, body):
    doc = doc_from(tmp_path, "long.md", f"# Title\n\n## Long\n\n{body}\n")
    chunks = chunks_of(doc)
    assert len(chunks) >= 3
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
    assert_chunks_cover_sections(doc, chunks)


def test_a_long_paragraph_is_split_at_sentence_ends(tmp_path):
    doc = doc_from(tmp_path, "long.md", f"# Title\n\n## Long\n\n{LONG_PARAGRAPH}\n")
    for c in chunks_of(doc):
        assert c.text.startswith("Sentence ") and c.text.endswith("parents.")


def test_a_list_moves_to_the_next_chunk_with_its_introduction(tmp_path):
    first = " ".join(["The school reviews the plan every term with the parents."] * 12)  # 683 chars: no room for the list
    doc = doc_from(tmp_path, "g.md", f"# T\n\n## S\n\n{first}\n\nIf you are unhappy you can speak to:\n\n- The head teacher\n- A governor\n")
    chunks = chunks_of(doc)
    assert [c.text for c in chunks] == [
        first, "If you are unhappy you can speak to:\n\n- The head teacher\n- A governor"]


def test_a_list_too_long_for_one_chunk_keeps_its_introduction_with_its_first_items(tmp_path):
    doc = doc_from(tmp_path, "g.md", f"# T\n\n## S\n\n{LONG_LIST}\n")
    chunks = chunks_of(doc)
    assert chunks[0].text.startswith("You can ask for:\n\n- item 0:")
    for c in chunks[1:]:
        assert c.text.startswith("- item ")  # split between items, never inside one


def test_smaller_settings_give_smaller_chunks(tmp_path):
    doc = read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)
    small = chunks_of(doc, max_chars=300, target_chars=200)
    assert len(small) > len(chunks_of(doc))
    assert max(len(c.text) for c in small) <= 300


# --- ids ---------------------------------------------------------------------------

def test_ids_are_unique_and_the_same_on_every_run():
    doc = read_document(CORPUS_MD, DEFAULT_CORPUS_DIR)
    first, second = chunks_of(doc), chunks_of(read_document(CORPUS_MD, DEFAULT_CORPUS_DIR))
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{16}", c.id) for c in first)


def test_an_edit_changes_the_id_of_the_edited_chunk_and_of_chunks_it_moves(tmp_path):
    text = "# T\n\n## A\n\nFirst section text.\n\n## B\n\nSecond section text.\n\n## C\n\nThird section text.\n"
    before = {c.heading_path[-1]: c.id for c in chunks_of(doc_from(tmp_path, "g.md", text))}
    after = {c.heading_path[-1]: c.id for c in chunks_of(doc_from(tmp_path, "g.md", text.replace("Second", "2nd")))}
    assert after["A"] == before["A"]  # same text at the same place
    assert after["B"] != before["B"]  # new text
    assert after["C"] != before["C"]  # same text, new place: offsets are part of the id
    # An edit of the same length moves nothing after it.
    same_length = {c.heading_path[-1]: c.id for c in chunks_of(doc_from(tmp_path, "g.md", text.replace("Second", "Fourth")))}
    assert same_length["B"] != before["B"]
    assert same_length["A"] == before["A"] and same_length["C"] == before["C"]
