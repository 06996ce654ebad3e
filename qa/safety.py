"""A question about a child at risk is never met with a bare refusal.

Self-harm, suicide, abuse, "in danger": whatever the guidance is about, the
page shows the guidance's own crisis or safeguarding passage first where it
has one, and the emergency contacts in any case. These patterns are a safety
rule, not a fitted one: they were written from the words people use about
risk, and a false alarm costs a parent only a phone number above the answer.
"""
from __future__ import annotations

import re

from ingest.chunking import Chunk

_RISK = re.compile(r"""\b(?:
    suicid\w* | kill(?:s|ing)?\s+(?:him|her|them|my|your|our)sel(?:f|ves) | end(?:s|ing)?\s+(?:his|her|their|my)\s+(?:own\s+)?life
  | (?:want|wants|wanted|wanting)\s+to\s+die | better\s+off\s+dead | take\s+(?:his|her|their|my)\s+own\s+life
  | self[\s-]?harm\w* | (?:hurt|hurts|hurting|harm|harms|harming|cut|cuts|cutting|burn|burns|burning)\s+(?:him|her|them|my|your)sel(?:f|ves)
  | overdos\w* | abus(?:e|ed|es|ing|ive) | neglect(?:ed|ing)? | groom(?:ed|ing) | exploit(?:ed|ation)
  | in\s+danger(?!\s+of\b) | not\s+safe\s+at\s+home | unsafe\s+at\s+home | at\s+(?:immediate\s+)?risk\s+of\s+harm
  | (?:hits|hitting|beats|beating)\s+(?:him|her|them|me|my\s+child|my\s+son|my\s+daughter)
  | ran\s+away\s+from\s+home | running\s+away\s+from\s+home | missing\s+from\s+home
)\b""", re.I | re.X)

# A passage of the guidance about what to do in a crisis: its heading says so,
# or it gives the emergency numbers everyone in the UK knows.
_CRISIS_HEADING = re.compile(r"\b(?:crisis|emergenc\w*|urgent|safeguarding|danger|immediate\s+help|at\s+risk|"
                             r"keeping\s+\w+\s+safe|worried\s+about\s+(?:a|your|their)\s+\w+(?:'s|’s)?\s+safety)\b", re.I)
_CRISIS_TEXT = re.compile(r"\b(?:call|phone|ring|dial)\s+999\b|\bNHS\s+111\b|\bimmediate\s+(?:risk|danger)\b|"
                          r"\bSamaritans\b|\bChildline\b|\b116\s?123\b|\b0800\s?1111\b|\b85258\b", re.I)


def at_risk(question: str) -> bool:
    """Whether a question speaks of a child (or anyone) at risk of harm."""
    return bool(_RISK.search(question))


def is_crisis_passage(chunk: Chunk) -> bool:
    heading = chunk.heading_path[-1] if chunk.heading_path else ""
    return bool(_CRISIS_HEADING.search(heading) or _CRISIS_TEXT.search(chunk.text))


def crisis_passages(chunks: list[Chunk]) -> list[int]:
    """Positions of the chunks that tell a person what to do in a crisis."""
    return [i for i, c in enumerate(chunks) if is_crisis_passage(c)]
