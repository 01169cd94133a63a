r"""What the LaTeX and Markdown pages say on a tensor-level page: its sections as headings,
captions and display rows (:class:`~symbackprop.render.pieces.Piece`), in LaTeX math, which
:mod:`symbackprop.render.latex` and :mod:`symbackprop.render.markdown` wrap in their markup as
they wrap a scalar page's.

Rows stand in ``alignat*`` environments: the left side, the formula, and beside it the shapes
(each operand of a chain's step; each tensor of the forward pass) or nothing.  Values are
written by :func:`~symbackprop.render.tensor_values.matrix_latex` (the display rule).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> from symbackprop.render.display import latex_text
>>> from symbackprop.render.tensor_page import tensor_page_model
>>> page = tensor_page_model(derive(load_problem("tensor_mlp").graph, "b1"))
>>> for head, _ in tensor_headed(page)[:3]:
...     print(head)
The gradient $\partial L / \partial b_{1}$
The forward pass
The chain of VJPs, path by path
>>> (piece,) = tensor_pieces(page, page.section(Kind.CHAIN_RULE), latex_text)
>>> print(piece.text)
Path 1: $b_{1}$ $\to$ $Z_{1}$ $\to$ $H_{1}$ $\to$ $Z_{2}$ $\to$ $L$ (each step's shapes under it):
>>> print("\n".join(piece.rows[-2:]))
\delta_{b_{1}} &\mathrel{+}= \mathbf{1}^{\top} \delta_{Z_{1}}
&\qquad {\scriptstyle (5)\colon\ \delta_{Z_{1}}\ (4 \times 5)}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .display import TEXTWIDTH_EM, side
from .model import (
    Block,
    Chain,
    Equation,
    Equations,
    Items,
    Kind,
    Page,
    Section,
    Updated,
    ValueRow,
    Values,
)
from .pieces import ALIGNAT, Piece
from .tensor_model import TensorFormula
from .tensor_typeset import shape_latex, tensor_latex
from .tensor_values import WHOLE, matrix_latex, summarised
from .widths import width

__all__ = ["formula_latex", "tensor_headed", "tensor_pieces"]

_HEADINGS = {
    Kind.FORWARD: "The forward pass",
    Kind.CHAIN_RULE: "The chain of VJPs, path by path",
    Kind.FACTORED: "The adjoints: the factored form",
    Kind.PARTIALS: "Local vector-Jacobian products",
    Kind.RESULT: "The result",
    Kind.NUMBERS: "The numbers",
}


def tensor_headed(page: Page) -> list[tuple[str, Section]]:
    r"""Each section of a tensor page with its heading.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.render.tensor_page import tensor_page_model
    >>> page = tensor_page_model(derive(load_problem("tensor_mlp").graph, "b1"))
    >>> tensor_headed(page)[-1][0]
    'The result'
    """
    names = page.labels
    first = rf"The gradient $\partial {names[page.of]} / \partial {names[page.wrt]}$"
    return [(first if s.kind is Kind.PATHS else _HEADINGS[s.kind], s) for s in page.sections]


def formula_latex(formula: TensorFormula, page: Page) -> str:
    r"""A tensor formula's terms, summed, in LaTeX.

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Adj
    >>> from symbackprop.render.model import Page
    >>> formula_latex(TensorFormula((Adj("H", (2,)), Adj("K", (2,)))), Page("L", "x", "", ()))
    '\\delta_{H} + \\delta_{K}'
    """
    return " + ".join(tensor_latex(term, page.labels) for term in formula.terms)


def _shapes(formula: TensorFormula, page: Page) -> str:
    own = shape_latex(formula.terms[0].shape)
    read = ",\\ ".join(f"{tensor_latex(o, page.labels)}\\ {shape_latex(o.shape)}"
                       for o in formula.operands)
    return rf"{{\scriptstyle {own}\colon\ {read}}}"


def _row(page: Page, row: Equation, relation: str = "=") -> str:
    assert isinstance(row.formula, TensorFormula)  # a tensor page's rows hold tensor formulas
    return f"{side(row.lhs, page.labels)} &{relation} {formula_latex(row.formula, page)}"


def _fits(page: Page, row: Equation) -> bool:
    """Whether ``row``'s formula fits beside its left side on one line of the text width."""
    assert isinstance(row.formula, TensorFormula)
    return width(formula_latex(row.formula, page)) <= _room(page, row)


def _room(page: Page, row: Equation) -> float:
    return TEXTWIDTH_EM - width(side(row.lhs, page.labels)) - 2.0


def _rows(page: Page, row: Equation) -> list[str]:
    """``row`` as ``align*`` lines: one line, or, too wide for it, one term a line."""
    assert isinstance(row.formula, TensorFormula)
    if len(row.formula.terms) == 1 or _fits(page, row):
        return [_row(page, row)]
    first, *rest = (tensor_latex(term, page.labels) for term in row.formula.terms)
    return [f"{side(row.lhs, page.labels)} &= {first}", *(rf"&\qquad + {t}" for t in rest)]


def _paths(page: Page, items: Items) -> list[Piece]:
    names, shapes = page.labels, dict(items.shapes)
    one = items.count == 1
    out = [Piece(rf"There {'is' if one else 'are'} {items.count:,} "
                 rf"{'path' if one else 'paths'} from ${names[page.wrt]}$ to ${names[page.of]}$ "
                 "(each tensor with its shape): the gradient is the sum, over the paths, of each "
                 "path's chain of vector-Jacobian products.")]
    if items.entries:
        more = items.count - len(items.entries)

        def node(name: str) -> str:
            return rf"{names[name]}\,{{\scriptstyle {shape_latex(shapes[name])}}}"

        out.append(Piece(f"... and {more:,} more." if more else "",
                         items=tuple(_joined(map(node, path)) for path in items.entries)))
    return out


def _joined(nodes: Iterable[str]) -> str:
    """A path in inline math, each node and arrow its own formula: a long path breaks between
    them (the spaces stretch) instead of running into the margin."""
    return "$" + r"$ $\to$ $".join(nodes) + "$"


def _forward(page: Page, block: Equations) -> Piece:
    rows = []
    for row in block.rows:
        assert isinstance(row.formula, TensorFormula)
        shape = shape_latex(row.formula.operands[0].shape)
        rows.append(f"{_row(page, row)} &\\qquad& {{\\scriptstyle {shape}}}")
    return Piece("Each tensor on the paths, from the inputs:", rows=tuple(rows),
                 environment=ALIGNAT)


def _chain(page: Page, chain: Chain) -> Piece:
    path = _joined(page.labels[n] for n in chain.nodes)
    rows = []
    for row in chain.steps:
        assert isinstance(row.formula, TensorFormula)
        rows += [_row(page, row, r"\mathrel{+}="), rf"&\qquad {_shapes(row.formula, page)}"]
    return Piece(f"Path {chain.number}: {path} (each step's shapes under it):",
                 rows=tuple(rows))


def _equations(page: Page, kind: Kind, block: Equations) -> Piece:
    captions = {
        Kind.FACTORED: (rf"Read from the output back, each adjoint $\delta_n = \partial "
                        rf"{page.labels[page.of]} / \partial n$ is computed once from its "
                        "children's:"),
        Kind.PARTIALS: "Each edge's vector-Jacobian product, its share of its parent's adjoint:",
        Kind.RESULT: "Every adjoint substituted into the gradient's:",
    }
    rows = []
    for row in block.rows:
        assert isinstance(row.formula, TensorFormula)
        if not row.formula.terms:
            return Piece(f"The gradient written out has {row.formula.omitted:,} operations: too "
                         "long to print here (the adjoints above give it).")
        if kind is Kind.RESULT and not _fits(page, row):
            return Piece("The gradient written out is too wide for the page (the adjoints above "
                         "give it; the text page writes it out).")
        rows += _rows(page, row)
    return Piece(captions.get(kind, ""), rows=tuple(rows))


def _value(page: Page, row: ValueRow, full: bool) -> str:
    lhs = side(row.lhs, page.labels)
    if row.formula is not None:
        lhs += f" = {formula_latex(row.formula, page)}"
    return f"{lhs} &= {matrix_latex(row.value, full=full)}"


def _values(page: Page, block: Values) -> list[Piece]:
    """The values, each in its own display when one is summarised (a summarised matrix is as
    wide as the page allows: sharing an alignment with a long left side would overflow it)."""
    rows = tuple(_value(page, row, block.full) for row in block.rows)
    if block.learning_rate is not None:
        (row,) = block.rows
        assert isinstance(row.lhs, Updated)
        return [Piece("One step of gradient descent with learning rate "
                      rf"$\eta = {block.learning_rate:g}$:", rows=rows)]
    shortened = not block.full and any(summarised(row.value) for row in block.rows)
    note = (f" (a tensor of more than {WHOLE} rows, columns or slices shows its corners, its "
            "shape, its norm and its largest entry)") if shortened else ""
    caption = f"Every adjoint's value, each path's contribution{note}:"
    if not shortened:
        return [Piece(caption, rows=rows)]
    return [Piece(caption if k == 0 else "", rows=(row,)) for k, row in enumerate(rows)]


def _block(page: Page, kind: Kind, block: Block) -> list[Piece]:
    if isinstance(block, Items):
        return _paths(page, block)
    if isinstance(block, Chain):
        return [_chain(page, block)]
    if isinstance(block, Values):
        return _values(page, block)
    if isinstance(block, Equations):
        return [_forward(page, block) if kind is Kind.FORWARD else _equations(page, kind, block)]
    raise TypeError(f"a tensor page holds no {type(block).__name__}")


def tensor_pieces(page: Page, section: Section, escape: Callable[[str], str]) -> list[Piece]:
    r"""A tensor page's section as pieces of a LaTeX or Markdown page (``escape`` is the
    writer's escaper of plain text; a tensor page's captions need none).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.render.tensor_page import tensor_page_model
    >>> page = tensor_page_model(derive(load_problem("tensor_mlp").graph, "b1"))
    >>> print(tensor_pieces(page, page.section(Kind.FACTORED), str)[0].rows[-1])
    \delta_{b_{1}} &= \mathbf{1}^{\top} \delta_{Z_{1}}
    """
    return [piece for block in section.blocks for piece in _block(page, section.kind, block)]
