"""Tiny RAVDESS song in the flat ``Actor_NN/`` layout."""

from layouts.ravdess import write_tiny_ravdess


def write(root):
    return write_tiny_ravdess(root, layout="flat", channel="02")
