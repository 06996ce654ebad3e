"""Errors a person may see. Each message names what is wrong and the way out."""


class SenGuideError(Exception):
    """Base for every error shown to a user as one clean line."""


class CorpusError(SenGuideError):
    """The corpus folder cannot be used (missing, empty, nothing readable)."""


class IndexUnusableError(SenGuideError):
    """The index is missing, stale, corrupt or built with another model."""


class ModelError(SenGuideError):
    """The embedding model cannot be loaded."""


class BuildLockedError(SenGuideError):
    """Another build holds the index lock."""


class WrongCorpusError(IndexUnusableError):
    """The index folder was built from another corpus: never rebuilt from this one."""
