"""The Streamlit pages, rendering only: the parent page (`ask`), how questions
are used (`privacy`), the staff view (`staff`, with `login` and `staff_gaps`),
and what they share (`shared`: the engine once per server, the feedback store,
the guards that turn any failure into a short apology). What they show is
built in `web/`, `qa/`, `feedback/` and `learn/`.
"""
