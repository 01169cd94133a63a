"""The registry of common backprop mistakes: wrong local partials, the scale, the step.

Students get local partials wrong in predictable ways: the sigmoid's derivative written as its
output ``h`` (the ``(1 - h)`` dropped), ``tanh'`` as ``1 - h``, the pre-activation used where
the activation belongs, the softmax partial without its coupling term or in the PadhAI notes'
form ``yhat_i (1 - yhat_i)(-a_k)``.  :data:`MISTAKES` lists them; each entry says, for
the kinds of edge it applies to (:func:`symbackprop.check.edges.edge_info`), what the student
writes instead of the right partial.  A mistake is a misconception: the diagnosis applies it to
*every* edge of its kind on the paths at once, the way a student who believes it would.

Two more tables hold the mistakes that are not about one partial:

- :data:`SCALE_MISTAKES`: the whole answer times -1, 2 or 1/2 (a flipped sign; for a squared
  error, the factor its constant is easily off by, :data:`LOSS_FACTORS`);
- :data:`STEP_MISTAKES`: the slips of a gradient-descent step ``w - eta dL/dw`` (the weight
  not updated at all, the step's sign, the learning rate left out, the step taken twice, the
  step alone) and the later layers updated first.

Each entry is one definition, read both ways: forwards by :mod:`symbackprop.check.predict`
(what the mistake gives: answer keys, the interactive page, PrairieLearn) and backwards by
:mod:`symbackprop.check.diagnose` (why a wrong answer is wrong), so that a predicted mistake,
checked, is diagnosed as that mistake.  Its ``description`` is how a prediction lists it, its
``diagnosis`` the diagnosis's sentence.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.check.edges import edge_info
>>> graph = load_problem("padhai_4_4_2").graph
>>> info = edge_info(graph, "a21", "yhat1")
>>> info.kind
'softmax_diagonal'
>>> [m.name for m in MISTAKES if m.wrong(info) is not None]
['softmax_notes_form', 'softmax_no_coupling']
>>> MISTAKES_BY_NAME["softmax_notes_form"].wrong(info)
-a22*yhat1*(1 - yhat1)
>>> [m.name for m in (*SCALE_MISTAKES, *STEP_MISTAKES)][:4]
['sign', 'factor_of_2', 'factor_of_one_half', 'update_not_applied']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import sympy

from ..calculus.terms import Step
from ..rules.registry import LOSSES
from .edges import EDGE_KINDS, EdgeInfo
from .edges import edge_info as edge_info  # importable here, as from the flat layout's module
from .edges import loss_name as loss_name  # (likewise)

__all__ = ["HALF", "LOSS_FACTORS", "MISTAKES", "MISTAKES_BY_NAME", "NOT_UPDATED",
           "PRE_UPDATE_ORDER", "SCALE_MISTAKES", "SIGN", "STEP_MISTAKES", "STEP_SLIPS", "TWICE",
           "LossFactor", "Mistake", "ScaleMistake", "StepMistake"]

WrongForm = Callable[[EdgeInfo], sympy.Expr | None]


@dataclass(frozen=True)
class Mistake:
    """A common wrong local partial.

    Attributes
    ----------
    name : str
        A stable identifier (it appears in JSON reports).
    title : str
        What the student does, in words.
    forms : mapping of edge kind to callable
        For each kind of edge the mistake applies to, ``form(info)`` is the wrong partial in
        node symbols (``None`` where it does not apply to that particular edge).

    Examples
    --------
    >>> MISTAKES_BY_NAME["tanh_without_square"]
    Mistake('tanh_without_square': the derivative of tanh written as 1 - h instead of 1 - h^2)
    >>> MISTAKES_BY_NAME["weight_input_swapped"].brief
    'the weight and the activation it multiplies swapped'
    """

    name: str
    title: str
    forms: Mapping[str, WrongForm]

    @property
    def brief(self) -> str:
        """The mistake in a few words (its title up to a colon), among other explanations that
        fit as well."""
        return self.title.split(":")[0]

    def wrong(self, info: EdgeInfo) -> sympy.Expr | None:
        """The wrong partial this mistake writes for the edge ``info``, or ``None``."""
        form = self.forms.get(info.kind)
        return None if form is None else form(info)

    def __repr__(self) -> str:
        return f"Mistake({self.name!r}: {self.title})"


def _role(info: EdgeInfo, name: str) -> sympy.Expr:
    value = info.roles[name]
    if isinstance(value, tuple):
        raise TypeError(f"role {name!r} of {info!r} is a tuple")
    return value


def _notes_softmax(info: EdgeInfo) -> sympy.Expr | None:
    others = info.roles.get("others", ())
    if not isinstance(others, tuple) or len(others) != 1:
        return None  # the notes' form names "the other" pre-activation: two outputs only
    yhat = _role(info, "yhat_i")
    return yhat * (1 - yhat) * (-others[0])


def _weight_pre_activation(info: EdgeInfo) -> sympy.Expr | None:
    return info.roles.get("a_source")


def _cross_entropy_difference(info: EdgeInfo) -> sympy.Expr | None:
    if info.loss not in ("cross_entropy", "binary_cross_entropy"):
        return None
    return _role(info, "yhat") - _role(info, "y")


MISTAKES: tuple[Mistake, ...] = (
    Mistake("sigmoid_output_only",
            "the sigmoid's derivative written as its output h, the factor (1 - h) dropped",
            {"sigmoid": lambda i: _role(i, "h")}),
    Mistake("sigmoid_pre_activation",
            "the sigmoid's derivative written with the pre-activation, a (1 - a), "
            "instead of h (1 - h)",
            {"sigmoid": lambda i: _role(i, "a") * (1 - _role(i, "a"))}),
    Mistake("tanh_without_square",
            "the derivative of tanh written as 1 - h instead of 1 - h^2",
            {"tanh": lambda i: 1 - _role(i, "h")}),
    Mistake("tanh_pre_activation",
            "the derivative of tanh written with the pre-activation, 1 - a^2, "
            "instead of 1 - h^2",
            {"tanh": lambda i: 1 - _role(i, "a") ** 2}),
    Mistake("relu_as_output",
            "the derivative of relu written as its output h instead of 1 (for a > 0) or 0",
            {"relu": lambda i: _role(i, "h")}),
    Mistake("softmax_notes_form",
            "the softmax partial d yhat_i / d a_i written yhat_i (1 - yhat_i)(-a_k), with the "
            "other output's pre-activation a_k (the PadhAI notes' form), instead of "
            "yhat_i (1 - yhat_i)",
            {"softmax_diagonal": _notes_softmax}),
    Mistake("softmax_no_coupling",
            "the softmax partial without its coupling term -yhat_i yhat_j: d yhat_i / d a_i "
            "written yhat_i, and the partials across outputs taken as 0",
            {"softmax_diagonal": lambda i: _role(i, "yhat_i"),
             "softmax_off_diagonal": lambda i: sympy.S.Zero}),
    Mistake("softmax_coupling_sign",
            "the softmax partial across outputs written +yhat_i yhat_j instead of "
            "-yhat_i yhat_j",
            {"softmax_off_diagonal": lambda i: _role(i, "yhat_i") * _role(i, "yhat_j")}),
    Mistake("weight_pre_activation",
            "the pre-activation used for the activation: d a / d w written as the input "
            "neuron's pre-activation instead of its activation h",
            {"weight": _weight_pre_activation}),
    Mistake("weight_input_swapped",
            "the weight and the activation it multiplies swapped: d a / d w written w, "
            "d a / d h written h",
            {"weight": lambda i: _role(i, "w"), "input": lambda i: _role(i, "h")}),
    Mistake("cross_entropy_difference",
            "d L / d yhat_j of the cross-entropy written yhat_j - y_j (the shortcut that holds "
            "for d L / d a_j after a softmax or sigmoid) instead of the loss's own partial",
            {"loss": _cross_entropy_difference}),
)
"""Every registered mistake, in the order the diagnosis tries them."""

MISTAKES_BY_NAME: Mapping[str, Mistake] = MappingProxyType({m.name: m for m in MISTAKES})


# -- the whole answer scaled: a flipped sign, a factor of 2 or of 1/2 ---------------------------

@dataclass(frozen=True)
class ScaleMistake:
    """A mistake that multiplies the whole answer by a constant.

    The diagnosis tries each (and the sign with each factor) on every sum it searches
    (:data:`~symbackprop.check.pathsearch.SCALINGS`); the predictions list the sign, and for a
    squared-error loss the factor of its :data:`LOSS_FACTORS` entry.

    Attributes
    ----------
    name : str
        A stable identifier: the kind of the diagnosis's finding and the prediction's name.
    factor : float
        What the answer is multiplied by.
    description : str
        The mistake as a prediction lists it for a derivative.
    of_value : str
        The same for a forward value (for the factors: the loss's value), as an answer key
        lists it.
    diagnosis : str
        The diagnosis's sentence.
    brief : str
        The mistake in a few words, among other explanations that fit as well.
    hints : mapping of str to str
        By loss: the usual cause, a sentence the diagnosis adds.

    Examples
    --------
    >>> SIGN.factor, SIGN.diagnosed("squared_error")[:42]
    (-1.0, 'The sign is flipped. For a squared error, ')
    >>> HALF.diagnosed("cross_entropy")
    'Half the right value.'
    """

    name: str
    factor: float
    description: str
    of_value: str
    diagnosis: str
    brief: str
    hints: Mapping[str, str] = field(default_factory=dict)

    def diagnosed(self, loss: str | None) -> str:
        """The diagnosis's sentence, with the hint for ``loss`` (``None``: no hint)."""
        return self.diagnosis + ("" if loss is None else self.hints.get(loss, ""))

    def __repr__(self) -> str:
        return f"ScaleMistake({self.name!r}: times {self.factor:g})"


_SQUARED = ("squared_error", "half_squared_error", "mean_squared_error")
_MISSING_TWO = (" The 2 from differentiating (y - yhat)^2 is missing (as if the loss were "
                "1/2 sum (y - yhat)^2).")

SIGN = ScaleMistake(
    "sign", -1.0,
    "the sign flipped (y - yhat written for yhat - y, or one factor's sign lost)",
    "the sign flipped", "The sign is flipped.", "a flipped sign",
    dict.fromkeys(_SQUARED, " For a squared error, dL/dyhat_j is proportional to yhat_j - y_j; "
                            "writing y_j - yhat_j flips every path."))
TWICE = ScaleMistake(
    "factor_of_2", 2.0, "twice the right value", "twice the loss",
    "Twice the right value (a factor of 2).", "twice the right value",
    {"half_squared_error": " The 1/2 of the half squared error was dropped."})
HALF = ScaleMistake(
    "factor_of_one_half", 0.5, "half the right value", "half the loss", "Half the right value.",
    "half the right value", dict.fromkeys(("squared_error", "mean_squared_error"), _MISSING_TWO))
SCALE_MISTAKES = (SIGN, TWICE, HALF)
"""The mistakes of scale, in the order the diagnosis names them."""


@dataclass(frozen=True)
class LossFactor:
    """The factor a squared-error loss's derivative is off by when its constant is mishandled
    (predicted as ``half_of_loss``); the diagnosis of that factor names the same cause (its
    :attr:`ScaleMistake.hints` for the loss).

    Attributes
    ----------
    loss : str
    scale : ScaleMistake
        :data:`HALF` (the 2 of ``d (y - yhat)^2`` dropped) or :data:`TWICE` (the 1/2 of the
        half squared error dropped).
    cause : str
        What the student does.

    Examples
    --------
    >>> print(LOSS_FACTORS["half_squared_error"].description)
    the 1/2 of the half squared error dropped (as if the loss were sum (y - yhat)^2): twice \
the right value
    """

    loss: str
    scale: ScaleMistake
    cause: str
    name: ClassVar[str] = "half_of_loss"

    @property
    def description(self) -> str:
        """The mistake as a prediction lists it: its cause, then what it gives."""
        return f"{self.cause}: {self.scale.description}"


LOSS_FACTORS: Mapping[str, LossFactor] = MappingProxyType({f.loss: f for f in (
    LossFactor("squared_error", HALF, "the 2 from differentiating (y - yhat)^2 dropped (as if "
               "the loss were 1/2 sum (y - yhat)^2)"),
    LossFactor("mean_squared_error", HALF, "the 2 from differentiating (y - yhat)^2 dropped "
               "(as if the loss had a 1/2)"),
    LossFactor("half_squared_error", TWICE, "the 1/2 of the half squared error dropped (as if "
               "the loss were sum (y - yhat)^2)"),
)})
"""The squared-error losses, by name: the factor their derivative is easily off by."""


# -- the gradient-descent step ------------------------------------------------------------------

@dataclass(frozen=True)
class StepMistake:
    """A slip in the step ``w+ = w - eta dL/dw`` (:class:`~symbackprop.calculus.terms.Step`).

    Attributes
    ----------
    name : str
        A stable identifier: the kind of the diagnosis's finding and the prediction's name.
    description : str
        The mistake as a prediction lists it (``{eta:g}`` stands for the learning rate).
    diagnosis : str
        The diagnosis's sentence (likewise).
    gives : callable
        What the student writes, from the step they take (a ``Step`` of floats or of numpy
        arrays).
    applies : callable
        Whether it is a mistake at all at a learning rate (leaving out a rate of 1 changes
        nothing).

    Examples
    --------
    >>> from symbackprop.calculus.terms import Step
    >>> step = Step("w5", 0.5, 0.4, 0.082167041)
    >>> [(m.name, round(m.gives(step), 9)) for m in STEP_SLIPS][:3]
    [('update_not_applied', 0.4), ('update_sign', 0.44108352), ('update_learning_rate', \
0.317832959)]
    >>> STEP_SLIPS[2].described(0.5)
    'the learning rate 0.5 left out of the step'
    """

    name: str
    description: str
    diagnosis: str
    gives: Callable[[Step[Any]], Any]
    applies: Callable[[float], bool] = field(default=lambda eta: True, repr=False)

    def described(self, eta: float) -> str:
        """:attr:`description` at the learning rate ``eta``."""
        return self.description.format(eta=eta)

    def diagnosed(self, eta: float) -> str:
        """:attr:`diagnosis` at the learning rate ``eta``."""
        return self.diagnosis.format(eta=eta)

    def __repr__(self) -> str:
        return f"StepMistake({self.name!r})"


NOT_UPDATED = StepMistake(
    "update_not_applied", "the weight not updated: w itself given as w+ (the step left out)",
    "That is w before the step: the weight was not updated.", lambda step: step.before)
"""The weight given unchanged: a number of the problem itself, so an answer that is exactly it
is this mistake even within the tolerance of the right value
(:data:`symbackprop.check.judge.EXACT_MISTAKES`)."""

STEP_SLIPS = (
    NOT_UPDATED,
    StepMistake("update_sign",
                "the step taken up the gradient: w + eta dL/dw instead of w - eta dL/dw",
                "The step went up the gradient: w + eta dL/dw instead of w - eta dL/dw.",
                lambda step: step.before + step.change),
    StepMistake("update_learning_rate", "the learning rate {eta:g} left out of the step",
                "The learning rate {eta:g} was left out of the step.",
                lambda step: step.before - step.gradient, applies=lambda eta: eta != 1),
    StepMistake("update_already_updated",
                "the step taken twice (applied to an already-updated weight)",
                "The step was applied to an already-updated weight (taken twice).",
                lambda step: step.before - 2 * step.change),
    StepMistake("update_step_only", "the step -eta dL/dw given instead of the updated weight",
                "That is the step -eta dL/dw, not the updated weight.",
                lambda step: -step.change),
)
"""The slips of the step itself, with the right gradient (or the file's own)."""

PRE_UPDATE_ORDER = StepMistake(
    "pre_update_order",
    "the later layers updated first, and their new weights used in this gradient (instead of "
    "the weights of the forward pass)",
    "The later layers were updated first: this gradient used their new weights, not the ones "
    "of the forward pass.",
    lambda step: step.after)
"""The step taken with the gradient of :func:`symbackprop.check.updates.stale_gradient`
(``gives`` is handed that step)."""

STEP_MISTAKES = (*STEP_SLIPS, PRE_UPDATE_ORDER)
"""The mistakes of a step, in the order the diagnosis tries them."""


def _check_table() -> None:
    names = [*(m.name for m in MISTAKES), *(m.name for m in SCALE_MISTAKES),
             *(m.name for m in STEP_MISTAKES)]
    if len(set(names)) != len(names):
        raise RuntimeError("MISTAKES: duplicate names")
    for mistake in MISTAKES:
        unknown = set(mistake.forms) - set(EDGE_KINDS)
        if unknown:
            raise RuntimeError(f"MISTAKES: {mistake.name} names unknown edge kinds {unknown}")
    factor_hints = {(loss, m.name) for m in SCALE_MISTAKES if m is not SIGN for loss in m.hints}
    if factor_hints != {(f.loss, f.scale.name) for f in LOSS_FACTORS.values()}:
        raise RuntimeError("LOSS_FACTORS: a loss's factor and its diagnosis's hint disagree")
    unknown = set(LOSS_FACTORS) - set(LOSSES)
    if unknown:
        raise RuntimeError(f"LOSS_FACTORS: unknown losses {unknown}")


_check_table()
