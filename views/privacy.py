"""How we use your question: what is kept of a parent's question, and what never is."""
import streamlit as st

from qa import messages
from views import shared

st.set_page_config(layout="centered")
settings = shared.settings()
st.title(messages.PRIVACY_TITLE, anchor=False)
for paragraph in messages.privacy(settings.retention_days, settings.feedback):
    st.markdown(paragraph)
st.page_link("views/ask.py", label=messages.BACK_TO_QUESTIONS)
