"""Tiny IEMOCAP for the 4-class corpus (the same files as ``iemocap``, with no-majority utterances)."""

from layouts.iemocap import write_tiny_iemocap


def write(root):
    return write_tiny_iemocap(root, with_xxx=True)
