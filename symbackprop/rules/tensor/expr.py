"""The tensor expression IR: four kinds of node, each with its shape.

A tensor node's definition, and every vector-Jacobian product of the tensor engine, is a tree
of these frozen dataclasses:

- :class:`Ref` ``(name, shape)``: the value of a node of the graph;
- :class:`Adj` ``(name, shape)``: that node's adjoint ``δname = dL/dname`` (same shape);
- :class:`Map` ``(expr, slots, args, shape)``: an elementwise function, a sympy *scalar*
  expression over its slot symbols, applied entry by entry to ``args`` with numpy's
  broadcasting.  A slot bound to ``Ref(n)`` is the symbol of ``n``
  (:func:`symbackprop.naming.symbol`) and one bound to ``Adj(n)`` the symbol ``δn``
  (:func:`adjoint_symbol`), so ``Map(δH*(1 - H**2))`` reads as a textbook writes it; a slot
  bound to anything else is ``#0``, ``#1`` ... (:func:`slot_symbol`);
- :class:`Op` ``(name, args, attrs, shape)``: a structured operation of the registry
  (:mod:`symbackprop.rules.tensor.registry`), ``matmul``, ``softmax``, ``conv2d`` ...

Nothing here checks a shape: the builder (:class:`symbackprop.rules.tensor.build.Builder`)
makes every node through the registry's shape rules, which is how the grammar and the VJPs
make them.  ``str()`` of a node is plain text in the matrix grammar's own notation (``@``,
``.T``, ``X[1]``, calls with keyword attributes), good for messages and tests; the textbook
printers (``Aᵀ δZ``, ``⊙``, ``1ᵀ δZ``) read each op's notation class from the registry.

Examples
--------
>>> import sympy
>>> from symbackprop.naming import symbol
>>> Z = Ref("Z", (4, 3))
>>> H = Map(sympy.tanh(symbol("Z")), (symbol("Z"),), (Z,), (4, 3))
>>> H, H.refs
(Map(tanh(Z), (4, 3)), frozenset({'Z'}))
>>> str(Op("matmul", (Ref("X", (2, 4)), Z), (), (2, 3)))
'X @ Z'
>>> Adj("H", (4, 3))
Adj(δH, (4, 3))
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import sympy

from ...naming import symbol

__all__ = [
    "Adj",
    "AttrValue",
    "Map",
    "Op",
    "Ref",
    "Shape",
    "TExpr",
    "adjoint_symbol",
    "format_shape",
    "slot_symbol",
    "walk",
]

Shape = tuple[int, ...]
AttrValue = int | float | bool | str | tuple[int, ...] | None


@functools.lru_cache(maxsize=2**14)
def adjoint_symbol(name: str) -> sympy.Symbol:
    """The symbol ``δname`` that stands for :class:`Adj` ``(name)`` in a :class:`Map`.

    Examples
    --------
    >>> adjoint_symbol("Z1"), adjoint_symbol("Z1") is adjoint_symbol("Z1")
    (δZ1, True)
    """
    return sympy.Symbol(f"δ{name}", real=True)


@functools.lru_cache(maxsize=256)
def slot_symbol(index: int) -> sympy.Symbol:
    """The symbol ``#index`` of a :class:`Map`'s slot bound to an expression that is neither a
    :class:`Ref` nor an :class:`Adj` (no node name can take it: names are identifiers).

    Examples
    --------
    >>> slot_symbol(0), slot_symbol(2)
    (#0, #2)
    """
    return sympy.Symbol(f"#{index}", real=True)


def format_shape(shape: Shape) -> str:
    """A shape as messages and listings print it: ``(4, 3)``, ``(5,)``, ``()`` for a scalar.

    Examples
    --------
    >>> format_shape((4, 3)), format_shape((5,)), format_shape(())
    ('(4, 3)', '(5,)', '()')
    """
    return str(tuple(shape))


@dataclass(frozen=True)
class Ref:
    """The value of the graph's node ``name``: a leaf or a computed tensor.

    Examples
    --------
    >>> Ref("W1", (3, 5)), str(Ref("W1", (3, 5)))
    (Ref(W1, (3, 5)), 'W1')
    """

    name: str
    shape: Shape
    dtype: str = "float"

    @property
    def args(self) -> tuple[TExpr, ...]:
        return ()

    @property
    def refs(self) -> frozenset[str]:
        return frozenset((self.name,))

    @property
    def adjoints(self) -> frozenset[str]:
        return frozenset()

    @property
    def symbol(self) -> sympy.Symbol:
        """The symbol that stands for this node in a :class:`Map`."""
        return symbol(self.name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Ref({self.name}, {format_shape(self.shape)})"


@dataclass(frozen=True)
class Adj:
    """The adjoint ``δname = dL/dname`` of the graph's node ``name`` (the shape of the node).

    Examples
    --------
    >>> Adj("Z2", (4, 3)), str(Adj("Z2", (4, 3)))
    (Adj(δZ2, (4, 3)), 'δZ2')
    """

    name: str
    shape: Shape

    @property
    def dtype(self) -> str:
        return "float"

    @property
    def args(self) -> tuple[TExpr, ...]:
        return ()

    @property
    def refs(self) -> frozenset[str]:
        return frozenset()

    @property
    def adjoints(self) -> frozenset[str]:
        return frozenset((self.name,))

    @property
    def symbol(self) -> sympy.Symbol:
        """The symbol ``δname`` that stands for this adjoint in a :class:`Map`."""
        return adjoint_symbol(self.name)

    def __str__(self) -> str:
        return f"δ{self.name}"

    def __repr__(self) -> str:
        return f"Adj(δ{self.name}, {format_shape(self.shape)})"


@dataclass(frozen=True)
class Map:
    """An elementwise function: the scalar ``expr`` over ``slots``, slot ``i`` bound to
    ``args[i]``, applied entry by entry with numpy's broadcasting; ``shape`` is the broadcast
    shape of the arguments it was built from.

    Examples
    --------
    >>> import sympy
    >>> from symbackprop.naming import symbol
    >>> H, dH = Ref("H", (4, 5)), Adj("H", (4, 5))
    >>> m = Map(dH.symbol * (1 - H.symbol**2), (dH.symbol, H.symbol), (dH, H), (4, 5))
    >>> str(m), m.refs, m.adjoints
    ('δH*(1 - H**2)', frozenset({'H'}), frozenset({'H'}))
    """

    expr: sympy.Expr
    slots: tuple[sympy.Symbol, ...]
    args: tuple[TExpr, ...]
    shape: Shape
    _refs: frozenset[str] = field(init=False, repr=False, compare=False)
    _adjoints: frozenset[str] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _derive(self)

    def __hash__(self) -> int:
        return self._hash

    @property
    def dtype(self) -> str:
        return "float"

    @property
    def refs(self) -> frozenset[str]:
        return self._refs

    @property
    def adjoints(self) -> frozenset[str]:
        return self._adjoints

    @property
    def bindings(self) -> dict[sympy.Symbol, TExpr]:
        """Each slot symbol with the expression it stands for."""
        return dict(zip(self.slots, self.args, strict=True))

    def __str__(self) -> str:
        shown = {slot: sympy.Symbol(_operand_text(arg))
                 for slot, arg in self.bindings.items() if not isinstance(arg, Ref | Adj)}
        return str(self.expr.xreplace(shown)) if shown else str(self.expr)

    def __repr__(self) -> str:
        return f"Map({self}, {format_shape(self.shape)})"


@dataclass(frozen=True)
class Op:
    """A structured operation of the registry on ``args``, with its attributes ``attrs``
    (``(name, value)`` pairs, in the registry's order, defaults included); ``dtype`` is
    ``"int"`` where a layout operation (``index``, ``reshape`` ...) keeps integer labels.

    Examples
    --------
    >>> X, W = Ref("X", (4, 3)), Ref("W", (3, 5))
    >>> op = Op("matmul", (X, W), (), (4, 5))
    >>> op, sorted(op.refs)
    (Op(X @ W, (4, 5)), ['W', 'X'])
    >>> s = Op("sum", (X,), (("axis", 0), ("keepdims", False)), (3,))
    >>> str(s), s.attr("axis")
    ('sum(X, axis=0)', 0)
    """

    name: str
    args: tuple[TExpr, ...]
    attrs: tuple[tuple[str, AttrValue], ...]
    shape: Shape
    dtype: str = "float"
    _refs: frozenset[str] = field(init=False, repr=False, compare=False)
    _adjoints: frozenset[str] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _derive(self)

    def __hash__(self) -> int:
        return self._hash

    @property
    def refs(self) -> frozenset[str]:
        return self._refs

    @property
    def adjoints(self) -> frozenset[str]:
        return self._adjoints

    @property
    def attributes(self) -> dict[str, AttrValue]:
        return dict(self.attrs)

    def attr(self, name: str) -> AttrValue:
        """The value of attribute ``name`` (``KeyError`` if the op has none of that name)."""
        return self.attributes[name]

    def __str__(self) -> str:
        args = [_operand_text(arg) for arg in self.args]
        if self.name == "matmul":
            return f"{args[0]} @ {args[1]}"
        if self.name == "transpose" and self.attr("axes") is None:
            return f"{args[0]}.T"
        if self.name == "index":
            picks = self.attr("indices")
            shown_picks = picks if isinstance(picks, tuple) else ()
            return f"{args[0]}[{', '.join(map(str, shown_picks))}]"
        shown = [f"{key}={_attr_text(value)}" for key, value in self.attrs
                 if not _is_default(key, value)]
        return f"{self.name}({', '.join([str(a) for a in self.args] + shown)})"

    def __repr__(self) -> str:
        return f"Op({self}, {format_shape(self.shape)})"


TExpr = Ref | Adj | Map | Op
"""A node of the IR."""


def _derive(node: Map | Op) -> None:
    """Fill in what a compound node knows of its arguments: the nodes and adjoints it reads,
    and its hash (computed once: IR is hashed as the key of every memo)."""
    object.__setattr__(node, "_refs", frozenset().union(*(a.refs for a in node.args)))
    object.__setattr__(node, "_adjoints", frozenset().union(*(a.adjoints for a in node.args)))
    fields = (node.expr, node.slots) if isinstance(node, Map) else (node.name, node.attrs)
    object.__setattr__(node, "_hash", hash((type(node).__name__, fields, node.args,
                                            node.shape)))

# Attribute values not shown by ``str`` (the defaults a reader assumes).
_QUIET: Mapping[str, AttrValue] = {"keepdims": False, "stride": 1, "padding": 0, "ddof": 0,
                                   "reduction": "mean"}


def _is_default(key: str, value: AttrValue) -> bool:
    if value is None:
        return True
    if key == "eps" and value == 1e-5:
        return True
    return key in _QUIET and _QUIET[key] == value and type(value) is type(_QUIET[key])


def _attr_text(value: AttrValue) -> str:
    if isinstance(value, tuple):
        return f"({', '.join(map(str, value))}{',' if len(value) == 1 else ''})"
    return str(value)


def _operand_text(arg: TExpr) -> str:
    """``arg`` as an operand of an infix or postfix operator: parenthesised when compound."""
    text = str(arg)
    if isinstance(arg, Ref | Adj):
        return text
    if isinstance(arg, Op) and arg.name not in ("matmul",):
        return text
    if isinstance(arg, Map) and (arg.expr.is_Symbol or arg.expr.is_Function):
        return text
    return f"({text})"


def walk(expr: TExpr) -> Iterator[TExpr]:
    """Every node of ``expr``, ``expr`` first, depth first (a shared subtree once per use).

    Examples
    --------
    >>> X, W = Ref("X", (4, 3)), Ref("W", (3, 5))
    >>> [repr(e) for e in walk(Op("matmul", (X, W), (), (4, 5)))]
    ['Op(X @ W, (4, 5))', 'Ref(X, (4, 3))', 'Ref(W, (3, 5))']
    """
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.args))
