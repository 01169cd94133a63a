"""Numbers for the graph's expressions: the one place where sympy expressions meet values.

The general way is :func:`evaluate`: a whole expression lambdified (cached by expression) and
applied to the values of its free symbols
(:meth:`~symbackprop.graph.computation.ComputationGraph.evaluate`); :func:`at_points` is the
same at every point of a batch, as one array.  Three fast paths, each kept because it pays on
the work of a command (``python benchmarks/fastpaths.py``, a [64, 64, 64, 10] softmax network;
the figures are in each one's Notes):

- :func:`direct_evaluator` compiles an expression into a function of ``{name: value}``: sums,
  products and integer powers as Python arithmetic, each function (``sigmoid``, ``exp``...)
  lambdified once whatever its argument.  :class:`ForwardPass` compiles every definition of a
  graph this way once and then computes every node's value
  (:meth:`~symbackprop.graph.computation.ComputationGraph.forward`), for scalars or for
  numpy arrays of points alike.
- :func:`evaluate_alike` compiles once per pattern of an expression, for the many alike local
  partials of a large derivation.
- :func:`number` walks a small expression (a local partial: a symbol or a short product) and
  computes it without compiling anything, handing the rest to :func:`evaluate`; the reverse
  sweep's adjoint values (:func:`symbackprop.calculus.sweep.gradients`) and the streamed path
  listings come from it.

They differ in the order of their floating-point operations (``number`` sums from ``0.0`` and
multiplies by a reciprocal where ``direct_evaluator`` divides; ``lambdify`` adds in its printed
order), so a value may differ in its last bits between them (198 of the 9,321 node values of
that network's forward pass differ from :func:`evaluate`'s).  Each caller uses one of them
throughout: which one is part of what it prints.

The numeric oracles of :mod:`symbackprop.numeric.oracles` (``matrix_backprop``,
``reverse_sweep``, ``finite_difference``) are independent of the symbolic derivation by design:
they are the correctness check.  They use only the forward values and whole-expression
:func:`evaluate` of their own ``sympy.diff`` partials, never :func:`number` or the textbook
local partials, and nothing here depends on them.

Examples
--------
>>> from symbackprop.naming import symbol
>>> a, b = symbol("a"), symbol("b")
>>> direct_evaluator(a * b + 1)({"a": 2.0, "b": 3.0})
7.0
>>> evaluate(sympy.exp(a - b), {"a": 1.0, "b": 1.0})
1.0
>>> number(a * (1 - b), {"a": 2.0, "b": 0.25})
1.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import sympy

from ..errors import DomainError, SpecError
from ..rules.functions import numeric_namespace, shielded
from .precision import as_mpf, is_precise

__all__ = ["Evaluator", "ForwardPass", "at_points", "direct_evaluator", "evaluate",
           "evaluate_alike", "lambdify", "number"]

Evaluator = Callable[[Mapping[str, Any]], Any]
"""A compiled expression: called with ``{name: value}``, it returns the expression's value."""


def direct_evaluator(expr: sympy.Expr) -> Evaluator:
    """``expr`` as a function of a ``{symbol name: value}`` mapping, compiled without printing
    the whole expression.

    Sums, products, integer powers, numbers and symbols become Python arithmetic on the values
    (floats, or numpy arrays broadcasting alike); a factor with a negative rational exponent is
    divided by, as ``lambdify`` prints it.  Only the rest is handed to :func:`lambdify`: a
    function application such as ``sigmoid(...)``, ``exp(...)`` or ``x**(1/2)`` is compiled
    once per function (its arguments with symbols replaced by placeholders, so
    ``sigmoid(a11)`` and ``sigmoid(a12)`` share one compiled ``sigmoid``) and applied to its
    arguments' values; an expression whose arguments are not all expressions (``Piecewise``)
    is compiled whole.

    Parameters
    ----------
    expr : sympy.Expr

    Returns
    -------
    Evaluator

    Notes
    -----
    Building is O(size of ``expr``) plus a ``lambdify`` per function not seen before; an
    evaluation is O(size of ``expr``) arithmetic.  Sums and products are taken in sympy's
    argument order, so a value may differ from ``lambdify``'s (whose order depends on its
    placeholder names) in the last bits.

    Why it is kept (``python benchmarks/fastpaths.py``): the forward pass of a [64, 64, 64, 10]
    softmax network, which every command runs, takes 79 ms from cold against 18.3 s with every
    definition lambdified by :func:`evaluate` (231x); again, as verify's finite differences
    run it, 7.9 ms against 161 ms (21x); at 1,000 points, as check's evidence runs it, 39 ms
    against 228 ms (5.9x).

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.naming import symbol
    >>> from symbackprop.rules.functions import sigmoid
    >>> a, b = symbol("a"), symbol("b")
    >>> f = direct_evaluator(2 * a / b + sigmoid(a - b))
    >>> float(f({"a": 1.0, "b": 1.0}))
    2.5
    >>> f({"a": np.array([1.0, 2.0]), "b": 1.0})
    array([2.5       , 4.73105858])
    """
    if expr.is_Symbol:
        return itemgetter(expr.name)
    if expr.is_Rational or expr.is_Float:
        number = float(expr)
        return lambda values: number
    if expr.is_Add:
        return _sum([direct_evaluator(term) for term in expr.args])
    if expr.is_Mul:
        return _product(expr)
    if expr.is_Pow and expr.exp.is_Integer:
        base = direct_evaluator(expr.base)
        # A negative exponent as a float, as lambdify prints it: numpy refuses an integer
        # array to a negative integer power.
        exponent: int | float = int(expr.exp) if expr.exp > 0 else float(expr.exp)
        return lambda values: base(values) ** exponent
    return _application(expr)


def _sum(terms: list[Evaluator]) -> Evaluator:
    first, rest = terms[0], terms[1:]

    def add(values: Mapping[str, Any]) -> Any:
        total = first(values)
        for term in rest:
            total = total + term(values)  # never +=: ``total`` may be a caller's array
        return total
    return add


def _product(expr: sympy.Mul) -> Evaluator:
    numerator: list[Evaluator] = []
    denominator: list[Evaluator] = []
    for factor in expr.args:
        if factor.is_Pow and factor.exp.is_Rational and factor.exp.is_negative:
            denominator.append(direct_evaluator(sympy.Pow(factor.base, -factor.exp)))
        else:
            numerator.append(direct_evaluator(factor))
    over = _plain_product(numerator)
    if not denominator:
        return over
    under = _plain_product(denominator)
    return lambda values: over(values) / under(values)


def _plain_product(factors: list[Evaluator]) -> Evaluator:
    if not factors:
        return lambda values: 1.0
    first, rest = factors[0], factors[1:]

    def multiply(values: Mapping[str, Any]) -> Any:
        total = first(values)
        for factor in rest:
            total = total * factor(values)  # never *=: ``total`` may be a caller's array
        return total
    return multiply


def _application(expr: sympy.Expr) -> Evaluator:
    """A function applied to arguments: the function compiled once (per pattern of literal
    arguments), the arguments evaluated directly; anything else compiled whole."""
    if all(isinstance(arg, sympy.Expr) for arg in expr.args):
        pattern = tuple(None if arg.free_symbols else arg for arg in expr.args)
        function = _compiled_function(expr.func, pattern)
        arguments = [direct_evaluator(arg) for arg in expr.args if arg.free_symbols]
        return lambda values: function(*(argument(values) for argument in arguments))
    symbols = tuple(sorted(expr.free_symbols, key=str))
    whole = _cached_lambdify(symbols, expr)
    names = [s.name for s in symbols]
    return lambda values: whole(*(values[name] for name in names))


_FUNCTION_CACHE: dict[tuple[Any, tuple[sympy.Expr | None, ...], bool], Any] = {}
_PLACEHOLDERS: list[sympy.Dummy] = []


def _compiled_function(func: Any, pattern: tuple[sympy.Expr | None, ...]) -> Any:
    """``func`` applied to ``pattern`` (``None`` marks an argument given at call time),
    lambdified once."""
    key = (func, pattern, is_precise())
    if key not in _FUNCTION_CACHE:
        if len(_FUNCTION_CACHE) > 20_000:
            _FUNCTION_CACHE.clear()
        while len(_PLACEHOLDERS) < len(pattern):
            _PLACEHOLDERS.append(sympy.Dummy(f"arg{len(_PLACEHOLDERS)}"))
        variables = _PLACEHOLDERS[:sum(arg is None for arg in pattern)]
        placeholders = iter(variables)
        args = [next(placeholders) if arg is None else arg for arg in pattern]
        _FUNCTION_CACHE[key] = lambdify(variables, func(*args))
    return _FUNCTION_CACHE[key]


def lambdify(args: Sequence[sympy.Symbol], expr: sympy.Expr, backend: str = "numpy") -> Any:
    """:func:`sympy.lambdify` with our function table; a node named like a function (``exp``,
    ``sigmoid``) or a constant is renamed first (:func:`~symbackprop.rules.functions.shielded`)
    so that it cannot shadow it in the generated code.

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.rules.functions import sigmoid
    >>> from symbackprop.naming import symbol
    >>> a = symbol("a")
    >>> f = lambdify([a], sigmoid(a))
    >>> float(f(0.0)), f(np.array([-1000.0, 1000.0]))
    (0.5, array([0., 1.]))
    """
    if is_precise():
        backend = "mpmath"
    args, expr = shielded(args, expr, backend)
    return sympy.lambdify(list(args), expr, modules=numeric_namespace(backend), dummify=True)


_LAMBDA_CACHE: dict[tuple[tuple[sympy.Symbol, ...], sympy.Expr, bool], Any] = {}


def _cached_lambdify(args: tuple[sympy.Symbol, ...], expr: sympy.Expr) -> Any:
    key = (args, expr, is_precise())
    if key not in _LAMBDA_CACHE:
        if len(_LAMBDA_CACHE) > 20_000:
            _LAMBDA_CACHE.clear()
        _LAMBDA_CACHE[key] = lambdify(args, expr)
    return _LAMBDA_CACHE[key]


_PATTERN_CACHE: dict[tuple[sympy.Expr, bool], Any] = {}
_REAL_PLACEHOLDERS: list[sympy.Dummy] = []


def evaluate_alike(expr: sympy.Expr, values: Mapping[str, Any]) -> Any:
    """:func:`evaluate`, compiled once per *pattern*: ``expr`` with its free symbols replaced
    by placeholders in order, so that ``yhat1*(1 - yhat1)`` and ``yhat2*(1 - yhat2)`` (the local
    partials of one kind across a wide layer) share one compiled function.  For the many small
    expressions of one derivation (its local partials); the placeholders are real, as node
    symbols are, so a pattern keeps its expression's structure.  The order in which the
    compiled code adds and multiplies may differ from :func:`evaluate`'s (lambdify's printed
    order depends on its placeholders), so a value may differ from it in the last bits.

    Notes
    -----
    Why it is kept (``python benchmarks/fastpaths.py``): the 880 local partials of
    ``derive --wrt w_1_1_1`` on a [64, 64, 64, 10] softmax network take 22 ms against 394 ms
    by :func:`evaluate` (18x), the whole derivation from reading the file 0.87 s against
    1.47 s (1.7x).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> h1, h2 = symbol("h1"), symbol("h2")
    >>> evaluate_alike(h1 * (1 - h1), {"h1": 0.5}), evaluate_alike(h2 * (1 - h2), {"h2": 0.25})
    (0.25, 0.1875)
    """
    args = sorted(expr.free_symbols, key=str)
    try:
        numbers = [values[str(a)] for a in args]
    except KeyError as err:
        raise SpecError(f"no value for {err.args[0]!r} in {expr}") from None
    while len(_REAL_PLACEHOLDERS) < len(args):
        _REAL_PLACEHOLDERS.append(sympy.Dummy(f"p{len(_REAL_PLACEHOLDERS)}", real=True))
    placeholders = _REAL_PLACEHOLDERS[:len(args)]
    pattern = expr.xreplace(dict(zip(args, placeholders, strict=True))) if args else expr
    key = (pattern, is_precise())
    if key not in _PATTERN_CACHE:
        if len(_PATTERN_CACHE) > 20_000:
            _PATTERN_CACHE.clear()
        _PATTERN_CACHE[key] = lambdify(placeholders, pattern)
    return _as_float(_PATTERN_CACHE[key](*numbers))


class ForwardPass:
    """Every node's value from the leaves', each definition compiled once by
    :func:`direct_evaluator` (on first use).

    Parameters
    ----------
    definitions : sequence of (str, sympy.Expr or None)
        Every node in topological order with its definition (``None`` for a leaf).
    constants : mapping of str to float
        Symbols that are not nodes, with their values (``nan`` when the caller must give one).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> a = symbol("a")
    >>> forward = ForwardPass([("a", None), ("b", 2 * a + symbol("k"))], {"k": 1.0})
    >>> forward({"a": 3.0})
    {'k': 1.0, 'a': 3.0, 'b': 7.0}
    >>> forward({"a": [1.0, 2.0]}, overrides={"b": 0.0})["b"]
    0.0
    >>> forward.missing({})
    ['a']
    """

    def __init__(self, definitions: Sequence[tuple[str, sympy.Expr | None]],
                 constants: Mapping[str, float]) -> None:
        self._definitions = tuple(definitions)
        self._constants = dict(constants)
        self._leaves = [name for name, definition in self._definitions if definition is None]
        self._evaluators: dict[bool, dict[str, Evaluator]] = {}

    def missing(self, values: Mapping[str, Any]) -> list[str]:
        """Leaves (and constants without a value) that ``values`` does not give."""
        missing = [name for name in self._leaves if name not in values]
        missing += [name for name, v in self._constants.items() if name not in values and
                    np.isnan(v)]
        return missing

    def __call__(self, values: Mapping[str, Any],
                 overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every node's value (and every known constant's), given the leaves' values; a node
        named in ``overrides`` takes that value instead of its definition's."""
        overrides = overrides or {}
        missing = self.missing(values)
        if missing:
            raise SpecError(f"no value given for {', '.join(missing)}")
        result: dict[str, Any] = {
            name: v for name, v in self._constants.items() if not np.isnan(v)}
        result.update({name: _as_float(v) for name, v in values.items()})
        mode = is_precise()
        if mode not in self._evaluators:  # compiled for float64, or for mpmath (precise)
            self._evaluators[mode] = {name: direct_evaluator(definition)
                                      for name, definition in self._definitions
                                      if definition is not None}
        evaluators = self._evaluators[mode]
        for name, definition in self._definitions:
            if name in overrides:
                result[name] = _as_float(overrides[name])
            elif name in evaluators:
                try:
                    result[name] = _as_float(evaluators[name](result))
                except _UNDEFINED as err:
                    raise _undefined(f"node {name!r} = {definition}", err) from None
        return result


_UNDEFINED = (ZeroDivisionError, OverflowError, FloatingPointError, ValueError)
"""What arithmetic raises outside a formula's domain (a float's ``1/0.0``, mpmath's ``log``
of a negative number, numpy's errors where they are raised)."""


def _undefined(what: str, err: Exception) -> DomainError:
    reason = ("division by zero" if isinstance(err, ZeroDivisionError) else
              "a number too large for a float" if isinstance(err, OverflowError) else str(err))
    return DomainError(f"{what} cannot be evaluated at these values: {reason}")


def evaluate(expr: sympy.Expr, values: Mapping[str, Any]) -> Any:
    """``expr`` at ``values`` (a value for each free symbol's name), lambdified whole.

    Raises
    ------
    SpecError
        Naming a free symbol that ``values`` does not give.

    Notes
    -----
    The compiled function is cached by expression (up to 20,000 of them).

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.naming import symbol
    >>> x = symbol("x")
    >>> evaluate(x**2 + 1, {"x": 2.0}), evaluate(x**2, {"x": np.array([1.0, 3.0])})
    (5.0, array([1., 9.]))
    """
    args = sorted(expr.free_symbols, key=str)
    try:
        numbers = [values[str(a)] for a in args]
    except KeyError as err:
        raise SpecError(f"no value for {err.args[0]!r} in {expr}") from None
    return _as_float(_cached_lambdify(tuple(args), expr)(*numbers))


def at_points(expr: sympy.Expr, values: Mapping[str, Any], points: int) -> np.ndarray:
    """``expr`` (anything :func:`sympy.sympify` reads) by :func:`evaluate` at every one of
    ``points`` points, as a new array of that length (a constant too); floating-point warnings
    are silenced (a random point may overflow).  Not a fast path: :func:`evaluate` itself, at
    a batch.

    Examples
    --------
    >>> import numpy as np
    >>> from symbackprop.naming import symbol
    >>> x = symbol("x")
    >>> at_points(2 * x, {"x": np.array([1.0, 2.0])}, 2), at_points(1, {}, 3)
    (array([2., 4.]), array([1., 1., 1.]))
    """
    with np.errstate(all="ignore"):
        result = evaluate(sympy.sympify(expr), values)
    return np.broadcast_to(np.asarray(result, dtype=float), (points,)).copy()


def number(expr: sympy.Expr, values: Mapping[str, Any]) -> Any:
    """``expr`` at ``values``, computed by walking it: nothing is compiled for a sum, a
    product, an integer power, a number or a symbol; anything else goes through
    :func:`evaluate`.

    Sums start from ``0.0`` and products from ``1.0``, in sympy's argument order.  Works on
    floats and on numpy arrays alike.

    Notes
    -----
    Why it is kept (``python benchmarks/fastpaths.py``): the 13,944 local partials of
    ``derive --wrt all`` on a [64, 64, 64, 10] softmax network take 5 ms against 2.1 s by
    :func:`evaluate`, which compiles each (the whole sweep from reading the file: 1.5 s against
    4.3 s, 2.9x); the 1,552 of ``paths --wrt w_1_1_1`` on a [32, 32, 32, 32, 10] one, 1.4 ms
    against 0.74 s.

    Raises
    ------
    DomainError
        Where ``expr`` is not defined at ``values`` (``-1/x**2`` at ``x = 0``).

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> h = symbol("h")
    >>> number(h * (1 - h), {"h": 0.5}), number(sympy.tanh(h) / 2, {"h": 0.0})
    (0.25, 0.0)
    """
    try:
        return _number(expr, values)
    except _UNDEFINED as err:
        raise _undefined(str(expr), err) from None


def _number(expr: sympy.Expr, values: Mapping[str, Any]) -> Any:
    if expr.is_Symbol:
        return values[expr.name]
    if expr.is_Number:
        return float(expr)
    if expr.is_Add:
        return sum((_number(arg, values) for arg in expr.args), 0.0)
    if expr.is_Mul:
        return math.prod((_number(arg, values) for arg in expr.args), start=1.0)
    if expr.is_Pow and expr.exp.is_Integer:
        return _number(expr.base, values) ** int(expr.exp)
    return evaluate(expr, values)


def _as_float(value: Any) -> Any:
    if is_precise():
        return as_mpf(value)
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array
