r"""The page model: a derivation page in format-free terms, built once and written by each writer.

A :class:`Page` is a sequence of :class:`Section` objects, each of a :class:`Kind` (the paths,
the chain rule, the factored form, the deltas, the local partials, the result, the numbers, the
matrix form) and holding blocks: numbered :class:`Items`, :class:`Equations` (rows of a left side,
a formula and a value), the result's :class:`Form` objects, a :class:`Table` of typed cells, or
the :class:`Matrix` form.  A formula is a sympy expression or one of our own structures
(:class:`Products`, :class:`~symbackprop.calculus.terms.Group`,
:class:`~symbackprop.calculus.simplify.Collected`, :class:`Descent`); a value is a float.

A tensor-level page (``level="tensor"``, built by
:func:`symbackprop.render.tensor_page.tensor_page_model`) uses the same sections and blocks,
with the tensor expressions and left sides of :mod:`symbackprop.render.tensor_model`
(``TensorFormula``; ``Adjoint``, ``Vjp``, ``Value``), two blocks of its own, each path's
:class:`Chain` of VJPs and :class:`Values` (tensors, printed by the matrix display rule of
:mod:`symbackprop.render.tensor_values`), and the section :attr:`Kind.FORWARD`.

Nothing here is written in a format: the writers (:mod:`symbackprop.render.text`,
:mod:`symbackprop.render.latex`, :mod:`symbackprop.render.markdown`) choose the headings, the
sentences, the digits and the layout.  Nothing here knows a derivation either:
:func:`symbackprop.render.page.page_model` builds a page from one.

Examples
--------
>>> from symbackprop import derive, load_problem
>>> from symbackprop.render.page import page_model
>>> page = page_model(derive(load_problem("branching_graph").graph, "b"))
>>> [section.kind.value for section in page.sections]
['paths', 'chain rule', 'factored form', 'deltas', 'local partials', 'result']
>>> page.section(Kind.CHAIN_RULE).blocks[0].rows[0]
Equation(∂e/∂b = Products(∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeAlias

import numpy as np
import sympy

from ..calculus.simplify import COUNT_LIMIT, Collected
from ..calculus.terms import Group, Step
from ..numeric.matrix import MatrixForm
from ..rules.tensor.expr import Shape
from .numbers import FACTOR_DIGITS
from .tensor_model import Adjoint, TensorFormula, Value, Vjp

__all__ = ["Block", "Cell", "Chain", "Delta", "Descent", "Equation", "Equations", "Factors",
           "Form", "FormKind", "Formula", "Items", "Kind", "Lhs", "Matrix", "Number", "Page",
           "Partial", "Products", "Section", "Share", "Table", "Text", "TotalShare", "Updated",
           "ValueRow", "Values"]


class Kind(Enum):
    """What a section of a page shows; each writer maps a kind to its heading.

    Examples
    --------
    >>> Kind.DELTAS, Kind("result")
    (<Kind.DELTAS: 'deltas'>, <Kind.RESULT: 'result'>)
    """

    PATHS = "paths"
    CHAIN_RULE = "chain rule"
    FACTORED = "factored form"
    DELTAS = "deltas"
    PARTIALS = "local partials"
    RESULT = "result"
    NUMBERS = "numbers"
    MATRIX = "matrix form"
    FORWARD = "forward pass"


# -- the left sides and the formulas ------------------------------------------------------------

@dataclass(frozen=True)
class Partial:
    """The partial derivative ``∂of/∂wrt`` (node names).

    Examples
    --------
    >>> Partial("L", "w5")
    ∂L/∂w5
    """

    of: str
    wrt: str

    def __repr__(self) -> str:
        return f"∂{self.of}/∂{self.wrt}"


@dataclass(frozen=True)
class Delta:
    """A node's delta ``δ_node = ∂output/∂node``.

    Examples
    --------
    >>> Delta("h11")
    δ_h11
    """

    node: str

    def __repr__(self) -> str:
        return f"δ_{self.node}"


@dataclass(frozen=True)
class Updated:
    """A parameter after one step of gradient descent, ``w+``.

    Examples
    --------
    >>> Updated("w1")
    w1+
    """

    parameter: str

    def __repr__(self) -> str:
        return f"{self.parameter}+"


@dataclass(frozen=True)
class Products:
    """A sum of products, each a product of partials (and deltas) in the order written: the chain
    rule (one product per path) or a delta from its children's.  ``more`` terms are left out;
    an empty product is 1.

    Examples
    --------
    >>> Products(((Partial("e", "c"), Partial("c", "b")),), more=1)
    Products(∂e/∂c·∂c/∂b + 1 more)
    """

    terms: tuple[tuple[Partial | Delta, ...], ...]
    more: int = 0

    def __repr__(self) -> str:
        terms = [("·".join(map(repr, t)) or "1") for t in self.terms]
        terms += [f"{self.more:,} more"] if self.more else []
        return f"Products({' + '.join(terms)})"


@dataclass(frozen=True)
class Descent:
    """One step of gradient descent, ``w+ = w - η ∂of/∂w``, with its numbers.

    Examples
    --------
    >>> Descent(Partial("L", "w1"), Step("w1", 0.5, 0.15, 0.0004)).step.after
    0.1498
    """

    gradient: Partial
    step: Step[float]


Formula: TypeAlias = sympy.Expr | Collected | Group | Products | Descent | TensorFormula
"""What stands right of the ``=`` of an :class:`Equation`."""

Lhs: TypeAlias = "Partial | Delta | Updated | Adjoint | Vjp | Value"
"""What stands left of the ``=`` of an :class:`Equation`."""


@dataclass(frozen=True)
class Number:
    """A value, to ``digits`` significant digits (``None``: as many as the format gives a value
    read beside a formula).

    Examples
    --------
    >>> Number(2.0), Number(0.1, digits=10).digits
    (Number(2.0), 10)
    """

    value: float | None
    digits: int | None = None

    def __repr__(self) -> str:
        digits = "" if self.digits is None else f", digits={self.digits}"
        return f"Number({self.value}{digits})"


@dataclass(frozen=True)
class Equation:
    """``lhs = formula = value``; the formula or the value may be missing.

    Examples
    --------
    >>> Equation(Partial("e", "b"), value=Number(5.0, 10))
    Equation(∂e/∂b = Number(5.0, digits=10))
    """

    lhs: Lhs
    formula: Formula | None = None
    value: Number | None = None

    def __repr__(self) -> str:
        sides = [repr(s) for s in (self.lhs, self.formula, self.value) if s is not None]
        return f"Equation({' = '.join(sides)})"


# -- the blocks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Equations:
    """Display rows, one equation each.  With ``value_column`` the values stand in a column of
    their own (empty where a value is unknown).

    Examples
    --------
    >>> block = Equations((Equation(Delta("c"), Products(((Partial("e", "c"),),))),),
    ...                   value_column=True)
    >>> block.rows[0].lhs, block.value_column
    (δ_c, True)
    """

    rows: tuple[Equation, ...]
    value_column: bool = False


@dataclass(frozen=True)
class Items:
    """Numbered items, each a path (its node names from the start); ``count`` of them in all,
    of which ``entries`` are listed (none when they are not listed at all).

    Examples
    --------
    >>> items = Items((("b", "c", "e"), ("b", "d", "e")), count=3)
    >>> items.count - len(items.entries)                           # left out
    1
    """

    entries: tuple[tuple[str, ...], ...]
    count: int
    shapes: tuple[tuple[str, Shape], ...] = field(default=(), repr=False)
    """Each node's shape, shown beside it on a tensor page (none on a scalar page)."""


class FormKind(Enum):
    """Which form of the result a :class:`Form` is.

    Examples
    --------
    >>> [kind.value for kind in FormKind]
    ['textbook', 'strategy', 'leaves']
    """

    TEXTBOOK = "textbook"
    STRATEGY = "strategy"
    LEAVES = "leaves"


@dataclass(frozen=True)
class Form:
    """The result in one form: ``formula`` (a collected form or an expression) standing for
    ``expression``.  Without a formula the form is not written out: ``note`` says why, or, for
    the leaves-only form, it has more than ``operations`` operations (``None``: more than the
    counting limit).  A writer may also leave out a leaves-only form larger than it shows.

    Examples
    --------
    >>> a, b = sympy.symbols("a b")
    >>> Form(FormKind.LEAVES, a + 2*b, a + 2*b, operations=3).size
    '3 operations'
    >>> Form(FormKind.LEAVES, None).size
    'more than 5,000 operations'
    """

    kind: FormKind
    formula: sympy.Expr | Collected | None
    expression: sympy.Expr | None = None
    operations: int | None = None
    note: str = ""

    @property
    def size(self) -> str:
        """The size of a leaves-only form in words: ``1,411 operations``."""
        if self.operations is None:
            return f"more than {COUNT_LIMIT:,} operations"
        return f"{self.operations:,} operations"


@dataclass(frozen=True)
class Text:
    """A cell of text.

    Examples
    --------
    >>> Text("total").text
    'total'
    """

    text: str


@dataclass(frozen=True)
class Factors:
    """A cell holding a product of numbers, each to ``digits`` significant digits (no number:
    the empty product, 1).

    Examples
    --------
    >>> Factors((2.0, -0.5)).digits
    4
    """

    values: tuple[float | None, ...]
    digits: int = FACTOR_DIGITS


@dataclass(frozen=True)
class Share:
    """A cell holding a fraction of the total, shown in per cent (empty when unknown).

    Examples
    --------
    >>> Share(0.4).fraction
    0.4
    """

    fraction: float | None


@dataclass(frozen=True)
class TotalShare:
    """The share of the total row: all of it, unless the paths cancel (its total is zero up to
    rounding, and shares of it mean nothing).

    Examples
    --------
    >>> TotalShare(cancels=False)
    TotalShare(cancels=False)
    """

    cancels: bool


Cell: TypeAlias = Text | Number | Factors | Share | TotalShare
"""A cell of a :class:`Table`."""


@dataclass(frozen=True)
class Table:
    """A table of typed cells: a header, an alignment letter (``l``, ``r``) per column, rows and
    a closing row.

    Examples
    --------
    >>> table = Table(("path", "value"), "rr", ((Text("1"), Number(2.0)),))
    >>> table.rows[0][1], table.footer
    (Number(2.0), None)
    """

    header: tuple[str, ...]
    align: str
    rows: tuple[tuple[Cell, ...], ...]
    footer: tuple[Cell, ...] | None = None


@dataclass(frozen=True)
class Matrix:
    """The matrix form of a layered network's backprop, written by
    :mod:`symbackprop.render.matrix` in each format.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.numeric.matrix import matrix_form
    >>> problem = load_problem("mazur_2_2_2")
    >>> d = derive(problem.graph, "w5", values=problem.values)
    >>> Matrix(matrix_form(problem.network, d)).form.layer
    2
    """

    form: MatrixForm


@dataclass(frozen=True)
class Chain:
    """One path's chain of VJPs on a tensor page: its number, its nodes (from ``wrt``), and
    its steps in chain-rule order (the output end first), each ``δparent +=`` the edge's VJP
    of this path's share of ``δchild``, with its operands' shapes.

    Examples
    --------
    >>> from symbackprop.render.tensor_model import Adjoint, TensorFormula
    >>> from symbackprop.rules.tensor.expr import Adj
    >>> Chain(1, ("H", "L"), (Equation(Adjoint("H", share=True),
    ...                                TensorFormula((Adj("L", ()),))),)).steps[0].lhs
    δH +=
    """

    number: int
    nodes: tuple[str, ...]
    steps: tuple[Equation, ...]


@dataclass(frozen=True)
class ValueRow:
    """A tensor value: its left side, the array and, for an update, its formula.

    Examples
    --------
    >>> ValueRow(Adjoint("W"), np.ones((2, 2))).value.shape
    (2, 2)
    """

    lhs: Adjoint | Updated | Value
    value: np.ndarray
    formula: TensorFormula | None = None


@dataclass(frozen=True)
class Values:
    """Tensor values, one a row, printed by the matrix display rule
    (:mod:`symbackprop.render.tensor_values`), every entry with ``full``; with a
    ``learning_rate`` the rows are one step of gradient descent.

    Examples
    --------
    >>> Values((ValueRow(Adjoint("W"), np.ones(2)),)).full
    False
    """

    rows: tuple[ValueRow, ...]
    full: bool = False
    learning_rate: float | None = None


Block: TypeAlias = Items | Equations | Form | Table | Matrix | Chain | Values
"""A piece of a :class:`Section`."""


@dataclass(frozen=True)
class Section:
    """A section of a page: its kind and its blocks, in order.

    Examples
    --------
    >>> Section(Kind.PATHS, (Items((("a", "e"),), 1),)).kind
    <Kind.PATHS: 'paths'>
    """

    kind: Kind
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Page:
    """A derivation page: ``∂of/∂wrt``, the simplification ``strategy`` its result shows, its
    sections in order, and the LaTeX labels of the nodes (``labels``, by name; ``symbols``, by
    sympy symbol) for the formats that typeset math.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.render.page import page_model
    >>> page = page_model(derive(load_problem("mazur_2_2_2").graph, "w5"))
    >>> page, page.labels["yhat1"]
    (Page(∂L/∂w5, 5 sections), '\\\\hat{y}_{1}')
    >>> page.section(Kind.NUMBERS) is None                      # no values, no numbers
    True
    """

    of: str
    wrt: str
    strategy: str
    sections: tuple[Section, ...]
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    symbols: Mapping[sympy.Symbol, str] = field(default_factory=dict, compare=False)
    level: str = "scalar"
    """``"scalar"`` or ``"tensor"`` (:func:`symbackprop.render.tensor_page.tensor_page_model`)."""

    def section(self, kind: Kind) -> Section | None:
        """The section of ``kind``, or ``None`` when the page has none."""
        return next((s for s in self.sections if s.kind is kind), None)

    def __repr__(self) -> str:
        return f"Page(∂{self.of}/∂{self.wrt}, {len(self.sections)} sections)"
