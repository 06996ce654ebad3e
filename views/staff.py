"""The staff view: why a passage came first, what the index holds, how the search scores on a gold set.
Only for signed-in staff (views/login.py); app.py leaves it out when no staff sign-in is set up."""
import streamlit as st

from ingest.errors import SenGuideError
from ingest.settings import Settings
from learn import gold_files
from learn.evaluate import Baselines, baselines_for, evaluate, format_report, read_gold
from qa import Engine
from web import page_html, staff_tables
from web.markdown import markdown_text
from views import login, shared, staff_gaps

PASSAGES = 10  # staff see the ranking below the top three parents see
EVAL_K = 5  # the evaluation's own k (shared/eval/README.md)
BUSY = "Another evaluation is running on this server; try again in a minute."
# Tables of text are static (st.table): their headers and cells wrap, so every
# column fits 1,280 px beside the sidebar and no heading path is cut off.
RAW_NOTE = ("The engine's own names and numbers: **fused** is the overall match (the weighted sum the ranking "
            "uses, word scores first divided by the question's best); **dense** (the passage) and **sentence** "
            "(its best sentence or heading) are cosine similarities of meaning, 1 the same and 0 unrelated; "
            "**keyword** and **sentence_keyword** are BM25 word scores, with no fixed scale; **coverage** is the "
            "weighted share of the question's words found (0 to 1). The **chunk id** names the passage in the index.")


def _ask() -> None:
    st.query_params["q"] = st.session_state.staff_question


@st.cache_resource(show_spinner=False)
def _baselines(settings: Settings, _engine: Engine) -> Baselines:
    """The two baselines over the engine's corpus: its text is embedded once
    per server process, so a second run of the evaluation is quick."""
    return baselines_for(_engine)


st.set_page_config(layout="wide")  # room for the score tables
login.require_staff()  # anyone not signed in sees the sign-in form, and the page stops there
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
    st.html(page_html.notice_html(staff_tables.decision(answer)))
    st.html(page_html.facts_html(staff_tables.answer_facts(answer)))
    if answer.passages:
        st.header("Ranked passages", anchor=False)
        st.markdown("\n".join(f"- **{name}**: {meaning}" for name, meaning in staff_tables.score_key()))
        st.caption(staff_tables.SCALE_NOTE)
        several = len(engine.facts().get("documents", [])) > 1
        st.table(staff_tables.markdown_safe(staff_tables.passage_rows(answer, several_documents=several)),
                 hide_index=True)
        with st.expander("Raw scores"):
            st.markdown(RAW_NOTE)
            st.dataframe(staff_tables.raw_rows(answer), hide_index=True)
            st.html(page_html.facts_html(staff_tables.raw_signals(answer)))
        for passage in answer.passages:
            with st.expander(f"Read passage {passage.rank}: {markdown_text(staff_tables.section(passage))}"):
                st.html(page_html.passage_html(passage, heading_level=4))

st.header("The index", anchor=False)
st.html(page_html.facts_html(staff_tables.index_facts(engine.facts(), shared.load_note())))
st.subheader("Documents", anchor=False)
st.table(staff_tables.markdown_safe(staff_tables.document_rows(engine.facts())), hide_index=True)

st.header("Evaluation", anchor=False)
st.markdown(f"Runs every question of a test questions file through the search, {EVAL_K} passages each, and "
            "counts how often the passage holding the expected answer came first, and how often questions the "
            "guidance does not answer were refused. Beside it, two simpler searches over plain 500-character "
            "pieces of the same guidance: by meaning alone (the same model) and by keywords alone (BM25). "
            "The file holds one question a line, with words its right passage holds (JSON Lines, as in "
            "shared/eval/README.md); it is only read.")
with st.form("evaluate", border=False):
    typed = st.text_input("Test questions file, relative to the repository folder", value=gold_files.DEFAULT_GOLD)
    run = st.form_submit_button("Run the evaluation")
if run and not gold_files.EVALUATION_LOCK.acquire(blocking=False):
    # One at a time per server: an evaluation keeps both cores busy, and parents' questions come first.
    st.html(page_html.notice_html(BUSY, "problem"))
elif run:
    try:
        items = read_gold(gold_files.gold_path(typed))
        with st.spinner("Running every question through the search and the two simpler searches..."):
            evaluation = evaluate(engine, items, k=EVAL_K, baselines=_baselines(engine.settings, engine))
        # The rows come from the same run as the scores: each question is searched once.
        rows = staff_tables.question_rows(items, evaluation.results, EVAL_K)
        st.session_state.evaluation = (typed, evaluation.report, rows)
    except (SenGuideError, OSError, ValueError) as exc:  # a missing, unreadable or malformed file
        st.session_state.pop("evaluation", None)
        st.html(page_html.notice_html(f"The evaluation could not run: {exc}", "problem"))
    finally:  # also when the run is stopped or rerun part-way
        gold_files.EVALUATION_LOCK.release()
if "evaluation" in st.session_state:
    typed, report, rows = st.session_state.evaluation
    system = report["system"]
    st.html(page_html.notice_html(
        f"{typed}: {system['in_scope']} questions the guidance answers and {system['out_of_scope']} it does not, "
        f"{system['seconds']} s. {staff_tables.evaluation_summary(report)}"))
    st.subheader("Scores", anchor=False)
    st.table(staff_tables.markdown_safe(staff_tables.metric_rows(report)), hide_index=True)
    with st.expander("Raw scores"):
        st.markdown("As `python -m learn.evaluate` prints them: hit@1, hit@3 and hit@5 are the right passage "
                    "first, in the first three and in the first five; mrr@5 the average position score; "
                    "abstain_oos the unanswerable questions refused; false_abstain the answerable ones refused; "
                    "dense_500 and bm25_500 the searches by meaning alone and by keywords alone.")
        st.code(format_report(report), language=None)
    st.subheader("By kind of question", anchor=False)
    st.caption("Share right: the right passage first or, for questions the guidance does not answer, refused.")
    st.dataframe(staff_tables.kind_rows(system), hide_index=True)
    st.subheader("Hits and misses", anchor=False)
    st.table(staff_tables.markdown_safe(rows), hide_index=True)

# What parents asked (views/staff_gaps.py): the questions the guidance did not answer, grouped by meaning.
store = shared.feedback_store(engine)
if store is None:
    st.header("What parents asked", anchor=False)
    st.markdown("Parents' questions are not being kept: `record = false` under `[feedback]` in "
                "sen-guide.toml (or SEN_GUIDE_FEEDBACK), or the feedback database cannot be opened "
                "(the server's log says why).")
else:
    staff_gaps.show(store, engine)
