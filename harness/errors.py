"""Errors the harness raises for bad input; each names the file or thing at fault.

Exit codes of the ``harness`` command (one convention for every subcommand):

- 0: done;
- 1: done, but problems were found (failed jobs, unreadable media in ``corpora check``);
- 2: nothing was done because of the input: a bad option or value, an unknown name, a
  missing corpus or store, a malformed file (every :class:`HarnessError`, and argparse's
  usage errors);
- 3: an internal error (a bug: the traceback is printed; please report it);
- 130: interrupted (Ctrl-C); finished jobs are stored.
"""

import difflib


class HarnessError(Exception):
    """Base class: a problem the user can fix (the CLI prints it without a traceback)."""

    exit_code = 2


class CorpusNotFound(HarnessError):
    """The data of a corpus are not where the harness looked."""


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


def did_you_mean(name: str, known) -> str:
    """`` (did you mean 'x'?)`` for close matches among ``known``, else empty."""
    close = difflib.get_close_matches(name, list(known), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
