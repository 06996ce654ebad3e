"""Read a saved web page into a document: only the page's own content.

Around its guidance a page carries furniture: cookie messages, banners and
alerts, menus, breadcrumbs, related links, feedback and share widgets,
footers. None of it may be quoted as guidance, so two steps keep it out:

1. `_drop_furniture` removes the elements whose tag, ARIA role, id or class
   names them furniture, whether the site marks them with <nav>/<footer>,
   with roles, or only with classes on <div>s;
2. trafilatura picks the main content out of what is left (a second line of
   defence for furniture no rule names) and gives its blocks as XML.

The document's text is built from those blocks: headings and paragraphs
separated by blank lines, one "- item" line per list item, one line per
table row (cells separated by " | ") and per <dt>/<dd>. Words, punctuation
and order are the page's; only white space is normalised.

The page's own metadata gives the title, the canonical URL, the date it was
last updated and each heading's anchor (its id), for links to source#anchor.
"""
from __future__ import annotations

import re

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from .readers import Document, UnreadableFile, iso_date, sections_from_headings

# Below MIN_EXTRACTED_SIZE characters trafilatura swaps its result for a
# cruder extraction that flattens headings into paragraphs; a short page of
# guidance is still guidance.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "0")

# Elements that are furniture by their tag. <header> is too, but only
# outside <main> and <article>: inside them it introduces the content.
_FURNITURE_TAGS = {"nav", "aside", "footer", "form", "dialog", "button", "select", "noscript", "template", "iframe"}
_FURNITURE_ROLES = {"banner", "navigation", "contentinfo", "complementary", "search", "alert", "alertdialog",
                    "dialog", "menu", "menubar", "toolbar"}
# Words in an id or class that name furniture ("global-cookie-message",
# "govuk-breadcrumbs", "gem-c-feedback", "share"). Whole words only:
# "shared-care" or "navigator" are not furniture. "metadata" is a page's
# "From: ... Last updated ..." block: its date is read, never quoted.
_FURNITURE_WORDS = {"cookie", "cookies", "consent", "banner", "alert", "nav", "navbar", "navigation", "menu",
                    "breadcrumb", "breadcrumbs", "related", "feedback", "share", "sharing", "footer", "skip",
                    "skiplink", "sidebar", "pagination", "metadata"}

_MODIFIED_META = {"article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                  "dc.date.modified", "last-modified"}
_JSON_LD_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]+)"')
# "Page last updated: 3 March 2026", "Last updated 3 March 2026", "Updated on March 3, 2026".
_UPDATED_TEXT = re.compile(
    r"(?i)\b(?:last\s+(?:updated|modified)|updated)(?:\s+on)?\s*:?\s*"
    r"(\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+\s+\d{4}|[a-z]+\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})")
# " - Eastmoor County Council", " | GOV.UK": the site's name after a page's <title>.
_TITLE_SUFFIX = re.compile(r"\s+[-|–—]\s+[^-|–—]+$")


def read_html(rel: str, html: str) -> Document:
    tree = _parse(html)
    doc = Document(rel, "", "", source=_canonical(tree), updated=_updated(tree))
    _drop_furniture(tree)
    h1 = next(iter(tree.iter("h1")), None)
    doc.title = _words(h1.text_content()) if h1 is not None else _page_title(tree)
    anchors = _anchors(tree)
    _unlink_main(tree)
    _ensure_main(tree)
    blocks = _blocks(_extract(tree))
    if h1 is not None:
        _keep_title_and_lede(blocks, h1)
    doc.text, headings = _join(blocks)
    doc.sections = sections_from_headings(doc.text, headings, 0,
                                          [_pop(anchors, title) for _, title, _, _ in headings])
    return doc


def _parse(html: str) -> lxml.html.HtmlElement:
    # An XML declaration naming an encoding is refused in an already decoded string.
    html = re.sub(r"\A\s*<\?xml[^>]*\?>", "", html)
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableFile(f"it has no readable HTML ({exc})") from None


def _extract(tree: lxml.html.HtmlElement) -> etree._Element:
    """The page's main content as trafilatura's XML: head, p, list/item, table/row/cell."""
    # favor_recall: guidance is short pages of lists and tables, which the
    # default balance sometimes drops as boilerplate.
    result = trafilatura.bare_extraction(tree, favor_recall=True, include_comments=False, include_tables=True,
                                         include_formatting=False, include_links=False, include_images=False,
                                         config=_CONFIG)
    if result is None or result.body is None:
        raise UnreadableFile("no page content was found in it")
    return result.body


# --- Furniture --------------------------------------------------------------

def _drop_furniture(tree: lxml.html.HtmlElement) -> None:
    # The content itself is never dropped, even inside an element that looks
    # like furniture (a whole page wrapped in a <form>, an <h1> in a banner).
    content = tree.xpath("//main | //*[@role='main'] | //h1")
    protected = {el for c in content for el in (c, *c.iterancestors())}
    for el in [el for el in tree.iter(etree.Element) if el not in protected and _is_furniture(el)]:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the text that follows it


def _is_furniture(el: lxml.html.HtmlElement) -> bool:
    if el.tag in _FURNITURE_TAGS or el.get("hidden") is not None:
        return True
    if el.tag == "header":
        return not any(a.tag in ("main", "article") or a.get("role") == "main" for a in el.iterancestors())
    if (el.get("role") or "").lower() in _FURNITURE_ROLES:
        return True
    words = re.split(r"[^a-z0-9]+", f"{el.get('id', '')} {el.get('class', '')}".lower())
    return not _FURNITURE_WORDS.isdisjoint(words)


def _unlink_main(tree: lxml.html.HtmlElement) -> None:
    """Links inside the page's <main> or <article> become plain text.

    trafilatura drops a list made only of links as a menu, but in the content
    such a list is guidance ("Organisations that can help: - IPSEA - Contact").
    Link lists elsewhere keep their links, so trafilatura can still catch the
    menus no furniture rule names."""
    for link in tree.xpath("//main//a | //*[@role='main']//a | //article//a"):
        link.drop_tag()


def _ensure_main(tree: lxml.html.HtmlElement) -> None:
    """Wrap the body in <main> when the page has none: trafilatura keeps the
    headings of a content container, but not of text it finds loose in the body."""
    if tree.xpath("//main | //*[@role='main']"):
        return
    body = tree.body
    main = etree.Element("main")
    main.text, body.text = body.text, None
    main.extend(list(body))
    body.append(main)


# --- Text -------------------------------------------------------------------

def _blocks(body: etree._Element) -> list[tuple[int, str]]:
    """(heading level, text) of each block, level 0 for what is not a heading."""
    blocks: list[tuple[int, str]] = []
    _render(body, blocks)
    return [(level, text) for level, text in blocks if text]


def _render(container: etree._Element, blocks: list[tuple[int, str]]) -> None:
    blocks.append((0, _words(container.text)))
    for el in container:
        if el.tag == "head":
            level = el.get("rend", "h2")[1:]
            blocks.append((int(level) if level.isdigit() else 2, _words(_inline_text(el))))
        elif el.tag == "list":
            blocks.append((0, "\n".join(_list_lines(el))))
        elif el.tag == "table":
            blocks.append((0, "\n".join(_row_lines(el))))
        elif el.tag in ("p", "quote", "code"):
            blocks.append((0, _lines(_inline_text(el))))
        elif el.tag != "lb":
            _render(el, blocks)  # a container (div, main): its blocks in order
        blocks.append((0, _words(el.tail)))


def _list_lines(lst: etree._Element, depth: int = 0) -> list[str]:
    """One "- item" line per item, nested items indented; <dt> and <dd> one line each."""
    lines = []
    for item in lst.iterchildren("item"):
        text = _words(_inline_text(item))
        if text:
            lines.append(text if lst.get("rend") == "dl" else "  " * depth + "- " + text)
        for sub in item.iterchildren("list"):
            lines.extend(_list_lines(sub, depth + 1))
    return lines


def _row_lines(table: etree._Element) -> list[str]:
    rows = (" | ".join(filter(None, (_words(" ".join(cell.itertext())) for cell in row.iterchildren("cell"))))
            for row in table.iter("row"))
    return [row for row in rows if row]


def _inline_text(el: etree._Element) -> str:
    """The element's text, with its line breaks; nested lists and tables are
    left to their own lines, nested blocks are kept apart by a line break."""
    parts = [el.text or ""]
    for child in el:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag in ("p", "head", "quote", "code", "item"):
            parts.append("\n" + _inline_text(child) + "\n")
        elif child.tag not in ("list", "table"):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _lines(text: str) -> str:
    return "\n".join(filter(None, (_words(line) for line in text.split("\n"))))


def _keep_title_and_lede(blocks: list[tuple[int, str]], h1: lxml.html.HtmlElement) -> None:
    """Put back the page's <h1> and the paragraph after it (the lede) when the
    extractor dropped them: they are the page's own words."""
    title = _words(h1.text_content())
    if not title or (1, title) in blocks:
        return
    blocks.insert(0, (1, title))
    lede = next(iter(h1.xpath("following::p[1]")), None)
    lede_text = _words(lede.text_content()) if lede is not None else ""
    if lede_text and not any(lede_text in text for _, text in blocks):
        blocks.insert(1, (0, lede_text))


def _join(blocks: list[tuple[int, str]]) -> tuple[str, list[tuple[int, str, int, int]]]:
    """The document's text, and (level, title, start, end) of its headings."""
    parts, headings, pos = [], [], 0
    for level, text in blocks:
        if parts:
            parts.append("\n\n")
            pos += 2
        if level:
            headings.append((level, text, pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    return "".join(parts), headings


# --- Metadata ---------------------------------------------------------------

def _anchors(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Heading text -> the ids of the headings with that text, in page order
    ("" for a heading without one)."""
    anchors: dict[str, list[str]] = {}
    for h in tree.xpath("//h1 | //h2 | //h3 | //h4 | //h5 | //h6"):
        inner = h.xpath(".//*[@id] | .//a[@name]")
        anchor = h.get("id") or (inner[0].get("id") or inner[0].get("name") if inner else "")
        anchors.setdefault(_words(h.text_content()), []).append(anchor or "")
    return anchors


def _pop(anchors: dict[str, list[str]], title: str) -> str:
    found = anchors.get(title)
    return found.pop(0) if found else ""


def _canonical(tree: lxml.html.HtmlElement) -> str:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return link.get("href").strip()
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url" and meta.get("content"):
            return meta.get("content").strip()
    return ""


def _page_title(tree: lxml.html.HtmlElement) -> str:
    title = _words(tree.findtext(".//title"))
    return _TITLE_SUFFIX.sub("", title) or title


def _updated(tree: lxml.html.HtmlElement) -> str:
    """The date the page says it was last updated, as YYYY-MM-DD, or ""."""
    for el in tree.xpath("//meta | //time | //*[@itemprop]"):
        name = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        value = el.get("content") or el.get("datetime") or ""
        if name in _MODIFIED_META and _iso_date(value):
            return _iso_date(value)
    for script in tree.xpath("//script[@type='application/ld+json']"):
        m = _JSON_LD_MODIFIED.search(script.text or "")
        if m and _iso_date(m.group(1)):
            return _iso_date(m.group(1))
    visible = " ".join(tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]"))
    m = _UPDATED_TEXT.search(_words(visible))
    return iso_date(m.group(1)) if m else ""


def _iso_date(value: str) -> str:
    """The date of an ISO timestamp ("2026-03-03T10:00:00Z" -> "2026-03-03")."""
    m = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
    return iso_date(m.group(1)) if m else ""
