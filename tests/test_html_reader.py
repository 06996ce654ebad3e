"""Saved web pages: only the page's own content becomes guidance.

Each page below is built the way a kind of site builds it (semantic HTML5,
<div>s with classes only, GOV.UK's design system, a page with a table and a
definition list). Each test checks both sides: every content heading and key
sentence is in the document word for word, and no piece of furniture
(cookie message, banner, menu, breadcrumbs, related links, feedback, share
widget, footer) is anywhere in Document.text, nor in the chunks made from it.
"""
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.readers import read_document

SCHOOL_TRAVEL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "transfer-dev" / "corpus" / "school-travel.html"


def read_page(tmp_path, html, name="page.html"):
    (tmp_path / name).write_text(html, encoding="utf-8")
    return read_document(tmp_path / name, tmp_path)


def bodies(doc):
    return {s.heading_path: doc.text[s.start:s.end] for s in doc.sections}


def assert_only_content(doc, paths, sentences, furniture):
    assert [s.heading_path for s in doc.sections] == paths
    for sentence in sentences:
        assert sentence in doc.text, sentence
    chunks = chunk_document(doc, 700, 700)
    for text in (doc.text, *(c.text for c in chunks)):
        for piece in furniture:
            assert piece.lower() not in text.lower(), piece


# --- (a) Semantic HTML5 -----------------------------------------------------

SEMANTIC = """<!doctype html>
<html lang="en-GB"><head>
<title>Ask for an EHC needs assessment | Northshire Council</title>
<link rel="canonical" href="https://www.northshire.gov.uk/send/ehc-needs-assessment">
<meta property="article:modified_time" content="2025-11-20T09:30:00+00:00">
</head><body>
<section class="cookie-banner" aria-label="Cookies">
  <p>We use cookies to remember your settings and improve our services.</p>
  <button>Accept all cookies</button>
</section>
<header>
  <a href="/">Northshire Council home</a>
  <nav><ul><li><a href="/bins">Bins and recycling</a></li><li><a href="/council-tax">Council tax</a></li></ul></nav>
</header>
<main>
  <article>
    <header>
      <h1 id="top">Ask for an EHC needs assessment</h1>
      <p>You can ask us to carry out an education, health and care needs assessment for your child.</p>
    </header>
    <h2 id="who-can-ask">Who can ask</h2>
    <p>A parent, a young person aged 16 to 25, or the child's school can ask for an assessment.</p>
    <section>
      <h2><a name="what-happens"></a>What happens next</h2>
      <p>We tell you within 6 weeks whether we will carry out the assessment.</p>
      <h3>If we say no</h3>
      <p>You can appeal to the SEND Tribunal. You must first think about mediation:</p>
      <ol><li>contact a mediation adviser</li><li>get a mediation certificate</li></ol>
    </section>
  </article>
  <aside><h2>Related pages</h2><ul><li><a href="/send/local-offer">Our local offer for SEND</a></li></ul></aside>
</main>
<footer><p>Northshire Council, Riverside House.</p><p><a href="/privacy">Privacy notice</a></p></footer>
</body></html>"""


def test_semantic_html5_page_keeps_its_article_and_drops_the_rest(tmp_path):
    doc = read_page(tmp_path, SEMANTIC)
    title = "Ask for an EHC needs assessment"
    assert_only_content(
        doc,
        [(title,), (title, "Who can ask"), (title, "What happens next"), (title, "What happens next", "If we say no")],
        ["You can ask us to carry out an education, health and care needs assessment for your child.",
         "A parent, a young person aged 16 to 25, or the child's school can ask for an assessment.",
         "You must first think about mediation:\n\n- contact a mediation adviser\n- get a mediation certificate"],
        ["cookies", "Accept all", "Northshire Council home", "Bins and recycling", "Council tax",
         "Related pages", "local offer", "Riverside House", "Privacy notice"])
    assert (doc.title, doc.source, doc.updated) == (
        title, "https://www.northshire.gov.uk/send/ehc-needs-assessment", "2025-11-20")
    # Links can go to source#anchor: the heading's id, or the <a name> inside it.
    assert [s.anchor for s in doc.sections] == ["top", "who-can-ask", "what-happens", ""]


# --- (b) <div>s with classes only -------------------------------------------

DIV_ONLY = """<html><head><title>Short breaks for disabled children - Westvale Borough Council</title>
<meta property="og:url" content="https://www.westvale.gov.uk/short-breaks">
</head><body>
<div id="cookie-notice"><p>This website uses cookies. Choose which cookies you are happy for us to use.</p>
  <a href="#">Accept</a> <a href="#">Reject</a></div>
<div class="top-bar">
  <div class="main-menu"><a href="/parking">Parking permits</a> | <a href="/leisure">Leisure centres</a></div>
  <p class="alert">Our phone lines are closed on Friday for staff training.</p>
</div>
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/children">Children and families</a></div>
<div class="page-body">
  <div class="content">
    <h1>Short breaks for disabled children</h1>
    <p class="intro">Short breaks give disabled children time to have fun and give their families a rest from caring.</p>
    <h2>Who can have a short break</h2>
    <p>Children up to 18 who have a disability and live in Westvale can have a short break.</p>
    <h2>Types of short break</h2>
    <ul><li>day activities and clubs</li><li>overnight stays with a specialist carer</li></ul>
  </div>
  <div class="related-links"><h2>Related content</h2><a href="/send">SEND local offer</a></div>
  <div class="page-feedback"><h2>Was this page helpful?</h2><a href="#">Yes</a> <a href="#">No</a></div>
  <div class="share-this"><span>Share this page:</span> <a href="#">Facebook</a> <a href="#">Email</a></div>
</div>
<div id="footer"><p>Westvale Borough Council, Civic Centre, Westvale WV1 1AA.</p><p>Copyright 2026</p></div>
</body></html>"""


def test_div_only_page_drops_furniture_named_by_id_and_class(tmp_path):
    doc = read_page(tmp_path, DIV_ONLY)
    title = "Short breaks for disabled children"
    assert_only_content(
        doc,
        [(title,), (title, "Who can have a short break"), (title, "Types of short break")],
        ["Short breaks give disabled children time to have fun and give their families a rest from caring.",
         "Children up to 18 who have a disability and live in Westvale can have a short break.",
         "- day activities and clubs\n- overnight stays with a specialist carer"],
        ["cookies", "Accept", "Parking permits", "Leisure centres", "phone lines", "Children and families",
         "Related content", "SEND local offer", "Was this page helpful", "Share this page", "Facebook",
         "Civic Centre", "Copyright"])
    # No <link rel="canonical">: og:url is the page's address. No date given.
    assert (doc.title, doc.source, doc.updated) == (title, "https://www.westvale.gov.uk/short-breaks", "")


# --- (c) GOV.UK ---------------------------------------------------------------

GOVUK = """<!DOCTYPE html>
<html lang="en" class="govuk-template"><head>
<title>Children with special educational needs and disabilities (SEND): Overview - GOV.UK</title>
<link rel="canonical" href="https://www.gov.uk/children-with-special-educational-needs">
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<div id="global-cookie-message" class="gem-c-cookie-banner" role="region" aria-label="Cookies on GOV.UK">
  <div class="govuk-cookie-banner"><h2 class="govuk-cookie-banner__heading">Cookies on GOV.UK</h2>
  <p>We use some essential cookies to make this website work.</p></div>
</div>
<header class="govuk-header" role="banner"><div class="govuk-header__container">
  <a href="/" class="govuk-header__link">GOV.UK</a>
  <nav class="govuk-header__navigation"><ul><li><a href="/browse/benefits">Benefits</a></li>
  <li><a href="/browse/driving">Driving and transport</a></li></ul></nav>
</div></header>
<div class="govuk-width-container">
  <div class="govuk-phase-banner"><p class="govuk-phase-banner__content"><strong class="govuk-tag">Beta</strong>
    <span>This is a new service. Help us improve it and give your feedback by email.</span></p></div>
  <div class="govuk-breadcrumbs"><ol class="govuk-breadcrumbs__list">
    <li class="govuk-breadcrumbs__list-item"><a href="/">Home</a></li>
    <li class="govuk-breadcrumbs__list-item"><a href="/education">Education, training and skills</a></li>
  </ol></div>
  <main class="govuk-main-wrapper" id="main-content" role="main">
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
      <h1 class="govuk-heading-xl">Children with special educational needs and disabilities (SEND)</h1>
      <p class="govuk-body-l">Special educational needs and disabilities (SEND) can affect a child or young person's ability to learn.</p>
      <div class="gem-c-metadata"><dl><dt>From:</dt><dd>Department for Education</dd>
        <dt>Last updated</dt><dd>12 February 2026</dd></dl></div>
      <h2 class="govuk-heading-m" id="sen-support">Special educational needs support</h2>
      <p class="govuk-body">Your child will get SEN support at their school or college.</p>
      <ul class="govuk-list govuk-list--bullet"><li>a special learning programme</li>
        <li>extra help from a teacher or assistant</li></ul>
      <h2 class="govuk-heading-m" id="ehc-plans">Education, health and care (EHC) plans</h2>
      <p class="govuk-body">An EHC plan is for children and young people aged up to 25 who need more support than is available through special educational needs support.</p>
      <div class="gem-c-feedback govuk-!-display-none-print" data-module="feedback">
        <h2 class="gem-c-feedback__prompt-question">Is this page useful?</h2>
        <button class="govuk-button">Yes</button> <button class="govuk-button">No</button>
        <a href="/contact/govuk">Report a problem with this page</a>
      </div>
    </div>
    <div class="govuk-grid-column-one-third">
      <div class="gem-c-related-navigation"><h2 class="gem-c-related-navigation__main-heading">Related content</h2>
        <ul><li><a href="/extra-help-at-school">Help with school costs</a></li></ul></div>
    </div></div>
  </main>
</div>
<footer class="govuk-footer" role="contentinfo"><div class="govuk-footer__meta">
  <ul><li><a href="/help">Help</a></li><li><a href="/help/privacy-notice">Privacy</a></li></ul>
  <span class="govuk-footer__licence-description">All content is available under the Open Government Licence v3.0</span>
  <a class="govuk-footer__copyright-logo" href="#">Crown copyright</a>
</div></footer>
</body></html>"""


def test_govuk_page_keeps_main_content_only(tmp_path):
    doc = read_page(tmp_path, GOVUK)
    title = "Children with special educational needs and disabilities (SEND)"
    assert_only_content(
        doc,
        [(title,), (title, "Special educational needs support"), (title, "Education, health and care (EHC) plans")],
        ["Special educational needs and disabilities (SEND) can affect a child or young person's ability to learn.",
         "Your child will get SEN support at their school or college.\n\n"
         "- a special learning programme\n- extra help from a teacher or assistant",
         "An EHC plan is for children and young people aged up to 25 who need more support than is available "
         "through special educational needs support."],
        ["Skip to main content", "cookies", "GOV.UK", "Benefits", "Driving and transport", "Beta",
         "give your feedback", "Education, training and skills", "Department for Education", "Last updated",
         "Is this page useful", "Report a problem", "Related content", "Help with school costs",
         "Privacy", "Open Government Licence", "Crown copyright"])
    assert (doc.source, doc.updated) == ("https://www.gov.uk/children-with-special-educational-needs", "2026-02-12")
    assert [s.anchor for s in doc.sections] == ["", "sen-support", "ehc-plans"]


# --- (d) Tables and definition lists ----------------------------------------

TABLE_AND_DL = """<html><head><title>SEN funding</title>
<script type="application/ld+json">{"@type": "WebPage", "dateModified": "2026-01-05T12:00:00Z"}</script>
</head><body><nav><a href="/">Home</a></nav><main>
<h1>How SEN funding works</h1>
<p>Schools get money for special educational needs in three parts, called elements.</p>
<h2>The three elements</h2>
<table>
  <thead><tr><th>Element</th><th>Who pays</th><th>What it covers</th></tr></thead>
  <tbody>
    <tr><td>Element 1</td><td>The school</td><td>Teaching for every pupil</td></tr>
    <tr><td>Element 2</td><td>The school</td><td>The first £6,000 of extra support</td></tr>
    <tr><td>Element 3</td><td>The local authority</td><td>Top-up funding above £6,000</td></tr>
  </tbody>
</table>
<h2>Words we use</h2>
<dl>
  <dt>Notional SEN budget</dt><dd>The part of a school's budget meant for pupils with SEN.</dd>
  <dt>Top-up funding</dt><dd>Money the local authority adds for a pupil with high needs.</dd>
</dl>
</main><footer>Funding team, Town Hall</footer></body></html>"""


def test_tables_keep_one_row_per_line_and_definition_lists_one_term_per_line(tmp_path):
    doc = read_page(tmp_path, TABLE_AND_DL)
    title = "How SEN funding works"
    assert_only_content(
        doc,
        [(title,), (title, "The three elements"), (title, "Words we use")],
        [], ["Home", "Funding team", "Town Hall"])
    assert bodies(doc)[(title, "The three elements")] == (
        "Element | Who pays | What it covers\n"
        "Element 1 | The school | Teaching for every pupil\n"
        "Element 2 | The school | The first £6,000 of extra support\n"
        "Element 3 | The local authority | Top-up funding above £6,000")
    assert bodies(doc)[(title, "Words we use")] == (
        "Notional SEN budget\nThe part of a school's budget meant for pupils with SEN.\n"
        "Top-up funding\nMoney the local authority adds for a pupil with high needs.")
    assert doc.updated == "2026-01-05"  # from the page's JSON-LD dateModified


def test_a_list_of_links_in_the_main_content_is_guidance_and_stays(tmp_path):
    doc = read_page(tmp_path, "<html><body><main><h1>Getting help</h1><p>Organisations that can help:</p>"
                              "<ul><li><a href='https://www.ipsea.org.uk'>IPSEA</a></li>"
                              "<li><a href='https://contact.org.uk'>Contact</a></li></ul></main></body></html>")
    assert bodies(doc) == {("Getting help",): "Organisations that can help:\n\n- IPSEA\n- Contact"}


# --- Metadata ---------------------------------------------------------------

def test_title_comes_from_the_title_tag_without_the_site_name_when_there_is_no_h1(tmp_path):
    doc = read_page(tmp_path, "<html><head><title>Local offer - Eastmoor County Council</title></head>"
                              "<body><main><h2>Services</h2><p>Our local offer lists services for SEND.</p></main></body></html>")
    assert doc.title == "Local offer"
    assert bodies(doc) == {("Services",): "Our local offer lists services for SEND."}


def test_sidecar_gives_an_updated_date(tmp_path):
    (tmp_path / "page.html.meta.json").write_text('{"updated": "2024-09-01"}', encoding="utf-8")
    assert read_page(tmp_path, SEMANTIC).updated == "2024-09-01"


# --- The real saved page ----------------------------------------------------

def test_school_travel_page_is_its_content_sections_only():
    if not SCHOOL_TRAVEL.is_file():
        pytest.skip(f"{SCHOOL_TRAVEL} is not there: place a copy of shared/ beside the repository to run this test.")
    doc = read_document(SCHOOL_TRAVEL, SCHOOL_TRAVEL.parent)
    title = "Travel to school for children with special educational needs and disabilities"
    h2s = ["Who can get help with travel", "What kind of help we give", "Passenger assistants", "How to apply",
           "Young people aged 16 to 19", "If you disagree with our decision", "Changes of address or school"]
    assert_only_content(
        doc, [(title,)] + [(title, h) for h in h2s],
        ["This page explains when we help with travel to school or college for a child or young person with "
         "special educational needs or a disability, and how to apply.",
         "If public transport is not suitable, we may offer:\n\n- a seat on a shared minibus or taxi\n",
         "Tell us straight away if you move house or your child changes school, because the travel arrangement "
         "may need to change. A new application may be needed."],
        ["cookie", "gritting", "Was this page helpful", "County Hall", "Related content", "Share this page",
         "Births, deaths", "Eastmoor County Council", "Modern slavery", "Page last updated"])
    assert len(doc.sections) == 8  # the h1 with its lede, and 7 h2
    # The footer's "Page last updated: 3 March 2026" gives the date; there is no canonical link.
    assert (doc.title, doc.source, doc.updated) == (title, "", "2026-03-03")
