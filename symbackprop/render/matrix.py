r"""The matrix (vectorised) form of backprop for a layered network, typeset.

The numbers and the symbolic check come from :mod:`symbackprop.numeric.matrix`
(:func:`~symbackprop.numeric.matrix.matrix_form`, re-exported here);
:func:`matrix_latex`, :func:`matrix_markdown` and :func:`matrix_text` show a
:class:`~symbackprop.numeric.matrix.MatrixForm`, :func:`matrix_data` gives it as plain data.

Examples
--------
>>> from symbackprop import derive, load_problem
>>> from symbackprop.numeric.matrix import matrix_form
>>> problem = load_problem("mazur_2_2_2")
>>> form = matrix_form(problem.network, derive(problem.graph, "w1", values=problem.values))
>>> matrix_text(form).splitlines()[-1].split(";")[0]
'  equals the sum over paths (0.0004385677345)'
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import sympy

from ..numeric.matrix import MatrixForm
from .jsontext import held
from .numbers import DISPLAY_DIGITS, FACTOR_DIGITS, latex_factor, latex_number, text_number
from .typeset import latex_expr, text_expr, tidy

__all__ = ["matrix_data", "matrix_latex", "matrix_markdown", "matrix_text"]

MAX_SHOWN = 8
"""Vectors and matrices are printed in full up to this many rows and columns."""


# -- LaTeX ----------------------------------------------------------------------------------

def _clean(values: np.ndarray) -> np.ndarray:
    """Rounding noise (below 1e-12 of the largest finite entry) shown as 0; an entry float64
    cannot hold (``-y/yhat`` where ``yhat`` underflows) stays infinite."""
    finite = np.isfinite(values)
    scale = float(np.max(np.abs(values[finite]))) if finite.any() else 0.0
    return np.where(finite & (np.abs(values) <= 1e-12 * scale), 0.0, values)


def _held(values: np.ndarray) -> list[Any]:
    """``values`` as (nested) lists for JSON, ``null`` where float64 cannot hold an entry."""
    return [_held(row) if np.ndim(row) else held(float(row)) for row in values]


def _too_many(values: np.ndarray) -> str | None:
    """What stands for a vector or matrix too large to print in full (``None``: print it)."""
    if values.ndim == 1:
        return f"({len(values)} entries)" if len(values) > MAX_SHOWN else None
    rows, cols = values.shape
    return f"({rows} by {cols})" if rows > MAX_SHOWN or cols > MAX_SHOWN else None


def _vector(values: np.ndarray, digits: int = FACTOR_DIGITS) -> str:
    values = _clean(values)
    if (summary := _too_many(values)) is not None:
        return rf"\text{{{summary}}}"
    return r"\begin{pmatrix}" + r" \\ ".join(latex_number(float(v), digits) for v in values) + \
        r"\end{pmatrix}"


def _matrix(values: np.ndarray, mark: tuple[int, int] | None = None,
            digits: int = FACTOR_DIGITS) -> str:
    values = _clean(values)
    if (summary := _too_many(values)) is not None:
        return rf"\text{{{summary}}}"
    rows, cols = values.shape
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
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.numeric.matrix import matrix_form
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
        step = form.steps[n - 1]
        back = step.upstream
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
                rf"{latex_factor(float(form.activation(form.layer - 1)[k - 1]), DISPLAY_DIGITS)} = "
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


# one term of a delta's recursion: its kind ("partials" or "delta") and the edges it multiplies
_Term = tuple[str, list[tuple[str, str]]]


def _recursion(form: MatrixForm) -> list[tuple[int, int, list[_Term]]]:
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


def matrix_markdown(form: MatrixForm) -> str:
    """The matrix form as Markdown (``$$`` blocks).

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.numeric.matrix import matrix_form
    >>> problem = load_problem("padhai_4_4_2")               # softmax output layer
    >>> page = matrix_markdown(matrix_form(problem.network, derive(problem.graph, "w212",
    ...                                                          values=problem.values)))
    >>> page.splitlines()[0], page.count("$$"), page.count(r"\\boxed")
    ('### The matrix form', 6, 1)
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
    if (summary := _too_many(values)) is not None:
        return summary
    return "[" + ", ".join(text_number(float(v), DISPLAY_DIGITS) for v in values) + "]"


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
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.numeric.matrix import matrix_form
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
    >>> from symbackprop import derive, load_problem
    >>> from symbackprop.numeric.matrix import matrix_form
    >>> problem = load_problem("mazur_2_2_2")                 # b2: one bias per layer
    >>> data = matrix_data(matrix_form(problem.network, derive(problem.graph, "b2",
    ...                                                        values=problem.values)))
    >>> data["layer"], data["row"], data["column"], data["agrees"], sorted(data["deltas"])
    (2, 1, None, True, ['1', '2'])
    >>> data["entry"] == sum(data["deltas"]["2"])            # the sum of its layer's deltas
    True
    """
    return {
        "wrt": form.wrt,
        "layer": form.layer,
        "row": form.row,
        "column": form.column,
        "loss_gradient": _held(form.loss_gradient),
        "deltas": {str(s.layer): _held(s.delta) for s in form.steps},
        "weight_gradients": {str(s.layer): _held(s.weight_gradient) for s in form.steps},
        "entry": form.entry,
        "path_sum": form.path_sum,
        "agrees": form.agrees,
        "symbolic_agrees": form.symbolic_agrees,
    }
