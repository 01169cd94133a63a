"""Tests of the safe formula parser: grammar, errors, limits, and that nothing is executed."""

from __future__ import annotations

import builtins
import io
import itertools
import os
import subprocess
import tokenize
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.errors import FormulaError, SpecError
from symbackprop.rules import formula
from symbackprop.rules.elementwise import elu, gelu, gelu_tanh, huber, smooth_l1
from symbackprop.rules.formula import free_names, parse_formula
from symbackprop.rules.functions import leaky_relu, relu, sigmoid, silu, softplus
from symbackprop.rules.vocabulary import ALLOWED_FUNCTIONS, FUNCTIONS

A, B, C, X, Y, Z = sympy.symbols("a b c x y z", real=True)
NAMES = {"a": A, "b": B, "c": C, "x": X, "y": Y, "z": Z}
WHERE = "examples/x.toml, [graph.nodes] e"

# An independent statement of the function table of docs/reference/problem-files.md, to check
# FUNCTIONS against.
REFERENCE: dict[str, Callable[..., sympy.Expr]] = {
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "tanh": sympy.tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softplus": softplus,
    "max": sympy.Max,
    "min": sympy.Min,
    "erf": sympy.erf,
    "gelu": gelu,
    "gelu_tanh": gelu_tanh,
    "elu": elu,
    "silu": silu,
    "huber": huber,
    "smooth_l1": smooth_l1,
}
# the functions of one argument only (elu, huber and smooth_l1 take one or two)
UNARY_FUNCTIONS = sorted(name for name in REFERENCE if name not in (
    "max", "min", "leaky_relu", "elu", "huber", "smooth_l1"))


def parse(text: str, **kwargs: Any) -> sympy.Expr:
    return parse_formula(text, NAMES, where=WHERE, **kwargs)


def assert_same(got: sympy.Expr, expected: sympy.Expr) -> None:
    assert got == expected or sympy.simplify(got - expected) == 0, f"{got} != {expected}"


def error_of(text: str, names: dict[str, sympy.Symbol] | None = None, **kwargs: Any) -> str:
    with pytest.raises(FormulaError) as info:
        parse_formula(text, NAMES if names is None else names, where=WHERE, **kwargs)
    message = str(info.value)
    assert message.startswith(WHERE)
    return message


# --- grammar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b*c", A + B * C),
        ("(a + b)*c", (A + B) * C),
        ("a - b - c", (A - B) - C),
        ("a - (b - c)", A - (B - C)),
        ("a / b / c", (A / B) / C),
        ("a / (b / c)", A / (B / C)),
        ("a / b * c", (A / B) * C),
        ("a * b ^ c", A * B**C),
        ("a + b ^ 2 * c", A + B**2 * C),
        ("-a^2", -(A**2)),
        ("(-a)^2", (-A) ** 2),
        ("-a*b", (-A) * B),
        ("-(a + b)", -(A + B)),
        ("--a", A),
        ("- + - a", A),
        ("+a", A),
        ("a*-b", A * (-B)),
        ("a - -b", A + B),
        ("a^b^c", A ** (B**C)),
        ("a**b**c", A ** (B**C)),
        ("a^b**c", A ** (B**C)),
        ("(a^b)^c", (A**B) ** C),
        ("2^-1", sympy.Rational(1, 2)),
        ("a^-b", A ** (-B)),
        ("a^-b^c", A ** (-(B**C))),
        ("a^+2", A**2),
        ("2*a^2 - 3*a + 1", 2 * A**2 - 3 * A + 1),
        ("((a))", A),
        (" a\t+\n b\r\n", A + B),
        ("sigmoid(x*a + b)", sigmoid(X * A + B)),
        ("exp(-a^2) / sqrt(2)", sympy.exp(-(A**2)) / sympy.sqrt(2)),
        ("max(a, b) - min(a, b)", sympy.Max(A, B) - sympy.Min(A, B)),
        ("log(exp(a))", A),
    ],
)
def test_grammar(text: str, expected: sympy.Expr) -> None:
    assert_same(parse(text), expected)


def test_unary_minus_binds_looser_than_power() -> None:
    assert parse("-a^2") != parse("(-a)^2")
    assert parse("-2^2") == -4


def test_division_is_multiplication_by_an_inverse() -> None:
    assert parse("a/b") == A * B**-1
    assert sympy.Pow(B, -1) in parse("a/b").args


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", sympy.Integer(0)),
        ("42", sympy.Integer(42)),
        ("007", sympy.Integer(7)),
        ("0.5", sympy.Rational(1, 2)),
        (".5", sympy.Rational(1, 2)),
        ("5.", sympy.Integer(5)),
        ("0.1", sympy.Rational(1, 10)),
        ("1e-3", sympy.Rational(1, 1000)),
        ("1e3", sympy.Integer(1000)),
        ("2.5E+4", sympy.Integer(25000)),
        ("1.25e-1", sympy.Rational(1, 8)),
    ],
)
def test_numbers_are_exact(text: str, expected: sympy.Rational) -> None:
    number = parse(text)
    assert number == expected
    assert number.is_Rational
    assert not number.atoms(sympy.Float)


def test_decimal_arithmetic_is_exact() -> None:
    assert parse("0.1 + 0.2") == sympy.Rational(3, 10)
    assert parse("0.1 * a").atoms(sympy.Number) == {sympy.Rational(1, 10)}


def test_names_are_the_callers_symbols() -> None:
    positive = sympy.Symbol("w_1", positive=True)
    result = parse_formula("w_1", {"w_1": positive})
    assert result is positive
    assert result != sympy.Symbol("w_1")


def test_identifiers_may_hold_underscores_and_digits() -> None:
    w1, x_2, b = sympy.symbols("w1 x_2 _b")
    assert parse_formula("w1 * x_2 + _b", {"w1": w1, "x_2": x_2, "_b": b}) == w1 * x_2 + b


def test_a_name_equal_to_a_function_name() -> None:
    node = sympy.Symbol("exp")
    assert parse_formula("exp + exp(a)", {"exp": node, "a": A}) == node + sympy.exp(A)


def test_a_defined_name_may_be_a_python_keyword() -> None:
    lam = sympy.Symbol("lambda")
    assert parse_formula("lambda * a", {"lambda": lam, "a": A}) == lam * A


def test_function_table_matches_the_spec() -> None:
    assert set(FUNCTIONS) == set(REFERENCE)
    assert tuple(sorted(REFERENCE)) == ALLOWED_FUNCTIONS
    for name, (func, least, most) in FUNCTIONS.items():
        assert func is REFERENCE[name]
        expected = {"max": (2, None), "min": (2, None), "leaky_relu": (2, 2), "elu": (1, 2),
                    "huber": (1, 2), "smooth_l1": (1, 2)}.get(name, (1, 1))
        assert (least, most) == expected
    with pytest.raises(TypeError):
        FUNCTIONS["eval"] = (sympy.exp, 1, 1)  # type: ignore[index]


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
def test_each_function(name: str) -> None:
    assert parse(f"{name}(a*x + 1)") == REFERENCE[name](A * X + 1)


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
@pytest.mark.parametrize("args", ["", "a, b", "a, b, c"])
def test_one_argument_functions_reject_other_counts(name: str, args: str) -> None:
    message = error_of(f"{name}({args})")
    given = len(args.split(",")) if args else 0
    assert f"{name}() takes exactly 1 argument ({given} given)" in message


def test_leaky_relu_takes_its_input_and_slope() -> None:
    assert parse("leaky_relu(a*x, 1/5)") == leaky_relu(A * X, sympy.Rational(1, 5))
    assert "leaky_relu() takes exactly 2 arguments (1 given)" in error_of("leaky_relu(a)")


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("args", [(A, B), (A, B, C), (A, B, C, X, sympy.Integer(2))])
def test_max_and_min_take_two_or_more(name: str, args: tuple[sympy.Expr, ...]) -> None:
    text = f"{name}({', '.join(str(arg) for arg in args)})"
    assert parse(text) == REFERENCE[name](*args)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("args", ["", "a"])
def test_max_and_min_reject_fewer_than_two(name: str, args: str) -> None:
    assert "takes at least 2 arguments" in error_of(f"{name}({args})")


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["empty formula"]),
        ("  \n\t", ["empty formula"]),
        ("q", ["undefined name 'q'", "defined names are: a, b, c, x, y, z"]),
        ("xx", ["undefined name 'xx'", "did you mean 'x'?"]),
        ("foo(a)", ["unknown function 'foo'", ", ".join(ALLOWED_FUNCTIONS)]),
        ("sigmod(a)", ["unknown function 'sigmod'", "did you mean 'sigmoid'?"]),
        ("a(2)", ["'a' is a name, not a function", "a*("]),
        ("exp + 1", ["'exp' is a function", "exp(...)"]),
        ("a.b", ["attribute access", "'.'"]),
        ("a.5", ["attribute access"]),
        ("().__class__", ["attribute access"]),
        ("5..real", ["attribute access"]),
        ("'a'", ["strings are not allowed"]),
        ('"a"', ["strings are not allowed"]),
        ("[1]", ["brackets and braces"]),
        ("{}", ["brackets and braces"]),
        ("a, b", ["','", "max(a, b)"]),
        ("(a, b)", ["','", "max(a, b)"]),
        ("lambda", ["Python keyword 'lambda'"]),
        ("lambda: 1", ["character ':'"]),
        ("x if y else z", ["Python keyword 'if'"]),
        ("a = 1", ["'='", "not an assignment"]),
        ("a == 1", ["'='"]),
        ("a; b", ["';'"]),
        ("a \\ b", ["backslash"]),
        ("a @ b", ["'@'", "'*'"]),
        ("a % b", ["character '%'", "formulas may contain"]),
        ("a # b", ["comments"]),
        ("a\u00b2", ["'\u00b2'", "U+00B2"]),
        ("a\x00", ["U+0000"]),
        ("__x", ["'__x'", "'__'"]),
        ("a__b", ["'a__b'", "'__'"]),
        ("2x", ["'2*x'", "implicit multiplication"]),
        ("2 (a+b)", ["'2*(a+b)'"]),
        ("a b", ["'a*b'"]),
        ("(a)(b)", ["'(a)*(b)'"]),
        ("a +", ["missing operand at the end"]),
        ("a ^", ["missing operand at the end"]),
        ("-", ["missing operand at the end"]),
        ("* a", ["missing operand before '*'"]),
        ("a * / b", ["missing operand before '/'"]),
        ("a // b", ["missing operand before '/'"]),
        ("a *** b", ["missing operand before '*'"]),
        ("(a", ["'(' is never closed", "column 1"]),
        ("((a)", ["'(' is never closed"]),
        ("exp(a", ["'(' is never closed", "column 4"]),
        ("a)", ["')' has no matching '('"]),
        ("()", ["empty parentheses"]),
        ("max(a,,b)", ["missing operand before ','"]),
        ("max(a, b,)", ["missing operand before ')'"]),
        ("1e5000", ["too large", "150 digits"]),
        ("1" * 151, ["too large"]),
        ("9^9^9^9", ["too large", "512 bits"]),
        ("(2^300)*(2^300)", ["too large"]),
        ("max(sqrt(-1), 1)", ["max"]),
    ],
)
def test_errors_say_where_and_what(text: str, fragments: list[str]) -> None:
    message = error_of(text)
    for fragment in fragments:
        assert fragment in message


def test_exact_numbers_are_bounded_but_usable() -> None:
    assert parse("2^511") == 2**511
    assert parse("1e-150") == sympy.Rational(1, 10**150)
    assert "512 bits" in error_of("2^512")
    assert "512 bits" in error_of("x * 2^300 * 2^300")  # a coefficient grown by sympy
    assert "512 bits" in error_of("sqrt(2^300 + 1) * sqrt(2^300 + 3)")  # radicands merged


def test_error_is_a_spec_error() -> None:
    assert issubclass(FormulaError, SpecError)


def test_error_points_at_the_column() -> None:
    message = error_of("a + q")
    lines = message.splitlines()
    assert "in formula 'a + q', column 5" in lines[0]
    assert lines[-2] == "    a + q"
    assert lines[-1] == "    " + "    ^"


def test_long_formula_is_quoted_in_part_with_the_caret_on_the_culprit() -> None:
    text = " + ".join(["a"] * 100) + " + q + " + " + ".join(["b"] * 100)
    lines = error_of(text).splitlines()
    assert len(lines[0]) < 400
    assert "..." in lines[-2]
    assert lines[-2][lines[-1].index("^")] == "q"


def test_multi_line_formula_keeps_the_caret_in_line() -> None:
    lines = error_of("a +\n\tq").splitlines()
    assert lines[-2][lines[-1].index("^")] == "q"
    assert "column 6" in lines[0]


def test_undefined_name_lists_at_most_twenty_names() -> None:
    names = {f"n{i:02d}": sympy.Symbol(f"n{i:02d}") for i in range(30)}
    message = error_of("q", names)
    assert "n00, n01" in message
    assert "n19 and 10 more" in message
    assert "n20" not in message


def test_undefined_name_with_no_names() -> None:
    assert "no names are defined" in error_of("a", {})


def test_long_names_are_shortened_in_messages() -> None:
    message = error_of("q" * 5000, max_length=10**6)
    assert len(message) < 1000


# --- limits ----------------------------------------------------------------------------------


def test_length_is_checked_before_anything_else() -> None:
    message = error_of("$" * 10**6)
    assert "1,000,000 characters long" in message
    assert "limit of 10,000" in message


def test_a_million_characters_fail_fast() -> None:
    assert "limit of 10,000" in error_of("a+" * 500_000)


def test_max_length_is_configurable() -> None:
    assert "limit of 4" in error_of("a + b", max_length=4)
    assert parse("a + b", max_length=5) == A + B


NESTINGS = {
    "parentheses": lambda n: "(" * n + "a" + ")" * n,
    "calls": lambda n: "exp(" * n + "a" + ")" * n,
    "signs": lambda n: "-" * n + "a",
    "powers": lambda n: "a^" * n + "a",
    "mixed": lambda n: "-(sqrt(" * (n // 3) + "a" + "))" * (n // 3),
}


@pytest.mark.parametrize("nesting", sorted(NESTINGS))
def test_nesting_up_to_max_depth_parses(nesting: str) -> None:
    assert isinstance(parse(NESTINGS[nesting](99)), sympy.Expr)


@pytest.mark.parametrize("nesting", ["parentheses", "calls", "signs", "powers"])
def test_nesting_past_max_depth_is_an_error(nesting: str) -> None:
    assert isinstance(parse(NESTINGS[nesting](100)), sympy.Expr)
    assert "nested more than 100 levels" in error_of(NESTINGS[nesting](101))


@pytest.mark.parametrize("nesting", sorted(NESTINGS))
def test_5000_deep_is_an_error_not_a_recursion_error(nesting: str) -> None:
    assert "nested more than 100 levels" in error_of(NESTINGS[nesting](5000), max_length=10**6)


@pytest.mark.parametrize("nesting", ["parentheses", "calls", "powers"])
def test_an_absurd_max_depth_still_gives_a_formula_error(nesting: str) -> None:
    error_of(NESTINGS[nesting](5000), max_length=10**6, max_depth=10**6)


def test_max_depth_is_configurable() -> None:
    assert "nested more than 1 levels" in error_of("((a))", max_depth=1)
    assert parse("((a))", max_depth=2) == A


# --- safety ----------------------------------------------------------------------------------

MALICIOUS = [
    "__import__('os').system('touch pwned')",
    "__import__",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "a.__class__",
    "a.__class__.__mro__",
    "lambda: 1",
    "exec('x')",
    "exec",
    "eval('1')",
    "eval(a)",
    "open('f')",
    "open(a)",
    "compile(a, b, c)",
    "getattr(a, b)",
    "globals()",
    "print(a)",
    "breakpoint()",
    "import os",
    "os.system('touch pwned')",
    '"a"',
    "f'{a}'",
    "[1]",
    "{}",
    "a[0]",
    "a; b",
    "a = 1",
    "x if y else z",
    "touch pwned",
    "$(touch pwned)",
    "`touch pwned`",
    "a\x00b",
    "\\x61",
]


class Tripwire:
    """Stands in for a dangerous callable and records that it was called."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(self.name)
        raise RuntimeError(f"{self.name} called while parsing a formula")


class ImportTripwire(Tripwire):
    """Lets sympy import its own modules lazily, as it does inside Max; trips on anything else."""

    def __init__(self, calls: list[str]) -> None:
        super().__init__("__import__", calls)
        self.original = builtins.__import__

    def __call__(self, name: str, namespace: Any = None, *args: Any, **kwargs: Any) -> Any:
        package = (namespace or {}).get("__package__") or ""
        if name.partition(".")[0] in ("sympy", "mpmath") or package.startswith("sympy"):
            return self.original(name, namespace, *args, **kwargs)
        return super().__call__(name)


DANGEROUS = [
    *((builtins, name) for name in ("eval", "exec", "compile", "open", "breakpoint", "input")),
    (os, "system"),
    (os, "popen"),
    (subprocess, "Popen"),
]


def parse_under_tripwires(text: str, parser: Callable[[str], object]) -> tuple[object, list[str]]:
    """Parse with eval, exec, compile, open, __import__ and shells replaced by tripwires.

    Plain setattr rather than monkeypatch, whose own code imports while patching.
    """
    calls: list[str] = []
    saved = [(owner, name, getattr(owner, name)) for owner, name in DANGEROUS]
    saved.append((builtins, "__import__", builtins.__import__))
    outcome: object
    try:
        for owner, name in DANGEROUS:
            setattr(owner, name, Tripwire(name, calls))
        builtins.__import__ = ImportTripwire(calls)
        try:
            outcome = parser(text)
        except FormulaError as err:
            outcome = err
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
    return outcome, calls


@pytest.mark.parametrize("text", MALICIOUS)
def test_malicious_formulas_are_refused_and_nothing_runs(
    text: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    outcome, calls = parse_under_tripwires(text, lambda t: parse_formula(t, NAMES, where=WHERE))
    assert isinstance(outcome, FormulaError)
    assert str(outcome).startswith(WHERE)
    assert calls == []
    assert not (tmp_path / "pwned").exists()
    outcome, calls = parse_under_tripwires(text, free_names)
    assert calls == []
    if text != "exec":  # a bare name is fine syntax; parse_formula reports it as undefined
        assert isinstance(outcome, FormulaError)


def test_valid_formulas_parse_without_any_dangerous_call() -> None:
    text = "sigmoid(a*x + b) * max(a, b, 0.5) + log(2)^-1 - relu(c)/softplus(z)"
    outcome, calls = parse_under_tripwires(text, lambda t: parse_formula(t, NAMES, where=WHERE))
    assert calls == []
    assert isinstance(outcome, sympy.Expr)


def test_the_parser_source_never_calls_an_evaluator() -> None:
    source = Path(formula.__file__).read_text(encoding="utf-8")
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    used = {token.string for token in tokens if token.type == tokenize.NAME}
    forbidden = {"eval", "exec", "sympify", "parse_expr", "lambdify", "__import__", "ast"}
    assert not used & forbidden
    assert not used & {"getattr", "globals", "locals", "vars", "open"}
    calls = {a.string for a, b in itertools.pairwise(tokens) if b.string == "("}
    assert not calls & {"Symbol", "symbols", "Dummy", "S"}  # names come from the caller


# --- free_names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", {"a"}),
        ("exp(a) + b*c", {"a", "b", "c"}),
        ("max(a, b, c) / d_1", {"a", "b", "c", "d_1"}),
        ("exp + log(exp)", {"exp"}),
        ("2 + 3.5e-1", set()),
        ("sigmoid(w*x + b)", {"w", "x", "b"}),
    ],
)
def test_free_names(text: str, expected: set[str]) -> None:
    assert free_names(text) == frozenset(expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a.b", "attribute access"),
        ("'a'", "strings"),
        ("a +", "missing operand"),
        ("foo(a)", "unknown function 'foo'"),
        ("(a", "never closed"),
        ("__x", "'__'"),
        ("2x", "'2*x'"),
        ("", "empty"),
    ],
)
def test_free_names_errors(text: str, fragment: str) -> None:
    with pytest.raises(FormulaError, match=r"^examples/x\.toml") as info:
        free_names(text, where=WHERE)
    assert fragment in str(info.value)


def test_free_names_limits() -> None:
    with pytest.raises(FormulaError, match="limit of 3"):
        free_names("a + b", max_length=3)
    with pytest.raises(FormulaError, match="nested more than 100"):
        free_names("(" * 200 + "a" + ")" * 200)


# --- properties ------------------------------------------------------------------------------

# A tree is a tuple: ("name", n), ("num", text), ("neg" | "pos", child), ("bin", op, left, right),
# ("pow", base, exponent, spelling) or ("call", function, args).  Precedence: atoms 5, power 4,
# signs 3, * and / 2, + and - 1.

Tree = tuple[Any, ...]
LEAF_NAMES = ["a", "b", "x"]
leaves = st.one_of(
    st.sampled_from(LEAF_NAMES).map(lambda n: ("name", n)),
    st.integers(0, 9).map(lambda k: ("num", str(k))),
    st.sampled_from(["0.5", "2.5", ".25", "1e-1", "3.", "1.5E+1"]).map(lambda t: ("num", t)),
)
small_exponents = st.one_of(
    leaves.filter(lambda leaf: leaf[0] == "name" or leaf[1] in "0123"),
    st.sampled_from(["1", "2", "3"]).map(lambda t: ("neg", ("num", t))),
    st.sampled_from(LEAF_NAMES).map(lambda n: ("pow", ("name", n), ("num", "2"), "^")),
)


def branches(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), children, children),
        st.tuples(st.just("pow"), children, small_exponents, st.sampled_from(["^", "**"])),
        st.tuples(st.sampled_from(["neg", "pos"]), children),
        st.tuples(st.just("call"), st.sampled_from(UNARY_FUNCTIONS), st.tuples(children)),
        st.tuples(
            st.just("call"),
            st.sampled_from(["max", "min"]),
            st.lists(children, min_size=2, max_size=3),
        ),
    )


trees = st.recursive(leaves, branches, max_leaves=12)
SYMBOLS = {"a": A, "b": B, "x": X}
PRECEDENCE = {"name": 5, "num": 5, "call": 5, "pow": 4, "neg": 3, "pos": 3}
BINARY: dict[str, Callable[[sympy.Expr, sympy.Expr], sympy.Expr]] = {
    "+": lambda p, q: p + q,
    "-": lambda p, q: p - q,
    "*": lambda p, q: p * q,
    "/": lambda p, q: p / q,
}


def precedence(tree: Tree) -> int:
    if tree[0] == "bin":
        return 1 if tree[1] in "+-" else 2
    return PRECEDENCE[tree[0]]


def build(tree: Tree) -> sympy.Expr:
    """The expression a tree stands for, built with sympy directly."""
    kind = tree[0]
    if kind == "name":
        return SYMBOLS[tree[1]]
    if kind == "num":
        return sympy.Rational(tree[1])
    if kind in ("neg", "pos"):
        return -build(tree[1]) if kind == "neg" else +build(tree[1])
    if kind == "bin":
        return BINARY[tree[1]](build(tree[2]), build(tree[3]))
    if kind == "pow":
        return build(tree[1]) ** build(tree[2])
    return REFERENCE[tree[1]](*(build(arg) for arg in tree[2]))


def full_text(tree: Tree) -> str:
    """The tree as text with every subexpression in parentheses."""
    kind = tree[0]
    if kind in ("name", "num"):
        return tree[1]
    if kind in ("neg", "pos"):
        return f"({'-' if kind == 'neg' else '+'}{full_text(tree[1])})"
    if kind == "bin":
        return f"({full_text(tree[2])} {tree[1]} {full_text(tree[3])})"
    if kind == "pow":
        return f"({full_text(tree[1])}{tree[3]}{full_text(tree[2])})"
    return f"{tree[1]}({', '.join(full_text(arg) for arg in tree[2])})"


def tight_text(tree: Tree) -> str:
    """The tree as text with only the parentheses precedence and associativity need."""

    def wrap(child: Tree, needed: bool) -> str:
        return f"({tight_text(child)})" if needed else tight_text(child)

    kind = tree[0]
    if kind in ("name", "num"):
        return tree[1]
    if kind in ("neg", "pos"):
        return ("-" if kind == "neg" else "+") + wrap(tree[1], precedence(tree[1]) < 3)
    if kind == "bin":
        own = precedence(tree)
        left = wrap(tree[2], precedence(tree[2]) < own)
        right = wrap(tree[3], precedence(tree[3]) <= own)  # a-(b-c), a/(b*c) keep theirs
        return f"{left}{tree[1]}{right}"
    if kind == "pow":
        return f"{wrap(tree[1], precedence(tree[1]) <= 4)}^{wrap(tree[2], precedence(tree[2]) < 3)}"
    return f"{tree[1]}({','.join(tight_text(arg) for arg in tree[2])})"


def names_in(tree: Tree) -> set[str]:
    kind = tree[0]
    if kind in ("name", "num"):
        return {tree[1]} if kind == "name" else set()
    parts = tree[2] if kind == "call" else [part for part in tree[1:] if isinstance(part, tuple)]
    return set().union(*(names_in(part) for part in parts))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(trees)
def test_parsing_printed_trees_gives_the_tree(tree: Tree) -> None:
    try:
        expected = build(tree)
    except (ValueError, TypeError):  # e.g. max(I, 1): sympy refuses, so must the parser
        for text in (full_text(tree), tight_text(tree)):
            with pytest.raises(FormulaError):
                parse_formula(text, SYMBOLS)
        return
    for text in (full_text(tree), tight_text(tree)):
        assert parse_formula(text, SYMBOLS) == expected, text
        assert free_names(text) == names_in(tree)


ALPHABET = [*"abx+-*/^().,0123456789eE_ \t\n'\"[]{}=;:@#\\!%&|<>~$`", "exp(", "max(", "**"]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(ALPHABET) | st.characters(), max_size=30).map("".join))
def test_any_text_gives_an_expression_or_a_formula_error(text: str) -> None:
    try:
        result = parse_formula(text, SYMBOLS, where=WHERE)
    except FormulaError as err:
        assert str(err).startswith(WHERE)
    else:
        assert isinstance(result, sympy.Expr)
