"""Deciding whether two derivative expressions are the same function.

``sympy.simplify(a - b) == 0`` is the textbook test but is slow, and can take minutes, on the
expressions backprop produces (nested sigmoids, softmax quotients, powers of powers).  Both sides
of our comparisons are built from the same node definitions, so every transcendental
subexpression (``sigmoid(w*x + b)``, ``exp(a21)``, ``log(yhat1)``) occurs on both sides in the
same canonical form.  :func:`equivalent` therefore

1. replaces each outermost function application, and each root, by a fresh symbol (splitting
   exponentials so that ``exp(2*a)`` and ``exp(-a)`` are powers of one symbol): what is left is
   a rational function of independent symbols;
2. decides whether that rational function is zero by evaluating it in exact rational arithmetic
   at random integer points (the Schwartz-Zippel test: a nonzero rational function of degree
   ``d`` vanishes at a random point of ``[1, N]^n`` with probability at most ``d/N``; with
   ``N = 2**61`` and three points, a false "equal" has probability below ``(d/N)**3``);
3. when the skeleton is not zero (the two sides may still agree through an identity between the
   functions, such as ``tanh`` against ``exp``), tries ``sympy.simplify`` within a size bound.

A "different" answer from step 2 is exact: a nonzero value at a point is a certificate.

Examples
--------
>>> import sympy
>>> from symbackprop.rules.functions import sigmoid
>>> x = sympy.Symbol("x", real=True)
>>> s = sigmoid(2 * x)
>>> equivalent(s * (1 - s) / (1 + s), (s - s**2) / (s + 1))
True
>>> equivalent(s * (1 - s), s)
False
>>> equivalent(sympy.exp(2 * x) / sympy.exp(x), sympy.exp(x))
True
"""

from __future__ import annotations

import random

import sympy

__all__ = ["SIMPLIFY_LIMIT", "equivalent", "rational_skeleton"]

SIMPLIFY_LIMIT = 300
"""The fallback ``sympy.simplify`` is tried only on differences up to this many operations."""

_POINTS = 3
_RANGE = 2**61


def rational_skeleton(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each outermost function application and root replaced by a symbol.

    Exponentials are split first: ``exp(k*u + v)`` becomes ``E_u**k * E_v``, so that
    ``exp(2*a)``, ``exp(-a)`` and ``exp(a)`` are powers of one symbol; ``u**(p/q)`` becomes
    ``R**p`` with ``R`` standing for ``u**(1/q)``.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> x = symbol("x")
    >>> rational_skeleton(sympy.exp(2*x) + sympy.exp(-x) + sympy.sqrt(x)**3 + sympy.sin(x))
    _f0**2 + _f1 + _f2**3 + 1/_f0
    >>> rational_skeleton(sympy.exp(2*x) - sympy.exp(x)**2)
    0
    """
    symbols: dict[object, sympy.Dummy] = {}

    def atom(key: object) -> sympy.Dummy:
        return symbols.setdefault(key, sympy.Dummy(f"f{len(symbols)}"))

    def exponential(application: sympy.exp) -> sympy.Expr:
        parts = []
        for term in sympy.Add.make_args(application.args[0]):
            coefficient, rest = term.as_coeff_Mul()
            if coefficient.is_Rational:
                parts.append(atom(("exp", rest)) ** coefficient)
            else:
                parts.append(atom(("exp", term)))
        return sympy.Mul(*parts)

    def root(power: sympy.Pow) -> sympy.Expr:
        base, exponent = power.args
        return atom(("root", base, exponent.q)) ** exponent.p

    mapping: dict[sympy.Expr, sympy.Expr] = {}
    for application in sorted(expr.atoms(sympy.Function), key=sympy.default_sort_key):
        is_exp = isinstance(application, sympy.exp)
        mapping[application] = exponential(application) if is_exp else atom(application)
    skeleton = expr.xreplace(mapping)
    roots = [p for p in skeleton.atoms(sympy.Pow)
             if p.exp.is_Rational and not p.exp.is_Integer]
    return skeleton.xreplace({p: root(p) for p in roots})


def _vanishes(skeleton: sympy.Expr, seed: int) -> bool:
    """Whether the rational function ``skeleton`` is zero at random integer points."""
    generator = random.Random(seed)
    symbols = sorted(skeleton.free_symbols, key=sympy.default_sort_key)
    tried = 0
    for _ in range(4 * _POINTS):
        point = {s: sympy.Integer(generator.randrange(1, _RANGE)) for s in symbols}
        value = skeleton.xreplace(point)
        if value.has(sympy.zoo, sympy.nan) or not value.is_Number:
            continue  # a pole at this point (or not rational): try another
        if value != 0:
            return False
        tried += 1
        if tried == _POINTS:
            return True
    return False


def equivalent(a: sympy.Expr, b: sympy.Expr, *, seed: int = 0,
               simplify_limit: int = SIMPLIFY_LIMIT) -> bool:
    """Whether ``a`` and ``b`` are identical as functions.

    Returns ``False`` when no method shows the identity.  ``simplify_limit`` bounds the
    fallback ``sympy.simplify`` (in operations of the difference; 0: not tried).

    Notes
    -----
    The main test costs a few exact evaluations of the expression tree (no expansion), so it is
    linear in the size of the expressions up to the cost of big-integer arithmetic; ``simplify``
    (which can be exponential) runs only below :data:`SIMPLIFY_LIMIT` operations.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> equivalent(sympy.sin(x)**2 + sympy.cos(x)**2, sympy.S.One), equivalent(x, 2*x)
    (True, False)
    >>> equivalent(sympy.sin(x)**2 + sympy.cos(x)**2, sympy.S.One, simplify_limit=0)
    False
    """
    difference = sympy.sympify(a - b)
    if difference == 0:
        return True
    if _vanishes(rational_skeleton(difference), seed):
        return True
    if simplify_limit > 0 and sympy.count_ops(difference) <= simplify_limit:
        return bool(sympy.simplify(difference) == 0)
    return False
