"""The parts of a derivation: local partials, path terms, the factored form, the deltas.

Plain frozen data, built by :func:`~symbackprop.calculus.derivation.derive` and read by
everything that shows or checks a derivation.  A :class:`Term` holds its :class:`Factor`
objects in path order (sympy reorders the factors of a product when it prints it, so
chain-rule order cannot be recovered from a ``Mul``); a :class:`Group` is the factored form
below one node; an :class:`Adjoint` defines ``d of / d node`` once per node, for a derivation
and for the all-parameter sweep alike; a :class:`Step` is one step of gradient descent on a
parameter.

Examples
--------
>>> from symbackprop.naming import symbol
>>> from symbackprop.calculus.paths import Path
>>> factors = (Factor("a", "w", symbol("x"), 2.0), Factor("L", "a", symbol("a"), 3.0))
>>> term = Term(Path(("w", "a", "L")), factors, 6.0)
>>> term, term.expression
(Term(w -> a -> L = 6), a*x)
>>> [str(f) for f in term.chain_rule_order]
['dL/da = a', 'da/dw = x']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sympy

from .paths import Path

__all__ = ["Adjoint", "Factor", "Group", "Step", "Term"]


@dataclass(frozen=True)
class Factor:
    """The local partial ``d of / d wrt`` along one edge ``wrt -> of``, and its value.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> factor = derive(problem.graph, "w5", values=problem.values).terms[0].factors[0]
    >>> factor
    Factor(da21/dw5 = h11 = 0.5932699921)
    >>> factor.of, factor.wrt, factor.expression
    ('a21', 'w5', h11)
    """

    of: str
    wrt: str
    expression: sympy.Expr
    value: float | None = None

    def __str__(self) -> str:
        return f"d{self.of}/d{self.wrt} = {self.expression}"

    def __repr__(self) -> str:
        value = "" if self.value is None else f" = {self.value + 0.0:.10g}"
        return f"Factor(d{self.of}/d{self.wrt} = {self.expression}{value})"


@dataclass(frozen=True)
class Term:
    """One path's contribution: its local partials in path order (``wrt`` end first).

    Chain-rule (Leibniz) order, as a textbook writes it, is the reverse:
    :attr:`chain_rule_order`.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> term = derive(problem.graph, "w1", values=problem.values).terms[1]
    >>> term
    Term(w1 -> a11 -> h11 -> a22 -> yhat2 -> L = -0.0002298282867)
    >>> [f"d{f.of}/d{f.wrt}" for f in term.chain_rule_order]
    ['dL/dyhat2', 'dyhat2/da22', 'da22/dh11', 'dh11/da11', 'da11/dw1']
    """

    path: Path
    factors: tuple[Factor, ...]
    value: float | None = None

    @property
    def expression(self) -> sympy.Expr:
        """The product of the factors (sympy orders it as it likes; do not print for order)."""
        return sympy.Mul(*(f.expression for f in self.factors))

    @property
    def chain_rule_order(self) -> tuple[Factor, ...]:
        """The factors from the output end back to ``wrt``: dL/dyhat · dyhat/da · ... ."""
        return tuple(reversed(self.factors))

    def __repr__(self) -> str:
        value = "" if self.value is None else f" = {self.value + 0.0:.10g}"
        return f"Term({self.path}{value})"


@dataclass(frozen=True)
class Group:
    """The factored form below one node: ``d of / d node`` as a sum over its children of
    ``(d child / d node) * (the group of child)``; paths that share a start share the factor.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> group = derive(load_problem("mazur_2_2_2").graph, "w1").factored
    >>> group                        # w1 -> a11: one branch
    Group(w1, 1 branches)
    >>> group.branches[0][1].branches[0][1]      # h11 -> a21 and h11 -> a22: two
    Group(h11, 2 branches)
    >>> group.expression
    h11*x1*(1 - h11)*(w5*yhat1*(1 - yhat1)*(-y1 + yhat1) + w7*yhat2*(1 - yhat2)*(-y2 + yhat2))
    """

    node: str
    branches: tuple[tuple[Factor, Group], ...] = ()
    value: float | None = None

    @property
    def expression(self) -> sympy.Expr:
        """The nested sum of products, unexpanded."""
        if not self.branches:
            return sympy.S.One
        return sympy.Add(*(f.expression * g.expression for f, g in self.branches))

    def __repr__(self) -> str:
        return f"Group({self.node}, {len(self.branches)} branches)"


@dataclass(frozen=True, eq=False)
class Adjoint:
    r"""The adjoint (delta) of one node, ``delta_node = d of / d node``, defined once from its
    children's: the sum over its children ``c`` on a path to ``of`` of
    ``(d c / d node) * delta_c``.  Backprop computes exactly these.

    :func:`~symbackprop.calculus.adjoints.adjoint_sweep` makes them, from ``of`` back, for
    both views of the calculus: :func:`~symbackprop.calculus.derivation.derive` writes each
    child's adjoint out in its parents' definitions, and
    :func:`~symbackprop.calculus.sweep.gradients` names each non-leaf one (its :attr:`symbol`)
    so that the definitions stay linear in size.

    Attributes
    ----------
    node : str
        The node whose adjoint this is.
    contributions : tuple of (Factor, str)
        ``(d c / d node, c)`` for each child ``c`` on a path to ``of``, in topological order;
        none for ``of`` itself, whose adjoint is 1.
    expression : sympy.Expr
        The definition: the sum of each factor times its child's adjoint, which is the child's
        :attr:`symbol` where it has one and its expression written out where not.
    value : float or None
        The adjoint's value, when the leaves' values were given.
    symbol : sympy.Symbol or None
        What stands for this adjoint in its parents' definitions (``delta_node``), or ``None``
        where they write it out.

    Examples
    --------
    >>> from symbackprop import derive, load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> d = derive(problem.graph, "w1", values=problem.values)
    >>> delta_h11 = next(a for a in d.adjoints if a.node == "h11")
    >>> delta_h11
    Adjoint(delta_h11 = da21/dh11*delta_a21 + da22/dh11*delta_a22 = 0.03635030639)
    >>> delta_h11.expression
    w5*yhat1*(1 - yhat1)*(-y1 + yhat1) + w7*yhat2*(1 - yhat2)*(-y2 + yhat2)
    >>> from symbackprop.calculus.sweep import gradients
    >>> named = gradients(problem.graph).adjoint("h11")
    >>> named.symbol, named.expression
    (delta_h11, delta_a21*w5 + delta_a22*w7)
    """

    node: str
    contributions: tuple[tuple[Factor, str], ...]
    _expression: sympy.Expr | Callable[[], sympy.Expr] = field(repr=False)
    value: float | None = None
    symbol: sympy.Symbol | None = None

    @property
    def expression(self) -> sympy.Expr:
        """The definition (made on first use when it was given as a function that makes it:
        written out, a deep node's is a large expression that a page past its limits never
        shows)."""
        made = self._expression
        if not isinstance(made, sympy.Basic):
            made = made()
            object.__setattr__(self, "_expression", made)
        return made

    def _key(self) -> tuple[Any, ...]:
        return (self.node, self.contributions, self.value, self.symbol)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Adjoint):
            return NotImplemented
        return self._key() == other._key() and self.expression == other.expression

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        name = f"delta_{self.node}" if self.symbol is None else str(self.symbol)
        parts = " + ".join(f"d{f.of}/d{f.wrt}*delta_{c}" for f, c in self.contributions)
        value = "" if self.value is None else f" = {self.value + 0.0:.10g}"
        return f"Adjoint({name} = {parts or '1'}{value})"


_Number = TypeVar("_Number", bound=Any)


@dataclass(frozen=True)
class Step(Generic[_Number]):
    """One step of gradient descent on a parameter, ``w+ = w - eta dL/dw``: the update rule's
    one home (:meth:`~symbackprop.calculus.derivation.Derivation.step` makes it from a
    derivation; the course keys and the checker make it from their vectorised values, so its
    fields may be numpy arrays as well as floats).

    Attributes
    ----------
    parameter : str
    learning_rate : float
        ``eta``.
    before : float, numpy array or sympy expression
        The parameter's value in the forward pass (at every draw of the checker, or as a
        symbol for the formula of an update).
    gradient : float, numpy array or sympy expression
        ``dL/dw`` there.

    Examples
    --------
    >>> step = Step("w1", 0.5, 0.75, 0.25)
    >>> step
    Step(w1+ = 0.75 - 0.5 * 0.25 = 0.625)
    >>> step.change, step.after
    (0.125, 0.625)
    """

    parameter: str
    learning_rate: Any
    before: _Number
    gradient: _Number

    @property
    def change(self) -> _Number:
        """``eta dL/dw``, what the step subtracts (the part of ``w+`` that is computed)."""
        return self.learning_rate * self.gradient

    @property
    def after(self) -> _Number:
        """``w+ = w - eta dL/dw``."""
        return self.before - self.change

    def __repr__(self) -> str:
        return (f"Step({self.parameter}+ = {self.before:.10g} - {self.learning_rate:.10g} * "
                f"{self.gradient:.10g} = {self.after:.10g})")
