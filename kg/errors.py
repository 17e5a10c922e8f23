"""The exceptions policykg raises; each message says what was wrong and how to fix it."""


class KGError(Exception):
    """Base class of every error policykg raises on purpose."""


class InputError(KGError):
    """An input file cannot be read as an article (encoding, format, size)."""

    def __init__(self, path, message, line=None):
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class KnowledgeBaseError(KGError):
    """A knowledge-base data file under kg/data/ is malformed."""


class QueryError(KGError):
    """A SPARQL query is malformed, unknown, or cannot run on the given graph."""


class BackendError(KGError):
    """An optional recognition backend (HanLP, a trained model) is missing or cannot load."""
