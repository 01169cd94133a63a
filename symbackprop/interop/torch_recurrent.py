"""``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` unrolled over their time steps, as a textbook draws
them: every step's state a node, the weights shared by every step.

The time axis is read from the module (``batch_first`` or not; an unbatched input has none
but time), the steps' inputs are ``X[t-1]`` (``transpose(X, axes=(1, 0, 2))[t-1]`` when the batch
comes first), and with one recurrent layer in the model the states are ``h1``, ``h2`` ...
(``c1`` ... the LSTM's cell), with more ``h1_1`` (step 1 of layer 1), ``h1_2`` ...  The step
formulas are PyTorch's (its documentation's equations, in its gate order):

- RNN: ``h{t} = tanh(x{t} @ Wih.T + bih + h{t-1} @ Whh.T + bhh)`` (or ``relu``);
- LSTM: the four gates' pre-activations in one node ``G{t}`` (rows ``i, f, g, o``), then
  ``c{t} = f{t} * c{t-1} + i{t} * g{t}`` and ``h{t} = o{t} * tanh(c{t})``;
- GRU: the input's and the state's parts ``Gx{t}``, ``Gh{t}`` (rows ``r, z, n``), then
  ``n{t} = tanh(Gx{t}[2] + r{t} * Gh{t}[2])`` and ``h{t} = (1 - z{t}) * n{t} + z{t} * h{t-1}``.

A missing initial state is the constant zeros ``h0`` (and ``c0``), as PyTorch takes it.  The
output ``out`` stacks the last layer's states over time and ``h_n`` the layers' last states:
``out[-1]`` (or ``out[:, -1]`` with ``batch_first``) is the last state's node itself.

Examples
--------
>>> sorted(RECURRENT)
['GRU', 'LSTM', 'RNN']
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .torch_formulas import (
    Formula,
    add,
    call,
    index,
    matmul,
    multiply,
    number,
    reshape,
    subtract,
    transpose,
)
from .torch_fx import Reader
from .torch_indexing import Stack

__all__ = ["RECURRENT", "recurrent_layers"]

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def recurrent_layers(modules: Sequence[Any]) -> int:
    """How many recurrent layers the model's steps run (each call of each layer counted).

    Examples
    --------
    >>> LSTM = type("LSTM", (), {"num_layers": 2})   # stands for torch.nn.LSTM(..., 2)
    >>> recurrent_layers([LSTM(), object(), LSTM()])
    4
    """
    return sum(m.num_layers for m in modules if type(m).__name__ in _GATES)


def _read(reader: Reader, node: Any, module: Any, args: Sequence[Any],
          kwargs: Mapping[str, Any]) -> tuple[Any, Any]:
    kind = type(module).__name__
    if module.bidirectional or getattr(module, "proj_size", 0) or (
            module.training and module.dropout and module.num_layers > 1):
        raise reader.refuse(node, "is bidirectional, has proj_size, or drops out between its "
                                  "layers in training mode; from_torch reads a one-way "
                                  "recurrence (call model.eval() for the dropout)")
    x = args[0] if args else kwargs["input"]
    state = args[1] if len(args) > 1 else kwargs.get("hx")
    batched = len(x.shape) == 3
    steps = x.shape[1] if batched and module.batch_first else x.shape[0]
    inputs = _steps(x, steps, batched and module.batch_first)
    hidden = module.hidden_size
    layers_h: list[Formula] = []
    layers_c: list[Formula] = []
    recorded = reader.recorded(node)
    for layer in range(module.num_layers):
        number_ = reader.layer_number(module, "R", part=layer)
        suffix = "" if reader.recurrent_layers == 1 else f"_{number_}"
        weights = _weights(reader, module, layer, number_)
        batch_shape = inputs[0].shape[:-1]
        h = _initial(reader, state if kind != "LSTM" else (None if state is None else state[0]),
                     layer, "h", suffix, (*batch_shape, hidden), node)
        c = _initial(reader, None if kind != "LSTM" or state is None else state[1], layer,
                     "c", suffix, (*batch_shape, hidden), node) if kind == "LSTM" else None
        outputs = []
        step = _STEPS[kind]
        if kind == "RNN":
            step = functools.partial(_rnn_step, nonlinearity=module.nonlinearity)
        for t, x_t in enumerate(inputs, 1):
            h, c = step(reader, x_t, h, c, weights, t, suffix, hidden)
            outputs.append(h)
        inputs = outputs
        layers_h.append(h)
        if c is not None:
            layers_c.append(c)
    _hold_steps(reader, node, inputs, recorded, batched and module.batch_first)
    out = Stack(tuple(inputs), 1 if batched and module.batch_first else 0)
    h_n = Stack(tuple(layers_h), 0)
    if kind == "LSTM":
        return out, (h_n, Stack(tuple(layers_c), 0))
    return out, h_n


def _steps(x: Any, steps: int, batch_first: bool) -> list[Formula]:
    """Each time step's input."""
    if isinstance(x, Stack) and x.axis == (1 if batch_first else 0):
        return list(x.items)
    whole = x.materialized() if isinstance(x, Stack) else x
    if batch_first:
        whole = transpose(whole, (1, 0, 2))
    return [index(whole, [t]) for t in range(steps)]


def _weights(reader: Reader, module: Any, layer: int, n: int) -> dict[str, Formula | None]:
    found: dict[str, Formula | None] = {}
    for key, name in (("weight_ih", "Wih"), ("weight_hh", "Whh"), ("bias_ih", "bih"),
                      ("bias_hh", "bhh")):
        tensor = getattr(module, f"{key}_l{layer}", None)
        found[name] = None if tensor is None else reader.parameter(tensor, f"{name}{n}",
                                                                   number=False)
    return found


def _initial(reader: Reader, state: Any, layer: int, letter: str, suffix: str,
             shape: tuple[int, ...], node: Any) -> Formula:
    """The state before the first step: layer ``layer`` of the given one, or zeros."""
    if state is None:
        return reader.draft.leaf(f"{letter}0{suffix}", "constant", np.zeros(shape),
                                 origin=f"zeros: {reader.where(node)} starts from no state")
    if isinstance(state, Stack):
        return state.items[layer] if state.axis == 0 else index(state.materialized(), [layer])
    return index(reader.tensor(state, node), [layer])


def _affine(x: Formula, w: Formula | None, b: Formula | None, shape: tuple[int, ...]) -> Formula:
    assert w is not None  # every layer has its weights
    z = matmul(x, transpose(w), shape)
    return add(z, b, shape) if b is not None else z


def _gates(pre: Formula, gates: int, hidden: int) -> Formula:
    """The stacked pre-activations ``(..., gates*hidden)`` as ``(gates, ..., hidden)``, so
    that ``G[k]`` is gate ``k``."""
    batch = pre.shape[:-1]
    split = reshape(pre, (*batch, gates, hidden))
    if not batch:
        return split
    return transpose(split, (len(batch), *range(len(batch)), len(batch) + 1))


def _rnn_step(reader: Reader, x: Formula, h: Formula, c: Formula | None,
              w: dict[str, Formula | None], t: int, suffix: str, hidden: int,
              nonlinearity: str = "tanh") -> tuple[Formula, None]:
    shape = h.shape
    pre = add(_affine(x, w["Wih"], w["bih"], shape), _affine(h, w["Whh"], w["bhh"], shape),
              shape)
    return reader.node("h", call(nonlinearity, [pre], shape), name=f"h{t}{suffix}"), None


def _lstm_step(reader: Reader, x: Formula, h: Formula, c: Formula | None,
               w: dict[str, Formula | None], t: int, suffix: str,
               hidden: int) -> tuple[Formula, Formula]:
    assert c is not None
    shape = h.shape
    wide = (*shape[:-1], 4 * hidden)
    pre = add(_affine(x, w["Wih"], w["bih"], wide), _affine(h, w["Whh"], w["bhh"], wide), wide)
    g = reader.node("G", _gates(pre, 4, hidden), name=f"G{t}{suffix}")
    gate = {}
    for k, (name, function) in enumerate((("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"),
                                          ("o", "sigmoid"))):
        gate[name] = reader.node(name, call(function, [index(g, [k])], shape),
                                 name=f"{name}{t}{suffix}")
    cell = add(multiply(gate["f"], c, shape), multiply(gate["i"], gate["g"], shape), shape)
    c_t = reader.node("c", cell, name=f"c{t}{suffix}")
    h_t = reader.node("h", multiply(gate["o"], call("tanh", [c_t], shape), shape),
                      name=f"h{t}{suffix}")
    return h_t, c_t


def _gru_step(reader: Reader, x: Formula, h: Formula, c: Formula | None,
              w: dict[str, Formula | None], t: int, suffix: str,
              hidden: int) -> tuple[Formula, None]:
    shape = h.shape
    wide = (*shape[:-1], 3 * hidden)
    gx = reader.node("Gx", _gates(_affine(x, w["Wih"], w["bih"], wide), 3, hidden),
                     name=f"Gx{t}{suffix}")
    gh = reader.node("Gh", _gates(_affine(h, w["Whh"], w["bhh"], wide), 3, hidden),
                     name=f"Gh{t}{suffix}")
    r = reader.node("r", call("sigmoid", [add(index(gx, [0]), index(gh, [0]), shape)], shape),
                    name=f"r{t}{suffix}")
    z = reader.node("z", call("sigmoid", [add(index(gx, [1]), index(gh, [1]), shape)], shape),
                    name=f"z{t}{suffix}")
    candidate = call("tanh", [add(index(gx, [2]), multiply(r, index(gh, [2]), shape), shape)],
                     shape)
    n = reader.node("n", candidate, name=f"n{t}{suffix}")
    new = add(multiply(subtract(number(1), z, shape), n, shape), multiply(z, h, shape), shape)
    return reader.node("h", new, name=f"h{t}{suffix}"), None


def _hold_steps(reader: Reader, node: Any, states: Sequence[Formula], recorded: Any,
                batch_first: bool) -> None:
    """Hold each of the last layer's states to torch's output at that step."""
    out = recorded[0]
    for t, state in enumerate(states):
        value = out[:, t] if batch_first else out[t]
        if tuple(value.shape) == state.shape:
            reader.draft.check(state, value.detach().double().numpy(), reader.where(node))


_STEPS: Mapping[str, Callable[..., tuple[Formula, Formula | None]]] = {
    "RNN": _rnn_step, "LSTM": _lstm_step, "GRU": _gru_step}


#: torch.nn recurrent class -> its translator
RECURRENT: Mapping[str, Callable[..., Any]] = {"RNN": _read, "LSTM": _read, "GRU": _read}
