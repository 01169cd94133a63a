r"""The matrix (vectorised) form of backprop for a layered network, and its pages.

Seed 000 asks how to do backprop "in a vectorized + linear algebra way without branching":

.. math::

    \delta_L = J_{f_L}(a_L)^\top \nabla_{\hat y} L, \qquad
    \delta_l = (W_{l+1}^\top \delta_{l+1}) \odot f_l'(a_l), \qquad
    \frac{\partial L}{\partial W_l} = \delta_l\, h_{l-1}^\top .

:func:`matrix_form` computes every layer's vectors with numpy, apart from the path sum (the
forward and backward sweeps of :func:`symbackprop.numeric.oracles.matrix_backprop`, keeping the
delta of every layer), picks the entry of the chosen weight, and checks, symbolically, that the
entry written through the recursion in node symbols expands to the derivation's sum over
paths.  :func:`matrix_latex`, :func:`matrix_markdown` and :func:`matrix_text` show it.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("mazur_2_2_2")
>>> form = matrix_form(problem.network, derive(problem.graph, "w1", values=problem.values))
>>> form
MatrixForm(w1 = (delta_1)_1 (h_0)_1 = 0.0004385677345, path sum 0.0004385677345)
>>> form.agrees, form.symbolic_agrees
(True, True)
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import sympy

from ..calculus.derivation import Derivation
from ..errors import SymbackpropError
from ..graph.network import LayeredNetwork, matrices
from ..naming import symbol
from ..numeric.oracles import (
    ABSOLUTE_TOLERANCE,
    RELATIVE_TOLERANCE,
    _activate,
    _jacobian_transpose_times,
    _loss_gradient,
)
from .typeset import latex_expr, latex_number, text_expr, text_number, tidy

__all__ = ["LayerStep", "MatrixForm", "matrix_data", "matrix_form", "matrix_latex",
           "matrix_markdown", "matrix_text"]

MAX_SHOWN = 8
"""Vectors and matrices are printed in full up to this many rows and columns."""


@dataclass(frozen=True)
class LayerStep:
    """One layer of the forward and backward sweeps (numpy arrays, 0-based indices).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("padhai_4_4_2")               # softmax output layer
    >>> form = matrix_form(problem.network, derive(problem.graph, "w212", values=problem.values))
    >>> [(step.layer, step.elementwise) for step in form.steps]
    [(1, True), (2, False)]
    >>> form.steps[1].delta.round(6)                        # dL/da2
    array([-0.162527,  0.162527])
    """

    layer: int
    weights: np.ndarray
    pre: np.ndarray
    out: np.ndarray
    jacobian: np.ndarray
    """``d h_l / d a_l``: diagonal for an element-wise activation, full for a softmax."""
    delta: np.ndarray
    """``dL/da_l``."""
    weight_gradient: np.ndarray
    """``delta_l h_{l-1}^T``."""

    @property
    def elementwise(self) -> bool:
        off = self.jacobian - np.diag(np.diag(self.jacobian))
        return bool(np.all(off == 0.0))


@dataclass(frozen=True)
class MatrixForm:
    """The vectorised derivation of one weight's (or bias's) gradient.

    Attributes
    ----------
    layer, row, column : int
        The parameter's place: ``W_layer[row, column]`` (1-based); ``column`` is ``None`` for
        a bias.
    steps : tuple of LayerStep
        Layers ``1 .. L`` (index ``layer - 1``).
    entry : float
        The gradient read from the matrices.
    path_sum : float or None
        The derivation's value (the sum over paths), to compare with.
    symbolic : sympy.Expr
        The entry through the recursion, in node symbols (``delta`` written out).
    symbolic_agrees : bool
        Whether :attr:`symbolic` expands to the derivation's sum over paths.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w5", values=problem.values))
    >>> form
    MatrixForm(w5 = (delta_2)_1 (h_1)_1 = 0.08216704056, path sum 0.08216704056)
    >>> (form.layer, form.row, form.column), form.agrees
    ((2, 1, 1), True)
    >>> form.symbolic
    h11*yhat1*(1 - yhat1)*(-y1 + yhat1)
    """

    network: LayeredNetwork
    derivation: Derivation
    layer: int
    row: int
    column: int | None
    x: np.ndarray
    y: np.ndarray
    loss_gradient: np.ndarray
    steps: tuple[LayerStep, ...]
    entry: float
    symbolic: sympy.Expr
    symbolic_agrees: bool

    @property
    def wrt(self) -> str:
        return self.derivation.wrt

    @property
    def path_sum(self) -> float | None:
        return self.derivation.value

    @property
    def agrees(self) -> bool | None:
        """Whether the matrix entry equals the path sum (to rounding), when values are known."""
        if self.path_sum is None:
            return None
        scale = max(abs(self.entry), abs(self.path_sum))
        return abs(self.entry - self.path_sum) <= RELATIVE_TOLERANCE * scale + ABSOLUTE_TOLERANCE

    def activation(self, layer: int) -> np.ndarray:
        """``h_layer`` (``x`` for layer 0)."""
        return self.x if layer == 0 else self.steps[layer - 1].out

    def __repr__(self) -> str:
        where = f"(h_{self.layer - 1})_{self.column}" if self.column else "1"
        path = "" if self.path_sum is None else f", path sum {self.path_sum:.10g}"
        return (f"MatrixForm({self.wrt} = (delta_{self.layer})_{self.row} {where} = "
                f"{self.entry:.10g}{path})")


def _locate(network: LayeredNetwork, name: str) -> tuple[int, int, int | None]:
    for layer in range(1, network.depth + 1):
        for j, row in enumerate(network.weight_matrix_names(layer), start=1):
            if name in row:
                return layer, j, row.index(name) + 1
        for j in range(1, network.layers[layer] + 1):
            if network.bias_name(layer, j) == name:
                return layer, j, None
    raise SymbackpropError(
        f"the matrix form is for the weights and biases of a layered network; {name!r} is "
        f"not one (try one of {', '.join(network.parameter_names()[:4])}, ...)")


def matrix_form(network: LayeredNetwork, derivation: Derivation) -> MatrixForm:
    """The matrix form of ``derivation`` (a weight's or bias's gradient) on ``network``.

    Raises
    ------
    SymbackpropError
        When the derivation is not of the loss with respect to a parameter, or its values are
        not known.

    Notes
    -----
    One forward and one backward sweep of matrix-vector products, O(sum of |W_l|); the
    symbolic check expands the recursion for one entry (its size is the number of paths).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w1", values=problem.values))
    >>> form.steps[0].weight_gradient.round(7)                 # dL/dW1 = delta_1 x^T
    array([[0.0004386, 0.0008771],
           [0.0004977, 0.0009954]])
    >>> bool(form.entry == form.steps[0].weight_gradient[0, 0]), form.symbolic_agrees
    (True, True)
    """
    d = derivation
    if d.of != d.graph.output:
        raise SymbackpropError(f"the matrix form is for d{d.graph.output}/dW; got "
                               f"d{d.of}/d{d.wrt}")
    layer, row, column = _locate(network, d.wrt)
    if d.values is None:
        raise SymbackpropError("the matrix form needs numbers: give every input, target and "
                               "parameter a value in [values]")
    arrays = matrices(network, d.values)
    outs, pres = [arrays["x"]], [np.empty(0)]
    for n in range(1, network.depth + 1):
        pres.append(arrays[f"W{n}"] @ outs[-1] + arrays[f"b{n}"])
        outs.append(_activate(network, n, pres[-1]))
    gradient = _loss_gradient(network.loss, arrays["y"], outs[-1])
    steps: list[LayerStep] = []
    upstream = gradient
    for n in range(network.depth, 0, -1):
        identity = np.eye(len(pres[n]))
        jacobian_t = np.column_stack([
            _jacobian_transpose_times(network, n, pres[n], outs[n], identity[:, i])
            for i in range(len(pres[n]))])
        delta = _jacobian_transpose_times(network, n, pres[n], outs[n], upstream)
        steps.append(LayerStep(n, arrays[f"W{n}"], pres[n], outs[n], jacobian_t.T, delta,
                               np.outer(delta, outs[n - 1])))
        upstream = arrays[f"W{n}"].T @ delta
    steps.reverse()
    delta = steps[layer - 1].delta
    if column is None:
        entry = float(delta[row - 1]) if network.bias == "per_neuron" else float(delta.sum())
    else:
        entry = float(steps[layer - 1].weight_gradient[row - 1, column - 1])
    symbolic = _symbolic_entry(network, d, layer, row, column)
    agrees = sympy.expand(symbolic - d.expression) == 0
    return MatrixForm(network, d, layer, row, column, arrays["x"], arrays["y"], gradient,
                      tuple(steps), entry, symbolic, bool(agrees))


def _symbolic_deltas(network: LayeredNetwork, d: Derivation, down_to: int) -> dict[
        tuple[int, int], sympy.Expr]:
    """``delta_{l,j}`` in node symbols for the layers ``L .. down_to`` (the recursion)."""
    graph, names = d.graph, network.names
    depth = network.depth
    deltas: dict[tuple[int, int], sympy.Expr] = {}
    for j in range(1, network.layers[depth] + 1):
        a = names.pre_activation(depth, j)
        deltas[depth, j] = sympy.Add(*(
            graph.local_partial(a, yk) * graph.local_partial(yk, graph.output)
            for yk in graph.children(a)))
    for n in range(depth - 1, down_to - 1, -1):
        for j in range(1, network.layers[n] + 1):
            a, h = names.pre_activation(n, j), network.neuron_name(n, j)
            back = sympy.Add(*(
                graph.local_partial(h, names.pre_activation(n + 1, i)) * deltas[n + 1, i]
                for i in range(1, network.layers[n + 1] + 1)))
            deltas[n, j] = graph.local_partial(a, h) * back
    return deltas


def _symbolic_entry(network: LayeredNetwork, d: Derivation, layer: int, row: int,
                    column: int | None) -> sympy.Expr:
    deltas = _symbolic_deltas(network, d, layer)
    if column is None:
        rows = [row] if network.bias == "per_neuron" else range(1, network.layers[layer] + 1)
        return sympy.Add(*(deltas[layer, j] for j in rows))
    return deltas[layer, row] * symbol(network.neuron_name(layer - 1, column))


# -- LaTeX ----------------------------------------------------------------------------------

def _clean(values: np.ndarray) -> np.ndarray:
    """Rounding noise (below 1e-12 of the largest entry) shown as 0."""
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    return np.where(np.abs(values) <= 1e-12 * scale, 0.0, values)


def _vector(values: np.ndarray, digits: int = 4) -> str:
    values = _clean(values)
    if len(values) > MAX_SHOWN:
        return rf"\text{{({len(values)} entries)}}"
    return r"\begin{pmatrix}" + r" \\ ".join(latex_number(float(v), digits) for v in values) + \
        r"\end{pmatrix}"


def _matrix(values: np.ndarray, mark: tuple[int, int] | None = None, digits: int = 4) -> str:
    values = _clean(values)
    rows, cols = values.shape
    if rows > MAX_SHOWN or cols > MAX_SHOWN:
        return rf"\text{{({rows} by {cols})}}"
    cells = []
    for i in range(rows):
        row = []
        for j in range(cols):
            text = latex_number(float(values[i, j]), digits)
            row.append(rf"\boxed{{{text}}}" if mark == (i, j) else text)
        cells.append(" & ".join(row))
    return r"\begin{pmatrix}" + r" \\ ".join(cells) + r"\end{pmatrix}"


def _bold(name: str, layer: int | str) -> str:
    return rf"\mathbf{{{name}}}_{{{layer}}}"


def _delta(layer: int | str) -> str:
    return rf"\boldsymbol{{\delta}}_{{{layer}}}"


def matrix_latex(form: MatrixForm) -> list[tuple[str, list[str]]]:
    """The matrix form as LaTeX: ``(paragraph, align* rows)`` pairs, to be wrapped by the
    caller (:func:`symbackprop.render.latex.latex_page` or the Markdown page).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w5", values=problem.values))
    >>> pieces = matrix_latex(form)
    >>> [len(rows) for _, rows in pieces]          # the recursion, its numbers, the entry
    [3, 3, 2, 0]
    >>> print(pieces[1][0])
    With the numbers of this problem:
    """
    net, d = form.network, form.derivation
    depth = net.depth
    out_name = net.activation_name(depth)
    names = {n: node.latex for n, node in d.graph.nodes.items()}
    lhs = rf"\frac{{\partial {names[d.of]}}}{{\partial {names[d.wrt]}}}"
    top = (rf"{_delta('L')} &= J_{{f_L}}(\mathbf{{a}}_L)^{{\top}} \nabla_{{\hat{{\mathbf{{y}}}}}}"
           r" \mathcal{L}" if out_name == "softmax" else
           rf"{_delta('L')} &= \nabla_{{\hat{{\mathbf{{y}}}}}} \mathcal{{L}} \odot "
           r"f_L'(\mathbf{a}_L)")
    general = [
        top,
        rf"{_delta('l')} &= \bigl({_bold('W', 'l+1')}^{{\top}} {_delta('l+1')}\bigr) \odot "
        r"f_l'(\mathbf{a}_l)",
        rf"\frac{{\partial \mathcal{{L}}}}{{\partial {_bold('W', 'l')}}} &= {_delta('l')}\, "
        rf"{_bold('h', 'l-1')}^{{\top}}, \qquad {_bold('h', '0')} = \mathbf{{x}}",
    ]
    parts: list[tuple[str, list[str]]] = [(
        "For a layered network the recursion runs on whole layers at once, with no case "
        "analysis per weight: each layer's delta vector comes from the next layer's through "
        r"the transposed weight matrix, and a weight matrix's gradient is an outer product "
        rf"($L = {depth}$ here):", general)]
    rows = [rf"\nabla_{{\hat{{\mathbf{{y}}}}}} \mathcal{{L}} &= {_vector(form.loss_gradient)}"]
    last = form.steps[-1]
    if last.elementwise:
        rows.append(rf"{_delta(depth)} &= \nabla_{{\hat{{\mathbf{{y}}}}}} \mathcal{{L}} \odot "
                    rf"f_{depth}'(\mathbf{{a}}_{depth}) = {_vector(form.loss_gradient)} \odot "
                    rf"{_vector(np.diag(last.jacobian))} = {_vector(last.delta)}")
    else:
        rows.append(rf"{_delta(depth)} &= J^{{\top}} \nabla_{{\hat{{\mathbf{{y}}}}}} \mathcal{{L}}"
                    rf" = {_matrix(last.jacobian.T)} {_vector(form.loss_gradient)} = "
                    rf"{_vector(last.delta)}")
    for n in range(depth - 1, form.layer - 1, -1):
        step, above = form.steps[n - 1], form.steps[n]
        back = above.weights.T @ above.delta
        rows.append(rf"{_delta(n)} &= \bigl({_bold('W', n + 1)}^{{\top}} {_delta(n + 1)}\bigr) "
                    rf"\odot f_{n}'(\mathbf{{a}}_{n}) = {_vector(back)} \odot "
                    rf"{_vector(np.diag(step.jacobian))} = {_vector(step.delta)}")
    step = form.steps[form.layer - 1]
    j, k = form.row, form.column
    if k is not None:
        rows.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {_bold('W', form.layer)}}} &= "
                    rf"{_delta(form.layer)}\, {_bold('h', form.layer - 1)}^{{\top}} = "
                    rf"{_matrix(step.weight_gradient, (j - 1, k - 1))}")
    parts.append(("With the numbers of this problem:", rows))
    if k is not None:
        h = _bold("h", form.layer - 1)
        pick = (rf"{lhs} &= ({_delta(form.layer)})_{{{j}}}\, ({h})_{{{k}}}"
                rf" = {latex_number(float(step.delta[j - 1]))} \cdot "
                rf"{_signed(float(form.activation(form.layer - 1)[k - 1]))} = "
                rf"{latex_number(form.entry, 10)}")
        matrix = _bold("W", form.layer)
        where = rf"row {j}, column {k} of $\partial \mathcal{{L}} / \partial {matrix}$"
    else:
        pick = rf"{lhs} &= {latex_number(form.entry, 10)}"
        where = "the delta of its neuron" if net.bias == "per_neuron" else \
            "the sum of its layer's deltas"
    check = ""
    if form.path_sum is not None:
        check = ("This equals the sum over paths above "
                 rf"(${latex_number(form.path_sum, 10)}$; difference "
                 rf"${latex_number(abs(form.entry - form.path_sum), 2)}$)."
                 if form.agrees else "This DIFFERS from the sum over paths above "
                 rf"(${latex_number(form.path_sum, 10)}$).")
    delta_rows = [pick, *(f"{left} &= {right}" for left, right in _recursion_latex(form))]
    parts.append((rf"The entry for ${names[d.wrt]}$ is {where}. In node symbols, one step of "
                  "the recursion per layer:", delta_rows))
    verdict = "expands to" if form.symbolic_agrees else "does NOT expand to"
    parts.append((check + " Written out in node symbols, the entry "
                  f"{verdict} the sum over the {d.path_count:,} "
                  f"path{'s' if d.path_count != 1 else ''} of the chain rule (checked with "
                  "sympy).", []))
    return parts


def _recursion(form: MatrixForm) -> list[tuple[int, int, list[tuple[str, list[str]]]]]:
    """The deltas the chosen entry needs, one step of the recursion each, as
    ``(layer, neuron, terms)``; a term is ``(kind, node names)``: ``("partials", [of, wrt]...)``
    products of local partials, or ``("delta", ...)`` a weight times the next delta."""
    net, graph = form.network, form.derivation.graph
    names = net.names
    needed = {form.layer: [form.row] if form.column is not None or net.bias == "per_neuron"
              else list(range(1, net.layers[form.layer] + 1))}
    for n in range(form.layer + 1, net.depth + 1):
        needed[n] = list(range(1, net.layers[n] + 1))
    out = []
    for n in sorted(needed):
        for j in needed[n]:
            a = names.pre_activation(n, j)
            if n == net.depth:
                terms = [("partials", [(yk, a), (graph.output, yk)]) for yk in graph.children(a)]
            else:
                h = net.neuron_name(n, j)
                terms = [("delta", [(h, a), (names.pre_activation(n + 1, i), h), (str(i), "")])
                         for i in range(1, net.layers[n + 1] + 1)]
            out.append((n, j, terms))
    return out


def _recursion_latex(form: MatrixForm) -> list[tuple[str, str]]:
    graph = form.derivation.graph
    symbols = graph.latex_names()

    def partial(of: str, wrt: str) -> tuple[bool, str]:
        expr = graph.local_partial(wrt, of)
        if isinstance(tidy(expr), sympy.Add):
            return False, rf"\left({latex_expr(expr, symbols)}\right)"
        negative = bool(expr.could_extract_minus_sign())
        text = latex_expr(-expr if negative else expr, symbols)
        return negative, "{" + text + "}" if " " in text else text

    def signed_sum(terms: list[tuple[bool, str]]) -> str:
        out = ""
        for i, (negative, text) in enumerate(terms):
            out += ("- " if negative else "") + text if i == 0 else \
                (" - " if negative else " + ") + text
        return out

    rows = []
    for n, j, terms in _recursion(form):
        if terms and terms[0][0] == "delta":
            (h, a), _, _ = terms[0][1]
            inner = []
            for _, [_, (nxt, _), (i, _)] in terms:
                negative, weight = partial(nxt, h)
                inner.append((negative, rf"{weight}\, ({_delta(n + 1)})_{{{i}}}"))
            negative, slope = partial(h, a)
            right = rf"{slope} \cdot \bigl({signed_sum(inner)}\bigr)"
            right = f"- {right}" if negative else right
        else:
            products = []
            for _, [p, q] in terms:
                (n1, t1), (n2, t2) = partial(*p), partial(*q)
                products.append((n1 != n2, rf"{t1} \cdot {t2}"))
            right = signed_sum(products)
        rows.append((rf"({_delta(n)})_{{{j}}}", right))
    return rows


def _signed(value: float) -> str:
    text = latex_number(value)
    return f"({text})" if text.startswith("-") else text


def matrix_markdown(form: MatrixForm) -> str:
    """The matrix form as Markdown (``$$`` blocks).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w5", values=problem.values))
    >>> page = matrix_markdown(form)
    >>> page.splitlines()[0], page.count("$$")
    ('### The matrix form', 6)
    """
    lines = ["### The matrix form", ""]
    for paragraph, rows in matrix_latex(form):
        lines += [_markdown_text(paragraph), ""]
        if rows:
            lines += ["$$", r"\begin{aligned}", " \\\\\n".join(rows), r"\end{aligned}", "$$", ""]
    return "\n".join(lines)


def _markdown_text(paragraph: str) -> str:
    return paragraph.replace("---", "—")


# -- text -----------------------------------------------------------------------------------

def _text_vector(values: np.ndarray) -> str:
    values = _clean(values)
    if len(values) > MAX_SHOWN:
        return f"({len(values)} entries)"
    return "[" + ", ".join(text_number(float(v), 6) for v in values) + "]"


def _recursion_text(form: MatrixForm) -> list[str]:
    graph = form.derivation.graph

    def partial(of: str, wrt: str) -> str:
        expr = graph.local_partial(wrt, of)
        text = text_expr(expr)
        return f"({text})" if isinstance(tidy(expr), sympy.Add) or text.startswith("-") else text

    rows = []
    for n, j, terms in _recursion(form):
        if terms and terms[0][0] == "delta":
            (h, a), _, _ = terms[0][1]
            inner = " + ".join(f"{partial(nxt, h)} · (δ_{n + 1})_{i}"
                               for _, [_, (nxt, _), (i, _)] in terms)
            rows.append(f"(δ_{n})_{j} = {partial(h, a)} · ({inner})")
        else:
            rows.append(f"(δ_{n})_{j} = " + " + ".join(
                f"{partial(*p)} · {partial(*q)}" for _, [p, q] in terms))
    return rows


def matrix_text(form: MatrixForm) -> str:
    """The matrix form as plain text (at most 100 columns for networks up to width 8).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w5", values=problem.values))
    >>> print("\\n".join(matrix_text(form).splitlines()[4:]))
      ∇ŷ L = [0.741365, -0.217072]
      δ_2  = [0.138499, -0.0380982]
      ∂L/∂W_2 = δ_2 h_1ᵀ, row 1: [0.082167, 0.0826676]
      ∂L/∂w5 = (δ_2)_1 · (h_1)_1 = 0.1384985616 · 0.5932699921 = 0.08216704056
      in node symbols, one step of the recursion per layer:
        (δ_2)_1 = yhat1*(1 - yhat1) · (yhat1 - y1)
      equals the sum over paths (0.08216704056); written out it expands to the 1 path product
    """
    net, d = form.network, form.derivation
    depth = net.depth
    lines = ["Matrix form: the same recursion on whole layers, no case analysis per weight",
             "  δ_L = J_f(a_L)ᵀ ∇ŷ L",
             "  δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f'(a_l)",
             "  ∂L/∂W_l = δ_l h_{l-1}ᵀ   (h_0 = x)",
             f"  ∇ŷ L = {_text_vector(form.loss_gradient)}"]
    for n in range(depth, form.layer - 1, -1):
        lines.append(f"  δ_{n}  = {_text_vector(form.steps[n - 1].delta)}")
    j, k = form.row, form.column
    step = form.steps[form.layer - 1]
    if k is not None:
        lines.append(f"  ∂L/∂W_{form.layer} = δ_{form.layer} h_{form.layer - 1}ᵀ, row {j}: "
                     f"{_text_vector(step.weight_gradient[j - 1])}")
        h = float(form.activation(form.layer - 1)[k - 1])
        lines.append(f"  ∂{d.of}/∂{d.wrt} = (δ_{form.layer})_{j} · (h_{form.layer - 1})_{k} = "
                     f"{text_number(float(step.delta[j - 1]))} · {text_number(h)} = "
                     f"{text_number(form.entry)}")
    else:
        lines.append(f"  ∂{d.of}/∂{d.wrt} = {text_number(form.entry)}")
    lines.append("  in node symbols, one step of the recursion per layer:")
    lines += [textwrap.fill(row, 100, initial_indent="    ", subsequent_indent="        ",
                            break_long_words=False) for row in _recursion_text(form)]
    if form.path_sum is not None:
        status = "equals" if form.agrees else "DIFFERS FROM"
        lines.append(f"  {status} the sum over paths ({text_number(form.path_sum)}); "
                     f"written out it {'expands' if form.symbolic_agrees else 'does NOT expand'}"
                     f" to the {d.path_count:,} path product"
                     f"{'s' if d.path_count != 1 else ''}")
    return "\n".join(lines)


def matrix_data(form: MatrixForm) -> dict[str, object]:
    """The matrix form as plain data (for ``derive --matrix --format json``).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("mazur_2_2_2")
    >>> form = matrix_form(problem.network, derive(problem.graph, "w5", values=problem.values))
    >>> data = matrix_data(form)
    >>> data["layer"], data["row"], data["column"], data["agrees"], sorted(data["deltas"])
    (2, 1, 1, True, ['1', '2'])
    """
    return {
        "wrt": form.wrt,
        "layer": form.layer,
        "row": form.row,
        "column": form.column,
        "loss_gradient": form.loss_gradient.tolist(),
        "deltas": {str(s.layer): s.delta.tolist() for s in form.steps},
        "weight_gradients": {str(s.layer): s.weight_gradient.tolist() for s in form.steps},
        "entry": form.entry,
        "path_sum": form.path_sum,
        "agrees": form.agrees,
        "symbolic_agrees": form.symbolic_agrees,
    }
