"""The staff view's "What parents asked": for a chosen period, the questions
the guidance refused or answered unhelpfully, grouped by meaning (feedback.gaps),
with a CSV download and ways to delete records. Called by views/staff.py:

    staff_gaps.show(store, engine)   # a feedback.store.FeedbackStore and the qa.Engine
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import streamlit as st

from feedback import gaps
from feedback.store import StoreError, to_csv
from web.page_html import breadcrumb, long_date
from web.markdown import markdown_text

PERIOD_DAYS = 30  # the period shown first: long enough to see a pattern, short enough to act on
MAX_GROUPS = 50  # groups drawn on the page; the rest are counted, and all are in the CSV
QUOTE_CHARS = 300  # of the passage shown first: enough to recognise it
INTRO = ("The questions parents asked that the guidance did not answer, and the answers they said did not help, "
         "put into groups of questions that mean much the same. The biggest groups show where the guidance may "
         "need more. Each group is named by its most typical question. You can download the questions or "
         "delete any of them.")
_MESSAGE = "gaps_message"  # what the last delete did, shown once after it


@st.cache_data(max_entries=16, show_spinner=False)
def _vectors(model: str, texts: tuple[str, ...], _encoder) -> np.ndarray:
    """The questions' vectors, kept for the same questions and model: a
    button press redraws the page without embedding them again."""
    return np.asarray(_encoder.encode_many(list(texts)))


def show(store, engine, encoder=None) -> None:
    """Draw the section; a database error is shown to staff with its message.
    Questions are grouped with `encoder` (default: feedback.gaps.grouping_encoder)."""
    st.header("What parents asked", anchor=False)
    st.markdown(INTRO)
    since, until = _period(st.date_input("Period", value=(date.today() - timedelta(days=PERIOD_DAYS - 1), date.today()),
                                         max_value=date.today(), format="DD/MM/YYYY", key="gaps_period"))
    if _MESSAGE in st.session_state:
        kind, text = st.session_state.pop(_MESSAGE)
        (st.error if kind == "error" else st.success)(text)
    try:
        counts = store.counts(since, until)
        records = store.records(since, until)
    except StoreError as exc:
        st.error(f"The questions could not be read. {exc}")
        return
    st.markdown(gaps.counts_sentence(counts))
    st.download_button(f"Download the questions from {_day(since)} to {_day(until)} (CSV)", to_csv(records),
                       file_name=f"parents-questions-{since}-to-{until}.csv", mime="text/csv", key="gaps_csv")
    encoder = encoder or gaps.grouping_encoder(engine.settings.encoder)
    model = encoder.model_name
    with st.spinner("Grouping the questions..."):
        groups = gaps.group_questions(records, lambda texts: _vectors(model, tuple(texts), encoder))
    if not groups:
        st.markdown("No question in this period was refused or rated unhelpful.")
        return
    st.subheader(f"{_many(len(groups), 'group')} of questions to look at, largest first", anchor=False)
    chunks = {c.id: c for c in engine.index.chunks} if any(g.first_chunk for g in groups) else {}
    for n, group in enumerate(groups[:MAX_GROUPS]):
        _group(store, group, chunks.get(group.first_chunk), expanded=n == 0)
    if len(groups) > MAX_GROUPS:
        st.markdown(f"{_many(len(groups) - MAX_GROUPS, 'smaller group')} not shown: "
                    "download the questions to see them all.")


def _group(store, group: gaps.Group, chunk, expanded: bool) -> None:
    key = f"gaps_group_{min(r.id for r in group.records)}"
    title = f"{markdown_text(group.label)} ({_many(group.size, 'question')})"
    with st.expander(title, expanded=expanded):
        st.markdown(f"{group.refused} refused, {group.unhelpful} answered but rated not helpful. "
                    f"Last asked on {_day(group.records[0].day)}.")
        if group.first_chunk:
            st.markdown("**The passage shown first:**")
            if chunk is None:
                st.markdown(f"A passage that is no longer in the guidance (id {markdown_text(group.first_chunk)}).")
            else:
                quote = chunk.text if len(chunk.text) <= QUOTE_CHARS else chunk.text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
                st.markdown(f"Section: {markdown_text(breadcrumb(chunk.heading_path))}\n\n"
                            f"> {markdown_text(' '.join(quote.split()))}")
        if group.comments:
            st.markdown("**What parents wrote:**\n" + "\n".join(f"- {markdown_text(c)}" for c in group.comments))
        st.markdown("**The questions:**")
        for record in group.records:
            said = "refused" if not record.answered else "rated not helpful"
            text, button = st.columns([6, 1], vertical_alignment="center")
            text.markdown(f"{markdown_text(record.question)}  \n*{_day(record.day)}, {said}*")
            button.button("Delete this question", key=f"gaps_delete_{record.id}", on_click=_delete,
                          args=(store, [record.id]), help="Deletes the question and its feedback at once")
        ids = [r.id for r in group.records]
        if st.session_state.get(f"{key}_confirm"):
            st.warning(f"Delete all {_many(len(ids), 'question')} in this group, and their feedback? "
                       "This cannot be undone.")
            yes, no = st.columns(2)
            yes.button("Yes, delete them", key=f"{key}_yes", type="primary", on_click=_delete, args=(store, ids, key))
            no.button("No, keep them", key=f"{key}_no", on_click=_cancel, args=(key,))
        else:
            st.button(f"Delete this group ({_many(len(ids), 'question')})", key=f"{key}_ask",
                      on_click=_confirm, args=(key,))


def _confirm(key: str) -> None:
    st.session_state[f"{key}_confirm"] = True


def _cancel(key: str) -> None:
    st.session_state.pop(f"{key}_confirm", None)


def _delete(store, ids: list[int], key: str = "") -> None:
    """A button's callback: delete, then say what happened on the redrawn page."""
    _cancel(key)
    try:
        deleted = store.delete(ids)
    except StoreError as exc:
        st.session_state[_MESSAGE] = ("error", f"Nothing was deleted. {exc}")
        return
    st.session_state[_MESSAGE] = ("success", f"Deleted {_many(deleted, 'question')}.")


def _period(picked) -> tuple[date, date]:
    """The chosen days; while only the first day of a range is picked, that day alone."""
    days = list(picked) if isinstance(picked, (tuple, list)) else [picked]
    days = [d for d in days if d is not None]
    if not days:
        today = date.today()
        return today - timedelta(days=PERIOD_DAYS - 1), today
    return days[0], days[-1]


def _day(d: date) -> str:
    return long_date(d.isoformat())


def _many(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"
