"""The text writer's sections of a tensor-level page (``derive --format text`` on a tensor
problem), written from the page model by :func:`symbackprop.render.text.derivation_text`:
the paths with each node's shape, the forward pass, each path's chain of VJPs with its
operands' shapes, the adjoints, the local VJPs, the gradient written out, and the numbers as
matrices by the display rule of :mod:`symbackprop.render.tensor_values`.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> from symbackprop.render.tensor_page import tensor_page_model
>>> page = tensor_page_model(derive(load_problem("tensor_mlp").graph, "b1"))
>>> section = page.section(Kind.CHAIN_RULE)
>>> print(TENSOR_SECTIONS[section.kind][0])
Chain rule: each path's VJPs, from the output end (δn += the path's share of the adjoint)
>>> print("\\n".join(TENSOR_SECTIONS[section.kind][1](page, section)))
  path 1: b1 → Z1 → H1 → Z2 → L
    δZ2 += δL (softmax(Z2) − onehot(y)) / 4
           shapes: δZ2 (4, 3); δL (), Z2 (4, 3), y (4,)
    δH1 += δZ2 W2ᵀ
           shapes: δH1 (4, 5); δZ2 (4, 3), W2ᵀ (3, 5)
    δZ1 += δH1 ⊙ (1 − H1²)
           shapes: δZ1 (4, 5); δH1 (4, 5), H1 (4, 5)
    δb1 += 1ᵀ δZ1
           shapes: δb1 (5,); δZ1 (4, 5)
"""

from __future__ import annotations

from collections.abc import Callable

from ..calculus.tensor_sweep import TensorGradients
from .model import (
    Chain,
    Equation,
    Equations,
    Items,
    Kind,
    Lhs,
    Page,
    Section,
    Updated,
    ValueRow,
    Values,
)
from .plaintext import WIDTH, wrap
from .tensor_model import Adjoint, TensorFormula, Value, Vjp
from .tensor_typeset import shape_text, tensor_text
from .tensor_values import WHOLE, matrix_text, summarised

__all__ = ["TENSOR_SECTIONS", "formula_text", "tensor_gradients_text", "tensor_paths_text",
           "tensor_side"]


def tensor_side(lhs: Lhs) -> str:
    """A left side of a tensor page as text: ``δW1``, ``δW1 (path 2)``, ``VJP(Z1 → H1)``,
    ``Z1``, ``W1+``.

    Examples
    --------
    >>> tensor_side(Adjoint("W1", path=2)), tensor_side(Vjp("Z1", "H1")), tensor_side(Value("Z1"))
    ('δW1 (path 2)', 'VJP(Z1 → H1)', 'Z1')
    """
    if isinstance(lhs, Adjoint):
        return f"δ{lhs.node}" + ("" if lhs.path is None else f" (path {lhs.path})")
    if isinstance(lhs, Vjp):
        return f"VJP({lhs.parent} → {lhs.child})"
    if isinstance(lhs, Value):
        return lhs.node
    if isinstance(lhs, Updated):
        return f"{lhs.parameter}+"
    raise TypeError(f"not a left side of a tensor page: {lhs!r}")


def formula_text(formula: TensorFormula) -> str:
    """A tensor formula's terms, summed, on one line.

    Examples
    --------
    >>> from symbackprop.rules.tensor.expr import Adj
    >>> formula_text(TensorFormula((Adj("H", (2,)), Adj("K", (2,)))))
    'δH + δK'
    """
    return " + ".join(tensor_text(term) for term in formula.terms)


def _rows(section: Section) -> list[Equation]:
    return [row for block in section.blocks if isinstance(block, Equations)
            for row in block.rows]


def _shape(page: Page, name: str, shapes: dict[str, tuple[int, ...]]) -> str:
    return f"{name} {shape_text(shapes[name])}" if name in shapes else name


def _paths(page: Page, section: Section) -> list[str]:
    (items,) = [b for b in section.blocks if isinstance(b, Items)]
    shapes = dict(items.shapes)
    plural = "path" if items.count == 1 else "paths"
    lines = [f"  {items.count:,} {plural} from {page.wrt} to {page.of}"]
    lines += [wrap(f"  {i:>3}. " + " → ".join(_shape(page, n, shapes) for n in path), 8)
              for i, path in enumerate(items.entries, 1)]
    if items.entries and items.count > len(items.entries):
        lines.append(f"       ... and {items.count - len(items.entries):,} more (the adjoints "
                     "below hold them all)")
    elif not items.entries:
        lines.append("  (too many to list one by one: the adjoints below hold them all)")
    return lines


def _forward(page: Page, section: Section) -> list[str]:
    rows = [(row.lhs, row.formula) for row in _rows(section)
            if isinstance(row.formula, TensorFormula)]
    heads = [f"{tensor_side(lhs)} {shape_text(formula.operands[0].shape)}"
             for lhs, formula in rows]
    width = max(map(len, heads), default=0)
    return [wrap(f"  {head:<{width}} = {formula_text(formula)}", width + 5)
            for head, (_, formula) in zip(heads, rows, strict=True)]


def _step(row: Equation, indent: str) -> list[str]:
    assert isinstance(row.formula, TensorFormula)  # the builder's chains hold tensor formulas
    side = tensor_side(row.lhs)
    head = f"{indent}{side} += "
    shapes = ", ".join(f"{tensor_text(o)} {shape_text(o.shape)}" for o in row.formula.operands)
    own = f"{side} {shape_text(row.formula.terms[0].shape)}"
    return [wrap(head + formula_text(row.formula), len(head)),
            f"{' ' * len(head)}shapes: {own}; {shapes}"]


def _chains(page: Page, section: Section) -> list[str]:
    lines = []
    for chain in section.blocks:
        if isinstance(chain, Chain):
            lines.append(wrap(f"  path {chain.number}: {' → '.join(chain.nodes)}", 8))
            for row in chain.steps:
                lines += _step(row, "    ")
    return lines


def _equations(page: Page, section: Section) -> list[str]:
    rows = [row for row in _rows(section) if isinstance(row.formula, TensorFormula)]
    width = max((len(tensor_side(row.lhs)) for row in rows), default=0)
    lines = []
    for row in rows:
        assert isinstance(row.formula, TensorFormula)
        side = f"  {tensor_side(row.lhs):<{width}} = "
        if not row.formula.terms:
            lines.append(f"  {tensor_side(row.lhs)}: too long to write out "
                         f"({row.formula.omitted:,} operations); the adjoints above give it")
            continue
        lines.append(wrap(side + formula_text(row.formula), len(side)))
    return lines


def _value(row: ValueRow, full: bool, rate: float | None) -> list[str]:
    head = f"  {tensor_side(row.lhs)}"
    if row.value.ndim:
        head += f" {shape_text(row.value.shape)}"
    if row.formula is not None:
        head = f"  update (η = {rate:g}):{head[1:]} = {formula_text(row.formula)}"
    matrix = matrix_text(row.value, full=full)
    if len(matrix) == 1 and len(head) + 3 + len(matrix[0]) <= WIDTH:
        return [f"{head} = {matrix[0]}"]
    return [f"{head} =", *("    " + line for line in matrix)]


def _numbers(page: Page, section: Section) -> list[str]:
    blocks = [block for block in section.blocks if isinstance(block, Values)]
    lines = [line for block in blocks for row in block.rows
             for line in _value(row, block.full, block.learning_rate)]
    if any(not block.full and summarised(row.value) for block in blocks for row in block.rows):
        lines.append(f"  (a tensor of more than {WHOLE} rows, columns or slices prints its "
                     "corners, shape, norm and largest entry; --full prints it whole)")
    return lines


TENSOR_SECTIONS: dict[Kind, tuple[str, Callable[[Page, Section], list[str] | None]]] = {
    Kind.PATHS: ("Paths (each tensor with its shape)", _paths),
    Kind.FORWARD: ("Forward pass: the tensors on the paths", _forward),
    Kind.CHAIN_RULE: ("Chain rule: each path's VJPs, from the output end (δn += the path's "
                      "share of the adjoint)", _chains),
    Kind.FACTORED: ("Adjoints δn = ∂{of}/∂n, each computed once from the output back "
                    "(the factored form)", _equations),
    Kind.PARTIALS: ("Local VJPs: each edge's share of its parent's adjoint", _equations),
    Kind.RESULT: ("Result: the gradient written out", _equations),
    Kind.NUMBERS: ("Numbers", _numbers),
}
"""Each section of a tensor page: its heading and its lines."""


def tensor_paths_text(page: Page) -> str:
    """``paths`` on a tensor problem: the paths with each node's shape, each path's chain of
    VJPs with its operands' shapes and, with numbers, each path's contribution and their sum
    (the sections of ``page``, a tensor page, that say so).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> from symbackprop.render.tensor_page import tensor_page_model
    >>> problem = load_problem("tensor_mlp")
    >>> page = tensor_page_model(derive(problem.graph, "b2", values=problem.values))
    >>> print(tensor_paths_text(page))
    1 path from b2 to L
        1. b2 (3,) → Z2 (4, 3) → L ()
    <BLANKLINE>
      path 1: b2 → Z2 → L
        δZ2 += δL (softmax(Z2) − onehot(y)) / 4
               shapes: δZ2 (4, 3); δL (), Z2 (4, 3), y (4,)
        δb2 += 1ᵀ δZ2
               shapes: δb2 (3,); δZ2 (4, 3)
    <BLANKLINE>
      δb2 (3,) = [0.0481452  -0.243206  0.195061]
    """
    lines = [line[2:] if i == 0 else line
             for i, line in enumerate(_paths(page, page.sections[0]))]
    chains = page.section(Kind.CHAIN_RULE)
    if chains is not None:
        lines += ["", *_chains(page, chains)]
    numbers = page.section(Kind.NUMBERS)
    if numbers is not None:
        (values, *_) = [block for block in numbers.blocks if isinstance(block, Values)]
        rows = [row for row in values.rows if isinstance(row.lhs, Adjoint)
                and row.lhs.node == page.wrt]
        lines += ["", *(line for row in rows for line in _value(row, values.full, None))]
        if not values.full and any(summarised(row.value) for row in rows):
            lines.append(f"  (a tensor of more than {WHOLE} rows, columns or slices prints its "
                         "corners, shape, norm and largest entry; --full prints it whole)")
    return "\n".join(lines)


def tensor_gradients_text(grads: TensorGradients, *, title: str = "",
                          full: bool = False) -> str:
    """``derive --wrt all`` on a tensor problem: the adjoints of one reverse sweep, ``of``
    first, each defined once from its children's, and each parameter's gradient by the
    display rule (every entry with ``full``).

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.graph.tensor import TensorNode
    >>> from symbackprop.graph.tensor_build import build_tensor_graph
    >>> from symbackprop.calculus.tensor_sweep import tensor_gradients
    >>> graph = build_tensor_graph(
    ...     [TensorNode("x", "input", (2,)), TensorNode("w", "parameter", (2,)),
    ...      TensorNode("b", "parameter", ())], {"h": "w * x + b", "L": "sum(h**2)"}, "L")
    >>> values = {"x": np.array([1.0, 2.0]), "w": np.array([0.5, -1.0]), "b": np.array(0.25)}
    >>> print(tensor_gradients_text(tensor_gradients(graph, values)))
    ∂L/∂(every parameter)
    ═════════════════════
    <BLANKLINE>
    Adjoints δn = ∂L/∂n, each computed once from the output back
      δL = 1
      δh = 2 δL h
      δw = δh ⊙ x
      δb = Σ δh
    <BLANKLINE>
    Gradients
      δb = -2
      δw (2,) = [1.5  -7]
    """
    of = grads.of
    top = f"∂{of}/∂(every parameter)" + (f"  —  {title}" if title else "")
    lines = [wrap(top, 4), "═" * min(len(top), WIDTH), "",
             f"Adjoints δn = ∂{of}/∂n, each computed once from the output back"]
    width = max((len(a.node) + 1 for a in grads.adjoints), default=0)
    for adjoint in grads.adjoints:
        side = f"  {'δ' + adjoint.node:<{width}} = "
        terms = tuple(vjp for _, vjp in adjoint.contributions)
        written = formula_text(TensorFormula(terms)) if terms else "1"
        lines.append(wrap(side + written, len(side)))
    gradients = grads.gradients
    if gradients:
        lines += ["", "Gradients"]
        for name, value in gradients.items():
            lines += _value(ValueRow(Adjoint(name), value), full, None)
    if not full and any(summarised(value) for value in gradients.values()):
        lines.append(f"  (a tensor of more than {WHOLE} rows, columns or slices prints its "
                     "corners, shape, norm and largest entry; --full prints it whole)")
    return "\n".join(lines)
