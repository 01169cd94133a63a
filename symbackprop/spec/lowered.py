"""A tensor problem as a scalar problem: the entry view of ``derive`` and ``paths``.

:func:`lowered_problem` lowers a :class:`~symbackprop.spec.tensor.TensorProblem`'s graph to
scalars (:func:`symbackprop.graph.tensor_lowering.lower`: every entry ``W1[2,3]`` a node) and
returns a :class:`~symbackprop.spec.problems.Problem` holding it, so every command that reads a
scalar problem shows one entry's paths (``derive FILE --wrt 'W1[2,3]'``).

Examples
--------
>>> from symbackprop.calculus.derivation import derive
>>> from symbackprop.spec.tensor import tensor_problem_from_dict
>>> tensor = tensor_problem_from_dict({"tensor": {
...     "output": "L", "inputs": {"x": [1.0, 2.0]}, "parameters": {"W": [[0.5], [-0.5]]},
...     "nodes": {"h": "tanh(x @ W)", "L": "sum(h**2)"}}}, name="tiny.toml")
>>> problem = lowered_problem(tensor)
>>> problem
Problem('tiny.toml', ComputationGraph(6 nodes, 5 edges, output='L'), 0 claims)
>>> problem.graph.node("h[0]")
Node('h[0]', hidden = tanh(W[0,0]*x[0] + W[1,0]*x[1]))
>>> d = derive(problem.graph, "W[1,0]", values=problem.values)
>>> [str(term.path) for term in d.terms], round(float(d.value), 6)
(['W[1,0] -> h[0] -> L'], -1.453724)
"""

from __future__ import annotations

from ..graph.tensor_lowering import lower
from .problems import Problem
from .tensor import TensorProblem

__all__ = ["lowered_problem"]


def lowered_problem(problem: TensorProblem) -> Problem:
    """``problem`` lowered to scalars, with its title, source, description, path and learning
    rate, and the values of every entry it gives (its claims are the tensor checker's, not
    carried over).

    Raises
    ------
    SpecError
        Above the lowering's limits (the message says how to raise them, and that the tensor
        view needs no lowering), or when an integer tensor has no values.

    Examples
    --------
    >>> from symbackprop.spec.tensor import tensor_problem_from_dict
    >>> tensor = tensor_problem_from_dict({"title": "squares", "tensor": {
    ...     "output": "L", "parameters": {"w": [3.0, 4.0]}, "nodes": {"L": "sum(w**2)"}}})
    >>> problem = lowered_problem(tensor)
    >>> problem.title, problem.values, problem.graph.parameters
    ('squares', {'w[0]': 3.0, 'w[1]': 4.0}, ['w[0]', 'w[1]'])
    """
    lowering = lower(problem.graph, problem.values, where=problem.path or problem.title)
    return Problem(graph=lowering.graph, values=lowering.values, title=problem.title,
                   source=problem.source, description=problem.description, path=problem.path,
                   learning_rate=problem.learning_rate)
