"""Formula text from a sympy expression: what the safe parser (:mod:`.formula`) reads back.

A graph built in Python (or imported from a model) is written to a problem file as formulas,
and a formula must read back as the expression it came from.  :func:`formula_text` prints only
what the grammar has (numbers, names, ``+ - * / **``, parentheses and the functions of
:data:`~symbackprop.rules.vocabulary.FUNCTIONS`) and refuses anything else by name, rather than
writing text the parser would reject or read differently.

Examples
--------
>>> import sympy
>>> from symbackprop.naming import symbol
>>> from symbackprop.rules.functions import sigmoid
>>> a, b = symbol("a"), symbol("b")
>>> formula_text(sympy.Abs(a) + sympy.Max(a, b) - sigmoid(b) / 2)
'abs(a) - sigmoid(b)/2 + max(a, b)'
>>> formula_text(sympy.exp(1) * a)
'exp(1)*a'
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.printing.str import StrPrinter

from ..errors import SpecError
from .vocabulary import ALLOWED_FUNCTIONS, FUNCTIONS

__all__ = ["formula_text", "unwritable"]

# sympy's class name of each function of the grammar (``abs`` is sympy's ``Abs``, ...).
_SYMPY_NAMES = {getattr(func, "__name__", name): name for name, (func, _, _) in FUNCTIONS.items()}
_SYMPY_NAMES.update({"Abs": "abs", "Max": "max", "Min": "min"})


class _FormulaPrinter(StrPrinter):
    """sympy's ``str`` printer, with the grammar's spelling of functions and numbers."""

    def _print_Function(self, expr: Any) -> str:
        name = _SYMPY_NAMES[type(expr).__name__]
        return f"{name}({', '.join(self._print(arg) for arg in expr.args)})"

    _print_Abs = _print_Function
    _print_Max = _print_Function
    _print_Min = _print_Function

    def _print_Exp1(self, expr: Any) -> str:
        return "exp(1)"

    def _print_Float(self, expr: Any) -> str:
        return repr(float(expr))


def unwritable(expr: sympy.Expr) -> str | None:
    """What in ``expr`` a formula cannot hold (a function, a constant, a kind of number), or
    ``None`` when all of it can be written.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> unwritable(sympy.sinh(x)), unwritable(sympy.pi * x), unwritable(x**2)
    ("the function 'sinh'", "the constant 'pi'", None)
    """
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Symbol):
            if isinstance(node, sympy.Dummy):
                return f"the dummy symbol {node}"
            continue
        if isinstance(node, sympy.Float):
            if not node.is_finite:
                return f"the number {node}"
            continue
        if node is sympy.E or isinstance(node, sympy.Rational | sympy.Add | sympy.Mul | sympy.Pow):
            continue
        if isinstance(node, sympy.Function | sympy.Max | sympy.Min):
            name = type(node).__name__
            if name not in _SYMPY_NAMES:
                return f"the function {name!r}"
            continue
        if isinstance(node, sympy.NumberSymbol | sympy.Number) or node.is_number:
            return f"the constant {str(node)!r}"
        return f"{type(node).__name__} ({node})"
    return None


def formula_text(expr: sympy.Expr, *, where: str = "formula") -> str:
    """``expr`` as formula text that :func:`~symbackprop.rules.formula.parse_formula` reads
    back as ``expr``.

    A float is written as its shortest decimal (``0.1``), which the parser reads as the exact
    decimal (``1/10``), as it reads every number of a problem file.

    Raises
    ------
    SpecError
        When ``expr`` holds something a formula cannot (a function outside the grammar, a
        constant such as ``pi``, a relation); the message starts with ``where`` and lists the
        functions allowed.

    Examples
    --------
    >>> import sympy
    >>> from symbackprop.naming import symbol
    >>> from symbackprop.rules.formula import parse_formula
    >>> x, w = symbol("x"), symbol("w")
    >>> text = formula_text(sympy.log(1 + sympy.exp(-w * x)) / (x**2 + 1))
    >>> text
    'log(1 + exp(-w*x))/(x**2 + 1)'
    >>> parse_formula(text, {"x": x, "w": w}) == sympy.log(1 + sympy.exp(-w * x)) / (x**2 + 1)
    True
    >>> formula_text(sympy.sinh(x), where="node 'h'")
    Traceback (most recent call last):
        ...
    symbackprop.errors.SpecError: node 'h': cannot write the function 'sinh' as a formula; \
formulas may use numbers, names, + - * / ** and the functions abs, cos, elu, erf, exp, gelu, \
gelu_tanh, huber, leaky_relu, log, max, min, relu, sigmoid, silu, sin, smooth_l1, softplus, sqrt, \
tan, tanh
    """
    problem = unwritable(sympy.sympify(expr))
    if problem is not None:
        raise SpecError(f"{where}: cannot write {problem} as a formula; formulas may use "
                        f"numbers, names, + - * / ** and the functions "
                        f"{', '.join(ALLOWED_FUNCTIONS)}")
    return str(_FormulaPrinter().doprint(expr))
