"""Doctests of the package that need an optional extra (torch) skip without it, as the tests do:
``pip install -e '.[test]'`` alone must pass or skip for want of an extra, nothing else."""

from __future__ import annotations

import importlib.util

import pytest
from _pytest.doctest import DoctestItem

EXTRAS = ("torch",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [name for name in EXTRAS if importlib.util.find_spec(name) is None]
    for item in items:
        if not isinstance(item, DoctestItem) or item.dtest is None:
            continue
        text = item.dtest.docstring or ""
        for name in missing:
            if name in text:
                item.add_marker(pytest.mark.skip(reason=f"{name} is not installed"))
