"""The parent page: ask a question, read the guidance's own words."""
import html

import streamlit as st

from qa import messages, page_html
from qa.staff_tables import markdown_text
from views import shared

# Three passages: enough to show the answer and its context, few enough to
# read on a phone without scrolling past the point.
PASSAGES = 3
EXAMPLES = [
    "My child has just been diagnosed. What now?",
    "What is a SENCO?",
    "How often should my child's progress be reviewed?",
    "Can I ask for an EHC assessment myself?",
    "What is Element 2 funding?",
    "What can I do if I'm not happy with the support?",
]
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


def _ask() -> None:
    # The question lives in the URL (?q=...), so an answer can be shared and reopened.
    st.query_params["q"] = st.session_state.question
    st.session_state.searches = st.session_state.get("searches", 0) + 1
    st.session_state.focus = True


def _ask_example(example: str) -> None:
    st.session_state.question = example
    _ask()


def _examples() -> None:
    # Buttons, not pills: each is a button to a screen reader and a stop for Tab.
    st.html(f'<h2 class="sg-examples">{html.escape(messages.EXAMPLES_HEADING)}</h2>')
    with st.container(key="examples"):
        for i, example in enumerate(EXAMPLES):
            st.button(example, key=f"example-{i}", on_click=_ask_example, args=(example,))
    # A button's label holds no markup: its glossary words are explained below the buttons.
    words = page_html.words_html(engine.explain("\n".join(EXAMPLES)))
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
        st.button(markdown_text(messages.did_you_mean(answer.did_you_mean)), key="did-you-mean",
                  on_click=_ask_example, args=(answer.did_you_mean,))
    if answer.help and not answer.urgent:  # an urgent answer shows its contacts first, above
        st.html(page_html.help_html(answer))
    if answer.suggestions:
        st.html(f'<h2 class="sg-examples">{html.escape(messages.SUGGESTIONS_HEADING)}</h2>')
        with st.container(key="suggestions"):
            for i, label in enumerate(answer.suggestions):
                st.button(markdown_text(label), key=f"suggestion-{i}", on_click=_ask_example,
                          args=(messages.question_of(label),))


st.set_page_config(layout="centered")  # a reading column, on a phone or a desktop
st.title(messages.TITLE, anchor=False)
st.markdown(messages.INTRO)
engine = shared.engine()

# The box follows the URL's question when the URL changes: on the first visit
# and after Back or Forward. A question typed but not yet asked is left alone.
asked = st.query_params.get("q")
if st.session_state.get("shown_q") != asked or "question" not in st.session_state:
    st.session_state.question = asked or ""
st.session_state.shown_q = asked
with st.form("ask", border=False, enter_to_submit=True):
    st.text_input(messages.QUESTION_LABEL, key="question", placeholder=messages.PLACEHOLDER)
    st.form_submit_button(messages.SEARCH_BUTTON, type="primary", on_click=_ask)
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
    answer = shared.search(engine, asked, PASSAGES)
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
    # Below the answer, so that on a phone the answer comes first.
    _examples()
if st.session_state.pop("focus", False):  # this run answers a search made on this page
    st.html(_FOCUS_ANSWER.format(search=st.session_state.searches), unsafe_allow_javascript=True)
