"""SEN Guide in the browser: `streamlit run app.py`.

The parent page (the default), what is kept of a question at /privacy, and,
when a staff sign-in is set up, a staff view at /staff. The pages live in
views/ (a folder named pages/ would switch Streamlit to its older multipage
mode); the HTML they show is built by web.page_html, the staff view's tables
by web.staff_tables.
"""
import streamlit as st

from qa import messages
from views import login

st.set_page_config(page_title="SEN Guide: ask about SEN support")  # each page sets its own layout
ask = st.Page("views/ask.py", title="Ask a question", default=True)
staff_login = login.setting()
if staff_login == "off":
    # No staff view at all. /staff is the parent page under a second address,
    # so that it shows the parent page rather than Streamlit's "Page not found".
    staff = st.Page("views/ask.py", title="Ask a question", url_path="staff", visibility="hidden")
else:
    # Parents never see a link to a sign-in they cannot use: staff open /staff,
    # and the link shows in the sidebar once they are signed in.
    staff = st.Page("views/staff.py", title="Staff view", url_path="staff",
                    visibility="visible" if login.staff_name(staff_login) else "hidden")
# Linked from the foot of the parent page (views/ask.py), not from a menu.
privacy = st.Page("views/privacy.py", title=messages.PRIVACY_TITLE, url_path="privacy", visibility="hidden")
st.navigation([ask, privacy, staff]).run()
