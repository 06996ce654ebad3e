"""Pieces of the pages that need no Streamlit, so they are tested like any module.

`page_html` (the parent page's HTML, and `style.css`), `markdown` (text shown
through Streamlit's Markdown as written), `staff_tables` (the staff view's
rows), `staff_auth` (staff passwords and sign-in checks) and `live` (a
server's engine swapped when a new build lands). Only the pages (`views/`,
`app.py`) import it.
"""
