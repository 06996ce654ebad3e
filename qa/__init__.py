"""Find and quote the passages of the guidance that answer a question."""
from .answer import Answer, Passage
from .engine import Engine

__all__ = ["Answer", "Engine", "Passage"]
