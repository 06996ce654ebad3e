"""Read the guidance, chunk it by section, embed it, and write the index.

`build(settings)` builds (re-embedding only what changed); `ensure_index`
builds only when the index is missing, damaged or stale: the step the app
and the command lines take before they search.
"""
from .build import BuildReport, build, corpus_fingerprint, is_current, read_chunks
from .errors import BuildLockedError, CorpusError, IndexUnusableError, ModelError, SenGuideError
from .ready import ensure_index
from .settings import Settings, from_env

__all__ = ["BuildReport", "build", "ensure_index", "corpus_fingerprint", "is_current", "read_chunks", "Settings",
           "from_env", "SenGuideError", "CorpusError", "IndexUnusableError", "ModelError", "BuildLockedError"]
