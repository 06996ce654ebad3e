"""Read the guidance, chunk it by section, embed it, and write the index."""
from .build import BuildReport, build, corpus_fingerprint, is_current, read_chunks
from .errors import BuildLockedError, CorpusError, IndexUnusableError, ModelError, SenGuideError
from .settings import Settings, from_env

__all__ = ["BuildReport", "build", "corpus_fingerprint", "is_current", "read_chunks", "Settings", "from_env",
           "SenGuideError", "CorpusError", "IndexUnusableError", "ModelError", "BuildLockedError"]
