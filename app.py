"""SEN Guide in the browser: `streamlit run app.py`.

Two pages: the parent page (the default) and a staff view at /staff. The
pages live in views/ (a folder named pages/ would switch Streamlit to its
older multipage mode); the HTML they show is built by qa.page_html, the
staff view's tables by qa.staff_tables.
"""
import streamlit as st

st.set_page_config(page_title="SEN Guide: ask about SEN support")  # each page sets its own layout
page = st.navigation([
    st.Page("views/ask.py", title="Ask a question", default=True),
    st.Page("views/staff.py", title="Staff view", url_path="staff"),
])
page.run()
