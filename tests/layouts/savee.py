"""Tiny SAVEE in the original nested layout."""

from builders import write_tiny_savee


def write(root):
    return write_tiny_savee(root, layout="nested")
