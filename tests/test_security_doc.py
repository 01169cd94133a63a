"""docs/security.md's table of limits is the table of :mod:`symbackprop.limits`: it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symbackprop.calculus.options import DEFAULT_PATH_LIMIT, STREAM_LIMIT
from symbackprop.errors import SpecError, UsageError
from symbackprop.limits import LIMITS, MAX_NODES
from symbackprop.spec import load_problem_text

PAGE = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 4 and cells[0].startswith("`MAX_"):
            rows[cells[0].strip("`")] = cells
    return rows


def test_the_page_lists_every_limit_with_its_value_and_variable() -> None:
    rows = _rows()
    assert list(rows) == [limit.name for limit in LIMITS]
    for limit in LIMITS:
        _, default, bounds, how = rows[limit.name]
        assert default == f"{limit.default:,}"
        assert bounds == limit.bounds
        assert f"`{limit.env}`" in how


def test_the_page_gives_the_path_limits_their_values() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert f"| {DEFAULT_PATH_LIMIT:,} |" in text and "`--max-paths N`" in text
    assert f"| {STREAM_LIMIT:,} |" in text and "`--stream-limit N`" in text


def _nodes(count: int) -> str:
    nodes = "\n".join(f'n{i} = "x"' for i in range(count))
    return f'[graph]\noutput = "n0"\ninputs = ["x"]\n[graph.nodes]\n{nodes}\n'


def test_a_limit_is_raised_by_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _nodes(MAX_NODES.default + 10)
    with pytest.raises(SpecError, match="SYMBACKPROP_MAX_NODES"):
        load_problem_text(text, name="big.toml")
    monkeypatch.setenv(MAX_NODES.env, str(MAX_NODES.default + 100))
    assert len(load_problem_text(text, name="big.toml").graph) == MAX_NODES.default + 11
    monkeypatch.setenv(MAX_NODES.env, "lots")
    with pytest.raises(UsageError, match="SYMBACKPROP_MAX_NODES: must be a whole number"):
        load_problem_text(text, name="big.toml")
