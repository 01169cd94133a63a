"""Tensor-level derivations as plain data (dicts of str, float, list) for ``--format json``
on a tensor problem: ``derive`` (:func:`tensor_derivation_data`), ``derive --wrt all``
(:func:`tensor_gradients_data`) and ``paths`` (:func:`tensor_paths_data`).
``docs/tensor-derive.schema.json`` is their JSON Schema.

Every expression is given twice, in the text notation of ``derive --format text`` and in
LaTeX (:mod:`symbackprop.render.tensor_typeset`); every shape as a list of dimensions.  The
gradient asked for (each gradient of ``--wrt all``) is written whole, as nested lists (numpy's
``tolist``: a scalar is a number), an entry float64 cannot hold as ``null``.  The other values
(the adjoints', each path's contribution, the update's parameter before and after) are
written whole up to the text's display rule (:func:`~symbackprop.render.tensor_values.summarised`)
and past it as a summary: the tensor's shape, Frobenius norm and largest entry in absolute
value, and its entries at the indices the text prints (:func:`summary_data`); ``full=True``
(``--full``) writes each whole.  A path's partial adjoint at each of its steps is left out (the
steps of many paths of large tensors would make tens of megabytes; the adjoints hold the sums).

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.calculus.derivation import derive
>>> problem = load_problem("tensor_batchnorm")
>>> data = tensor_derivation_data(derive(problem.graph, "x", values=problem.values))
>>> data["level"], data["path_count"], [p["nodes"][1] for p in data["paths"]]
('tensor', 3, ['Y.mu', 'Y.var', 'Y.xhat'])
>>> step = data["paths"][0]["steps"][-1]
>>> step["parent"], step["child"], step["vjp"], step["shape"], step["operands"]
('x', 'Y.mu', 'δY.mu / 6', [6, 4], [{'name': 'δY.mu', 'shape': [4]}])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..calculus.tensor_derivation import TensorDerivation
from ..calculus.tensor_sweep import TensorGradients
from ..calculus.tensor_terms import TensorAdjoint, TensorTerm
from ..graph.tensor import TensorGraph
from ..rules.tensor.expr import TExpr, walk
from .parts import MAX_LISTED
from .tensor_page import RESULT_NODES, composed, operands, tensor_step
from .tensor_typeset import tensor_latex, tensor_text
from .tensor_values import kept, summarised

__all__ = ["summary_data", "tensor_derivation_data", "tensor_gradients_data",
           "tensor_paths_data"]

LEVEL = "tensor"
"""The ``level`` key of every tensor-level JSON output (a scalar one has none)."""


def _array(value: np.ndarray | None) -> Any:
    """A value whole, as nested lists; an entry that is not finite as ``None``."""
    if value is None:
        return None
    array = np.asarray(value, dtype=float)
    if np.isfinite(array).all():
        return array.tolist()
    return np.where(np.isfinite(array), array, None).tolist()  # type: ignore[call-overload]


def _finite(number: float) -> float | None:
    return number if np.isfinite(number) else None


def summary_data(value: np.ndarray) -> dict[str, Any]:
    """A tensor too large to write whole (:func:`~symbackprop.render.tensor_values.summarised`):
    its ``shape``, Frobenius ``norm``, largest entry in absolute value (``max_abs``), and
    ``entries`` (nested lists) at the ``indices`` kept along each axis
    (:func:`~symbackprop.render.tensor_values.kept`: an axis past 6 its first and last 3).  A
    number float64 cannot hold is ``null``.

    Examples
    --------
    >>> data = summary_data(np.arange(64.0).reshape(8, 8))
    >>> data["shape"], data["indices"][0], round(data["norm"], 4), data["max_abs"]
    ([8, 8], [0, 1, 2, 5, 6, 7], 292.137, 63.0)
    >>> data["entries"][0], data["entries"][-1][-1]
    ([0.0, 1.0, 2.0, 5.0, 6.0, 7.0], 63.0)
    """
    array = np.asarray(value, dtype=float)
    indices = kept(array.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        norm, top = float(np.linalg.norm(array)), float(np.max(np.abs(array), initial=0.0))
    return {"shape": list(array.shape), "norm": _finite(norm), "max_abs": _finite(top),
            "indices": indices, "entries": _array(array[np.ix_(*indices)])}


def _value(value: np.ndarray | None, full: bool) -> Any:
    """A value other than the gradient asked for: whole up to the display rule (or with
    ``full``), else :func:`summary_data`."""
    if value is None or full or not summarised(np.asarray(value)):
        return _array(value)
    return summary_data(np.asarray(value))


def _expression(expr: TExpr) -> dict[str, Any]:
    return {"text": tensor_text(expr), "latex": tensor_latex(expr)}


def _shapes(graph: TensorGraph, nodes: set[str]) -> dict[str, list[int]]:
    return {name: list(graph.node(name).shape) for name in graph.order if name in nodes}


def _path(term: TensorTerm, full: bool) -> dict[str, Any]:
    steps = [{"parent": step.parent, "child": step.child, "vjp": tensor_text(step.expression),
              "latex": tensor_latex(step.expression), "shape": list(step.shape),
              "operands": [{"name": tensor_text(o), "shape": list(o.shape)}
                           for o in operands(step.expression)]}
             for step in term.steps]
    return {"nodes": list(term.path.nodes), "steps": steps, "value": _value(term.value, full)}


def _adjoint(adjoint: TensorAdjoint, full: bool) -> dict[str, Any]:
    terms = [{"child": child, **_expression(vjp)} for child, vjp in adjoint.contributions]
    written = " + ".join(t["text"] for t in terms) if terms else "1"
    latex = " + ".join(t["latex"] for t in terms) if terms else "1"
    return {"node": adjoint.node, "shape": list(adjoint.shape), "expression": written,
            "latex": latex, "terms": terms, "value": _value(adjoint.value, full)}


def _listed(d: TensorDerivation) -> list[TensorTerm]:
    return list(d.terms or ())[:MAX_LISTED]


def tensor_paths_data(derivation: TensorDerivation, *, full: bool = False) -> dict[str, Any]:
    """The paths of a tensor-level derivation (``paths --format json``): each with its chain of
    VJPs in chain-rule order (the output end first), every step with its shape and its
    operands' shapes, and (with numbers) the path's contribution (summarised past the display
    rule unless ``full``) and the gradient (whole).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> data = tensor_paths_data(derive(load_problem("tensor_mlp").graph, "b1"))
    >>> data["path_count"], data["paths"][0]["nodes"], data["gradient"]
    (1, ['b1', 'Z1', 'H1', 'Z2', 'L'], None)
    >>> data["paths"][0]["steps"][-1]["vjp"], data["shapes"]["b1"]
    ('1ᵀ δZ1', [5])
    """
    d = derivation
    listed = _listed(d)
    on_paths = {a.node for a in d.adjoints} | {d.wrt, d.of}
    return {"level": LEVEL, "of": d.of, "wrt": d.wrt, "path_count": d.path_count,
            "paths_listed": len(listed) == d.path_count,
            "shapes": _shapes(d.graph, on_paths),
            "paths": [_path(term, full) for term in listed],
            "gradient": _array(d.gradient)}


def tensor_derivation_data(derivation: TensorDerivation, learning_rate: float | None = None,
                           *, full: bool = False) -> dict[str, Any]:
    """A tensor-level derivation (``derive --format json``): what :func:`tensor_paths_data`
    holds, and the forward pass on the paths, the factored (adjoint) form with each adjoint's
    terms and value, the gradient written out (``null`` past
    :data:`~symbackprop.render.tensor_page.RESULT_NODES` nodes) and, given a
    ``learning_rate``, one step of gradient descent on a parameter.  Every value but the
    gradient is summarised past the display rule unless ``full``.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.derivation import derive
    >>> problem = load_problem("tensor_mazur")
    >>> data = tensor_derivation_data(derive(problem.graph, "W2", values=problem.values), 0.5)
    >>> data["forward"][0]["node"], [a["node"] for a in data["adjoints"]][-1]
    ('Z2', 'W2')
    >>> round(data["update"]["after"][0][0], 8), data["update"]["learning_rate"]
    (0.35891648, 0.5)
    """
    d = derivation
    data = tensor_paths_data(d, full=full)
    on_paths = {a.node for a in d.adjoints}
    data["forward"] = [{"node": name, "shape": list(d.graph.node(name).shape),
                        **_expression(node.definition)}
                       for name in d.graph.order
                       if name in on_paths and (node := d.graph.node(name)).definition
                       is not None]
    data["adjoints"] = [_adjoint(a, full) for a in d.adjoints]
    written = composed(d)
    data["result"] = (_expression(written)
                      if sum(1 for _ in walk(written)) <= RESULT_NODES else None)
    step = tensor_step(d, learning_rate)
    data["update"] = None if step is None else {
        "learning_rate": step.learning_rate, "before": _value(np.asarray(step.before), full),
        "after": _value(np.asarray(step.after), full)}
    return data


def tensor_gradients_data(grads: TensorGradients, *, full: bool = False) -> dict[str, Any]:
    """Every parameter's gradient from one reverse sweep (``derive --wrt all --format json``
    on a tensor problem): the adjoints of the sweep, ``of`` first (their values summarised past
    the display rule unless ``full``), and each parameter's gradient (whole).

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.calculus.tensor_sweep import tensor_gradients
    >>> problem = load_problem("tensor_mlp")
    >>> data = tensor_gradients_data(tensor_gradients(problem.graph, problem.values))
    >>> data["parameters"], len(data["gradients"]["W1"]), data["adjoints"][0]["expression"]
    (['W1', 'W2', 'b1', 'b2'], 3, '1')
    """
    return {"level": LEVEL, "of": grads.of, "parameters": list(grads.parameters),
            "adjoints": [_adjoint(a, full) for a in grads.adjoints],
            "gradients": {name: _array(value) for name, value in grads.gradients.items()}}
