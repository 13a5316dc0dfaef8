"""Errors the harness raises for bad input; each names the file or thing at fault."""


class HarnessError(Exception):
    """Base class: a problem the user can fix (the CLI prints it without a traceback)."""

    exit_code = 1


class CorpusNotFound(HarnessError):
    """The data of a corpus are not where the harness looked."""

    exit_code = 2


class CorpusError(HarnessError):
    """A corpus was found but its content is malformed (layout, names, codes)."""


class LabelError(CorpusError):
    """A label code outside the corpus's documented label map."""


class MediaError(HarnessError):
    """A media file (audio, image, video) cannot be decoded or is unusable."""


class UnknownComponent(HarnessError):
    """A method, corpus, feature extractor or fusion name that no plugin registers."""


class DuplicateComponent(HarnessError):
    """Two plugins register the same name for the same kind of component."""


class ProtocolError(HarnessError):
    """A protocol cannot be built (too few speakers, leakage between parts, ...)."""
