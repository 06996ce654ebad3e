"""web.page_html: breadcrumbs, escaping, highlighting, whole sections and links to the source."""
import html
import re

import pytest
from conftest import FUNDING, PAGE, RIGHTS_PAGE, STRATEGY_PDF, SUPPORT_PAGE, TITLE, passage
from hypothesis import given, settings, strategies as st

from ingest.chunking import Chunk
from web import page_html
from qa.sections import whole_section
from qa.links import source_link

MARK = re.compile(r"</?mark>")


def chunk(cid: str, text: str, start: int, heading_path=None, file="guide.md") -> Chunk:
    return Chunk(id=cid, document=TITLE, file=file, source="", publisher="", heading_path=heading_path or FUNDING,
                 text=text, start=start, end=start + len(text))


def test_breadcrumb_leaves_out_the_document_title():
    assert page_html.breadcrumb(FUNDING) == "Funding for special educational needs in mainstream schools › Element 2"
    assert page_html.breadcrumb([TITLE]) == TITLE  # text before the first section heading
    assert page_html.breadcrumb([]) == ""


def test_highlight_wraps_the_spans_in_mark_and_escapes_everything():
    text = "Ask the SENCO. <b>Then</b> & ask again."
    out = page_html.highlighted_html(text, [[15, 26]])
    assert out == "Ask the SENCO. <mark>&lt;b&gt;Then&lt;/b&gt;</mark> &amp; ask again."


def test_bad_or_overlapping_spans_never_break_the_markup():
    text = "One. Two. Three."
    out = page_html.highlighted_html(text, [[5, 9], [-3, 2], [7, 12], [20, 30], [3, 3]])
    assert out == "<mark>On</mark>e. <mark>Two. Th</mark>ree."


@settings(deadline=None)  # a wall-clock deadline would judge the machine's load, not the code
@given(st.text(max_size=80), st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=4))
def test_highlighting_adds_only_mark_tags_and_keeps_the_text(text, spans):
    out = page_html.highlighted_html(text, [list(s) for s in spans])
    bare = MARK.sub("", out)
    assert "<" not in bare and ">" not in bare  # the only markup is <mark>
    assert html.unescape(bare) == text


def test_a_passage_with_html_and_markdown_shows_as_text():
    p = passage("**Stars** and <script>alert(1)</script> [link](javascript:alert(2))", [[0, 9]],
                heading_path=[TITLE, "<img src=x onerror=alert(3)>"], document="A & B <i>guide</i>")
    out = page_html.passage_html(p)
    assert "<script" not in out and "<img" not in out and "<i>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;img src=x onerror=alert(3)&gt;" in out
    assert "<mark>**Stars**</mark>" in out  # Markdown stays literal: st.html does not read Markdown
    assert out.startswith('<h3 class="sg-crumb">') and "From “A &amp; B &lt;i&gt;guide&lt;/i&gt;”" in out


def test_whole_section_joins_its_chunks_in_order_and_moves_the_highlight():
    first = chunk("a", "Element 2 is for SEN support.", 100)
    second = chunk("b", "Schools decide how to use it. Ask the SENCO.", 140)
    other_section = chunk("c", "Element 3 is top-up funding.", 200, heading_path=[TITLE, "Element 3"])
    other_file = chunk("d", "Another guide.", 100, file="other.md")
    p = passage(second.text, [[30, 44]], chunk_id="b", start=140, end=second.end)
    text, spans = whole_section([other_section, second, other_file, first], p)
    assert text == "Element 2 is for SEN support.\n\nSchools decide how to use it. Ask the SENCO."
    assert [text[s:e] for s, e in spans] == ["Ask the SENCO."]


def test_overlapping_chunks_are_not_repeated_in_the_whole_section():
    first = chunk("a", "One two three four", 0)
    second = chunk("b", "three four five six", 8)
    p = passage(second.text, [[6, 10], [11, 15]], chunk_id="b", start=8, end=second.end)
    text, spans = whole_section([first, second], p)
    assert text == "One two three four five six"
    assert [text[s:e] for s, e in spans] == ["four", "five"]  # one span in the shared part, one after it


def test_section_html_escapes_the_section():
    c = chunk("a", "Use <b>this</b>.", 0)
    assert page_html.section_html(*whole_section([c], passage(c.text, [[0, 3]], chunk_id="a"))) == \
        '<div class="sg-section"><mark>Use</mark> &lt;b&gt;this&lt;/b&gt;.</div>'


def test_notices_and_facts_escape_what_a_person_typed():
    assert "&lt;script&gt;" in page_html.notice_html("You asked <script>")
    out = page_html.facts_html([("Question", "<b>hi</b> **there**")])
    assert out == '<dl class="sg-facts"><dt>Question</dt><dd>&lt;b&gt;hi&lt;/b&gt; **there**</dd></dl>'


# --- lists, sections together, the restated question, the live region --------

def test_lines_starting_with_a_dash_become_a_list_word_for_word():
    text = "You can:\n\n- Tell the teacher\n- Ask the SENCO\n\nThen wait."
    assert page_html.quote_html(text, []) == \
        "You can:<ul><li>Tell the teacher</li><li>Ask the SENCO</li></ul>Then wait."


def test_numbered_lines_become_an_ordered_list_keeping_their_numbers():
    text = "Steps:\n1. Ask\n2) Wait\n10. Ask again"
    assert page_html.quote_html(text, []) == \
        'Steps:<ol><li value="1">Ask</li><li value="2">Wait</li><li value="10">Ask again</li></ol>'
    assert page_html.quote_html("1.5 million pupils\n2019 was a year", []) == "1.5 million pupils\n2019 was a year"


def test_a_bullet_list_and_a_numbered_list_side_by_side_stay_apart():
    out = page_html.quote_html("- a\n- b\n1. c", [])
    assert out == '<ul><li>a</li><li>b</li></ul><ol><li value="1">c</li></ol>'


def test_list_items_are_escaped():
    out = page_html.quote_html("- <b>Ask</b> & wait\n- <script>alert(1)</script>", [])
    assert out == "<ul><li>&lt;b&gt;Ask&lt;/b&gt; &amp; wait</li><li>&lt;script&gt;alert(1)&lt;/script&gt;</li></ul>"


def test_a_highlight_across_list_items_marks_the_same_words_in_each():
    text = "Ask:\n- the teacher\n- the SENCO today"
    start = text.index("teacher")
    out = page_html.quote_html(text, [[start, text.index(" today")]])
    assert out == "Ask:<ul><li>the <mark>teacher</mark></li><li><mark>the SENCO</mark> today</li></ul>"


# A list line as the README states it, written here and not taken from
# web/page_html.py, so that a wrong pattern there cannot agree with itself:
# a bullet (-, • or *) or a number of up to 3 digits with . or ), after any
# spaces or tabs, then spaces or tabs, then text.
MARKER = re.compile(r"^[ \t]*(?:[-•*]|[0-9]{1,3}[.)])[ \t]+(?=\S)")


@settings(deadline=None)  # a wall-clock deadline would judge the machine's load, not the code
@given(st.text(alphabet=st.sampled_from(list("ab <&>-*•1.)\n\t")), max_size=80),
       st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=4))
def test_lists_add_only_list_and_mark_tags_and_keep_every_word(text, spans):
    out = page_html.quote_html(text, [list(s) for s in spans])
    assert set(re.findall(r"</?([a-z]+)", out)) <= {"mark", "ul", "ol", "li"}
    bare = html.unescape(re.sub(r"<[^>]*>", "", out))
    # Only the bullet and number markers at the start of list lines, and white space, are left out.
    words = "".join(MARKER.sub("", line, count=1) for line in text.split("\n"))
    assert re.sub(r"\s", "", bare) == re.sub(r"\s", "", words)


def test_a_whole_section_shows_its_lists():
    c = chunk("a", "Ask:\n- the teacher\n- the SENCO", 0)
    out = page_html.section_html(*whole_section([c], passage(c.text, [[7, 18]], chunk_id="a")))
    assert out == '<div class="sg-section">Ask:<ul><li><mark>the teacher</mark></li><li>the SENCO</li></ul></div>'


def test_passages_of_one_section_are_grouped_under_one_heading_best_first():
    best = passage("Schools decide how to use it.", chunk_id="b", start=140, end=169)
    other = passage("Element 3 is top-up funding.", heading_path=[TITLE, "Element 3"], chunk_id="c", start=200)
    earlier = passage("Element 2 is for SEN support.", chunk_id="a", start=100, end=129)
    other_file = passage("Element 2 in another guide.", chunk_id="d", file="other.md")
    groups = page_html.group_by_section([best, other, earlier, other_file])
    assert [[p.chunk_id for p in g] for g in groups] == [["b", "a"], ["c"], ["d"]]
    out = page_html.section_passages_html(groups[0])
    assert out.count('class="sg-crumb"') == 1 and out.count('<blockquote class="sg-quote">') == 2
    assert out.index("Schools decide how to use it.") < out.index("Element 2 is for SEN support.")


def test_a_group_names_each_pdf_page_once_and_each_link_once():
    pdf = "https://www.westvale.gov.uk/send-strategy.pdf"
    group = [passage("One.", source=pdf, page=2, start=0), passage("Two.", source=pdf, page=3, chunk_id="c2", start=9),
             passage("Three.", source=pdf, page=3, chunk_id="c3", start=20)]
    out = page_html.section_passages_html(group)
    assert "”, pages 2 and 3</p>" in out
    assert out.count("Open page 3 of the PDF") == 1 and out.count("Open page 2 of the PDF") == 1
    assert page_html.section_passages_html(group[:1]) == page_html.passage_html(group[0])


def test_the_answer_restates_the_question_escaped():
    assert page_html.asked_html("What is a SENCO?") == '<p class="sg-asked">You asked: “What is a SENCO?”</p>'
    assert page_html.asked_html("<b>hi</b> & **you**") == \
        '<p class="sg-asked">You asked: “&lt;b&gt;hi&lt;/b&gt; &amp; **you**”</p>'


def test_the_live_region_says_how_many_passages_or_that_there_is_no_answer():
    from qa import Answer

    one_section = [passage("A.", chunk_id="a"), passage("B.", chunk_id="b", start=5)]
    two_sections = one_section + [passage("C.", chunk_id="c", heading_path=[TITLE, "Element 3"])]
    assert page_html.status_text(None) == ""
    assert page_html.status_text(Answer("q", True, "", [one_section[0]])) == "Found 1 passage in the guidance."
    assert page_html.status_text(Answer("q", True, "", one_section)) == "Found 2 passages in the guidance."
    assert page_html.status_text(Answer("q", True, "", two_sections)) == \
        "Found 3 passages in the guidance, from 2 sections."
    assert page_html.status_text(Answer("q", False, "No.", two_sections)) == "No answer in the guidance for this question."
    assert page_html.status_text(Answer("", False, "Please type a question.")) == "Please type a question."
    assert page_html.live_region_html("") == '<div class="sg-live" role="status" aria-live="polite"></div>'
    assert page_html.live_region_html("<b>") == '<div class="sg-live" role="status" aria-live="polite">&lt;b&gt;</div>'


# --- links back to the source ------------------------------------------------

def test_a_section_with_a_heading_id_links_to_its_anchor():
    p = passage("Text.", source=PAGE, anchor="who-can-ask")
    assert source_link(p) == PAGE + "#who-can-ask"
    assert source_link(passage("Text.", source=PAGE)) == PAGE  # no heading id: the page itself
    assert source_link(passage("Text.", source=PAGE + "#old", anchor="new")) == PAGE + "#new"
    out = page_html.passage_html(p)
    assert out.endswith(f'<p class="sg-source"><a href="{PAGE}#who-can-ask" rel="noopener">'
                        "Read this on www.westvale.gov.uk</a></p>")


def test_a_pdf_passage_links_to_its_page_and_says_the_page_even_without_a_link():
    p = passage("Text.", source="https://www.westvale.gov.uk/send-strategy.pdf", page=12, document="SEND strategy")
    assert source_link(p) == "https://www.westvale.gov.uk/send-strategy.pdf#page=12"
    out = page_html.passage_html(p)
    assert '<p class="sg-doc">From “SEND strategy”, page 12</p>' in out
    assert ('<a href="https://www.westvale.gov.uk/send-strategy.pdf#page=12" rel="noopener">'
            "Open page 12 of the PDF</a>") in out
    local = page_html.passage_html(passage("Text.", source="strategy.pdf", page=12, document="SEND strategy"))
    assert "From “SEND strategy”, page 12" in local and "<a " not in local and "sg-source" not in local


@pytest.mark.parametrize("source", ["shared/seed/sen-support-guidance.txt", "funding leaflet", "guide.pdf", "",
                                    "ftp://example.org/guide", "//example.org/guide", "www.example.org/guide"])
def test_a_source_that_is_not_a_web_address_is_never_linked(source):
    p = passage("Text.", source=source, anchor="a", page=0)
    assert source_link(p) == "" and "<a " not in page_html.passage_html(p)


@pytest.mark.parametrize("source", ["javascript:alert(1)", "JavaScript:alert(document.cookie)//https://x.org",
                                    " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                    "java\tscript:alert(1)", "https://x.org/\njavascript:alert(1)"])
def test_a_javascript_or_data_source_is_never_rendered_as_a_link(source):
    for kw in ({}, {"anchor": "a"}, {"page": 3}):
        p = passage("Text.", source=source, **kw)
        out = page_html.passage_html(p)
        assert source_link(p) == "" and "<a " not in out and "href" not in out
        assert "javascript" not in out.lower() and "<script" not in out


def test_the_last_updated_date_is_written_out():
    p = passage("Text.", updated="2026-03-03")
    assert page_html.source_html(p) == '<p class="sg-source">Last updated 3 March 2026.</p>'
    assert page_html.long_date("2025-11-20") == "20 November 2025"
    assert page_html.source_html(passage("Text.", updated="soon<b>")) == ""  # not a date: left out
    assert page_html.source_html(passage("Text.")) == ""
    both = page_html.source_html(passage("Text.", updated="2026-03-03", source=PAGE))
    assert both == (f'<p class="sg-source">Last updated 3 March 2026. <a href="{PAGE}" rel="noopener">'
                    "Read this on www.westvale.gov.uk</a></p>")


def test_a_url_with_quotes_and_angle_brackets_is_escaped():
    source = 'https://evil.example.org/a"onmouseover="alert(1)\'<script>x</script>&b=1'
    p = passage("Text.", source=source, anchor='x"y<z>')
    out = page_html.passage_html(p)
    href = re.search(r'<a href="([^"]*)" rel="noopener">', out).group(1)
    assert html.unescape(href) == source_link(p)
    assert html.unescape(href).startswith('https://evil.example.org/a"onmouseover="alert(1)\'')
    assert "<script" not in out and 'onmouseover="' not in out and "'<" not in out
    assert '"onmouseover' not in out.replace("&quot;", "")  # the quote never closes the attribute
    assert source_link(p).endswith("#x%22y%3Cz%3E")  # the heading id is %-encoded in the fragment


def test_chunks_from_an_older_index_load_with_no_link_fields():
    old = {"id": "c1", "document": TITLE, "file": "guide.md", "source": "", "publisher": "", "heading_path": FUNDING,
           "text": "Text.", "start": 0, "end": 5, "sentences": [[0, 5]]}
    c = Chunk.from_json(old)
    assert (c.anchor, c.page, c.updated) == ("", 0, "")
    assert Chunk.from_json(c.to_json()) == c


# --- end to end: every passage of every document carries its link ------------

def test_every_passage_of_every_document_carries_its_link(linked_engine):
    answer = linked_engine.search("complaints reviews short breaks aims funding", k=linked_engine.passage_count)
    got = {(p.file, p.heading_path[-1]): (source_link(p), p.page, p.updated) for p in answer.passages}
    assert got == {
        ("rights.html", "Your rights"): (RIGHTS_PAGE + "#your-rights", 0, "2026-03-03"),
        ("rights.html", "Complaints"): (RIGHTS_PAGE + "#complaints", 0, "2026-03-03"),
        ("support.md", "Who to talk to"): (SUPPORT_PAGE, 0, "2026-01-15"),
        ("support.md", "Reviews"): (SUPPORT_PAGE, 0, "2026-01-15"),
        ("strategy.pdf", "Our aims"): (STRATEGY_PDF + "#page=1", 1, "2024-03-07"),
        ("strategy.pdf", "Short breaks"): (STRATEGY_PDF + "#page=2", 2, "2024-03-07"),
        ("funding.txt", "Funding for SEN"): ("", 0, "2025-02-05"),
        ("funding.txt", "Top-up funding"): ("", 0, "2025-02-05"),
    }
    breaks = next(p for p in answer.passages if p.heading_path[-1] == "Short breaks")
    out = page_html.passage_html(breaks)
    assert "From “Westvale SEND strategy”, page 2" in out
    assert out.endswith(f'<p class="sg-source">Last updated 7 March 2024. <a href="{STRATEGY_PDF}#page=2" '
                        'rel="noopener">Open page 2 of the PDF</a></p>')
    data = answer.to_json()["passages"]
    assert {d["link"] for d in data} == {link for link, _, _ in got.values()}


# --- words explained: <abbr> in the quote, a disclosure below it --------------

from qa.explain import Term, terms as glossary_terms  # noqa: E402
from qa.glossary import SEN_GLOSSARY, read_entries  # noqa: E402

ENTRIES = read_entries(SEN_GLOSSARY)
SENCO_TITLE = "Special Educational Needs Coordinator"
ABBR = re.compile(r'<abbr title="[^"<>]*">|</abbr>')


def explain(text: str) -> list[Term]:
    return glossary_terms(text, ENTRIES)


def test_a_term_in_a_quote_is_wrapped_in_abbr_inside_its_highlight():
    text = "Ask the SENCO. Then wait."
    assert page_html.quote_html(text, [[0, 14]], explain(text)) == \
        f'<mark>Ask the <abbr title="{SENCO_TITLE}">SENCO</abbr>.</mark> Then wait.'
    assert page_html.quote_html(text, [[15, 25]], explain(text)) == \
        f'Ask the <abbr title="{SENCO_TITLE}">SENCO</abbr>. <mark>Then wait.</mark>'


def test_a_term_across_a_highlight_edge_is_cut_cleanly_in_two():
    text = "Ask the SENCO."
    out = page_html.quote_html(text, [[0, 10]], explain(text))
    assert out == (f'<mark>Ask the <abbr title="{SENCO_TITLE}">SE</abbr></mark>'
                   f'<abbr title="{SENCO_TITLE}">NCO</abbr>.')


def test_terms_in_list_items_nest_inside_the_items():
    text = "You can:\n- Ask the SENCO\n- Ask about SEN support"
    out = page_html.quote_html(text, [[text.index("the"), len(text)]], explain(text))
    assert out == ('You can:<ul><li>Ask <mark>the <abbr title="Special Educational Needs Coordinator">SENCO</abbr></mark></li>'
                   '<li><mark>Ask about <abbr title="SEN support (replaced School Action and School Action Plus)">'
                   'SEN support</abbr></mark></li></ul>')


def test_the_title_and_the_words_are_escaped():
    t = Term("A&B", 'Say "hi" <b>', "It's <i>fine</i> & done.", ((0, 3),), ("A&B",))
    out = page_html.quote_html("A&B<script>", [], [t])
    assert out == '<abbr title="Say &quot;hi&quot; &lt;b&gt;">A&amp;B</abbr>&lt;script&gt;'
    box = page_html.words_html([t])
    assert "<b>" not in box and "<i>" not in box and 'Say &quot;hi&quot; &lt;b&gt;: It&#x27;s &lt;i&gt;fine' in box


def test_overlapping_or_outside_term_spans_never_break_the_markup():
    t = Term("T", "Tee", "A t.", ((-4, 2), (1, 3), (5, 99), (7, 7)), ("T",))
    out = page_html.highlighted_html("abcdefgh", [[3, 6]], [t])
    # Clipped to the text, the one overlapping an earlier one dropped, the empty one left out.
    assert out == '<abbr title="Tee">ab</abbr>c<mark>de<abbr title="Tee">f</abbr></mark><abbr title="Tee">gh</abbr>'
    assert _nests(out)


def _nests(out: str) -> bool:
    """Every tag is closed in the order it was opened."""
    stack = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", out):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


WORDS = ["SEN", "SENCO", "SENCOs", "SEND", "send", "EHC", "plan", "EHCP", "LSA", "AWPU", "support", "Ask", "the",
         "<b>", "&", "a", "-", "1.", "absent", "Local", "authority"]


@settings(deadline=None)  # a wall-clock deadline would judge the machine's load, not the code
@given(st.lists(st.sampled_from(WORDS), max_size=25), st.lists(st.sampled_from([" ", "\n", "\n- ", ", ", "\n1. "]),
                                                           min_size=25, max_size=25),
       st.lists(st.tuples(st.integers(-5, 200), st.integers(-5, 200)), max_size=4))
def test_explained_words_add_only_abbr_tags_and_keep_the_text_exactly(words, gaps, spans):
    text = "".join(w + g for w, g in zip(words, gaps))
    found = explain(text)
    spans = [list(s) for s in spans]
    out = page_html.highlighted_html(text, spans, found)
    assert html.unescape(re.sub(r"<[^>]*>", "", out)) == text  # the visible text is the passage's, exactly
    assert _nests(out) and set(re.findall(r"</?([a-z]+)", out)) <= {"mark", "abbr"}
    quoted = page_html.quote_html(text, spans, found)
    assert _nests(quoted)
    assert ABBR.sub("", quoted) == page_html.quote_html(text, spans)  # with the lists: only <abbr> tags added
    for t in found:
        assert quoted.count(f'<abbr title="{html.escape(t.title)}">') >= len(t.spans)


def test_the_words_explained_list_each_term_of_a_section_once_in_reading_order():
    first = passage("Ask the SENCO. The SENCO knows about SEN support.", [[0, 14]])
    second = passage("Your child’s SENCO will talk to the Local Authority.", chunk_id="c2", start=60)
    out = page_html.section_passages_html([first, second], explain=explain)
    box = re.search(r'<details class="sg-words">.*?</details>', out).group(0)
    # The heading's terms first ("…in mainstream schools › Element 2"), then the quotes', as they are read.
    assert re.findall(r"<dt>(.*?)</dt>", box) == ["mainstream school", "SENCO", "SEN support", "Local Authority"]
    assert f"<dd>{SENCO_TITLE}: The teacher in a school or nursery who organises extra help" in box
    assert box.startswith('<details class="sg-words"><summary>Words explained: mainstream school, SENCO, '
                          "SEN support, Local Authority</summary><dl>")
    # Below the quotes, above where to read them; the headings and the quoted words unchanged.
    assert out.index("</blockquote>", out.index("Local Authority")) < out.index(box)
    plain = page_html.section_passages_html([first, second])
    assert ABBR.sub("", out.replace(box, "")) == plain
    assert out.count(f'<abbr title="{SENCO_TITLE}">SENCO</abbr>') == 3


def test_no_terms_no_disclosure():
    assert page_html.words_html([]) == ""
    p = passage("Schools decide how to use it.", heading_path=[TITLE, "Element 3"])
    assert "sg-words" not in page_html.section_passages_html([p], explain=explain)
    assert page_html.passage_html(p, explain=explain) == page_html.passage_html(p)


def test_a_whole_section_explains_its_words_below_it():
    c = chunk("a", "Ask:\n- the SENCO\n- about EHCPs", 0)
    text, spans = whole_section([c], passage(c.text, [[5, 16]], chunk_id="a"))
    out = page_html.section_html(text, spans, explain=explain)
    assert out.startswith(f'<div class="sg-section">Ask:<ul><li><mark>the <abbr title="{SENCO_TITLE}">SENCO</abbr>'
                          '</mark></li><li>about <abbr title="Education, Health and Care plan (EHCP)">EHCPs</abbr>'
                          "</li></ul></div><details class=\"sg-words\">")
    assert re.findall(r"<dt>(.*?)</dt>", out) == ["SENCO", "EHCP"]
    assert ABBR.sub("", out.split("<details")[0]) == page_html.section_html(text, spans)
