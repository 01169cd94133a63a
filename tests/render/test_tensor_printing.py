"""The tensor printers cover the whole registry, and the matrix display rule holds at its
boundaries.

Every operation of the registry (the backward-only ones too, as the VJPs make them) is met in
the forward formulas or the VJPs below; each prints in text and in LaTeX in textbook notation
(no trace of the IR's own syntax: ``@``, ``.T``, ``sum_to(``, ``shape=``), and every LaTeX
formula compiles with pdflatex.  The display rule prints a tensor whole up to 6 rows, columns
and leading slices and summarised past that, its norm and largest entry read back equal to
numpy's.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import require_tool

from symbackprop.render.tensor_typeset import tensor_label, tensor_latex, tensor_text
from symbackprop.render.tensor_values import (
    EDGE,
    WHOLE,
    matrix_latex,
    matrix_text,
    summarised,
)
from symbackprop.rules.tensor.expr import Adj, Op, Ref, TExpr, walk
from symbackprop.rules.tensor.grammar import parse_tensor_formula
from symbackprop.rules.tensor.registry import OPS
from symbackprop.rules.tensor.vjp import vjp

NAMES = {
    "X": Ref("X", (4, 3)), "W": Ref("W", (3, 5)), "T3": Ref("T3", (2, 3, 4)),
    "Z": Ref("Z", (4, 3)), "y": Ref("y", (4,), "int"), "g": Ref("g", (3,)),
    "b": Ref("b", (3,)), "C": Ref("C", (6, 3)), "idx": Ref("idx", (4, 2), "int"),
    "x1": Ref("x1", (2, 2, 8)), "w1": Ref("w1", (3, 2, 3)), "x2": Ref("x2", (2, 2, 5, 5)),
    "w2": Ref("w2", (3, 2, 3, 3)), "v": Ref("v", (3,)), "P": Ref("P", (4, 3)),
}
FORMULAS = [
    "X @ W", "v @ W", "X.T", "transpose(T3, axes=(1, 0, 2))", "transpose(T3, axes=(0, 2, 1))",
    "reshape(T3, shape=(6, -1))", "concat(X, Z, axis=0)", "T3[1]", "sum(X, axis=0)",
    "sum(X, axis=1, keepdims=True)", "sum(T3, axis=(0, 2))", "mean(X, axis=1)", "mean(X)",
    "max(X, axis=1, keepdims=True)", "var(X, axis=0)", "softmax(X, axis=-1)",
    "softmax(X, axis=0)", "log_softmax(X)", "cross_entropy(Z, y)",
    "cross_entropy(Z, P, reduction=sum)", "nll(log_softmax(Z), y)", "layer_norm(X, g, b)",
    "batch_norm(X, g, b, eps=0.001)", "embedding(C, idx)", "conv1d(x1, w1, stride=2)",
    "conv2d(x2, w2, padding=1)", "max_pool(x1, 2)", "avg_pool(x2, 2)", "X * b + g",
    "tanh(X) * sigmoid(Z) / (1 + exp(-X))", "relu(X) + leaky_relu(Z, 0.1) + abs(X)",
    "gelu(X) + elu(Z) + silu(X) + softplus(Z) + huber(X) + smooth_l1(Z)",
    "maximum(X, Z) - minimum(X, Z) + sqrt(X**2 + 1) + log(1 + X**2) + X**Z",
]


def _expressions() -> list[TExpr]:
    """Every formula and every VJP of each of its arguments."""
    found = []
    for formula in FORMULAS:
        expr = parse_tensor_formula(formula, NAMES)
        found.append(expr)
        out = Ref("OUT", expr.shape)
        for name in sorted(expr.refs):
            if NAMES[name].dtype == "int":
                continue
            local = vjp(expr, name, Adj("OUT", expr.shape), out=out)
            if local is not None:
                found.append(local)
    return found


EXPRESSIONS = _expressions()


def test_the_expressions_meet_every_operation_of_the_registry() -> None:
    met = {e.name for expr in EXPRESSIONS for e in walk(expr) if isinstance(e, Op)}
    assert met == set(OPS), f"not met: {sorted(set(OPS) - met)}"


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
def test_every_expression_prints_in_textbook_notation(expr: TExpr) -> None:
    text = tensor_text(expr)
    latex = tensor_latex(expr)
    for raw in ("@", ".T", "sum_to(", "broadcast_to(", "shape=", "#", "**", "Heaviside"):
        assert raw not in text and raw not in latex, (raw, text, latex)
    assert text.count("(") == text.count(")") and text.count("[") == text.count("]")
    assert latex.count("{") == latex.count("}")
    assert latex.count(r"\left") == latex.count(r"\right")


def test_textbook_forms_of_the_common_vjps() -> None:
    Z = parse_tensor_formula("X @ W + b2", {**NAMES, "b2": Ref("b2", (5,))})
    dZ = Adj("Z", (4, 5))
    assert [tensor_text(vjp(Z, n, dZ)) for n in ("W", "X", "b2")] == [
        "Xᵀ δZ", "δZ Wᵀ", "1ᵀ δZ"]
    assert tensor_latex(vjp(Z, "b2", dZ)) == r"\mathbf{1}^{\top} \delta_{Z}"
    P = parse_tensor_formula("softmax(X)", NAMES)
    assert tensor_text(vjp(P, "X", Adj("P", (4, 3)), out=Ref("P", (4, 3)))) == \
        "P ⊙ (δP − rowsum(δP ⊙ P))"
    H = parse_tensor_formula("sigmoid(X)", NAMES)
    assert tensor_text(vjp(H, "X", Adj("H", (4, 3)), out=Ref("H", (4, 3)))) == \
        "δH ⊙ H ⊙ (1 − H)"
    L = parse_tensor_formula("cross_entropy(Z, y)", NAMES)
    assert tensor_text(vjp(L, "Z", Adj("L", ()))) == "δL (softmax(Z) − onehot(y)) / 4"
    R = parse_tensor_formula("relu(X)", NAMES)
    assert tensor_text(vjp(R, "X", Adj("R", (4, 3)))) == "δR ⊙ 1[X > 0]"


def test_labels() -> None:
    assert [tensor_label(n) for n in ("W1", "Whh", "bh", "beta", "Y.var", "counts_sum")] == [
        "W_{1}", "W_{hh}", "b_{h}", r"\beta", r"{\sigma^{2}}_{Y}", r"\mathit{counts\_sum}"]


@pytest.mark.slow
def test_every_latex_formula_compiles(tmp_path: Path) -> None:
    require_tool("pdflatex")
    lines = [r"\documentclass{article}", r"\usepackage{amsmath,amssymb}",
             r"\begin{document}"]
    lines += [f"$${tensor_latex(expr)}$$" for expr in EXPRESSIONS]
    lines += [f"$${matrix_latex(np.arange(n * m, dtype=float).reshape(n, m))}$$"
              for n, m in ((2, 2), (7, 9), (1, 8))]
    lines += [f"$${matrix_latex(np.ones((7, 2, 2)))}$$", r"\end{document}"]
    (tmp_path / "t.tex").write_text("\n".join(lines), encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


# -- the matrix display rule ---------------------------------------------------------------------

@pytest.mark.parametrize(("shape", "cut"), [
    ((), False), ((6,), False), ((7,), True), ((6, 6), False), ((7, 6), True),
    ((6, 7), True), ((1, 6), False), ((6, 2, 3), False), ((7, 2, 3), True), ((2, 3, 2, 2), False),
    ((3, 3, 2, 2), True), ((2, 7, 2), True),
])
def test_the_display_rule_at_its_boundaries(shape: tuple[int, ...], cut: bool) -> None:
    value = np.random.default_rng(1).normal(size=shape)
    assert summarised(value) is cut
    lines = matrix_text(value)
    whole = matrix_text(value, full=True)
    if not cut:
        assert lines == whole
        assert not any("…" in line or "⋮" in line for line in lines)
        return
    assert any("…" in line or "⋮" in line for line in lines) and lines != whole
    shown, norm, top = re.fullmatch(r"\((.*)\): ‖·‖ = (\S+), max \|entry\| = (\S+)",
                                    lines[-1]).groups()
    assert shown == ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "")
    assert float(norm) == pytest.approx(np.linalg.norm(value), rel=1e-9)
    assert float(top) == pytest.approx(np.max(np.abs(value)), rel=1e-9)
    assert r"\lVert\cdot\rVert" in matrix_latex(value)
    assert r"\lVert" not in matrix_latex(value, full=True)


def test_a_summarised_matrix_shows_its_corners() -> None:
    value = np.arange(100.0).reshape(10, 10)
    lines = matrix_text(value)
    assert len(lines) == 2 * EDGE + 2  # the rows, the gap, the summary
    first = lines[0].strip("⎡⎤").split()
    assert first == ["0", "1", "2", "…", "7", "8", "9"]
    assert lines[-2].strip("⎣⎦").split() == ["90", "91", "92", "…", "97", "98", "99"]
    assert len(matrix_text(value, full=True)) == 10
    assert WHOLE == 6


def test_values_print_with_the_digits_of_the_pages() -> None:
    assert matrix_text(np.array(0.1 + 0.2)) == ["0.3"]
    assert matrix_text(np.array([1 / 3, 2 / 3])) == ["[0.333333  0.666667]"]
    assert matrix_text(np.array(1 / 3)) == ["0.3333333333"]
