"""A definition differentiated with respect to one symbol, term by term: what
:meth:`~symbackprop.graph.computation.ComputationGraph.local_partial` asks sympy's ``diff``
where a node has no textbook form.

Examples
--------
>>> from symbackprop.naming import symbol
>>> w, h, b = symbol("w"), symbol("h"), symbol("b")
>>> diff_definition(w * h + b, h, {}), diff_definition(sympy.exp(w * h), h, {})
(w, w*exp(h*w))
"""

from __future__ import annotations

import sympy

__all__ = ["diff_definition"]


def diff_definition(definition: sympy.Expr, sym: sympy.Symbol,
                    index: dict[sympy.Symbol, list[sympy.Expr]]) -> sympy.Expr:
    """``sympy.diff(definition, sym)``, term by term for a sum.

    sympy differentiates a sum term by term, so only the terms that hold ``sym`` need it: a
    wide pre-activation ``a = sum_k w_k h_k`` costs O(1) per parent after one O(width) index
    (kept in ``index``, empty the first time, for the next symbol), not O(width).  A term
    ``c * sym * rest`` (``sym`` a plain factor, nowhere else) gives ``c * rest`` directly,
    which is what ``diff`` returns.

    Examples
    --------
    >>> from symbackprop.naming import symbol
    >>> w1, w2, h1, h2 = (symbol(n) for n in ("w1", "w2", "h1", "h2"))
    >>> index = {}
    >>> diff_definition(w1 * h1 + w2 * h2, h2, index), sorted(map(str, index))
    (w2, ['h1', 'h2', 'w1', 'w2'])
    """
    if not isinstance(definition, sympy.Add):
        return sympy.diff(definition, sym)
    if not index:
        for term in definition.args:
            # a product of symbols (most terms) holds its args: no free_symbols walk
            plain = term.is_Mul and all(arg.is_Symbol for arg in term.args)
            for free in term.args if plain else term.free_symbols:
                index.setdefault(free, []).append(term)
    holding = index.get(sym, ())
    if len(holding) == 1:  # sympy.Add of one argument is that argument
        return _diff_term(holding[0], sym)
    return sympy.Add(*(_diff_term(term, sym) for term in holding))


def _diff_term(term: sympy.Expr, sym: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff(term, sym)``, without calling ``diff`` for ``sym`` and ``c * sym * rest``.

    The product shortcut is taken only when no other factor holds ``sym`` and none is a sum
    (sympy distributes a number over a two-term product with a sum, so the order in which
    ``diff`` multiplies the factors back could matter there).
    """
    if term.is_Symbol:
        return sympy.S.One if term == sym else sympy.S.Zero
    if isinstance(term, sympy.Mul):
        # Node symbols are made once (naming.symbol), so ``sym`` is found by identity; a Mul
        # holds one factor equal to it at most (equal factors are combined into a power).
        rest = [arg for arg in term.args if arg is not sym]
        if len(rest) == len(term.args):
            rest = [arg for arg in term.args if arg != sym]
        if len(rest) == len(term.args) - 1 and not any(
                arg.is_Add or (not arg.is_Atom and sym in arg.free_symbols) for arg in rest):
            return rest[0] if len(rest) == 1 else sympy.Mul(*rest)
    return sympy.diff(term, sym)
