"""Names, symbols and LaTeX labels, defined once.

Every node of a computation graph has a name (a plain identifier used in problem files and on
the command line), a sympy ``Symbol`` created by :func:`symbol` (all symbols are real, so that
``Abs``, ``sqrt`` and powers simplify as a reader expects) and a LaTeX label.

The layered-network names follow docs/reference/problem-files.md: 1-based indices, layer 0 the
inputs; where any index of a network exceeds 9, every name of that network joins its indices with
underscores.

A tensor problem lowered to scalars (:mod:`symbackprop.graph.tensor_lowering`) names each entry
of a tensor by the tensor's name and its index, 0-based in numpy's order, in brackets with no
spaces: ``W1[2,3]`` (:func:`entry_name`), typeset ``W1_{2,3}``.  Such names are the lowering's
only: no name in a problem file can take one (:func:`symbackprop.graph.node.check_name`).

Examples
--------
>>> scheme = LayerNaming(max_index=4)
>>> scheme.weight(2, 1, 2), scheme.latex("w212")
('w212', 'w_{212}')
>>> wide = LayerNaming(max_index=12)
>>> wide.weight(1, 10, 3), wide.latex("w_1_10_3")
('w_1_10_3', 'w_{1,10,3}')
>>> wide.output(2), wide.latex("yhat_2")
('yhat_2', '\\\\hat{y}_{2}')
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sympy

__all__ = ["LOSS", "SYMBOL_CACHE", "UNREAD_MODIFIERS", "LayerNaming", "default_latex",
           "entry_name", "is_identifier", "natural_key", "split_entry_name", "symbol",
           "symbols"]

LOSS = "L"
"""The name of the loss node of a layered network."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Name stems of the layered network and how each is typeset.
_STEM_LATEX = {"x": "x", "y": "y", "a": "a", "h": "h", "yhat": r"\hat{y}", "w": "w", "b": "b"}
_INDEXED = re.compile(r"(yhat|x|y|a|h|w|b)((?:_?\d+)+)\Z")


def is_identifier(name: str) -> bool:
    """Whether ``name`` may name a node: letters, digits and underscores, not starting with a
    digit, and not a dunder.

    Examples
    --------
    >>> is_identifier("h13"), is_identifier("1h"), is_identifier("__class__")
    (True, False, False)
    """
    return bool(_IDENTIFIER.match(name)) and "__" not in name


_DIGITS = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=2**17)
def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """The key that sorts names in natural order: runs of digits compare as numbers, so
    ``yhat_2`` comes before ``yhat_10`` and ``w_1_2_1`` before ``w_1_10_1`` (a plain string sort
    puts them the other way round).  Every list of nodes or parameters the package shows is in
    this order.

    Identifiers whose digit runs have the same lengths where they differ (``w212``, ``w213``;
    every name of a network no wider than 9) sort as plain strings do.

    Examples
    --------
    >>> sorted(["yhat_10", "yhat_2", "yhat_1"], key=natural_key)
    ['yhat_1', 'yhat_2', 'yhat_10']
    >>> sorted(["w_1_10_1", "w_1_2_1", "b_1_1"], key=natural_key)
    ['b_1_1', 'w_1_2_1', 'w_1_10_1']
    >>> natural_key("a2_1") < natural_key("a10"), natural_key("x") < natural_key("x1")
    (True, True)
    """
    # a digit run before any other character, as in a string sort of identifiers
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in _DIGITS.split(name) if part)


SYMBOL_CACHE = 2**20
"""How many symbols :func:`symbol` keeps (it starts afresh past this many): a
[256, 256, 256, 10] network has 135,000 nodes and 1,000 adjoints."""

_SYMBOLS: dict[str, sympy.Symbol] = {}


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol of the node called ``name`` (always real).

    The same object every time (sympy's own cache keeps only the last thousand symbols, and a
    [32,32,32,10] network has several thousand nodes and adjoints): a symbol is made once, and
    comparing two of them is an identity check.

    Examples
    --------
    >>> symbol("w131") == sympy.Symbol("w131", real=True)
    True
    >>> symbol("w131") is symbol("w131")
    True
    """
    found = _SYMBOLS.get(name)
    if found is None:
        if len(_SYMBOLS) >= SYMBOL_CACHE:
            _SYMBOLS.clear()
        found = _SYMBOLS[name] = sympy.Symbol(name, real=True)
    return found


def symbols(names: Iterable[str]) -> list[sympy.Symbol]:
    """The symbols of many names at once: what :func:`symbol` gives for each, those not made
    yet made in bulk.

    sympy makes a symbol through a cache of its constructor's arguments and a table of
    assumptions, some 8 microseconds each; every real symbol holds the same assumption objects,
    so a new one is those objects set on a bare ``Symbol``: a tenth of the time (the weights of
    a [256, 256, 256, 10] network are 134,000 symbols).  If sympy's symbols are not made so
    (another version), they are made one by one.

    Examples
    --------
    >>> w1, w2 = symbols(["w_9_9_1", "w_9_9_2"])
    >>> w1 is symbol("w_9_9_1"), w2 == sympy.Symbol("w_9_9_2", real=True), w2.is_real
    (True, True, True)
    """
    names = list(names)
    fresh = [name for name in dict.fromkeys(names) if name not in _SYMBOLS]
    if len(_SYMBOLS) + len(fresh) > SYMBOL_CACHE:
        _SYMBOLS.clear()
        fresh = list(dict.fromkeys(names))
    make = _bulk_maker()
    if make is None:
        _SYMBOLS.update((name, sympy.Symbol(name, real=True)) for name in fresh)
    else:
        _SYMBOLS.update(zip(fresh, map(make, fresh), strict=True))
    return [_SYMBOLS[name] for name in names]


_BULK: list[Callable[[str], sympy.Symbol] | None] = []


def _bulk_maker() -> Callable[[str], sympy.Symbol] | None:
    """A function making a real symbol from its name without sympy's constructor, or ``None``
    when sympy's symbols are not made as this version's are (checked once, on a sample)."""
    if not _BULK:
        template = sympy.Symbol("_symbackprop_template", real=True)
        state = (template._assumptions, template._assumptions_orig, template._assumptions0)
        new = sympy.Basic.__new__

        def make(name: str) -> sympy.Symbol:
            made = new(sympy.Symbol)
            made.name = name
            made._assumptions, made._assumptions_orig, made._assumptions0 = state
            return made

        sample, reference = make("_symbackprop_sample"), sympy.Symbol("_symbackprop_sample",
                                                                      real=True)
        alike = (sympy.Symbol.__slots__ == ("name", "_assumptions_orig", "_assumptions0")
                 and reference._assumptions is template._assumptions
                 and sample == reference and hash(sample) == hash(reference)
                 and sample._hashable_content() == reference._hashable_content()
                 and sympy.srepr(sample) == sympy.srepr(reference))
        _BULK.append(make if alike else None)
    return _BULK[0]


def default_latex(name: str) -> str:
    r"""The LaTeX label of a node name: layered-network names as the problem-file reference
    typesets them, a tensor's entry with its index as a subscript (``W1[2,3]`` becomes
    ``W1_{2,3}``), any other name as sympy prints a symbol (``yhat1`` becomes
    ``\hat{y}_{1}``, ``x1`` becomes ``x_{1}``, ``alpha`` becomes ``\alpha``).

    Of sympy's name modifiers only ``hat`` is read (``yhat``): a name that ends in another
    (``xscr``, ``xbar``, ``wdot``, ``vnorm``: :data:`UNREAD_MODIFIERS`) is typeset as written,
    upright, rather than as ``\mathscr{x}``, which a plain LaTeX document cannot compile.

    Examples
    --------
    >>> default_latex("a13"), default_latex("a_2_12"), default_latex("yhat1"), default_latex("L")
    ('a_{13}', 'a_{2,12}', '\\hat{y}_{1}', 'L')
    >>> default_latex("W1[2,3]"), default_latex("gamma[1]"), default_latex("Y.mu[1]")
    ('W1_{2,3}', '\\gamma_{1}', '\\mathrm{Y.mu}_{1}')
    >>> default_latex("xscr"), default_latex("alphabar2"), default_latex("alphahat")
    ('\\mathrm{xscr}', '\\mathrm{alphabar}_{2}', '\\hat{\\alpha}')
    """
    entry = split_entry_name(name)
    if entry is not None:
        return _entry_latex(*entry)
    match = _INDEXED.match(name)
    if match:
        stem, digits = match.groups()
        indices = digits.strip("_").split("_") if digits.startswith("_") else [digits]
        return f"{_STEM_LATEX[stem]}_{{{','.join(indices)}}}"
    latex = sympy.latex(sympy.Symbol(name))
    if not _UNREAD.search(name):
        return latex
    from sympy.printing.conventions import split_super_sub

    base, supers, subs = split_super_sub(name)
    if not _UNREAD.search(base):
        return latex
    text = r"\mathrm{" + base.replace("_", r"\_") + "}"
    if supers:
        text += "^{" + " ".join(supers) + "}"
    if subs:
        text += "_{" + " ".join(subs) + "}"
    return text


UNREAD_MODIFIERS = ("mathring", "ddddot", "dddot", "ddot", "dot", "check", "breve", "acute",
                    "grave", "tilde", "bar", "vec", "prime", "prm", "bold", "bm", "cal", "scr",
                    "frak", "norm", "avec", "avg", "abs", "mag")
"""The suffixes of sympy's name conventions that :func:`default_latex` does not read."""
_UNREAD = re.compile(r"[A-Za-z0-9](?:" + "|".join(UNREAD_MODIFIERS) + ")(?:hat)?(?:[0-9_^]|\\Z)",
                     re.IGNORECASE)


_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
                    r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]\Z")


def entry_name(tensor: str, index: tuple[int, ...]) -> str:
    """The name of entry ``index`` (0-based, numpy's order) of the tensor called ``tensor``:
    ``W1[2,3]``; a scalar tensor's one entry keeps the tensor's name.

    Examples
    --------
    >>> entry_name("W1", (2, 3)), entry_name("b1", (4,)), entry_name("L", ())
    ('W1[2,3]', 'b1[4]', 'L')
    """
    if not index:
        return tensor
    return f"{tensor}[{','.join(str(int(i)) for i in index)}]"


def split_entry_name(name: str) -> tuple[str, tuple[int, ...]] | None:
    """The tensor and the index an entry name stands for (spaces after the commas allowed,
    ``W1[2, 3]``), or ``None`` for a name that is not an entry's; ``entry_name`` of the result
    is the name as the lowered graph spells it.

    Examples
    --------
    >>> split_entry_name("W1[2,3]"), split_entry_name("Y.mu[ 0, 1 ]"), split_entry_name("W1")
    (('W1', (2, 3)), ('Y.mu', (0, 1)), None)
    >>> entry_name(*split_entry_name("W1[2, 3]"))
    'W1[2,3]'
    """
    match = _ENTRY.match(name)
    if match is None:
        return None
    tensor, index = match.groups()
    return tensor, tuple(int(i) for i in index.split(","))


def _entry_latex(tensor: str, index: tuple[int, ...]) -> str:
    """``W1_{2,3}``: the tensor's label, as sympy prints it where that has no subscript of its
    own (``\\gamma``, ``X``), else its name as written (``W1``, not ``W_{1}``; a name with a dot
    or an underscore upright), then the index."""
    label = default_latex(tensor) if "." not in tensor else ""
    if not label or "_" in label or "^" in label:
        escaped = tensor.replace("_", r"\_")
        label = tensor if tensor.isalnum() else rf"\mathrm{{{escaped}}}"
    return f"{label}_{{{','.join(map(str, index))}}}"


@dataclass(frozen=True)
class LayerNaming:
    """Node names of a layered network (docs/reference/problem-files.md).

    Parameters
    ----------
    max_index : int
        The largest index that occurs in the network (its widest layer, or its depth). Above 9,
        indices are joined with underscores in every name.
    flat : bool
        ``naming = "flat"``: weights ``w1 ... wN`` and biases ``b1 ... bM``, numbered layer by
        layer, then by target neuron, then by source neuron.

    Examples
    --------
    >>> names = LayerNaming(max_index=4)
    >>> names.weight(2, 1, 2), names.pre_activation(2, 1), names.activation(1, 3), names.output(1)
    ('w212', 'a21', 'h13', 'yhat1')
    """

    max_index: int
    flat: bool = False

    @property
    def joined(self) -> bool:
        """Whether indices are joined with underscores."""
        return self.max_index > 9

    def _name(self, stem: str, *indices: int) -> str:
        if self.joined:
            return "_".join([stem, *map(str, indices)])
        return stem + "".join(map(str, indices))

    def input(self, k: int) -> str:
        return self._name("x", k)

    def target(self, j: int) -> str:
        return self._name("y", j)

    def pre_activation(self, layer: int, j: int) -> str:
        return self._name("a", layer, j)

    def activation(self, layer: int, j: int) -> str:
        return self._name("h", layer, j)

    def output(self, j: int) -> str:
        return self._name("yhat", j)

    def weight(self, layer: int, j: int, k: int, number: int | None = None) -> str:
        """Weight to neuron ``j`` of ``layer`` from neuron ``k``; ``number`` in flat naming."""
        if self.flat:
            if number is None:
                raise ValueError("flat naming numbers weights: pass number=")
            return self._name("w", number)
        return self._name("w", layer, j, k)

    def weight_rows(self, layer: int, rows: int, columns: int, before: int = 0) -> list[
            list[str]]:
        """Every weight of ``layer`` at once, ``rows`` target neurons by ``columns`` source
        neurons: row ``j - 1``, column ``k - 1`` is :meth:`weight` ``(layer, j, k)``; in flat
        naming the layer's first weight is number ``before + 1``.  Made in bulk (a
        [256, 256, 256, 10] network has 134,000 weights).

        Examples
        --------
        >>> LayerNaming(max_index=4).weight_rows(2, 2, 3)
        [['w211', 'w212', 'w213'], ['w221', 'w222', 'w223']]
        >>> LayerNaming(max_index=4, flat=True).weight_rows(2, 1, 2, before=6)
        [['w7', 'w8']]
        """
        if self.flat:
            first = self._name("w", 0)[:-1]
            return [[f"{first}{before + j * columns + k}" for k in range(1, columns + 1)]
                    for j in range(rows)]
        sep = "_" if self.joined else ""
        return [[f"{head}{sep}{k}" for k in range(1, columns + 1)]
                for head in (self._name("w", layer, j) for j in range(1, rows + 1))]

    def bias(self, layer: int, j: int | None = None, number: int | None = None) -> str:
        """Bias of neuron ``j`` of ``layer`` (``j=None``: the one bias shared by the layer)."""
        if self.flat and j is not None:
            if number is None:
                raise ValueError("flat naming numbers biases: pass number=")
            return self._name("b", number)
        return self._name("b", layer) if j is None else self._name("b", layer, j)

    def latex(self, name: str) -> str:
        return default_latex(name)
