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


def _ask() -> None:
    # The question lives in the URL (?q=...), so an answer can be shared and reopened.
    st.query_params["q"] = st.session_state.question


def _ask_example() -> None:
    example = st.session_state.example
    st.session_state.example = None
    if example:
        st.session_state.question = example
        _ask()


st.set_page_config(layout="centered")  # a reading column, on a phone or a desktop
st.title("Ask about SEN support", anchor=False)
st.markdown("Answers are quoted from the guidance, word for word. Nothing is made up.")
engine = shared.engine()

if "question" not in st.session_state:
    st.session_state.question = st.query_params.get("q", "")
with st.form("ask", border=False, enter_to_submit=True):
    st.text_input("Your question", key="question", placeholder="For example: who pays for extra help?")
    st.form_submit_button("Search the guidance", type="primary", on_click=_ask)
if "q" not in st.query_params:
    st.pills("Or try one of these questions", EXAMPLES, key="example", on_change=_ask_example)
else:
    answer = shared.search(engine, st.query_params["q"], PASSAGES)
    if answer.notice:
        st.html(page_html.notice_html(answer.notice))
    if answer.urgent:  # a child at risk: the emergency numbers before anything else
        st.html(page_html.help_html(answer))
    if not answer.passages:  # nothing to search for: say how to ask
        st.html(page_html.notice_html(answer.reason))
    elif not answer.answered:
        st.header("No answer in the guidance", anchor=False)
        st.html(page_html.notice_html(answer.reason))
    else:
        st.header("What the guidance says", anchor=False)
        for passage in answer.passages:
            with st.container(border=True):
                st.html(page_html.passage_html(passage))
                with st.expander("Read the whole section"):
                    st.html(page_html.section_html(*engine.section(passage)))
    # Below the answer, so that on a phone the answer comes first.
    st.pills("Or try one of these questions", EXAMPLES, key="example", on_change=_ask_example)
