"""The staff view: why a passage came first, what the index holds, how the search scores on a gold set."""
import streamlit as st

from ingest.errors import SenGuideError
from ingest.settings import Settings
from qa import Engine, gold_files, page_html, staff_tables
from qa.evaluate import Baselines, baselines_for, evaluate, read_gold
from views import shared

PASSAGES = 10  # staff see the ranking below the top three parents see
EVAL_K = 5  # the evaluation's own k (shared/eval/README.md)


def _ask() -> None:
    st.query_params["q"] = st.session_state.staff_question


@st.cache_resource(show_spinner=False)
def _baselines(settings: Settings, _engine: Engine) -> Baselines:
    """The two baselines over the engine's corpus: its text is embedded once
    per server process, so a second run of the evaluation is quick."""
    return baselines_for(_engine)


st.set_page_config(layout="wide")  # room for the score tables
st.title("Staff view", anchor=False)
st.markdown("For SENCOs and school staff: every ranked passage with its scores, why the search did or did not "
            "answer, what the index holds, and how it scores on a set of test questions.")

engine = shared.engine(staff=True)

if "staff_question" not in st.session_state:
    st.session_state.staff_question = st.query_params.get("q", "")
with st.form("staff_ask", border=False, enter_to_submit=True):
    st.text_input("Question", key="staff_question", placeholder="For example: who pays for extra help?")
    k = st.number_input("Passages to rank", min_value=1, max_value=engine.passage_count,
                        value=min(PASSAGES, engine.passage_count))
    st.form_submit_button("Rank the passages", type="primary", on_click=_ask)

if "q" in st.query_params:
    answer = shared.search(engine, st.query_params["q"], int(k), staff=True)
    st.header("How the search read the question", anchor=False)
    st.html(page_html.facts_html(staff_tables.answer_facts(answer)))
    if answer.passages:
        st.header("Ranked passages", anchor=False)
        st.dataframe(staff_tables.passage_rows(answer), hide_index=True)
        for passage in answer.passages:
            with st.expander(f"Read passage {passage.rank}"):
                st.html(page_html.passage_html(passage, heading_level=4))

st.header("The index", anchor=False)
st.html(page_html.facts_html(staff_tables.index_facts(engine.facts(), shared.load_note())))
st.subheader("Documents", anchor=False)
st.dataframe(staff_tables.document_rows(engine.facts()), hide_index=True)

st.header("Evaluation", anchor=False)
st.markdown(f"Runs every question of a gold file through the search (top {EVAL_K}) and shows which "
            "questions found their gold passage first, beside two baselines over plain 500-character chunks of "
            "the same guidance: `dense_500` (the same model alone) and `bm25_500` (keywords alone). "
            "The file is only read.")
with st.form("evaluate", border=False):
    typed = st.text_input("Gold file (JSON Lines), relative to the repository folder", value=gold_files.DEFAULT_GOLD)
    run = st.form_submit_button("Run the evaluation")
if run:
    try:
        items = read_gold(gold_files.gold_path(typed))
        with st.spinner("Running every question through the search and the baselines..."):
            evaluation = evaluate(engine, items, k=EVAL_K, baselines=_baselines(engine.settings, engine))
        # The rows come from the same run as the scores: each question is searched once.
        rows = staff_tables.question_rows(items, evaluation.results, EVAL_K)
        st.session_state.evaluation = (typed, evaluation.report, rows)
    except (SenGuideError, OSError, ValueError) as exc:  # a missing, unreadable or malformed file
        st.session_state.pop("evaluation", None)
        st.html(page_html.notice_html(f"The evaluation could not run: {exc}", "problem"))
if "evaluation" in st.session_state:
    typed, report, rows = st.session_state.evaluation
    system = report["system"]
    st.html(page_html.notice_html(
        f"{typed}: {system['in_scope']} in-scope and {system['out_of_scope']} out-of-scope questions, "
        f"{system['seconds']} s."))
    st.subheader("Scores", anchor=False)
    st.dataframe(staff_tables.metric_rows(report), hide_index=True)
    st.subheader("By kind of question", anchor=False)
    st.dataframe(staff_tables.kind_rows(system), hide_index=True)
    st.subheader("Hits and misses", anchor=False)
    st.dataframe(rows, hide_index=True)
