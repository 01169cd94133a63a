"""A chain of dense layers and activations, and its loss, as a :class:`~symbackprop.spec.Problem`.

:func:`~symbackprop.interop.torch_models.from_torch` reads a model into this plain description
(no torch object survives it); :func:`chain_problem` builds the problem.  It is a layered network
(docs/reference/problem-files.md) whenever the format holds the model exactly, and a general
graph of formulas with the same node names otherwise:

- the layered format needs every dense layer with a bias or every one without, hidden
  activations from the registry (``softplus`` with ``beta = 1``), and a loss the registry has;
- a loss that applies its own output function is folded into the output layer:
  ``CrossEntropyLoss`` on outputs ``z`` is the softmax output with ``cross_entropy``,
  ``NLLLoss`` after ``LogSoftmax`` is the same, ``BCEWithLogitsLoss`` is the sigmoid output with
  ``binary_cross_entropy`` (the same loss, so the same gradient of every weight);
- a mean over several outputs (``MSELoss`` is ``mean_squared_error``; ``BCELoss`` with
  ``reduction="mean"`` over more than one output is not in the registry) and anything else
  becomes a general graph.

Examples
--------
>>> chain = [Dense([[0.5, -0.25]], [0.1], "model[0]"), Act("sigmoid", "model[1]")]
>>> problem = chain_problem(chain, [1.0, 2.0], [1.0], LossSpec("mse", "mean"), title="tiny")
>>> problem.network.layers, problem.network.output, problem.network.loss
((2, 1), 'sigmoid', 'mean_squared_error')
>>> problem.origins["w112"], problem.origins["b11"]
('model[0].weight[0, 1]', 'model[0].bias[0]')
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy

from ..errors import SpecError
from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork
from ..naming import LOSS, LayerNaming, symbol
from ..rules.registry import ACTIVATIONS, LOSSES, activation, softmax
from ..spec.problems import Problem
from .exact import exact

__all__ = ["ACTIVATION_NAMES", "LOSS_NAMES", "Act", "Dense", "LossSpec", "chain_problem"]

#: The activations of a chain (``log_softmax`` is ``a_j - log(sum_k exp(a_k))``).
ACTIVATION_NAMES = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax",
                    "log_softmax")
#: The losses of a chain, each over the last layer's outputs ``z`` and the targets ``y``.
LOSS_NAMES = ("mse", "cross_entropy", "nll", "bce", "bce_logits")
_DEFAULT_SLOPE = 0.01
#: What a builder returns: the graph, the values, the network (if layered), the origins.
_Built = tuple[ComputationGraph, dict[str, float], LayeredNetwork | None, dict[str, str]]


@dataclass(frozen=True)
class Dense:
    """A dense layer ``a = W h + b``: ``weight[j][k]`` to output ``j`` from input ``k``.

    ``where`` says which layer of the model it is (``model[2]``), for error messages and for
    :attr:`Problem.origins`.

    Examples
    --------
    >>> Dense([[1.0, 2.0]], None, "model.fc1")
    Dense(model.fc1: 2 -> 1, no bias)
    """

    weight: Sequence[Sequence[float]]
    bias: Sequence[float] | None
    where: str

    @property
    def shape(self) -> tuple[int, int]:
        """(outputs, inputs)."""
        return len(self.weight), len(self.weight[0]) if self.weight else 0

    def __repr__(self) -> str:
        out, inp = self.shape
        return f"Dense({self.where}: {inp} -> {out}, {'bias' if self.bias else 'no bias'})"


@dataclass(frozen=True)
class Act:
    """An activation of :data:`ACTIVATION_NAMES`, with its ``slope`` (``leaky_relu``) or
    ``beta`` (``softplus``: ``log(1 + exp(beta a)) / beta``).

    Examples
    --------
    >>> Act("leaky_relu", "model[1]", slope=0.2)
    Act(model[1]: leaky_relu, slope 0.2)
    """

    name: str
    where: str
    slope: float = _DEFAULT_SLOPE
    beta: float = 1.0

    def __post_init__(self) -> None:
        if self.name not in ACTIVATION_NAMES:
            raise SpecError(f"{self.where}: unknown activation {self.name!r}; allowed: "
                            f"{', '.join(ACTIVATION_NAMES)}")

    def __repr__(self) -> str:
        extra = {"leaky_relu": f", slope {self.slope}", "softplus": f", beta {self.beta}"}
        return f"Act({self.where}: {self.name}{extra.get(self.name, '')})"


@dataclass(frozen=True)
class LossSpec:
    """A loss of :data:`LOSS_NAMES` with its reduction (``mean`` or ``sum``).

    Examples
    --------
    >>> LossSpec("bce_logits", "sum")
    LossSpec(bce_logits, sum)
    """

    name: str
    reduction: str = "mean"
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.name not in LOSS_NAMES:
            raise SpecError(f"unknown loss {self.name!r}; allowed: {', '.join(LOSS_NAMES)}")
        if self.reduction not in ("mean", "sum"):
            raise SpecError(f"loss reduction {self.reduction!r}: allowed are 'mean' and 'sum'")

    def __repr__(self) -> str:
        return f"LossSpec({self.name}, {self.reduction})"


def _stages(chain: Sequence[Dense | Act]) -> list[tuple[Dense, Act]]:
    """Each dense layer with the one activation after it (``identity`` where there is none)."""
    stages: list[tuple[Dense, Act | None]] = []
    for layer in chain:
        if isinstance(layer, Dense):
            stages.append((layer, None))
        elif layer.name == "identity":
            continue
        elif not stages or stages[-1][1] is not None:
            after = (f"follows {stages[-1][1].where} ({stages[-1][1].name})" if stages
                     and stages[-1][1] is not None else "comes before the first dense layer")
            raise SpecError(f"{layer.where} ({layer.name}) {after}; a chain is dense layers, "
                            "each followed by at most one activation")
        else:
            stages[-1] = (stages[-1][0], layer)
    if not stages:
        raise SpecError("the model has no dense (Linear) layer")
    for (before, _), (dense, _) in itertools.pairwise(stages):
        if dense.shape[1] != before.shape[0]:
            raise SpecError(f"{dense.where}: takes {dense.shape[1]} inputs, but "
                            f"{before.where} gives {before.shape[0]}")
    return [(dense, act or Act("identity", dense.where)) for dense, act in stages]


def _layered_loss(output: Act, loss: LossSpec, width: int) -> tuple[str, str, str] | None:
    """(output activation, registry loss, note) when the layered format holds the loss."""
    if loss.name == "mse" and _output_ok(output, width):
        return output.name, ("mean_squared_error" if loss.reduction == "mean"
                             else "squared_error"), ""
    if width >= 2 and loss.name == "cross_entropy" and output.name == "identity":
        return "softmax", "cross_entropy", (
            "CrossEntropyLoss on the model's outputs is written as a softmax output layer with "
            "cross_entropy: the same loss, so the same gradients.")
    if width >= 2 and loss.name == "nll" and output.name == "log_softmax":
        return "softmax", "cross_entropy", (
            "LogSoftmax followed by NLLLoss is written as a softmax output layer with "
            "cross_entropy: the same loss, so the same gradients.")
    single = width == 1 or loss.reduction == "sum"
    if single and loss.name == "bce" and _output_ok(output, width):
        return output.name, "binary_cross_entropy", ""
    if single and loss.name == "bce_logits" and output.name == "identity":
        return "sigmoid", "binary_cross_entropy", (
            "BCEWithLogitsLoss on the model's outputs is written as a sigmoid output layer with "
            "binary_cross_entropy: the same loss, so the same gradients.")
    return None


def _registry_act(act: Act) -> bool:
    return act.name in ACTIVATIONS and (act.name != "softplus" or act.beta == 1.0)


def _output_ok(act: Act, width: int) -> bool:
    """Whether the layered format has ``act`` as the output activation of ``width`` outputs."""
    return _registry_act(act) or (act.name == "softmax" and width >= 2)


def _names(stages: Sequence[tuple[Dense, Act]], naming: str) -> LayerNaming:
    widths = [stages[0][0].shape[1], *(dense.shape[0] for dense, _ in stages)]
    return LayerNaming(max(max(widths), len(stages)), flat=naming == "flat")


def chain_problem(chain: Sequence[Dense | Act], x: Sequence[float], y: Sequence[float],
                  loss: LossSpec, *, naming: str = "layer_to_from", title: str = "",
                  source: str = "", batched: bool = False,
                  y_origins: Sequence[str] | None = None) -> Problem:
    """The problem of ``chain`` (dense layers, each followed by at most one activation; an
    ``identity`` anywhere is dropped) at input ``x`` and target ``y`` under ``loss``.

    Parameters
    ----------
    naming : {"layer_to_from", "flat"}
        The weight names (docs/reference/problem-files.md): ``w{l}{j}{k}`` is row ``j - 1``,
        column ``k - 1`` of the ``l``-th dense layer's weight.
    batched : bool
        Whether ``x`` was a batch of one sample (origins say ``x[0, k]``, else ``x[k]``).
    y_origins : sequence of str, optional
        Where each target comes from (default ``y[j]``).

    Examples
    --------
    >>> chain = [Dense([[1.0], [2.0]], None, "m[0]"), Act("relu", "m[1]"),
    ...          Dense([[0.5, 0.5]], [0.0], "m[2]")]
    >>> problem = chain_problem(chain, [1.0], [0.0], LossSpec("mse", "sum"))
    >>> problem.network is None, problem.graph.nodes["a21"]    # one layer has no bias
    (True, Node('a21', hidden = b21 + h11*w211 + h12*w212))
    >>> problem.graph.forward(problem.values)["L"]
    2.25
    """
    stages = _stages(chain)
    if len(x) != stages[0][0].shape[1]:
        raise SpecError(f"x has {len(x)} entries, but {stages[0][0].where} takes "
                        f"{stages[0][0].shape[1]} inputs")
    width = stages[-1][0].shape[0]
    if len(y) != width:
        raise SpecError(f"y has {len(y)} entries, but the model gives {width} outputs")
    if naming not in ("layer_to_from", "flat"):
        raise SpecError(f"unknown naming {naming!r}; allowed: layer_to_from, flat")
    names = _names(stages, naming)
    origins: dict[str, str] = {}
    for k in range(1, len(x) + 1):
        origins[names.input(k)] = f"x[0, {k - 1}]" if batched else f"x[{k - 1}]"
    targets = {names.target(j): (y_origins[j - 1] if y_origins is not None else
                                 f"y[0, {j - 1}]" if batched else f"y[{j - 1}]")
               for j in range(1, width + 1)}
    biased = {dense.bias is not None for dense, _ in stages}
    layered = _layered_loss(stages[-1][1], loss, width)
    notes = list(loss.notes)
    if (len(biased) == 1 and layered is not None
            and all(_registry_act(act) for _, act in stages[:-1])):
        output, loss_name, note = layered
        notes += [note] if note else []
        problem = _layered(stages, x, y, output, loss_name, naming, origins)
    else:
        problem = _general(stages, x, y, loss, names, origins)
    description = textwrap.fill(" ".join(notes), width=96)
    return Problem(graph=problem[0], values=problem[1], title=title, source=source,
                   description=description + "\n" if description else "",
                   network=problem[2], origins={**problem[3], **targets})


def _layered(stages: Sequence[tuple[Dense, Act]], x: Sequence[float], y: Sequence[float],
             output: str, loss: str, naming: str, origins: dict[str, str]) -> _Built:
    slopes = {layer: act.slope for layer, (_, act) in enumerate(stages, 1)
              if act.name == "leaky_relu" and act.slope != _DEFAULT_SLOPE}
    network = LayeredNetwork(
        (stages[0][0].shape[1], *(dense.shape[0] for dense, _ in stages)),
        tuple(act.name for _, act in stages[:-1]), output, loss,
        bias="none" if stages[0][0].bias is None else "per_neuron", naming=naming,
        slopes=slopes)
    arrays: dict[str, object] = {"x": list(x), "y": list(y)}
    for layer, (dense, _) in enumerate(stages, 1):
        arrays[f"W{layer}"] = [list(row) for row in dense.weight]
        for j, row in enumerate(network.weight_matrix_names(layer)):
            for k, name in enumerate(row):
                origins[name] = f"{dense.where}.weight[{j}, {k}]"
        if dense.bias is not None:
            arrays[f"b{layer}"] = list(dense.bias)
            for j in range(dense.shape[0]):
                origins[str(network.bias_name(layer, j + 1))] = f"{dense.where}.bias[{j}]"
    return network.build(), network.values_from_arrays(arrays), network, origins


def _activate(act: Act, pre: list[sympy.Symbol], j: int) -> sympy.Expr:
    if act.name == "softmax":
        return softmax(pre, j)
    if act.name == "log_softmax":
        return pre[j] - sympy.log(sympy.Add(*(sympy.exp(a) for a in pre)))
    if act.name == "softplus" and act.beta != 1.0:
        beta = exact(act.beta)
        return ACTIVATIONS["softplus"].function(beta * pre[j]) / beta
    slope = exact(act.slope) if act.name == "leaky_relu" else None
    return activation(act.name, slope).function(pre[j])


def _loss(loss: LossSpec, ys: list[sympy.Symbol], zs: list[sympy.Symbol]) -> sympy.Expr:
    m = len(zs)
    mean = sympy.Rational(1, m) if loss.reduction == "mean" else sympy.S.One
    if loss.name == "mse":
        return mean * LOSSES["squared_error"].function(ys, zs)
    if loss.name == "bce":
        return mean * LOSSES["binary_cross_entropy"].function(ys, zs)
    if loss.name == "bce_logits":  # -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))
        softplus = ACTIVATIONS["softplus"].function
        return mean * sympy.Add(*(softplus(z) - y * z for y, z in zip(ys, zs, strict=True)))
    if loss.name == "nll":
        return -sympy.Add(*(y * z for y, z in zip(ys, zs, strict=True)))
    log_total = sympy.log(sympy.Add(*(sympy.exp(z) for z in zs)))
    return -sympy.Add(*(y * (z - log_total) for y, z in zip(ys, zs, strict=True)))


def _general(stages: Sequence[tuple[Dense, Act]], x: Sequence[float], y: Sequence[float],
             loss: LossSpec, names: LayerNaming, origins: dict[str, str]) -> _Built:
    inputs = [names.input(k) for k in range(1, len(x) + 1)]
    targets = [names.target(j) for j in range(1, len(y) + 1)]
    values = dict(zip(inputs + targets, [float(v) for v in [*x, *y]], strict=True))
    parameters: list[str] = []
    definitions: dict[str, sympy.Expr] = {}
    previous = inputs
    weights_before = biases_before = 0
    depth = len(stages)
    for layer, (dense, act) in enumerate(stages, 1):
        out, inp = dense.shape
        pre = []
        for j in range(1, out + 1):
            terms = []
            for k in range(1, inp + 1):
                weight = names.weight(layer, j, k, number=weights_before + (j - 1) * inp + k)
                parameters.append(weight)
                values[weight] = float(dense.weight[j - 1][k - 1])
                origins[weight] = f"{dense.where}.weight[{j - 1}, {k - 1}]"
                terms.append(symbol(weight) * symbol(previous[k - 1]))
            if dense.bias is not None:
                bias = names.bias(layer, j, number=biases_before + j)
                parameters.append(bias)
                values[bias] = float(dense.bias[j - 1])
                origins[bias] = f"{dense.where}.bias[{j - 1}]"
                terms.append(symbol(bias))
            pre.append(names.pre_activation(layer, j))
            definitions[pre[-1]] = sympy.Add(*terms)
        weights_before += out * inp
        biases_before += out if dense.bias is not None else 0
        post = [names.output(j) if layer == depth else names.activation(layer, j)
                for j in range(1, out + 1)]
        pre_symbols = [symbol(a) for a in pre]
        for j, name in enumerate(post):
            definitions[name] = _activate(act, pre_symbols, j)
        previous = post
    definitions[LOSS] = _loss(loss, [symbol(t) for t in targets], [symbol(z) for z in previous])
    graph = ComputationGraph.from_definitions(definitions, inputs=inputs, parameters=parameters,
                                              targets=targets, output=LOSS)
    return graph, values, None, origins
