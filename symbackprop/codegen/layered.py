"""Layer-wise matrix code for the gradient of a layered network (numpy and jax targets).

The named adjoints of a fully connected network come in layers: ``delta_a{l}`` is the row of
``dL/da_lj`` for every neuron ``j`` of layer ``l``.  Written as matrices, the sweep is the usual
backprop (docs/theory.md):

* ``delta_a_L = J_out^T dL/dyhat`` (fused with the loss where that is more stable),
* ``delta_h_{l-1} = delta_a_l @ W_l`` and ``delta_a_{l-1} = delta_h_{l-1} * f'(a_{l-1})``,
* ``dL/dW_l = delta_a_l^T @ h_{l-1}`` and ``dL/db_l = sum of delta_a_l``,

with one row per example, so the code is vectorised over a batch and the weight gradients are
summed over it (the gradient of the batch's total loss); each layer's gradients are written as
soon as its ``delta_a`` is known, the textbook loop.  Stable forms: the sigmoid never overflows
(numpy: ``1/(1 + exp(-a))`` with the overflow of ``exp(-a)`` to ``inf`` giving 0; jax:
``0.5 (1 + tanh(a / 2))``), the softmax is shifted by its row maximum, and softmax with
cross-entropy (or sigmoid with binary cross-entropy) uses the fused ``delta_a`` that never
divides by ``yhat``.

numpy code works in place: a wide layer's ``a``, ``h`` and ``delta`` arrays are overwritten by
the next value once the old one is not needed again (small helpers such as
``times_sigmoid_slope``, from :mod:`symbackprop.codegen.numpy_helpers`, are written beside the
gradient function), so a step allocates no new (batch, width) array; a fresh array per
operation costs more than its arithmetic at batch 10,000.  The arrays a call does need (each layer's
``a`` and ``delta_h``) are written into those of ``work=``, a dict the caller keeps from call to
call (one per thread; :func:`symbackprop.codegen.compile_gradient` does this), so that after the
first call the function allocates no (batch, width) array at all: fresh memory is given back to the
system when freed and faulted in again page by page (a 16-16-16-4 network's gradient at batch
10,000, in blocks of 2,500 rows, took 1.4x as long with a fresh array for each).  The caller's
arrays are never written to, and the returned gradients are new arrays.

Examples
--------
>>> from symbackprop.graph.network import LayeredNetwork
>>> net = LayeredNetwork((2, 2, 1), hidden=("tanh",), output="identity",
...                      loss="half_squared_error")
>>> code = layered_source(net, "numpy")
>>> code.arguments, code.outputs
(('x', 'y', 'W1', 'W2'), ('W1', 'W2'))
>>> backward = code.source.split("is known")[1].split("return")[0]
>>> for line in backward.splitlines()[1:-1]:  # the code, without its comments
...     print(line.split("  # ")[0].strip())
delta_yhat = np.subtract(yhat, y, out=scratch(work, "delta_yhat", yhat.shape))
delta_a2 = delta_yhat
dW2 = delta_a2.T @ h1
delta_h1 = np.matmul(delta_a2, W2, out=scratch(work, "delta_h1", (batch, 2)))
delta_a1 = times_tanh_slope(delta_h1, h1)
dW1 = delta_a1.T @ x
>>> print(backward.splitlines()[4].split("  # ")[1])
dL/dh1k = sum_j w2jk dL/da2j
>>> helper = code.source.split("def times_tanh_slope(delta, h):")[1].split("def ")[0]
>>> for line in helper.strip().splitlines()[2:]:  # after its docstring
...     print(line.strip())
np.multiply(h, h, out=h)
delta *= np.subtract(1.0, h, out=h)
return delta
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .._version import __version__
from ..graph.network import LayeredNetwork
from .escape import python_text
from .numpy_helpers import HELPER_NAMES, helpers_used, scratch_call

__all__ = ["GeneratedCode", "layered_source"]

_MODULES = {"numpy": ("import numpy as np", "np"), "jax": ("import jax.numpy as jnp", "jnp")}


@dataclass(frozen=True)
class GeneratedCode:
    """Generated source and how to call it.

    Attributes
    ----------
    target : str
    name : str
        The generated function's name.
    source : str
    arguments : tuple of str
        Argument names in call order.
    outputs : tuple of str
        What the returned tuple holds, in order: parameter names (node-by-node code) or array
        names ``W1``, ``b1``, ... (layer-wise code).
    header : str or None
        The C header (target ``c`` only).
    layered : bool
        Whether this is layer-wise matrix code (arrays in, arrays out).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> code = layered_source(load_problem("mazur_2_2_2").network)
    >>> code
    GeneratedCode(gradient, numpy, layer-wise, 6 arguments, 4 outputs, 80 lines)
    >>> code.arguments, code.outputs
    (('x', 'y', 'W1', 'b1', 'W2', 'b2'), ('W1', 'b1', 'W2', 'b2'))
    """

    target: str
    name: str
    source: str
    arguments: tuple[str, ...]
    outputs: tuple[str, ...]
    header: str | None = None
    layered: bool = False

    def __repr__(self) -> str:
        kind = "layer-wise" if self.layered else "node-by-node"
        return (f"GeneratedCode({self.name}, {self.target}, {kind}, {len(self.arguments)} "
                f"arguments, {len(self.outputs)} outputs, {self.source.count(chr(10))} lines)")


def _forward(network: LayeredNetwork, layer: int, m: str) -> list[str]:
    """Lines computing ``a{layer}`` and the layer's activation."""
    before = "x" if layer == 1 else f"h{layer - 1}"
    out = "yhat" if layer == network.depth else f"h{layer}"
    source = "x_k" if layer == 1 else f"h{layer - 1}k"
    bias = {"none": ("", ""), "per_neuron": (f" + b{layer}", f" + b{layer}j"),
            "per_layer": (f" + b{layer}", f" + b{layer}")}[network.bias]
    a = f"a{layer}"
    name = network.activation_name(layer)
    label = "yhat_j" if out == "yhat" else f"{out}j"
    slope = repr(float(network.slopes.get(layer, 0.01)))
    note = {"sigmoid": " = 1/(1 + exp(-a)), without overflow",
            "softplus": " = log(1 + exp(a)), without overflow"}.get(name, "")
    comment = f"# {label} = {name}({a}j){note}"
    if m == "np":
        into = scratch_call(a, f"(batch, {network.layers[layer]})")
        lines = [f"{a} = np.matmul({before}, W{layer}.T.copy(), out={into})  # {a}j = sum_k "
                 f"w{layer}jk {source}{bias[1]}"]
        if bias[0]:
            lines.append(f"{a} += b{layer}")
        in_place = {
            "identity": a,
            "sigmoid": f"sigmoid({a})",
            "tanh": f"np.tanh({a}, out={a})",
            "relu": f"np.maximum({a}, 0.0, out={a})",
            "softmax": f"softmax({a})",
        }
        if name in in_place:
            if name == "softmax":
                comment = f"# {label} = exp({a}j) / sum_i exp({a}i), without overflow"
            return [*lines, f"{out} = {in_place[name]}  {comment} ({a} is not needed again)"]
        into = scratch_call(out, f"{a}.shape")
        kept = {"leaky_relu": f"leaky_relu({a}, {slope}, {into})",
                "softplus": f"np.logaddexp(0.0, {a}, out={into})"}[name]
        return [*lines, f"{out} = {kept}  {comment} ({a} is kept for the backward pass)"]
    lines = [f"{a} = {before} @ W{layer}.T{bias[0]}  # {a}j = sum_k w{layer}jk {source}{bias[1]}"]
    if name == "softmax":
        return [
            *lines,
            f"{out} = {m}.exp({a} - {a}.max(axis=1, keepdims=True))  # softmax, shifted by the "
            "row maximum: no overflow",
            f"{out} = {out} / {out}.sum(axis=1, keepdims=True)  # {label} = exp({a}j) / sum_i "
            f"exp({a}i)"]
    forms = {
        "identity": a,
        "sigmoid": f"0.5*(1.0 + {m}.tanh(0.5*{a}))",
        "tanh": f"{m}.tanh({a})",
        "relu": f"{m}.maximum({a}, 0.0)",
        "leaky_relu": f"{m}.where({a} > 0, {a}, {slope}*{a})",
        "softplus": f"{m}.logaddexp(0.0, {a})",
    }
    return [*lines, f"{out} = {forms[name]}  {comment}"]


def _loss_gradient(network: LayeredNetwork, m: str) -> list[str]:
    """Lines computing ``delta_yhat``, ``dL/dyhat`` per example (numpy: into a kept array)."""
    if m == "np":
        into = "out=" + scratch_call("delta_yhat", "yhat.shape")
        width = network.layers[-1]
        return {
            "squared_error": [f"delta_yhat = np.subtract(yhat, y, {into})  # yhat_j - y_j",
                              "delta_yhat *= 2.0  # dL/dyhat_j = -2 (y_j - yhat_j)"],
            "half_squared_error": [f"delta_yhat = np.subtract(yhat, y, {into})  # dL/dyhat_j "
                                   "= -(y_j - yhat_j)"],
            "mean_squared_error": [f"delta_yhat = np.subtract(yhat, y, {into})  # yhat_j - y_j",
                                   f"delta_yhat *= 2.0/{width}  # dL/dyhat_j = "
                                   f"-(2/{width}) (y_j - yhat_j)"],
            "cross_entropy": [f"delta_yhat = np.divide(y, yhat, {into})  # y_j / yhat_j",
                              "delta_yhat *= -1.0  # dL/dyhat_j = -y_j / yhat_j"],
            "binary_cross_entropy": [f"delta_yhat = np.subtract((1.0 - y)/(1.0 - yhat), "
                                     f"y/yhat, {into})  # dL/dyhat_j = -y_j / yhat_j + "
                                     "(1 - y_j) / (1 - yhat_j)"],
        }[network.loss]
    code, note = _loss_expression(network)
    return [f"delta_yhat = {code}  # dL/dyhat_j = {note}"]


def _loss_expression(network: LayeredNetwork) -> tuple[str, str]:
    """``dL/dyhat`` per example as one expression, and its comment."""
    m = network.layers[-1]
    return {
        "squared_error": ("2.0*(yhat - y)", "-2 (y_j - yhat_j)"),
        "half_squared_error": ("yhat - y", "-(y_j - yhat_j)"),
        "mean_squared_error": (f"(2.0/{m})*(yhat - y)", f"-(2/{m}) (y_j - yhat_j)"),
        "cross_entropy": ("-y / yhat", "-y_j / yhat_j"),
        "binary_cross_entropy": ("(1.0 - y)/(1.0 - yhat) - y/yhat",
                                 "-y_j / yhat_j + (1 - y_j) / (1 - yhat_j)"),
    }[network.loss]


# delta_a of the output layer where the activation and the loss go together: (jax code, numpy
# code, which works in place of yhat, not needed again, and the comment)
_FUSED = {
    ("softmax", "cross_entropy"): (
        "yhat*y.sum(axis=1, keepdims=True) - y",
        "np.subtract(np.multiply(yhat, row_sums(y), out=yhat), y, out=yhat)",
        "softmax and cross-entropy together: yhat_j sum_i y_i - y_j (no division by yhat)"),
    ("sigmoid", "binary_cross_entropy"): (
        "yhat - y", "np.subtract(yhat, y, out=yhat)",
        "sigmoid and binary cross-entropy together: yhat_j - y_j"),
    ("sigmoid", "cross_entropy"): (
        "-y*(1.0 - yhat)", "np.multiply(np.subtract(yhat, 1.0, out=yhat), y, out=yhat)",
        "sigmoid and cross-entropy together: -y_j (1 - yhat_j)"),
}
FUSED_PAIRS = frozenset(_FUSED)
"""(output activation, loss) pairs whose ``dL/dyhat`` divides by ``yhat`` and whose product
with the activation's slope cancels that division: generated code uses the product."""


def _activation_adjoint(network: LayeredNetwork, layer: int, m: str) -> tuple[str, str]:
    """``delta_a{layer}`` from ``delta_h{layer}`` (or ``delta_yhat``), and its comment.

    In numpy code the wide arrays are reused: ``delta_h`` (and ``h``, or ``a``) are not needed
    after this line, which is written after the layer above has its gradients.
    """
    out = "yhat" if layer == network.depth else f"h{layer}"
    d, a = f"delta_{out}", f"a{layer}"
    name = network.activation_name(layer)
    j = f"{out}_j" if out == "yhat" else f"{out}j"
    slope = repr(float(network.slopes.get(layer, 0.01)))
    notes = {
        "identity": f"dL/d{j} (identity)",
        "sigmoid": f"dL/d{j} {j} (1 - {j})",
        "tanh": f"dL/d{j} (1 - {j}^2)",
        "relu": f"dL/d{j} if a{layer}j > 0 else 0",
        "leaky_relu": f"dL/d{j} (1 if a{layer}j > 0 else {slope})",
        "softplus": f"dL/d{j} sigmoid(a{layer}j)",
        "softmax": "sum_i yhat_i (delta_ij - yhat_j) dL/dyhat_i",
    }
    if m == "np":
        codes = {
            "identity": d,
            "sigmoid": f"times_sigmoid_slope({d}, {out})",
            "tanh": f"times_tanh_slope({d}, {out})",
            "relu": f"np.multiply({d}, {out} > 0, out={d})",
            "leaky_relu": f"np.multiply({d}, {slope}, out={d}, where=~({a} > 0))",
            "softplus": f"np.multiply({d}, sigmoid({a}), out={d})",
            "softmax": f"times_softmax_slope({d}, {out})",
        }
        if name == "relu":
            notes["relu"] += f" ({out}j > 0 exactly when a{layer}j > 0)"
        return codes[name], notes[name]
    codes = {
        "identity": d,
        "sigmoid": f"{d}*{out}*(1.0 - {out})",
        "tanh": f"{d}*(1.0 - {out}*{out})",
        "relu": f"{d}*({a} > 0)",
        "leaky_relu": f"{d}*{m}.where({a} > 0, 1.0, {slope})",
        "softplus": f"{d}*0.5*(1.0 + {m}.tanh(0.5*{a}))",
        "softmax": f"{out}*({d} - ({out}*{d}).sum(axis=1, keepdims=True))",
    }
    return codes[name], notes[name]


def layered_source(network: LayeredNetwork, target: str = "numpy", *, name: str = "gradient",
                   title: str = "") -> GeneratedCode:
    """Layer-wise matrix code for every weight and bias gradient of ``network``.

    Parameters
    ----------
    network : LayeredNetwork
    target : {"numpy", "jax"}
    name : str
        The generated function's name.
    title : str
        Shown in the docstring.

    Notes
    -----
    The generated function costs O(batch * sum_l |W_l|): two matrix products per layer
    backward against one forward, as a hand-written backprop.

    Examples
    --------
    >>> from symbackprop.graph.network import matrices
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")         # biases b1 = 0.35, b2 = 0.6
    >>> namespace = {}
    >>> exec(layered_source(problem.network).source, namespace)
    >>> m = matrices(problem.network, problem.values)
    >>> dW1, db1, dW2, db2 = namespace["gradient"](m["x"], m["y"], m["W1"], 0.35, m["W2"], 0.6)
    >>> dW2.round(6)                                   # dL/dw5 = 0.082167 at the top left
    array([[ 0.082167,  0.082668],
           [-0.022603, -0.02274 ]])
    """
    if target not in _MODULES:
        raise ValueError(f"layer-wise code is for targets numpy and jax, not {target!r}")
    import_line, m = _MODULES[target]
    if name in HELPER_NAMES:
        raise ValueError(f"{name!r} is the name of a helper in the generated code; choose "
                         "another function name")
    depth = network.depth
    parameters: list[str] = []
    for layer in range(1, depth + 1):
        parameters.append(f"W{layer}")
        if network.bias != "none":
            parameters.append(f"b{layer}")
    arguments = ("x", "y", *parameters)
    as_array = "np.asarray(x, dtype=float)" if m == "np" else "x"
    body: list[str] = [
        f"x = {m}.atleast_2d({as_array})  # (batch, {network.layers[0]}): one row per example",
        f"y = {m}.atleast_2d(y)  # (batch, {network.layers[-1]})",
        "# forward",
    ]
    if m == "np":
        body.insert(2, "batch = x.shape[0]  # examples")
        body[-1:] = ["# forward (W.T.copy() is W transposed in memory: BLAS multiplies by it up to "
                     "twice", "# as fast as by the view W.T)"]
    for layer in range(1, depth + 1):
        body += _forward(network, layer, m)
    body += [
        "# backward: one line per named adjoint, delta_n = dL/dn (one row per example); each "
        "layer's",
        "# gradients, summed over the batch, as soon as its delta_a is known",
    ]
    if m == "np" and network.bias == "per_neuron":
        ones = scratch_call("ones", "(batch,)", "1.0")
        body.append(f"ones = {ones}  # sums over the batch, as matrix products")
    fused = _FUSED.get((network.output, network.loss))
    if fused is not None:
        functional, in_place, note = fused
        if m == "np":
            code, note = in_place, f"{note}; in place of yhat, not needed again"
        else:
            code = functional
        body.append(f"delta_a{depth} = {code}  # dL/da{depth}j: {note}")
    else:
        body += _loss_gradient(network, m)
        code, note = _activation_adjoint(network, depth, m)
        body.append(f"delta_a{depth} = {code}  # dL/da{depth}j = {note}")
    for layer in range(depth, 0, -1):
        below = "x" if layer == 1 else f"h{layer - 1}"
        source = "x_k" if layer == 1 else f"h{layer - 1}k"
        d = f"delta_a{layer}"
        body.append(f"dW{layer} = {d}.T @ {below}  # dL/dw{layer}jk = sum over examples of "
                    f"dL/da{layer}j {source}")
        if network.bias == "per_neuron":
            total = f"ones @ {d}" if m == "np" else f"{d}.sum(axis=0)"
            body.append(f"db{layer} = {total}  # dL/db{layer}j")
        elif network.bias == "per_layer":
            body.append(f"db{layer} = {d}.sum()  # dL/db{layer} (one bias shared by the layer)")
        if layer > 1:
            product = f"{d} @ W{layer}"
            if m == "np":
                into = scratch_call(f"delta_h{layer - 1}",
                                    f"(batch, {network.layers[layer - 1]})")
                product = f"np.matmul({d}, W{layer}, out={into})"
            body.append(f"delta_h{layer - 1} = {product}  # dL/dh{layer - 1}k = "
                        f"sum_j w{layer}jk dL/da{layer}j")
            code, note = _activation_adjoint(network, layer - 1, m)
            body.append(f"delta_a{layer - 1} = {code}  # dL/da{layer - 1}j = {note}")
    outputs = tuple(parameters)
    returned = ", ".join("d" + p for p in outputs)
    body.append(f"return ({returned},)" if len(outputs) == 1 else f"return {returned}")
    helpers = helpers_used(body) if m == "np" else []
    doc = _docstring(network, arguments, outputs, title, target)
    lines = [
        f'"""Gradient of {_describe(network)}.',
        "",
        f"Generated by symbackprop {__version__} (target: {target}): layer-wise matrix code, "
        "one line per",
        'named adjoint.' + (" Wide arrays are updated in place where their old value is not "
                            "needed again." if m == "np" else "") + '"""',
        "",
        import_line,
        *(line for text in helpers for line in ["", "", *text.strip().splitlines()]),
        "",
        "",
        f"def {name}({', '.join(arguments)}{', *, work=None' if m == 'np' else ''}):",
        *("    " + line if line else "" for line in doc.splitlines()),
        *("    " + line for line in body),
        "",
    ]
    return GeneratedCode(target, name, "\n".join(lines), arguments, outputs, None, True)


def _describe(network: LayeredNetwork) -> str:
    shape = "-".join(map(str, network.layers))
    hidden = ", ".join(dict.fromkeys(network.hidden)) or "no hidden layer"
    return (f"the {shape} network ({hidden} hidden, {network.output} output, "
            f"{network.loss} loss)")


def _docstring(network: LayeredNetwork, arguments: tuple[str, ...], outputs: tuple[str, ...],
               title: str, target: str) -> str:
    layers = network.layers
    rows = [
        f"x : shape ({layers[0]},) or (batch, {layers[0]}); x[..., k-1] is input "
        f"{network.neuron_name(0, 1)}...{network.neuron_name(0, layers[0])}",
        f"y : shape ({layers[-1]},) or (batch, {layers[-1]}); the targets "
        f"{network.names.target(1)}...{network.names.target(layers[-1])}",
    ]
    for layer in range(1, network.depth + 1):
        first = network.weight_name(layer, 1, 1)
        rows.append(f"W{layer} : shape ({layers[layer]}, {layers[layer - 1]}); "
                    f"W{layer}[j-1, k-1] is the weight to neuron j of layer {layer} from neuron "
                    f"k of layer {layer - 1} ({first}, ...)")
        if network.bias == "per_neuron":
            rows.append(f"b{layer} : shape ({layers[layer]},); b{layer}[j-1] is the bias of "
                        f"neuron j of layer {layer} ({network.bias_name(layer, 1)}, ...)")
        elif network.bias == "per_layer":
            rows.append(f"b{layer} : a number, the bias {network.bias_name(layer, 1)} shared by "
                        f"layer {layer}")
    if target == "numpy":
        rows.append("work : dict, optional, keyword only; arrays kept from call to call: the "
                    "(batch, width) arrays are written into those kept in work (made on the "
                    "first call, and again for a larger batch) rather than new ones. One dict "
                    "per thread; the returned gradients are new arrays, never work's.")
    jit = " jit-able: jax.jit(this function)." if target == "jax" else ""
    summary = f"dL/d({', '.join(outputs)}) for {python_text(title or _describe(network))}."
    returns = (f"Returns ({', '.join('dL/d' + o for o in outputs)}), each shaped as its "
               "parameter: the gradient of the loss summed over the batch (of the one example "
               f"when x has no batch axis).{jit}")
    return "\n".join([
        *_fill('"""' + summary),
        "",
        "Arguments, in order:",
        *(line for row in rows for line in _fill(row, "    ", "        ")),
        "",
        *_fill(returns),
        '"""',
    ])


def _fill(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, 92, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)
