r"""Tensor expressions (the IR of :mod:`symbackprop.rules.tensor.expr`) in textbook notation:
one printer for Unicode text and one for LaTeX, sharing one walk of the expression.

What a course writes, and these print:

========================================  ==========================  ===========================
IR                                        text                        LaTeX
========================================  ==========================  ===========================
``X.T @ δZ`` (``matmul``, ``transpose``)  ``Xᵀ δZ``                   ``X^{\top} \delta_{Z}``
``δH*(1 - H**2)`` (a ``Map``)             ``δH ⊙ (1 − H²)``           ``\delta_{H} \odot ...``
``sum_to(δZ, (5,))`` of a (4, 5) ``δZ``   ``1ᵀ δZ``                   ``\mathbf{1}^{\top} ...``
a sum over the last axis of a matrix      ``rowsum(P ⊙ δP)``          ``\operatorname{rowsum}``
a sum over every axis                     ``Σ δZ``                    ``{\textstyle\sum} ...``
``mean(x, axis=0)``                       ``mean₀ x``                 ``\operatorname{mean}_{0}``
``softmax(Z, axis=-1)``                   ``softmax(Z)``              ``\operatorname{softmax}``
``sigmoid(Z)``                            ``σ(Z)``                    ``\sigma\left(Z\right)``
``broadcast_to(δμ, (6, 4))``              ``δμ`` (numpy broadcasts)   ``\delta_{\mu}``
``unindex(δx, indices=(1,))`` (``X[1]``)  ``e₁ ⊗ δx``                 ``e_{1} \otimes ...``
========================================  ==========================  ===========================

Each operation of the registry is printed by its notation class
(:attr:`~symbackprop.rules.tensor.opspec.OpSpec.notation`): ``infix`` (juxtaposition, the
matrix product), ``postfix`` (``Xᵀ``, ``X[i]``), ``reduction`` (a prefix with the reduced axes
as a subscript, or ``1ᵀ`` and ``rowsum``), ``axis`` (a function with its axis as a subscript
when it is not the last) and ``call`` (a function of its arguments, the attributes a reader
cannot tell from the shapes after a semicolon).  An elementwise product of two tensors is
``⊙`` (``\odot``); a product with a scalar (a number, the loss's adjoint ``δL``) is written
side by side.  A broadcast is left to numpy's rule (its operand printed alone) when the axes
it adds lead; otherwise it is written ``broadcast_{axes}``.

Examples
--------
>>> from symbackprop.rules.tensor.expr import Adj, Ref
>>> from symbackprop.rules.tensor.grammar import parse_tensor_formula
>>> from symbackprop.rules.tensor.vjp import vjp
>>> Z = parse_tensor_formula("X @ W1 + b1", {"X": Ref("X", (4, 3)), "W1": Ref("W1", (3, 5)),
...                                          "b1": Ref("b1", (5,))})
>>> [tensor_text(vjp(Z, name, Adj("Z1", (4, 5)))) for name in ("W1", "X", "b1")]
['Xᵀ δZ1', 'δZ1 W1ᵀ', '1ᵀ δZ1']
>>> H = parse_tensor_formula("tanh(Z1)", {"Z1": Ref("Z1", (4, 5))})
>>> local = vjp(H, "Z1", Adj("H1", (4, 5)), out=Ref("H1", (4, 5)))
>>> tensor_text(local), tensor_latex(local)
('δH1 ⊙ (1 − H1²)', '\\delta_{H_{1}} \\odot \\left(1 - H_{1}^{2}\\right)')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..naming import default_latex
from ..rules.tensor.expr import Adj, Map, Op, Ref, Shape, TExpr
from ..rules.tensor.ops_reduce import reduction_axes, unbroadcast_axes
from ..rules.tensor.registry import OPS
from .numbers import VALUE_DIGITS, latex_number, text_number
from .tensor_model import Adjoint, Value, Vjp
from .tensor_scalar import Scalar, print_scalar

__all__ = ["shape_latex", "shape_text", "side_latex", "tensor_label", "tensor_latex",
           "tensor_text"]

# precedence of what a printed piece is, loosest first
SUM, PRODUCT, MATMUL, POWER, ATOM = range(5)

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
          "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"}
_PARTS = {"mu": r"\mu", "var": r"\sigma^{2}", "xhat": r"\hat{x}", "x": "x", "y": "y"}
"""The LaTeX of the primitive nodes composite expansion names (``Y.mu``, ``Y.var`` ...)."""
_IMPLIED = frozenset({"classes", "kernel", "size", "rows"})
"""Attributes a reader tells from the shapes (not printed)."""


def tensor_label(name: str) -> str:
    r"""The LaTeX label of a tensor's name: a letter and its index as a subscript (``W1``
    gives ``W_{1}``, ``Whh`` ``W_{hh}``), a Greek name as its letter, a primitive node of an
    expanded composite by its role (``Y.var`` gives ``\sigma^{2}_{Y}``), any other word in
    italics.

    Examples
    --------
    >>> [tensor_label(n) for n in ("W1", "Whh", "Yhat", "gamma", "X", "logits", "bnvar_inv")]
    ['W_{1}', 'W_{hh}', '\\hat{Y}', '\\gamma', 'X', '\\mathit{logits}', '\\mathit{bnvar\\_inv}']
    >>> [tensor_label(n) for n in ("Y.mu", "Y.var", "Y.xhat", "N1.n2.mu", "Z.other")]
    ['\\mu_{Y}', '{\\sigma^{2}}_{Y}', '\\hat{x}_{Y}', '\\mu_{N_{1},2}', '\\mathit{other}_{Z}']
    """
    if "." in name:
        owner, *middle, part = name.split(".")
        inner = _PARTS.get(part, _word(part))
        where = ",".join([tensor_label(owner), *(m.lstrip("n") for m in middle)])
        return f"{{{inner}}}_{{{where}}}" if "^" in inner else f"{inner}_{{{where}}}"
    if name in _GREEK or re.fullmatch(r"[A-Za-z]\d*|[A-Za-z]hat\d*|[A-Za-z]+_\d+", name):
        return default_latex(name)
    match = re.fullmatch(r"([A-Z])([a-z]{1,2}|[A-Z])|([a-z])([a-z])", name)
    if match:  # Whh, Xb, WQ, bh: a letter and its index; not a word
        letter, index = (g for g in match.groups() if g)
        return f"{letter}_{{{index}}}"
    return _word(name)


def _word(name: str) -> str:
    return r"\mathit{" + _escaped(name) + "}"


def _escaped(name: str) -> str:
    return name.replace("_", r"\_")


def side_latex(lhs: Adjoint | Vjp | Value, labels: Mapping[str, str]) -> str:
    r"""A left side of a tensor page in LaTeX: ``\delta_{W_{1}}`` (path ``p``'s contribution
    ``\delta_{W_{1}}^{(p)}``), ``\operatorname{VJP}_{Z_{1} \to H_{1}}`` of ``\delta_{H_{1}}``,
    a tensor's label.

    Examples
    --------
    >>> side_latex(Adjoint("W1", path=2), {"W1": "W_{1}"})
    '\\delta_{W_{1}}^{(2)}'
    >>> print(side_latex(Vjp("Z1", "H1"), {"Z1": "Z_{1}", "H1": "H_{1}"}))
    \operatorname{VJP}_{Z_{1} \to H_{1}}\left(\delta_{H_{1}}\right)
    """
    def name(node: str) -> str:
        return labels.get(node) or tensor_label(node)

    if isinstance(lhs, Adjoint):
        path = "" if lhs.path is None else f"^{{({lhs.path})}}"
        return rf"\delta_{{{name(lhs.node)}}}{path}"
    if isinstance(lhs, Vjp):
        return (rf"\operatorname{{VJP}}_{{{name(lhs.parent)} \to {name(lhs.child)}}}"
                rf"\left(\delta_{{{name(lhs.child)}}}\right)")
    return name(lhs.node)


def shape_text(shape: Shape) -> str:
    """A shape in text: numpy's tuple.

    Examples
    --------
    >>> shape_text((4, 3)), shape_text((5,)), shape_text(())
    ('(4, 3)', '(5,)', '()')
    """
    return str(tuple(shape))


def shape_latex(shape: Shape) -> str:
    r"""A shape in LaTeX: ``(4 \times 3)``, ``(5)``, or ``\text{scalar}``.

    Examples
    --------
    >>> shape_latex((4, 3)), shape_latex((5,)), shape_latex(())
    ('(4 \\times 3)', '(5)', '\\text{scalar}')
    """
    if not shape:
        return r"\text{scalar}"
    return "(" + r" \times ".join(map(str, shape)) + ")"


@dataclass(frozen=True)
class _Style:
    """What differs between the text and the LaTeX printer."""

    latex: bool
    labels: Mapping[str, str]

    def name(self, name: str) -> str:
        if not self.latex:
            return name
        return self.labels.get(name) or tensor_label(name)

    def adjoint(self, name: str) -> str:
        return rf"\delta_{{{self.name(name)}}}" if self.latex else f"δ{name}"

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)" if self.latex else f"({text})"

    def op(self, name: str) -> str:
        return r"\operatorname{" + _escaped(name) + "}" if self.latex else name

    def sub(self, base: str, index: str) -> str:
        if not index:
            return base
        if self.latex:
            return f"{base}_{{{index}}}"
        return base + "".join(_SUBSCRIPTS.get(c, c) for c in index)

    def transposed(self, text: str) -> str:
        return f"{{{text}}}^{{\\top}}" if self.latex else f"{text}ᵀ"

    def number(self, value: float) -> str:
        return latex_number(value, VALUE_DIGITS) if self.latex else text_number(value)

    def ones(self) -> str:
        return r"\mathbf{1}^{\top}" if self.latex else "1ᵀ"

    def total(self) -> str:
        return r"{\textstyle\sum}" if self.latex else "Σ"

    def attrs(self, pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return ""
        if self.latex:
            return "; " + ", ".join(rf"\text{{{k}}}={v}" for k, v in pairs)
        return "; " + ", ".join(f"{k}={v}" for k, v in pairs)


_SUBSCRIPTS = dict(zip("0123456789,()-", "₀₁₂₃₄₅₆₇₈₉,₍₎₋", strict=True))


def tensor_text(expr: TExpr) -> str:
    """``expr`` in textbook notation as Unicode text (the module's table).

    Examples
    --------
    >>> from symbackprop.rules.tensor.build import Builder
    >>> from symbackprop.rules.tensor.expr import Adj, Ref
    >>> b = Builder()
    >>> P, dP = Ref("P", (4, 3)), Adj("P", (4, 3))
    >>> rowsum = b.op("sum", b.ew(lambda p, d: p * d, P, dP), axis=1, keepdims=True)
    >>> tensor_text(b.ew(lambda p, d, r: p * (d - r), P, dP, rowsum))
    'P ⊙ (δP − rowsum(δP ⊙ P))'
    """
    return _Printer(_Style(False, {})).show(expr)[0]


def tensor_latex(expr: TExpr, labels: Mapping[str, str] | None = None) -> str:
    r"""``expr`` in textbook notation as LaTeX math (the module's table); ``labels`` gives a
    node's label where :func:`tensor_label` should not choose it.

    Examples
    --------
    >>> from symbackprop.rules.tensor.build import Builder
    >>> from symbackprop.rules.tensor.expr import Adj, Ref
    >>> b = Builder()
    >>> dW = b.op("matmul", b.op("transpose", Ref("X", (4, 3))), Adj("Z1", (4, 5)))
    >>> tensor_latex(dW)
    '{X}^{\\top} \\delta_{Z_{1}}'
    """
    return _Printer(_Style(True, labels or {})).show(expr)[0]


class _Printer:
    """One walk of an expression, each piece with its precedence (the module's levels)."""

    def __init__(self, style: _Style) -> None:
        self.style = style

    def show(self, expr: TExpr) -> tuple[str, int]:
        if isinstance(expr, Ref):
            return self.style.name(expr.name), ATOM
        if isinstance(expr, Adj):
            return self.style.adjoint(expr.name), ATOM
        if isinstance(expr, Map):
            return self._map(expr)
        return self._op(expr)

    def at_least(self, expr: TExpr, level: int) -> str:
        text, own = self.show(expr)
        return text if own >= level else self.style.paren(text)

    # -- elementwise ---------------------------------------------------------------------------
    def _map(self, expr: Map) -> tuple[str, int]:
        slots = {slot: Scalar(*self.show(arg), scalar=_shown_shape(arg) == (),
                              adjoint=isinstance(arg, Adj))
                 for slot, arg in expr.bindings.items()}
        return print_scalar(expr.expr, slots, self.style.latex, self.style.number)

    # -- operations of the registry ------------------------------------------------------------
    def _op(self, op: Op) -> tuple[str, int]:
        s = self.style
        name, args = op.name, op.args
        if name == "matmul":
            return f"{self.at_least(args[0], MATMUL)} {self.at_least(args[1], MATMUL)}", MATMUL
        if name == "outer":
            right = s.transposed(self.at_least(args[1], ATOM))
            return f"{self.at_least(args[0], MATMUL)} {right}", MATMUL
        if name == "transpose":
            return self._transpose(op)
        if name == "index":
            picks = op.attr("indices")
            shown = ", ".join(map(str, picks if isinstance(picks, tuple) else (picks,)))
            return f"{self.at_least(args[0], ATOM)}[{shown}]", ATOM
        if name == "slice":
            return self._slice(op)
        if name == "unindex":  # zeros but at the indices: e_i ⊗ g
            picks = op.attr("indices")
            assert isinstance(picks, tuple)
            units = [s.sub("e", str(i)) for i in picks]
            times = r" \otimes " if s.latex else " ⊗ "
            return times.join([*units, self.at_least(args[0], POWER)]), PRODUCT
        if name == "broadcast_to":
            return self._broadcast(op)
        if name in ("sum", "sum_to"):
            return self._sum(op)
        notation = OPS[name].notation
        if notation == "reduction":
            axes = reduction_axes(op.attributes, len(args[0].shape))
            every = axes == tuple(range(len(args[0].shape)))
            head = s.sub(r"\max" if s.latex and name == "max" else s.op(name),
                         "" if every else ",".join(map(str, axes)))
            return self._prefixed(head, args[0]), PRODUCT
        if notation == "axis":
            axis = op.attr("axis")
            last = axis == -1 or axis == len(args[0].shape) - 1
            head = s.sub(s.op(name), "" if last else str(axis))
            return f"{head}{s.paren(self.show(args[0])[0])}", ATOM
        return self._call(op), ATOM

    def _call(self, op: Op) -> str:
        s = self.style
        shown = [self.show(a)[0] for a in op.args]
        pairs = []
        spec = OPS[op.name]
        for key, value in op.attrs:
            if key in _IMPLIED or value == spec.attrs[key].default:
                continue
            if op.name == "reshape" and key == "shape":
                shown.append(str(value))
                continue
            if key in ("shape", "indices"):
                continue
            pairs.append((key, _attr(value)))
        return s.op(op.name) + s.paren(", ".join(shown) + s.attrs(pairs))

    def _transpose(self, op: Op) -> tuple[str, int]:
        (x,) = op.args
        axes = op.attr("axes")
        rank = len(x.shape)
        swap_last = isinstance(axes, tuple) and rank >= 2 and axes == (
            *range(rank - 2), rank - 1, rank - 2)
        if axes is None or swap_last:
            return self.style.transposed(self.at_least(x, ATOM)), ATOM
        return self._call(op), ATOM

    def _slice(self, op: Op) -> tuple[str, int]:
        (x,) = op.args
        axis, start, stop = (op.attr(k) for k in ("axis", "start", "stop"))
        assert isinstance(axis, int)  # the registry's attribute kind
        colon = "{:}" if self.style.latex else ":"
        picks = [colon] * axis + [f"{start}{colon}{stop}"]
        return f"{self.at_least(x, ATOM)}[{', '.join(picks)}]", ATOM

    def _broadcast(self, op: Op) -> tuple[str, int]:
        (g,) = op.args
        added = op.attr("axes")
        assert isinstance(added, tuple)
        if all(a == i for i, a in enumerate(sorted(added))):  # leading axes: numpy's rule
            return self.show(g)
        head = self.style.sub(self.style.op("broadcast"), ",".join(map(str, added)))
        return f"{head}{self.style.paren(self.show(g)[0])}", ATOM

    def _sum(self, op: Op) -> tuple[str, int]:
        """A sum over axes: ``1ᵀ X`` (the first of a matrix), ``rowsum(X)`` (its last),
        ``Σ X`` (every axis), else ``Σ`` with the axes as a subscript."""
        (x,) = op.args
        rank = len(x.shape)
        if op.name == "sum_to":
            target = op.attr("shape")
            assert isinstance(target, tuple)
            lead, kept = unbroadcast_axes(x.shape, target)
            axes = tuple(sorted(lead + kept))
        else:
            axes = reduction_axes(op.attributes, rank)
        s = self.style
        if axes == tuple(range(rank)):
            return self._prefixed(s.total(), x), PRODUCT
        if rank == 2 and axes == (0,):
            return f"{s.ones()} {self.at_least(x, MATMUL)}", MATMUL
        if rank == 2 and axes == (1,):
            return s.op("rowsum") + s.paren(self.show(x)[0]), ATOM
        head = s.sub(s.total(), ",".join(map(str, axes)))
        return self._prefixed(head, x), PRODUCT

    def _prefixed(self, head: str, x: TExpr) -> str:
        """``head x`` (``mean₀ x``), or ``head(...)`` when ``x`` needs parentheses."""
        text, level = self.show(x)
        return f"{head} {text}" if level >= ATOM else head + self.style.paren(text)


def _shown_shape(expr: TExpr) -> Shape:
    """The shape a reader sees: a broadcast left to numpy's rule shows its operand's."""
    if isinstance(expr, Op) and expr.name == "broadcast_to":
        added = expr.attr("axes")
        if isinstance(added, tuple) and all(a == i for i, a in enumerate(sorted(added))):
            return _shown_shape(expr.args[0])
    return expr.shape


def _attr(value: object) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(map(str, value)) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float):
        return text_number(value)
    return str(value)
