"""The matrix grammar: precedence, broadcasting, attributes, names, and its messages.

Values are checked by evaluating the IR against numpy's own reading of the same formula;
messages are checked for what they must name (the node, the formula, the column, the
operation, the shapes).
"""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop.errors import FormulaError, SpecError
from symbackprop.rules.tensor.evaluate import evaluate
from symbackprop.rules.tensor.expr import Map, Op, Ref
from symbackprop.rules.tensor.grammar import (
    TENSOR_CALLS,
    parse_tensor_formula,
    tensor_free_names,
)

RNG = np.random.default_rng(3)
VALUES = {
    "X": RNG.normal(size=(4, 3)), "W": RNG.normal(size=(3, 5)), "b": RNG.normal(size=5),
    "v": RNG.normal(size=3), "s": np.array(1.7), "y": np.array([0, 2, 1, 1]),
    "exp": RNG.normal(size=(4, 3)), "pi": np.array(0.25), "T": RNG.normal(size=(2, 4, 3)),
}
NAMES = {name: Ref(name, value.shape, "int" if name == "y" else "float")
         for name, value in VALUES.items()}
WHERE = "f.toml: [tensor.nodes] Z"


def value(text: str, names: dict[str, Ref] | None = None) -> np.ndarray:
    return evaluate(parse_tensor_formula(text, names or NAMES, where=WHERE), VALUES)


def error(text: str, names: dict[str, Ref] | None = None) -> str:
    with pytest.raises(FormulaError) as info:
        parse_tensor_formula(text, names or NAMES, where=WHERE)
    message = str(info.value)
    assert message.startswith(WHERE + ": in formula")
    return message


X, W, b, v, s, T = (VALUES[k] for k in ("X", "W", "b", "v", "s", "T"))


@pytest.mark.parametrize(("text", "expected"), [
    ("X @ W + b", X @ W + b),
    ("X @ W * 2", (X @ W) * 2),                 # '@' binds like '*', left to right
    ("2 * X @ W", (2 * X) @ W),
    ("-X**2", -(X**2)),                          # a power binds tighter than a sign
    ("abs(X)**2**0.5", np.abs(X) ** (2**0.5)),   # right-associative
    ("X^2 - 1/2", X**2 - 0.5),
    ("X.T @ X", X.T @ X),
    ("(X @ W).T", (X @ W).T),
    ("X[1] * v", X[1] * v),                      # (3,) * (3,)
    ("X[-1, 0] + s", X[-1, 0] + s),
    ("T[1].T", T[1].T),
    ("X * v", X * v),                            # (4, 3) * (3,) broadcasts
    ("X / s - v", X / s - v),
    ("v @ v", v @ v),
    ("sum(X, axis=0) + v", X.sum(0) + v),
    ("sum(X, 1, True) * X", X.sum(1, keepdims=True) * X),
    ("mean(T, (0, 2))", T.mean((0, 2))),
    ("max(X, axis=1)", X.max(1)),
    ("var(X, 0)", X.var(0)),
    ("var(X, 0, ddof=1)", X.var(0, ddof=1)),
    ("reshape(T, shape=(8, -1))", T.reshape(8, -1)),
    ("transpose(T, axes=(2, 0, 1))", T.transpose(2, 0, 1)),
    ("concat(X, X, axis=0)", np.concatenate([X, X], 0)),
    ("maximum(X, 0) - relu(X)", np.zeros((4, 3))),
    ("exp(exp)", np.exp(VALUES["exp"])),         # a node named like a function
    ("pi * X", 0.25 * X),                        # a declared name wins over the constant
    ("e * X", np.e * X),
    ("dropout(X, exp, p=0.5)", X * VALUES["exp"] / 0.5),
])
def test_a_formula_means_what_numpy_means(text: str, expected: np.ndarray) -> None:
    np.testing.assert_allclose(value(text), expected, rtol=1e-13, atol=1e-13)


def test_pi_is_the_constant_unless_declared() -> None:
    names = {k: r for k, r in NAMES.items() if k != "pi"}
    np.testing.assert_allclose(value("pi * X", names), np.pi * X)


def test_elementwise_functions_fuse_into_one_map() -> None:
    expr = parse_tensor_formula("tanh(X @ W + b) * 2 - 1", NAMES)
    assert isinstance(expr, Map) and len([a for a in expr.args if isinstance(a, Op)]) == 1
    assert {type(a).__name__ for a in expr.args} == {"Op", "Ref"}


def test_every_call_the_docs_list_is_allowed() -> None:
    for name in ("softmax", "log_softmax", "cross_entropy", "nll", "layer_norm", "batch_norm",
                 "conv1d", "conv2d", "max_pool", "avg_pool", "embedding", "concat", "reshape",
                 "transpose", "dropout", "sum", "mean", "max", "var", "gelu", "gelu_tanh",
                 "elu", "silu", "huber", "smooth_l1", "erf", "maximum", "minimum", "exp", "log",
                 "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "leaky_relu",
                 "softplus"):
        assert name in TENSOR_CALLS


def test_free_names_skip_functions_and_attribute_values() -> None:
    assert tensor_free_names("cross_entropy(Z @ W, y, reduction=sum) + exp(pi)") == {
        "Z", "W", "y", "pi"}
    assert tensor_free_names("max(X, axis=1, keepdims=True) * mean") == {"X", "mean"}


@pytest.mark.parametrize(("text", "fragments"), [
    ("X @ X", ["column 3", "'@' (matmul)", "(4, 3) and (4, 3)", "inner dimensions differ"]),
    ("X + W", ["column 3", "'+' cannot broadcast", "(4, 3) and (3, 5)"]),
    ("X * b", ["'*' cannot broadcast", "(4, 3) and (5,)"]),
    ("sum(X, axis=2)", ["sum", "axis 2 is out of range", "rank 2"]),
    ("softmax(X, dim=1)", ["softmax() has no attribute 'dim'", "axis"]),
    ("max(X, W)", ["maximum(a, b)"]),
    ("cross_entropy(X, v)", ["cross_entropy", "(4, 3) and (3,)", "class indices"]),
    ("cross_entropy(X, X[0])", ["(3,)"]),
    ("embedding(W, v)", ["embedding", "idx v must hold integers"]),
    ("reshape(X, shape=(5, 5))", ["reshape", "(4, 3)", "(5, 5)"]),
    ("X[4]", ["index 4 is out of range", "(4, 3)"]),
    ("X[0, 0, 0]", ["3 indices", "(4, 3)"]),
    ("layer_norm(X, W, W)", ["layer_norm", "(3, 5)"]),
    ("conv1d(X, X)", ["conv1d", "(N, C, L)"]),
    ("q * X", ["undefined name 'q'", "defined names are"]),
    ("Xx * 2", ["did you mean 'X'"]),
    ("tanh", ["'tanh' is a function"]),
    ("W(X)", ["'W' is a name, not a function"]),
    ("foo(X)", ["unknown function 'foo'"]),
    ("soft_max(X)", ["did you mean 'softmax'"]),
    ("X.shape", ["attribute access", ".T"]),
    ("X.__class__", ["attribute access"]),
    ("__import__('os')", ["'__'"]),
    ("X; import os", ["';' is not allowed"]),
    ("'X'", ["strings are not allowed"]),
    ("x{t}", ["braces are not allowed"]),
    ("X @", ["missing operand at the end"]),
    ("X W", ["missing operator before 'W'"]),
    ("(X", ["never closed"]),
    ("X)", ["no matching '('"]),
    ("sum(X, axis=0, axis=1)", ["given twice"]),
    ("sum(axis=0, X)", ["positional argument after a keyword"]),
    ("sum(X, keepdims=yes)", ["keepdims"]),
    ("cross_entropy(X @ W, y, reduction=average)", ["reduction", "mean, sum, none"]),
    ("dropout(X, exp, 1)", ["below 1"]),
    ("(1, 2)", ["a tuple is only an attribute's value"]),
    ("True * X", ["only an attribute's value"]),
    ("lambda * X", ["only an attribute's value"]),
    ("2**2**2**2**2**2", ["power too large"]),
    ("1e400 * X", ["too large", "SYMBACKPROP_MAX_NUMBER_DIGITS"]),
    ("(" * 120 + "X" + ")" * 120, ["nested more than 100", "SYMBACKPROP_MAX_FORMULA_DEPTH"]),
    ("X" + " + X" * 5000, ["characters long", "SYMBACKPROP_MAX_FORMULA_LENGTH"]),
])
def test_an_error_names_the_node_the_formula_and_what_is_wrong(text: str,
                                                              fragments: list[str]) -> None:
    message = error(text)
    for fragment in fragments:
        assert fragment in message, message


def test_a_shape_past_the_limits_is_refused_before_it_is_computed() -> None:
    names = {"a": Ref("a", (1, 100_000)), "c": Ref("c", (100_000, 1))}
    with pytest.raises(SpecError) as info:
        parse_tensor_formula("c @ a", names, where=WHERE)  # (1e5, 1e5): 1e10 entries
    message = str(info.value)
    assert WHERE in message and "matmul has shape (100000, 100000)" in message
    assert "SYMBACKPROP_MAX_TENSOR_ENTRIES" in message
    with pytest.raises(SpecError, match="SYMBACKPROP_MAX_TENSOR_ENTRIES"):
        parse_tensor_formula("c * a", names, where=WHERE)  # broadcasting to 1e10 entries


def test_integer_labels_stay_integers_through_layout_operations() -> None:
    names = {"Y": Ref("Y", (3, 4), "int"), "Z": Ref("Z", (4, 5))}
    expr = parse_tensor_formula("cross_entropy(Z, Y[0])", names)
    assert isinstance(expr, Op) and expr.args[1].dtype == "int"
