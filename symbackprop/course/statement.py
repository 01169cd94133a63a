r"""What a student's sheet states, so that it can be solved alone: the network in words, its
forward pass node by node, what each question asks and how an answer is judged.

All of it is LaTeX, the same for every student of a template (typeset once:
:class:`symbackprop.course.handout.Sheet`):

- :func:`network_words`: the layers, each layer's activation and the loss, with their formulas
  (:attr:`symbackprop.rules.registry.Activation.definition`), the biases;
- :func:`forward_equations`: every node's definition (``a_{11} = b_1 + w_1 x_1 + w_2 x_2``,
  ``h_{11} = \sigma(a_{11})``, ...): which parameter connects what, whatever the naming;
- :func:`asked`: what a question asks, from its :class:`~symbackprop.spec.quantity.Quantity`;
- :func:`judging`: the rule an answer is judged by, once for the sheet.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("assignment_2_2_2")
>>> print(network_words(problem)[0][:72])
A fully connected network: 2 inputs ($x_{1}, x_{2}$), one hidden layer o
>>> forward_equations(problem.graph)[0]
'a_{11} &= b_{1} + w_{1} x_{1} + w_{2} x_{2}'
>>> print(asked(problem.variants.questions[0], problem)[:56])
$\frac{\partial \mathcal{L}}{\partial w_{5}}$, the deriv
"""

from __future__ import annotations

from collections.abc import Sequence

from ..graph.computation import ComputationGraph
from ..graph.network import LayeredNetwork
from ..render.display import aligned
from ..render.numbers import latex_number
from ..render.page import labels
from ..render.typeset import leibniz, math_structure
from ..rules.registry import LOSSES, SOFTMAX_DEFINITION, activation
from ..spec.problems import Problem
from ..spec.variants import Question

__all__ = ["MAX_EQUATIONS", "asked", "forward_equations", "how_precise", "judging",
           "network_words"]

MAX_EQUATIONS = 40
"""A forward pass of more nodes is stated by its first equations and a count of the rest."""

_BIASES = {
    "none": "No neuron has a bias.",
    "per_layer": "Each layer has one bias, shared by its neurons ({names}).",
    "per_neuron": "Each neuron has a bias of its own ({names}).",
}


def _listing(graph: ComputationGraph, names: Sequence[str], most: int = 6) -> str:
    shown = [graph.node(n).latex for n in names[:most]]
    return "$" + ", ".join(shown) + (r", \dots" if len(names) > most else "") + "$"


def _words(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _layers(network: LayeredNetwork) -> str:
    hidden = network.layers[1:-1]
    if not hidden:
        return "no hidden layer"
    if len(hidden) == 1:
        return f"one hidden layer of {_words(hidden[0], 'neuron', 'neurons')}"
    widths = ", ".join(str(w) for w in hidden[:-1]) + f" and {hidden[-1]}"
    return f"{len(hidden)} hidden layers of {widths} neurons"


def _activation(network: LayeredNetwork, layer: int) -> str:
    """Layer ``layer``'s activation (1-based; the last is the output layer) in words."""
    name = network.activation_name(layer)
    if name == "softmax":
        return f"the softmax, ${SOFTMAX_DEFINITION}$"
    entry = activation(name, network.slopes.get(layer))
    return f"the {name.replace('_', ' ')}, ${entry.definition}$"


def network_words(problem: Problem) -> list[str]:
    r"""The network in words, a paragraph each: its layers; each neuron's pre-activation and
    each layer's activation; the biases; the loss.  For a graph that is not a layered network:
    what it computes and its output.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> words = network_words(load_problem("assignment_2_2_2"))
    >>> print(words[1][-60:])
    y layer the sigmoid, $h = \sigma(a) = \frac{1}{1 + e^{-a}}$.
    >>> print(words[2])
    Each layer has one bias, shared by its neurons ($b_{1}, b_{2}$).
    >>> print(words[3])
    The loss is the half squared error, $\mathcal{L} = \frac{1}{2} \sum_j (y_j - \hat{y}_j)^2$.
    >>> network_words(load_problem("branching_graph"))[0][-18:]
    'its output is $e$.'
    """
    graph, network = problem.graph, problem.network
    if network is None:
        return ["The graph computes each node from the ones before it, as the equations below "
                f"say; its output is ${graph.node(graph.output).latex}$."]
    inputs, outputs = graph.kind_of("input"), graph.kind_of("output")
    targets = graph.kind_of("target")
    shape = (f"A fully connected network: {_words(len(inputs), 'input', 'inputs')} "
             f"({_listing(graph, inputs)}), {_layers(network)} and "
             f"{_words(len(outputs), 'output', 'outputs')} ({_listing(graph, outputs)}), "
             f"compared with the {_words(len(targets), 'target', 'targets').split(' ', 1)[1]} "
             f"({_listing(graph, targets)}).")
    layers = [_activation(network, layer) for layer in range(1, network.depth + 1)]
    if len(set(layers)) == 1:
        each = f"every layer {layers[0]}"
    else:
        named = [f"hidden layer {k} {text}" for k, text in enumerate(layers[:-1], start=1)]
        if len(named) == 1:
            named = [f"the hidden layer {layers[0]}"]
        each = "; ".join([*named, f"the output layer {layers[-1]}"])
    bias = "" if network.bias == "none" else ", and its bias"
    neurons = (f"Each neuron adds up its inputs, each times its weight{bias}: its "
               f"pre-activation $a$; it applies its layer's activation to it: {each}.")
    biases = _BIASES[network.bias].format(names=_listing(graph, _biases(network)))
    loss = LOSSES[network.loss]
    count = (f" over the $m = {len(outputs)}$ outputs" if r"\frac{1}{m}" in loss.definition
             else "")
    words = (f"The loss is the {loss.name.replace('_', ' ')}, ${loss.definition}${count}.")
    return [shape, neurons, biases, words]


def forward_equations(graph: ComputationGraph, most: int = MAX_EQUATIONS) -> list[str]:
    r"""The forward pass as ``align*`` rows: each node that has a definition, in order, broken
    to the page's width; the first ``most`` of them and a row counting the rest.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> rows = forward_equations(load_problem("mazur_2_2_2").graph)
    >>> print(rows[2])
    h_{11} &= \sigma\left(a_{11}\right)
    >>> print(rows[-1][:40])
    \mathcal{L} &= \frac{\left(y_{1} - \hat{
    >>> forward_equations(load_problem("padhai_4_4_2").graph, most=3)[-1]
    '&\\text{and 10 more}'
    """
    names = graph.latex_names()
    defined = [n for n in graph.order if graph.node(n).definition is not None]
    rows: list[str] = []
    for name in defined[:most]:
        node = graph.node(name)
        rows += aligned(node.latex, math_structure(node.definition, names))
    if len(defined) > most:
        rows.append(rf"&\text{{and {len(defined) - most:,} more}}")
    return rows


def _biases(network: LayeredNetwork) -> list[str]:
    """The network's biases, each once, layer by layer."""
    names = (network.bias_name(layer, j) for layer in range(1, network.depth + 1)
             for j in range(1, network.layers[layer] + 1))
    return list(dict.fromkeys(name for name in names if name is not None))


def _parameter(problem: Problem, name: str) -> str:
    """``weight`` or ``bias`` in a layered network, else ``parameter``."""
    network = problem.network
    if network is None or name not in network.parameter_names():
        return "parameter"
    return "bias" if name in _biases(network) else "weight"


def asked(question: Question, problem: Problem) -> str:
    r"""What ``question`` asks, in words with its math: the derivative, the parameter after one
    step of gradient descent, or a value of the forward pass; a formula answer says so.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("assignment_2_2_2")
    >>> print(asked(problem.variants.questions[2], problem)[:60])
    $w_{1}^{+}$, the weight $w_{1}$ after one step of gradient d
    >>> print(asked(problem.variants.questions[3], problem))
    $\hat{y}_{1}$, its value in the forward pass
    """
    names = labels(problem.graph)
    target = names[question.target]
    if question.kind == "derivative":
        wrt = names[question.wrt or ""]
        of = "the loss " if question.target == problem.graph.output else ""
        text = (f"${leibniz(question.target, question.wrt or '', names)}$, the derivative of "
                f"{of}${target}$ with respect to ${wrt}$")
    elif question.kind == "update":
        gradient = leibniz(problem.graph.output, question.target, names)
        text = (f"${target}^{{+}}$, the {_parameter(problem, question.target)} ${target}$ after "
                "one step of gradient descent, "
                f"${target}^{{+}} = {target} - \\eta {gradient}$")
    else:
        text = f"${target}$, its value in the forward pass"
    if question.answer == "formula":
        text += ", as a formula in the graph's symbols (not a number)"
    return text


def how_precise(question: Question) -> str:
    r"""How precise an answer to ``question`` must be, in words: its significant digits (of the
    value asked for, an updated weight's too), or its tolerance when the template gives one.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> questions = load_problem("assignment_2_2_2").variants.questions
    >>> how_precise(questions[0])
    '3 significant digits'
    >>> print(how_precise(questions[2]))
    3 significant digits
    """
    if question.answer == "formula":
        return "a formula"
    if question.tolerance is not None:
        return f"within ${latex_number(question.tolerance)}$"
    return f"{question.digits} significant digit{'s' if question.digits != 1 else ''}"


def judging(questions: Sequence[Question]) -> str:
    r"""The rule an answer is judged by, said once under the instructions: to the asked
    significant digits; a question with a tolerance of its own says so.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> print(judging(load_problem("assignment_2_2_2").variants.questions)[:60])
    Give each answer to at least 3 significant digits. An answer
    """
    numeric = [q for q in questions if q.answer != "formula"]
    digits = sorted({q.digits for q in numeric if q.tolerance is None})
    sentences = []
    if len(digits) == 1:
        n = digits[0]
        sentences.append(f"Give each answer to at least {n} significant digits. An answer counts "
                         f"as right when, rounded to {n} significant digits, it equals the right "
                         f"value so rounded, or when, given with at least {n} significant digits, "
                         "it is within half a unit of its own last digit of the right value. An "
                         "answer with fewer digits scores nothing, even when they are right.")
    elif digits:
        sentences.append("Give each answer to at least N significant digits (N as the question "
                         "asks). An answer counts as right when, rounded to N significant digits, "
                         "it equals the right value so rounded, or when, given with at least N "
                         "significant digits, it is within half a unit of its own last digit of "
                         "the right value. An answer with fewer digits scores nothing, even when "
                         "they are right.")
    if any(q.tolerance is not None for q in numeric):
        sentences.append("A question that gives a tolerance counts an answer as right when it is "
                         "within that tolerance of the right value.")
    if len(numeric) < len(questions):
        sentences.append("A question that asks for a formula counts it as right when it is the "
                         "same function as the right one.")
    return " ".join(sentences)
