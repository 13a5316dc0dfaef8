"""Tiny copies of every corpus in its native layout, one module per adapter.

``write(root) -> data_root`` builds the copy under ``root``; the contract tests
in ``tests/test_contracts.py`` find the module by the corpus's name.
"""
