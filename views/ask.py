"""The parent page: ask a question, read the guidance's own words."""
import streamlit as st

from qa import page_html
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
    st.html('<h2 class="sg-examples">Or try one of these questions</h2>')
    with st.container(key="examples"):
        for i, example in enumerate(EXAMPLES):
            st.button(example, key=f"example-{i}", on_click=_ask_example, args=(example,))


st.set_page_config(layout="centered")  # a reading column, on a phone or a desktop
st.title("Ask about SEN support", anchor=False)
st.markdown("Answers are quoted from the guidance, word for word. Nothing is made up.")
engine = shared.engine()

# The box follows the URL's question when the URL changes: on the first visit
# and after Back or Forward. A question typed but not yet asked is left alone.
asked = st.query_params.get("q")
if st.session_state.get("shown_q") != asked or "question" not in st.session_state:
    st.session_state.question = asked or ""
st.session_state.shown_q = asked
with st.form("ask", border=False, enter_to_submit=True):
    st.text_input("Your question", key="question", placeholder="For example: who pays for extra help?")
    st.form_submit_button("Search the guidance", type="primary", on_click=_ask)
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
        st.header("No answer in the guidance", anchor=False)
        st.html(page_html.asked_html(answer.question))
        st.html(page_html.notice_html(answer.reason))
    else:
        st.header("What the guidance says", anchor=False)
        st.html(page_html.asked_html(answer.question))
        for group in page_html.group_by_section(answer.passages):
            with st.container(border=True):
                st.html(page_html.section_passages_html(group))
                with st.expander("Read the whole section"):
                    text, _ = engine.section(group[0])
                    spans = [span for p in group for span in engine.section(p)[1]]
                    st.html(page_html.section_html(text, spans))
    # Below the answer, so that on a phone the answer comes first.
    _examples()
if st.session_state.pop("focus", False):  # this run answers a search made on this page
    st.html(_FOCUS_ANSWER.format(search=st.session_state.searches), unsafe_allow_javascript=True)
