"""Tiny EMO-DB: three speakers x seven emotions."""

from builders import write_tiny_emodb


def write(root):
    return write_tiny_emodb(root, per_cell=1, speakers=("03", "08", "09"))
