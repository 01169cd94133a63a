"""A problem file as a template: its ``[variants]`` table and ``[[questions]]``.

``[variants]`` says which values are drawn for each student and how (``[variants.draw]``: a
grid of multiples of a step in a range, a number of decimal digits, integers, a list of
choices, or a fixed number), with a default ``seed`` and the limits of the redrawing of
degenerate variants.  ``[[questions]]`` says what is asked (``of = "dL/dw212"``, an update
``w111+``, a forward value ``h13``), how many points each answer earns, and how close an
answer must be (``tolerance``, or ``digits`` significant digits).  The file is a valid problem
file on its own: its ``[values]`` are the base values, used wherever nothing is drawn.  The
format is in docs/reference/problem-files.md.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> template = load_problem("assignment_2_2_2").variants
>>> template
Variants(4 draw rules, 4 questions, seed 2024)
>>> template.rule_for("w3")
DrawRule('w*': multiples of 0.05 in [-1, 1], not 0)
>>> [q.of for q in template.questions]
['dL/dw5', 'dL/dw1', 'w1+', 'yhat1']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fnmatch import fnmatchcase
from typing import Any

from ..errors import SpecError
from ..graph.computation import ComputationGraph
from .fields import as_table, check_keys, describe, number, text
from .quantity import Quantity, read_asked

__all__ = ["ANSWER_KINDS", "DrawRule", "Question", "Variants", "question_marking",
           "read_draw_rules", "read_questions", "read_variants"]

VARIANT_KEYS = ("seed", "attempts", "saturation", "draw")
RULE_KEYS = ("range", "step", "digits", "integers", "choices", "fixed", "nonzero")
QUESTION_KEYS = ("id", "of", "points", "tolerance", "digits", "answer", "text")
ANSWER_KINDS = ("number", "formula")
MAX_QUESTIONS = 200
MAX_GRID = 10**6
MAX_DIGITS = 15
"""The most digits a draw rule's decimals or a question's significant digits may be: what a
float64 holds."""
MAX_ATTEMPTS = 10_000
"""The most draws a student's numbers may take before the variants give up."""
MAX_POINTS = 10**6
DEFAULT_DIGITS = 3
ID_PATTERN = re.compile(r"[A-Za-z0-9._-]+\Z")
"""Question (and student) ids: safe in file names, CSV, JSON and LaTeX alike."""


@dataclass(frozen=True)
class DrawRule:
    """How one value (or every leaf matching a pattern) is drawn.

    Attributes
    ----------
    pattern : str
        A leaf's name or a shell-style pattern (``w*``, ``x?``).
    choices : tuple of Decimal
        The values drawn from, uniformly (a grid is stored as its own ``choices``' range:
        ``start``, ``step`` and ``count``).
    start, step : Decimal
        For a grid: the values are ``start + k * step`` for ``k`` in ``0 .. count - 1``.
    count : int
        How many values the rule draws from.
    text : str
        The rule in words.

    Examples
    --------
    >>> rule = DrawRule("x1", (), Decimal("-1"), Decimal("0.5"), 5, "multiples of 0.5 in [-1, 1]")
    >>> [str(rule.value(k)) for k in range(rule.count)]
    ['-1.0', '-0.5', '0.0', '0.5', '1.0']
    """

    pattern: str
    choices: tuple[Decimal, ...]
    start: Decimal
    step: Decimal
    count: int
    text: str

    def value(self, k: int) -> Decimal:
        """The ``k``-th value the rule can draw (0-based)."""
        return self.choices[k] if self.choices else self.start + k * self.step

    def __repr__(self) -> str:
        return f"DrawRule({self.pattern!r}: {self.text})"


@dataclass(frozen=True)
class Question(Quantity):
    """One question of a template: a :class:`~symbackprop.spec.quantity.Quantity` asked, and
    how it is marked.

    Attributes
    ----------
    of, kind, target, wrt
        The quantity asked (:class:`~symbackprop.spec.quantity.Quantity`), as for a claim.
    id : str
        ``q1``, ``q2``, ... unless the file names it (letters, digits, ``._-``).
    points : float
    tolerance : float or None
        An absolute tolerance; when ``None``, ``digits`` significant digits of the right value
        (of an update's step ``learning_rate * dL/dw``, for an update question): see
        :func:`symbackprop.check.judge.asked_tolerance`.
    digits : int
    answer : {"number", "formula"}
    text : str
        The question in words, for handouts (default: made from ``of``).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> question = load_problem("assignment_2_2_2").variants.questions[0]
    >>> question, question.kind, question.differentiated("L")
    (Question(q1: dL/dw5, 2 points), 'derivative', ('L', 'w5'))
    """

    id: str
    points: float = 1.0
    tolerance: float | None = None
    digits: int = DEFAULT_DIGITS
    answer: str = "number"
    text: str = ""

    def __repr__(self) -> str:
        return f"Question({self.id}: {self.of}, {self.points:g} points)"


@dataclass(frozen=True)
class Variants:
    """A template's ``[variants]`` table and its ``[[questions]]``.

    Examples
    --------
    >>> Variants()
    Variants(0 draw rules, 0 questions, seed 0)
    """

    rules: tuple[DrawRule, ...] = ()
    questions: tuple[Question, ...] = ()
    seed: int = 0
    attempts: int = 100
    saturation: float = 0.01

    def rule_for(self, leaf: str) -> DrawRule | None:
        """The rule that draws ``leaf``: one naming it exactly, else the first pattern (in the
        file's order) that matches it, else ``None`` (its base value is kept)."""
        exact = [r for r in self.rules if r.pattern == leaf]
        if exact:
            return exact[0]
        return next((r for r in self.rules if fnmatchcase(leaf, r.pattern)), None)

    def __repr__(self) -> str:
        return (f"Variants({len(self.rules)} draw rules, {len(self.questions)} questions, "
                f"seed {self.seed})")


def _integer(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, Decimal) and not value.is_finite():
        raise SpecError(f"{where}: must be an integer, got {value}")
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value):
        raise SpecError(f"{where}: must be an integer, got {describe(value)}")
    if value < low:
        raise SpecError(f"{where}: must be at least {low}, got {value}")
    if high is not None and value > high:
        raise SpecError(f"{where}: must be at most {high:,}, got {value:,}")
    return int(value)


def _decimal(value: Any, where: str) -> Decimal:
    number(value, where)
    return value if isinstance(value, Decimal) else Decimal(value)


def _pair(value: Any, where: str) -> tuple[Decimal, Decimal]:
    if not isinstance(value, list) or len(value) != 2:
        raise SpecError(f"{where}: must be [low, high], got {describe(value)}")
    low, high = (_decimal(v, where) for v in value)
    if low > high:
        raise SpecError(f"{where}: low {low} is above high {high}")
    return low, high


def _rule(pattern: str, spec: Any, where: str) -> DrawRule:
    if not isinstance(spec, dict):
        fixed = _decimal(spec, where)
        return DrawRule(pattern, (fixed,), fixed, Decimal(0), 1, f"fixed at {fixed}")
    check_keys(spec, RULE_KEYS, where)
    kinds = [k for k in ("range", "integers", "choices", "fixed") if k in spec]
    if len(kinds) != 1:
        raise SpecError(f"{where}: give exactly one of range, integers, choices, fixed")
    nonzero = spec.get("nonzero", False)
    if not isinstance(nonzero, bool):
        raise SpecError(f"{where}.nonzero: must be true or false, got {describe(nonzero)}")
    if "step" in spec and "digits" in spec:
        raise SpecError(f"{where}: give step or digits, not both")
    if kinds[0] in ("choices", "fixed", "integers") and ("step" in spec or "digits" in spec):
        raise SpecError(f"{where}: step and digits go with range only")
    kind = kinds[0]
    if kind == "fixed":
        fixed = _decimal(spec["fixed"], f"{where}.fixed")
        return DrawRule(pattern, (fixed,), fixed, Decimal(0), 1, f"fixed at {fixed}")
    if kind == "choices":
        raw = spec["choices"]
        if not isinstance(raw, list) or not raw:
            raise SpecError(f"{where}.choices: must be a non-empty list of numbers")
        choices = tuple(_decimal(v, f"{where}.choices") for v in raw)
        choices = tuple(c for c in choices if not (nonzero and c == 0))
        if not choices:
            raise SpecError(f"{where}.choices: nothing left to draw (nonzero)")
        return DrawRule(pattern, choices, choices[0], Decimal(0), len(choices),
                        "one of " + ", ".join(str(c) for c in choices))
    if kind == "integers":
        low, high = _pair(spec["integers"], f"{where}.integers")
        step, text_ = Decimal(1), f"integers in [{low}, {high}]"
    else:
        low, high = _pair(spec["range"], f"{where}.range")
        if "digits" in spec:
            digits = _integer(spec["digits"], f"{where}.digits", high=MAX_DIGITS)
            step, text_ = Decimal(1).scaleb(-digits), f"{digits} decimals in [{low}, {high}]"
        else:
            step = _decimal(spec.get("step", Decimal("0.1")), f"{where}.step")
            if step <= 0:
                raise SpecError(f"{where}.step: must be positive, got {step}")
            text_ = f"multiples of {step} in [{low}, {high}]"
    first = (low / step).to_integral_value(rounding=ROUND_CEILING)  # the multiples of step
    last = (high / step).to_integral_value(rounding=ROUND_FLOOR)     # in [low, high]
    if last - first + 1 > MAX_GRID:  # compared as decimals: a step of 1e-999999 makes the
        raise SpecError(f"{where}: more than {MAX_GRID:,} values; use a larger step")  # int huge
    count = int(last - first) + 1
    if count <= 0:
        raise SpecError(f"{where}: no multiple of {step} in [{low}, {high}]")
    if nonzero:
        grid = tuple(first * step + k * step for k in range(count) if first + k != 0) \
            if count <= 10_000 else None
        if grid is None:
            raise SpecError(f"{where}: nonzero needs at most 10,000 values")
        if not grid:
            raise SpecError(f"{where}: nothing left to draw (nonzero)")
        return DrawRule(pattern, grid, grid[0], step, len(grid), text_ + ", not 0")
    return DrawRule(pattern, (), first * step, step, count, text_)


def read_variants(value: Any, graph: ComputationGraph,
                  name: str) -> tuple[tuple[DrawRule, ...], dict[str, Any]]:
    """The draw rules and options of file ``name``'s ``[variants]`` table, checked against
    ``graph`` (every rule must draw some leaf of it).

    Examples
    --------
    >>> from symbackprop.graph import ComputationGraph
    >>> graph = ComputationGraph.from_definitions({"L": "w*x"}, inputs=["x"],
    ...                                           parameters=["w"], output="L")
    >>> rules, options = read_variants({"seed": 7, "draw": {"w": {"integers": [1, 3]}}},
    ...                                graph, "f.toml")
    >>> rules, options
    ((DrawRule('w': integers in [1, 3]),), {'seed': 7})
    >>> read_variants({"draw": {"v*": 1}}, graph, "f.toml")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: [variants.draw] 'v*': matches no input, target or \
parameter (leaves: w, x)
    """
    leaves = [n for n in graph.order if graph.node(n).definition is None]
    return read_draw_rules(value, leaves, name)


def read_draw_rules(value: Any, leaves: list[str], name: str
                    ) -> tuple[tuple[DrawRule, ...], dict[str, Any]]:
    """The draw rules and options of file ``name``'s ``[variants]`` table, each rule checked
    to draw one of ``leaves`` (a scalar graph's leaves, or a tensor problem's leaf tensors,
    whose rule draws every entry).

    Examples
    --------
    >>> read_draw_rules({"draw": {"W*": {"range": [-1, 1], "step": 0.5}}}, ["X", "W1"], "f")
    ((DrawRule('W*': multiples of 0.5 in [-1, 1]),), {})
    """
    where = f"{name}: [variants]"
    table = as_table(value, where)
    check_keys(table, VARIANT_KEYS, where)
    options: dict[str, Any] = {}
    if "seed" in table:
        options["seed"] = _integer(table["seed"], f"{where} seed")
    if "attempts" in table:
        options["attempts"] = _integer(table["attempts"], f"{where} attempts", low=1,
                                       high=MAX_ATTEMPTS)
    if "saturation" in table:
        saturation = number(table["saturation"], f"{where} saturation")
        if not 0 <= saturation < 1:
            raise SpecError(f"{where} saturation: must be in [0, 1), got {saturation}")
        options["saturation"] = saturation
    draws = as_table(table.get("draw", {}), f"{name}: [variants.draw]")
    rules = []
    for pattern, spec in draws.items():
        rule_where = f"{name}: [variants.draw] {pattern!r}"
        if not any(fnmatchcase(leaf, pattern) for leaf in leaves):
            raise SpecError(f"{rule_where}: matches no input, target or parameter (leaves: "
                            f"{', '.join(leaves[:12])}{', ...' if len(leaves) > 12 else ''})")
        rules.append(_rule(pattern, spec, rule_where))
    return tuple(rules), options


def read_questions(value: Any, graph: ComputationGraph, name: str,
                   learning_rate: float | None) -> tuple[Question, ...]:
    """The ``[[questions]]`` of file ``name``, checked against ``graph``.

    Examples
    --------
    >>> from symbackprop.graph import ComputationGraph
    >>> graph = ComputationGraph.from_definitions({"L": "w*x"}, inputs=["x"],
    ...                                           parameters=["w"], output="L")
    >>> read_questions([{"of": "dL/dw", "points": 2}], graph, "f.toml", None)
    (Question(q1: dL/dw, 2 points),)
    >>> read_questions([{"of": "dL/dw", "digits": 0}], graph, "f.toml", None)
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: f.toml: question 1 (dL/dw) digits: must be at least 1, got 0
    """
    if isinstance(value, list) and len(value) > MAX_QUESTIONS:
        raise SpecError(f"{name}: more than {MAX_QUESTIONS} questions")
    questions: list[Question] = []
    for index, entry, quantity, where in read_asked(value, graph, name, "question",
                                                    QUESTION_KEYS, learning_rate):
        marking = question_marking(entry, index, where, {q.id for q in questions})
        questions.append(Question(quantity.of, quantity.kind, quantity.target, quantity.wrt,
                                  **marking))
    return tuple(questions)


def question_marking(entry: Mapping[str, Any], index: int, where: str, taken: set[str]
                     ) -> dict[str, Any]:
    """How question ``index`` (a ``[[questions]]`` entry) is marked: its ``id`` (not one of
    ``taken``), ``points``, ``tolerance``, ``digits``, ``answer`` and ``text``, checked; the
    same for a scalar or a tensor question.

    Examples
    --------
    >>> question_marking({"of": "dL/dW1", "points": 3}, 2, "f.toml: question 2", set())
    {'id': 'q2', 'points': 3.0, 'tolerance': None, 'digits': 3, 'answer': 'number', 'text': ''}
    """
    qid = text(entry.get("id", f"q{index}"), f"{where} id")
    if not ID_PATTERN.match(qid) or ".." in qid:
        raise SpecError(f"{where} id: {qid!r} may use only letters, digits and . _ - "
                        "(no '..')")
    if qid in taken:
        raise SpecError(f"{where} id: {qid!r} is used twice")
    points = number(entry.get("points", 1), f"{where} points")
    if not 0 <= points <= MAX_POINTS:
        raise SpecError(f"{where} points: must be between 0 and {MAX_POINTS:,}, got "
                        f"{points:g}")
    tolerance = None
    if "tolerance" in entry:
        tolerance = number(entry["tolerance"], f"{where} tolerance")
        if tolerance < 0:
            raise SpecError(f"{where} tolerance: must not be negative")
    if "tolerance" in entry and "digits" in entry:
        raise SpecError(f"{where}: give tolerance or digits, not both")
    digits = _integer(entry.get("digits", DEFAULT_DIGITS), f"{where} digits", low=1,
                      high=MAX_DIGITS)
    answer = text(entry.get("answer", "number"), f"{where} answer")
    if answer not in ANSWER_KINDS:
        raise SpecError(f"{where} answer: {answer!r}; allowed: {', '.join(ANSWER_KINDS)}")
    prompt = text(entry.get("text", ""), f"{where} text")
    return {"id": qid, "points": float(points), "tolerance": tolerance, "digits": digits,
            "answer": answer, "text": prompt}
