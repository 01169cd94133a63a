"""Every operation of the registry, and every elementwise function, against PyTorch.

For each operation and each differentiable argument, at several random shapes and values
(float64, seeded): the forward pass equals torch's (each operation and function computed by
torch's own, as ``numeric.tensor_torch`` maps them for the torch oracle), and the textbook VJP
built by ``rules.tensor.vjp`` (through the registry's rule, as the engine builds it) equals
``torch.autograd.grad`` with the same output adjoint, to a relative 1e-10 with an absolute
floor of 1e-12 times the largest entry of the gradient.  The object-array forward (for the
lowering to scalars) equals the numeric one at the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import sympy
from conftest import require_module
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.numeric.tensor_torch import torch_evaluate, torch_op
from symbackprop.rules.tensor.backend import OBJECT
from symbackprop.rules.tensor.build import Builder
from symbackprop.rules.tensor.evaluate import evaluate
from symbackprop.rules.tensor.expr import Adj, Ref
from symbackprop.rules.tensor.grammar import ELEMENTWISE, parse_tensor_formula
from symbackprop.rules.tensor.registry import OPS
from symbackprop.rules.tensor.vjp import vjp

SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Case:
    """One operation at one draw: its arguments (name -> array) and attributes; torch computes
    it by the library's twin of the operation (``numeric.tensor_torch.TORCH_OPS``, torch's own
    functions), which the tensor oracle of ``verify`` uses too."""

    op: str
    args: tuple[np.ndarray, ...]
    attrs: dict[str, Any]
    ints: tuple[int, ...] = ()  # arguments that are integer labels


def _cases(rng: np.random.Generator) -> list[Case]:
    """A draw of every operation at random shapes (the shapes drawn from ``rng`` too)."""
    def n(*shape: int) -> np.ndarray:
        return rng.normal(size=shape)

    def r(low: int, high: int) -> int:
        return int(rng.integers(low, high + 1))

    N, D, H, C = r(2, 5), r(2, 6), r(2, 5), r(2, 5)
    labels = rng.integers(0, C, size=N)
    probs = rng.dirichlet(np.ones(C), size=N)
    batch = r(2, 3)
    L, K = r(5, 9), r(1, 3)
    side = r(4, 7)
    stride, padding = r(1, 2), r(0, 1)
    perm = tuple(int(i) for i in rng.permutation(3))
    idx = rng.integers(0, H, size=(N, 2))
    return [
        Case("matmul", (n(N, D), n(D, H)), {}),
        Case("matmul", (n(D), n(D, H)), {}),
        Case("matmul", (n(N, D), n(D)), {}),
        Case("matmul", (n(D), n(D)), {}),
        Case("matmul", (n(batch, N, D), n(D, H)), {}),
        Case("matmul", (n(batch, N, D), n(batch, D, H)), {}),
        Case("matmul", (n(N, D), n(batch, D, H)), {}),
        Case("transpose", (n(N, D),), {}),
        Case("transpose", (n(N, D, H),), {"axes": perm}),
        Case("reshape", (n(N, D, 2),), {"shape": (N, -1)}),
        Case("concat", (n(N, D), n(N, H), n(N, 1)), {"axis": -1}),
        Case("concat", (n(N, D), n(H, D)), {"axis": 0}),
        Case("index", (n(N, D, H),), {"indices": (N - 1,)}),
        Case("index", (n(N, D),), {"indices": (-1, 0)}),
        Case("sum", (n(N, D),), {"axis": 0}),
        Case("sum", (n(N, D, H),), {"axis": (0, 2), "keepdims": True}),
        Case("sum", (n(N, D),), {}),
        Case("mean", (n(N, D),), {"axis": -1}),
        Case("mean", (n(N, D),), {"keepdims": True}),
        Case("max", (n(N, D),), {"axis": 1, "keepdims": True}),
        Case("max", (n(N, D),), {}),
        Case("var", (n(N, D),), {"axis": 0}),
        Case("var", (n(N, D),), {"axis": 1, "keepdims": True, "ddof": 1}),
        Case("softmax", (n(N, C),), {"axis": 1}),
        Case("softmax", (n(N, C, 2),), {"axis": 1}),
        Case("log_softmax", (n(N, C),), {}),
        Case("cross_entropy", (n(N, C), labels), {}, ints=(1,)),
        Case("cross_entropy", (n(N, C), labels), {"reduction": "sum"}, ints=(1,)),
        Case("cross_entropy", (n(N, C), labels), {"reduction": "none"}, ints=(1,)),
        Case("cross_entropy", (n(C), np.array(int(labels[0]))), {}, ints=(1,)),
        Case("cross_entropy", (n(N, C), probs), {}),
        Case("nll", (n(N, C), labels), {}, ints=(1,)),
        Case("nll", (n(N, C), labels), {"reduction": "sum"}, ints=(1,)),
        Case("layer_norm", (n(N, D), n(D), n(D)), {}),
        Case("layer_norm", (n(batch, N, D), n(D), n(D)), {"eps": 1e-3}),
        Case("batch_norm", (n(N, D), n(D), n(D)), {}),
        Case("batch_norm", (n(N, C, side, side), n(C, 1, 1), n(C, 1, 1)), {"eps": 1e-4}),
        Case("embedding", (n(H, D), idx), {}, ints=(1,)),
        Case("conv1d", (n(N, C, L), n(H, C, K)), {"stride": stride, "padding": padding}),
        Case("conv2d", (n(N, C, side, side + 1), n(H, C, K, K + 1)),
             {"stride": stride, "padding": (padding, 1)}),
        Case("max_pool", (n(N, C, L),), {"size": 2}),
        Case("max_pool", (n(N, C, side, side),), {"size": 2, "stride": 1}),
        Case("avg_pool", (n(N, C, L),), {"size": 3, "stride": 2}),
        Case("avg_pool", (n(N, C, side, side),), {"size": (2, 3)}),
    ]


_CASE_OPS = [
    "matmul", "matmul", "matmul", "matmul", "matmul", "matmul", "matmul", "transpose",
    "transpose", "reshape", "concat", "concat", "index", "index", "sum", "sum", "sum", "mean",
    "mean", "max", "max", "var", "var", "softmax", "softmax", "log_softmax", "cross_entropy",
    "cross_entropy", "cross_entropy", "cross_entropy", "cross_entropy", "nll", "nll",
    "layer_norm", "layer_norm", "batch_norm", "batch_norm", "embedding", "conv1d", "conv2d",
    "max_pool", "max_pool", "avg_pool", "avg_pool",
]


def _all_cases() -> list[tuple[str, int, int]]:
    """(op, seed, index of the case in the draw) for every case (no torch needed)."""
    return [(op, seed, i) for seed in SEEDS for i, op in enumerate(_CASE_OPS)]


def _close(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    floor = 1e-12 * max(float(np.max(np.abs(expected), initial=0.0)), 1e-300)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=floor, err_msg=what)


@pytest.mark.parametrize(("op", "seed", "index"), _all_cases(),
                         ids=lambda v: str(v))
def test_forward_and_every_vjp_equal_torch_autograd(op: str, seed: int, index: int) -> None:
    require_module("torch")
    import torch

    case = _cases(np.random.default_rng(seed))[index]
    assert case.op == op
    build = Builder()
    names = [f"a{i}" for i in range(len(case.args))]
    refs = [Ref(name, a.shape, "int" if i in case.ints else "float")
            for i, (name, a) in enumerate(zip(names, case.args, strict=True))]
    expr = build.op(op, *refs, **case.attrs)
    values = dict(zip(names, case.args, strict=True))
    forward = evaluate(expr, values)
    tensors = [torch.tensor(a, dtype=torch.long if i in case.ints else torch.float64,
                            requires_grad=i not in case.ints) for i, a in enumerate(case.args)]
    expected = torch_op(op, tensors, expr.attributes)
    _close(forward, expected.detach().numpy(), f"{op} forward")
    g = np.random.default_rng(seed + 100).normal(size=expr.shape)
    spec = OPS[op]
    for i, ref in enumerate(refs):
        if i in case.ints:
            assert spec.vjp(i) is None or ref.dtype == "int"
            continue
        built = vjp(expr, ref.name, Adj("Y", expr.shape), out=Ref("Y", expr.shape), builder=build)
        assert built is not None and built.shape == ref.shape
        got = evaluate(built, {**values, "Y": forward}, {"Y": g})
        (reference,) = torch.autograd.grad(expected, tensors[i], torch.tensor(g),
                                           retain_graph=True)
        _close(got, reference.numpy(), f"{op}: d/d{spec.params[min(i, len(spec.params) - 1)]}"
                                       f" = {built}")


def test_every_operation_a_formula_may_call_is_tested() -> None:
    formula_ops = {name for name, spec in OPS.items() if not spec.backward_only}
    assert formula_ops == set(_CASE_OPS)
    # every differentiable argument of each is covered by some case (concat: all three)
    assert {name for name, spec in OPS.items() if spec.backward_only} == {
        "outer", "slice", "unindex", "sum_to", "broadcast_to", "max_mask", "onehot",
        "scatter_add", "conv_transpose", "conv_weight", "pool_backward"}


def test_the_object_forward_equals_the_numeric_forward() -> None:
    rng = np.random.default_rng(5)
    cases = [c for c in _cases_without_torch(rng)]
    for op, args, attrs, ints in cases:
        refs = [Ref(f"a{i}", a.shape, "int" if i in ints else "float")
                for i, a in enumerate(args)]
        expr = Builder().op(op, *refs, **attrs)
        values = {f"a{i}": a for i, a in enumerate(args)}
        numeric = evaluate(expr, values)
        symbols = {f"a{i}": (a if i in ints else _symbols(f"a{i}", a.shape))
                   for i, a in enumerate(args)}
        lowered = evaluate(expr, symbols, backend=OBJECT)
        assert lowered.shape == numeric.shape, op
        substitution = {sympy.Symbol(f"a{i}_{j}", real=True): sympy.Float(float(v))
                        for i, a in enumerate(args) if i not in ints
                        for j, v in enumerate(a.ravel())}
        for entry, number in zip(lowered.ravel(), numeric.ravel(), strict=True):
            value = float(entry.xreplace(substitution).evalf(30))
            assert value == pytest.approx(float(number), rel=1e-12, abs=1e-12), op


def _symbols(name: str, shape: tuple[int, ...]) -> np.ndarray:
    flat = [sympy.Symbol(f"{name}_{j}", real=True) for j in range(int(np.prod(shape)))]
    return np.array(flat, dtype=object).reshape(shape)


def _cases_without_torch(rng: np.random.Generator) -> list[tuple[str, tuple[np.ndarray, ...],
                                                                 dict[str, Any], tuple[int, ...]]]:
    """Small instances of every forward operation (the object forward is slow)."""
    def n(*shape: int) -> np.ndarray:
        return rng.normal(size=shape)

    labels = rng.integers(0, 3, size=2)
    return [
        ("matmul", (n(2, 3), n(3, 2)), {}, ()),
        ("transpose", (n(2, 3),), {}, ()),
        ("reshape", (n(2, 3),), {"shape": (3, 2)}, ()),
        ("concat", (n(2, 1), n(2, 2)), {"axis": 1}, ()),
        ("index", (n(3, 2),), {"indices": (1,)}, ()),
        ("sum", (n(2, 3),), {"axis": 1}, ()),
        ("mean", (n(2, 3),), {}, ()),
        ("max", (n(2, 3),), {"axis": 0}, ()),
        ("var", (n(2, 3),), {"axis": 1, "ddof": 1}, ()),
        ("softmax", (n(2, 3),), {}, ()),
        ("log_softmax", (n(2, 3),), {}, ()),
        ("cross_entropy", (n(2, 3), labels), {}, (1,)),
        ("nll", (n(2, 3), labels), {}, (1,)),
        ("layer_norm", (n(2, 3), n(3), n(3)), {}, ()),
        ("batch_norm", (n(3, 2), n(2), n(2)), {}, ()),
        ("embedding", (n(3, 2), labels), {}, (1,)),
        ("conv1d", (n(1, 2, 4), n(2, 2, 2)), {"padding": 1}, ()),
        ("conv2d", (n(1, 1, 3, 3), n(1, 1, 2, 2)), {}, ()),
        ("max_pool", (n(1, 1, 4),), {"size": 2}, ()),
        ("avg_pool", (n(1, 1, 2, 4),), {"size": 2}, ()),
    ]


ELEMENTWISE_CASES = {
    "exp": "exp(x)", "log": "log(abs(x) + 1)", "sqrt": "sqrt(abs(x) + 1)", "abs": "abs(x)",
    "sin": "sin(x)", "cos": "cos(x)", "tan": "tan(x)", "tanh": "tanh(x)",
    "sigmoid": "sigmoid(x)", "relu": "relu(x)", "leaky_relu": "leaky_relu(x, 0.1)",
    "softplus": "softplus(x)", "erf": "erf(x)", "gelu": "gelu(x)",
    "gelu_tanh": "gelu_tanh(x)", "elu": "elu(x, alpha=0.7)", "silu": "silu(x)",
    "huber": "huber(x, delta=0.8)", "smooth_l1": "smooth_l1(x, beta=0.6)",
    "maximum": "maximum(x, c)", "minimum": "minimum(x, c)",
}


def test_every_elementwise_function_is_tested() -> None:
    assert set(ELEMENTWISE) == set(ELEMENTWISE_CASES)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_CASES))
def test_an_elementwise_function_and_its_vjp_equal_torch(name: str) -> None:
    require_module("torch")
    import torch

    rng = np.random.default_rng(sorted(ELEMENTWISE_CASES).index(name))
    x_value, c_value = rng.normal(size=(4, 3)), rng.normal(size=(3,))
    names = {"x": Ref("x", (4, 3)), "c": Ref("c", (3,))}
    expr = parse_tensor_formula(ELEMENTWISE_CASES[name], names)
    values = {"x": x_value, "c": c_value}
    x = torch.tensor(x_value, requires_grad=True)
    c = torch.tensor(c_value, requires_grad=True)
    expected = torch_evaluate(expr, {"x": x, "c": c})  # torch's own function of each name
    forward = evaluate(expr, values)
    _close(forward, expected.detach().numpy(), f"{name} forward")
    g = rng.normal(size=(4, 3))
    for wrt, tensor in (("x", x), ("c", c)):
        built = vjp(expr, wrt, Adj("Y", (4, 3)), out=Ref("Y", (4, 3)))
        if built is None:
            continue
        got = evaluate(built, {**values, "Y": forward}, {"Y": g})
        (reference,) = torch.autograd.grad(expected, tensor, torch.tensor(g), retain_graph=True)
        _close(got, reference.numpy(), f"d{name}/d{wrt} = {built}")


@st.composite
def _broadcast_pair(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast: a full shape, and one with leading axes dropped and some
    axes set to 1 (each side may be the smaller)."""
    full = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    dropped = draw(st.integers(0, len(full)))
    other = tuple(1 if draw(st.booleans()) else n for n in full[dropped:])
    return (full, other) if draw(st.booleans()) else (other, full)


BROADCAST_FORMULAS: dict[str, Callable[[Any, Any], Any]] = {
    "a*b": lambda a, b: a * b,
    "a + b": lambda a, b: a + b,
    "a/(b**2 + 1)": lambda a, b: a / (b**2 + 1),
    "tanh(a - b)": lambda a, b: (a - b).tanh(),
}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(_broadcast_pair(), st.sampled_from(sorted(BROADCAST_FORMULAS)))
def test_elementwise_vjps_sum_back_over_broadcast_axes(shapes: tuple[tuple[int, ...], ...],
                                                      formula: str) -> None:
    require_module("torch")
    import torch

    rng = np.random.default_rng(len(formula) + sum(map(len, shapes)))
    values = {"a": rng.normal(size=shapes[0]), "b": rng.normal(size=shapes[1])}
    names = {k: Ref(k, v.shape) for k, v in values.items()}
    expr = parse_tensor_formula(formula, names)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in values.items()}
    expected = BROADCAST_FORMULAS[formula](tensors["a"], tensors["b"])
    forward = evaluate(expr, values)
    _close(np.asarray(forward), expected.detach().numpy(), formula)
    g = rng.normal(size=expr.shape)
    for name in ("a", "b"):
        built = vjp(expr, name, Adj("Y", expr.shape), out=Ref("Y", expr.shape))
        assert built is not None and built.shape == names[name].shape
        got = evaluate(built, {**values, "Y": forward}, {"Y": g})
        (reference,) = torch.autograd.grad(expected, tensors[name], torch.tensor(g),
                                           retain_graph=True)
        _close(np.asarray(got), reference.numpy(), f"d({formula})/d{name}: {built}")
