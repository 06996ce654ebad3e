"""The parent page: ask a question, read the guidance's own words."""
import html

import streamlit as st

from qa import messages
from web import page_html
from web.markdown import markdown_text
from feedback.store import StoreError
from views import shared

# Three passages: enough to show the answer and its context, few enough to
# read on a phone without scrolling past the point.
PASSAGES = 3
# After a search, focus moves to the answer (the emergency box first, then the
# answer's heading, then a notice), so a screen reader or keyboard user starts
# there and a phone scrolls to it, even from an example at the bottom of the
# page. It waits for the script run to finish, so it never lands on the last
# answer's stale heading. The search number makes each search's script new:
# st.html runs a script only when its HTML changes.
_FOCUS_ANSWER = """<script>/* search {search} */
(function () {{
  var tries = 0;
  function step() {{
    var main = document.querySelector('[data-testid="stMain"]');
    var busy = document.querySelector('[data-test-script-state="running"], [data-stale="true"]');
    var target = main && (main.querySelector('.sg-urgent') || main.querySelector('h2:not(.sg-examples)')
                          || main.querySelector('.sg-notice'));
    if (busy || !target) {{
      if (++tries < 300) setTimeout(step, 50);
      return;
    }}
    target.setAttribute('tabindex', '-1');
    target.focus({{preventScroll: true}});
    target.scrollIntoView({{block: 'start'}});
  }}
  step();
}})();
</script>"""


def _ask(question: str) -> None:
    """Search for a question: it goes into the URL (?q=...), so that an answer
    can be shared and reopened, and the box follows the URL on the next run."""
    st.query_params["q"] = question
    st.session_state.searches = st.session_state.get("searches", 0) + 1
    st.session_state.focus = True


# A button's on_click runs only in a session that has already run this page,
# which registered it. A page whose server died reconnects to another server,
# where it is a new session that has never run the page; Streamlit does not run
# it on reconnecting, so the first click there reaches the page's script with
# no callback run. The button still returns True: then the script does what
# the callback would have done, and runs the page again to show it.
_CLICKED = "clicked"  # the key of the button whose callback ran before this run


def _clicked(key: str, action, *args) -> None:
    st.session_state[_CLICKED] = key
    action(*args)


def _button(where, label: str, key: str, action, *args, **kwargs) -> None:
    """A button that does action(*args) when pressed, in any session."""
    if where.button(label, key=key, on_click=_clicked, args=(key, action, *args), **kwargs) \
            and handled != key:
        action(*args)
        st.rerun()


def _examples() -> None:
    # Buttons, not pills: each is a button to a screen reader and a stop for Tab.
    st.html(f'<h2 class="sg-examples">{html.escape(messages.EXAMPLES_HEADING)}</h2>')
    examples = engine.examples()  # the council's own (sen-guide.toml or corpus/sen-guide.json)
    with st.container(key="examples"):
        for i, example in enumerate(examples):
            _button(st, example, f"example-{i}", _ask, example)
    # A button's label holds no markup: its glossary words are explained below the buttons.
    words = page_html.words_html(engine.explain("\n".join(examples)))
    if words:
        st.html(words)


def _refusal(answer) -> None:
    """Why there is no answer, then what may help: the question spelt right,
    who to ask (phone numbers and web addresses as links), and questions the
    guidance does answer. Every button asks its question, as an example does."""
    if not answer.did_you_mean:  # a parent's own misspellings are never quoted back
        st.html(page_html.asked_html(answer.question))
    st.html(page_html.notice_html(answer.reason))
    if answer.did_you_mean:  # a button's label reads Markdown: the question is escaped
        _button(st, markdown_text(messages.did_you_mean(answer.did_you_mean)), "did-you-mean",
                _ask, answer.did_you_mean)
    if answer.help and not answer.urgent:  # an urgent answer shows its contacts first, above
        st.html(page_html.help_html(answer))
    if answer.suggestions:
        st.html(f'<h2 class="sg-examples">{html.escape(messages.SUGGESTIONS_HEADING)}</h2>')
        with st.container(key="suggestions"):
            for i, label in enumerate(answer.suggestions):
                _button(st, markdown_text(label), f"suggestion-{i}", _ask, messages.question_of(label))


def _answer(engine, asked: str):
    """(engine, answer) for the question in the URL. A rerun of the same search
    (a rating, a section opened) keeps what the person is reading, from the
    engine that answered it, even if new guidance was swapped in since; a new
    search uses the engine of now, and is recorded once."""
    key = (asked, st.session_state.get("searches", 0))
    kept = st.session_state.get("kept")
    if kept and kept["key"] == key:
        return kept["engine"], kept["answer"]
    answer = shared.search(engine, asked, PASSAGES)
    # Empty and vague questions are not kept. The question is written in the
    # background: the answer never waits for the database.
    record = shared.record_later(engine, answer) if answer.passages else None
    st.session_state.kept = {"key": key, "engine": engine, "answer": answer, "record": record}
    st.session_state.pop("rated", None)
    return engine, answer


def _rate(helpful: bool, comment: str = "") -> None:
    kept = st.session_state.kept
    try:
        shared.rate(kept["engine"], kept["answer"], kept["record"], helpful, comment)
        st.session_state.rated = "more" if (not helpful and not comment) else "thanks"
    except StoreError as exc:
        shared.log.error("Feedback could not be saved: %s", exc)
        st.session_state.rated = "failed"


def _send_more() -> None:
    _rate(False, st.session_state.get("feedback_more", "").strip())


def _feedback(engine) -> None:
    """'Did this answer your question?' under every answer and refusal. It never
    changes or hides the answer above it, and says in words what happened."""
    if shared.feedback_store(engine) is None:  # recording is off: nothing would be kept
        return
    rated = st.session_state.get("rated")
    with st.container(key="feedback"):
        if rated in ("thanks", "failed"):
            st.html(page_html.notice_html(messages.FEEDBACK_THANKS if rated == "thanks" else messages.FEEDBACK_FAILED))
            return
        st.html(f'<h2 class="sg-examples">{html.escape(messages.FEEDBACK_QUESTION)}</h2>')
        if rated != "more":
            yes, no = st.columns(2, gap="small")
            _button(yes, messages.FEEDBACK_YES, "feedback-yes", _rate, True, width="stretch")
            _button(no, messages.FEEDBACK_NO, "feedback-no", _rate, False, width="stretch")
            return
        with st.form("feedback-more", border=False):
            st.text_area(messages.FEEDBACK_MORE, key="feedback_more", max_chars=1000, help=None)
            st.caption(messages.FEEDBACK_WARNING)
            st.form_submit_button(messages.FEEDBACK_SEND, on_click=_send_more)


settings = shared.settings()
# A reading column, on a phone or a desktop, under the council's name for the service.
st.set_page_config(layout="centered", page_title=settings.service_name)
st.title(settings.title or messages.TITLE, anchor=False)
st.markdown(messages.INTRO)
engine = shared.engine()

handled = st.session_state.pop(_CLICKED, None)
asked = st.query_params.get("q")
with st.form("ask", border=False, enter_to_submit=True):
    # The search button is read before the box is made (the box's place comes
    # first), so that a search uses the box's own words: not an on_click
    # callback, which a page that moved here from a server that died has not
    # registered in its new session, nor the URL's question put back.
    box = st.empty()
    submitted = st.form_submit_button(messages.SEARCH_BUTTON, type="primary")
    # Otherwise the box follows the URL's question when the URL changes (after
    # Back or Forward, or a button that asks a question) and in a session that
    # has not shown it yet (the first visit, or a page that moved here). A
    # question typed but not yet asked is left alone.
    follow_url = not submitted and (st.session_state.get("shown_q") != asked
                                    or "question" not in st.session_state)
    if follow_url:
        st.session_state.question = asked or ""
    question = box.text_input(messages.QUESTION_LABEL, key="question", placeholder=messages.PLACEHOLDER,
                              value="" if "question" in st.session_state else (asked or ""))
if submitted:
    _ask(question)
    asked = question
st.session_state.shown_q = asked
# The live region is on the page on every run, so that a search changes its
# text (which screen readers read out) rather than adding a new element. It is
# emptied before the search, so the same words twice are still read. Markdown,
# not st.html, because Streamlit updates Markdown's text in place; it never
# holds a person's words.
live = st.empty()
live.markdown(page_html.live_region_html(""), unsafe_allow_html=True)
if asked is None:
    _examples()
else:
    engine, answer = _answer(engine, asked)
    live.markdown(page_html.live_region_html(page_html.status_text(answer)), unsafe_allow_html=True)
    if answer.notice:
        st.html(page_html.notice_html(answer.notice))
    if answer.urgent:  # a child at risk: the emergency numbers before anything else
        st.html(page_html.help_html(answer))
    if not answer.passages:  # nothing to search for: say how to ask
        st.html(page_html.notice_html(answer.reason))
    elif not answer.answered:
        st.header(messages.NO_ANSWER_HEADING, anchor=False)
        _refusal(answer)
    else:
        st.header(messages.ANSWER_HEADING, anchor=False)
        st.html(page_html.asked_html(answer.question))
        for group in page_html.group_by_section(answer.passages):
            with st.container(border=True):
                st.html(page_html.section_passages_html(group, explain=engine.explain))
                with st.expander("Read the whole section"):
                    text, _ = engine.section(group[0])
                    spans = [span for p in group for span in engine.section(p)[1]]
                    st.html(page_html.section_html(text, spans, explain=engine.explain))
    if answer.passages:
        _feedback(engine)
    # Below the answer, so that on a phone the answer comes first.
    _examples()
st.page_link("views/privacy.py", label=messages.PRIVACY_LINK)
if st.session_state.pop("focus", False):  # this run answers a search made on this page
    st.html(_FOCUS_ANSWER.format(search=st.session_state.searches), unsafe_allow_javascript=True)
