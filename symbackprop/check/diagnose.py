"""Why a claim is wrong: the simplest combination of common mistakes that reproduces it.

A wrong derivative is rarely random.  It is the sum over some of the paths (a path was missed),
or a product with one local partial written wrongly (a mistake of
:data:`symbackprop.check.mistakes.MISTAKES`, or the file's own wrong value for that partial), or the
right number with a flipped sign or a factor of 2, or a combination of these.  The search here
tries them all, bounded, and reports the explanation with the fewest parts (ties: the one that
uses most of the file's own numbers, then the fewest missing paths).

Everything is computed over *points*: one point (the file's values) for a numeric claim, several
seeded random points for a formula, so that the same search diagnoses both; a formula is
explained only when the explanation matches it at every point.

The search itself, and its limits (kept small so that a match means something), are in
:mod:`symbackprop.check.pathsearch`; the registry of mistakes in :mod:`symbackprop.check.mistakes`;
the data it works on (:class:`Scenario`, :class:`Known`) and produces (:class:`Finding`,
:class:`Diagnosis`) in :mod:`symbackprop.check.evidence`.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> problem = load_problem("padhai_4_4_2")
>>> scenario = Scenario.at_values(problem.graph, problem.values)
>>> derivation = scenario.derivation("L", "w212")
>>> diagnosis = diagnose_derivative(derivation, [-0.0652], [1e-4], scenario)
>>> diagnosis.kinds, diagnosis.missing_paths
(('missing_paths',), (('w212', 'a21', 'yhat2', 'L'),))
>>> print(diagnosis.findings[0].message[:78])
Uses 1 of the 2 paths from w212 to L; missing path: w212 -> a21 -> yhat2 -> L.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy

from ..calculus.derivation import Derivation
from ..calculus.terms import Step
from ..graph.computation import ComputationGraph
from ..render.numbers import DISPLAY_DIGITS, text_number
from .evidence import Diagnosis, Finding, Known, Scenario, matches
from .mistakes import PRE_UPDATE_ORDER, SCALE_MISTAKES, SIGN, STEP_SLIPS, ScaleMistake
from .pathsearch import SCALINGS, Candidate, PathSearch
from .updates import stale_gradient

__all__ = ["diagnose_derivative", "diagnose_update", "diagnose_value"]


# -- formatting ----------------------------------------------------------------------------------

def _num(value: float) -> str:
    return text_number(float(value), DISPLAY_DIGITS)


def _expr(expr: sympy.Expr) -> str:
    return str(expr).replace("**", "^")


def _path(nodes: Sequence[str]) -> str:
    return " -> ".join(nodes)


def _paths(paths: Sequence[Sequence[str]], shown: int = 6) -> str:
    text = "; ".join(_path(p) for p in paths[:shown])
    return text + (f"; and {len(paths) - shown} more" if len(paths) > shown else "")


def _at(values: np.ndarray, scenario: Scenario) -> str:
    """`` = 0.176918`` at the file's values; nothing at random points."""
    return "" if scenario.random else f" = {_num(values[0])}"


# -- describing an explanation -------------------------------------------------------------------

def _claim_note(known: Known) -> str:
    return f"your {known.of} = {known.shown}"


def _missing_finding(search: PathSearch, candidate: Candidate) -> Finding:
    d = search.derivation
    missing = [search.paths[i].nodes for i in candidate.missing]
    used = len(search.paths) - len(missing)
    plural = "path" if len(missing) == 1 else "paths"
    message = (f"Uses {used} of the {len(search.paths)} paths from {d.wrt} to {d.of}; missing "
               f"{plural}: {_paths(missing)}.")
    coupled = search.coupled
    if coupled and coupled == set(candidate.missing) and len(coupled) < len(search.paths):
        message += (" These are all the paths through the softmax's coupling (d yhat_i / d a_j "
                    "= -yhat_i yhat_j for i != j), as if each output depended on its own "
                    "pre-activation only.")
    return Finding("missing_paths", message, missing_paths=tuple(missing))


def _edge_label(edge: tuple[str, str]) -> str:
    return f"d{edge[1]}/d{edge[0]}"


def _mistake_finding(search: PathSearch, m: int, candidate: Candidate,
                     known: Sequence[Known]) -> Finding:
    mistake, forms = search.mistakes[m]
    scenario = search.scenario
    values = scenario.rounded if candidate.mod.rounded else scenario.values
    used_edges = sorted({e for i in range(len(search.paths)) if i not in candidate.missing
                         for e in search.path_edges[i]} & set(forms)
                        - {e for e, _ in candidate.mod.claims})
    details = []
    for e in used_edges:
        right = scenario.evaluate(search.right[e], values)
        wrong = scenario.evaluate(forms[e], values)
        details.append(f"{_edge_label(search.edges[e])} is {_expr(search.right[e])}"
                       f"{_at(right, scenario)}, not {_expr(forms[e])}{_at(wrong, scenario)}")
    same = []
    for e in used_edges:
        wrong = scenario.evaluate(forms[e], values)
        same += [k for k in known if k.kind == "derivative" and not k.correct
                 and (k.wrt, k.target) == search.edges[e] and k.close_to(wrong, scenario)]
    message = f"A wrong local partial: {mistake.title}. " + "; ".join(details) + "."
    if same:
        notes = ", ".join(_claim_note(k) for k in same)
        message += f" ({notes[0].upper()}{notes[1:]} "
        message += "is this form.)" if len(same) == 1 else "are this form.)"
    return Finding("wrong_factor", message,
                   factors=tuple((search.edges[e][1], search.edges[e][0]) for e in used_edges),
                   right="; ".join(_expr(search.right[e]) for e in used_edges),
                   used="; ".join(_expr(forms[e]) for e in used_edges), mistake=mistake.name)


def _consistency_finding(search: PathSearch, e: int, known: Known) -> Finding:
    scenario = search.scenario
    right = scenario.evaluate(search.right[e])
    edge = search.edges[e]
    if known.correct:
        message = (f"Uses {_claim_note(known)} for {_edge_label(edge)}, rounded (it is "
                   f"{_expr(search.right[e])}{_at(right, scenario)}).")
    else:
        message = (f"Follows from {_claim_note(known)}, which is itself incorrect: "
                   f"{_edge_label(edge)} = {_expr(search.right[e])}{_at(right, scenario)}.")
    return Finding("follows_from_claim", message, factors=((edge[1], edge[0]),),
                   right=_expr(search.right[e]), used=known.shown, claim=known.index)


def _rounded_finding(scenario: Scenario, search: PathSearch) -> Finding:
    names = {str(s) for e in range(len(search.edges)) for s in search.right[e].free_symbols}
    used = [k for k in scenario.rounded_from if k.target in names]
    listed = ", ".join(f"{k.target} = {k.shown}" for k in used)
    wrong = [k for k in used if not k.correct]
    if wrong:
        message = (f"Follows from your forward values {listed}, of which "
                   f"{', '.join(k.of for k in wrong)} {'is' if len(wrong) == 1 else 'are'} "
                   "incorrect.")
        return Finding("follows_from_claim", message, claim=wrong[0].index)
    return Finding("rounded_values", f"Computed from your rounded forward values ({listed}) "
                   "instead of the exact ones.", used=listed)


def _scalings(sign: int, scale: float) -> list[ScaleMistake]:
    """The registered mistakes of scale that together multiply the answer by ``sign * scale``:
    the sign's when it is flipped, then the factor's."""
    return [m for m in SCALE_MISTAKES if m.factor == (sign if m is SIGN else scale)]


def _scale_findings(sign: int, scale: float, loss: str | None, alone: bool) -> list[Finding]:
    """The findings of a flipped sign and a factor; the sign's hint only when it is ``alone``
    (nothing else explains the answer)."""
    return [Finding(m.name, m.diagnosed(loss if m is not SIGN or alone else None))
            for m in _scalings(sign, scale)]


def _describe(search: PathSearch, candidate: Candidate, known: Sequence[Known]
              ) -> list[Finding]:
    findings = []
    if candidate.missing:
        findings.append(_missing_finding(search, candidate))
    if candidate.mod.rounded:
        findings.append(_rounded_finding(search.scenario, search))
    findings += [_mistake_finding(search, m, candidate, known) for m in candidate.mod.mistakes]
    findings += [_consistency_finding(search, e, k) for e, k in candidate.mod.claims]
    alone = not findings
    return findings + _scale_findings(candidate.sign, candidate.scale, search.scenario.loss,
                                      alone and (candidate.scale == 1 or candidate.sign > 0))


def _mistake_words(search: PathSearch, m: int) -> str:
    """A registered mistake in words (:attr:`~symbackprop.check.mistakes.Mistake.brief`), and
    for a slip in some of the partials only, which."""
    mistake, forms = search.mistakes[m]
    words = mistake.brief
    every = {e for other, edges in search.mistakes if other is mistake for e in edges}
    if set(forms) != every:
        labels = [_edge_label(search.edges[e]) for e in sorted(forms)]
        words += " in " + ", ".join(labels[:3]) + (", ..." if len(labels) > 3 else "")
    return words


def _others(search: PathSearch, candidates: Sequence[Candidate]) -> list[str]:
    """The other explanations of the best standing in words, each said once (two candidates
    may read alike), none the same words as the best."""
    said = dict.fromkeys(_brief(search, c) for c in candidates)
    said.pop(_brief(search, candidates[0]), None)
    return list(said)


def _brief(search: PathSearch, candidate: Candidate) -> str:
    """A candidate in a few words, to name the other explanations that fit as well."""
    parts = []
    if candidate.missing:
        parts.append("missing " + _paths([search.paths[i].nodes for i in candidate.missing], 2))
    if candidate.mod.rounded:
        parts.append("rounded forward values")
    parts += [_mistake_words(search, m) for m in candidate.mod.mistakes]
    parts += [_claim_note(k) for _, k in candidate.mod.claims]
    parts += [m.brief for m in _scalings(candidate.sign, candidate.scale)]
    return " + ".join(parts)


def _summary(findings: Sequence[Finding], value: np.ndarray, scenario: Scenario) -> str:
    if scenario.random:
        return ("Together these give your formula exactly" if len(findings) > 1 else
                "This gives your formula exactly") + f" (checked at {scenario.points} random " \
            "points)."
    lead = "Together these give" if len(findings) > 1 else "This gives"
    return f"{lead} {_num(value[0])}."


# -- the diagnoses -------------------------------------------------------------------------------

def _as_points(value: Sequence[float] | np.ndarray, scenario: Scenario) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (scenario.points,)).copy()


def _unexplained(what: str, derivation_text: str) -> Diagnosis:
    message = ("Not explained by any small combination of the mistakes searched for (" + what
               + "). The right derivation follows.") if derivation_text else (
        "Not explained by any small combination of the mistakes searched for (" + what + ").")
    return Diagnosis((Finding("unexplained", message),), False, derivation=derivation_text)


_SEARCHED = ("missing paths, the registered wrong partials, your own values for the factors, "
             "rounded forward values, a flipped sign, a factor of 2")


def _chain_candidates(derivation: Derivation, scenario: Scenario, known: Sequence[Known],
                      exclude: int | None, edges: set[tuple[str, str]]
                      ) -> list[tuple[int, list[Known], np.ndarray]]:
    """Products through a node every path passes, using the file's claims for either side."""
    if derivation.terms is None:
        return []
    paths = [set(t.path.nodes[1:-1]) for t in derivation.terms]
    cut = [n for n in scenario.graph.order if all(n in p for p in paths)]
    usable = [k for k in known if k.kind == "derivative" and k.index != exclude
              and (k.wrt, k.target) not in edges]
    found = []
    for node in cut:
        after = [k for k in usable if (k.target, k.wrt) == (derivation.of, node)]
        before = [k for k in usable if (k.target, k.wrt) == (node, derivation.wrt)]
        if after:
            true_before = scenario.derivative(node, derivation.wrt)
            found += [(1, [k], k.value * true_before) for k in after]
        if before:
            true_after = scenario.derivative(derivation.of, node)
            found += [(1, [k], true_after * k.value) for k in before]
        found += [(2, [a, b], a.value * b.value) for a in after for b in before]
    return found


def diagnose_derivative(derivation: Derivation, claimed: Sequence[float] | np.ndarray,
                        tolerance: Sequence[float] | np.ndarray, scenario: Scenario,
                        known: Sequence[Known] = (), *, exclude: int | None = None,
                        derivation_text: str = "") -> Diagnosis:
    """Explain a wrong value (or formula, at random points) of ``derivation``.

    Parameters
    ----------
    derivation : Derivation
        The right derivation (symbolic; its paths listed when there are few enough).
    claimed, tolerance : array-like
        The claimed value and the tolerance at each of the scenario's points.
    scenario : Scenario
    known : sequence of Known
        The file's claims, for "follows from your ..." explanations.
    exclude : int, optional
        The index of the claim being diagnosed (it does not explain itself).
    derivation_text : str
        The right derivation as text, shown when nothing explains the claim.

    Notes
    -----
    Bounded: at most ``2^16`` subsets of the paths with the unmodified factors, ``2^10`` (or
    :data:`~symbackprop.check.pathsearch.MAX_SUBSETS` group unions) with modified ones, times the
    ways of choosing at most :data:`~symbackprop.check.pathsearch.MAX_FREE` registered mistakes and
    :data:`~symbackprop.check.pathsearch.MAX_CLAIMS_USED` of the file's values.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> derivation = scenario.derivation("L", "w5")          # dL/dw5 = 0.082167041
    >>> diagnose_derivative(derivation, [-0.082167041], [1e-9], scenario).kinds
    ('sign',)
    """
    claimed = _as_points(claimed, scenario)
    tolerance = _as_points(tolerance, scenario)
    candidates: list[Candidate] = []
    search = None
    if derivation.terms is not None:
        search = PathSearch(derivation, scenario, known, exclude)
        candidates = search.search(claimed, tolerance)
    chains = [c for c in _chain_candidates(derivation, scenario, known, exclude,
                                           set(search.edges) if search else set())
              if matches(c[2], claimed, tolerance)]
    best_chain = min(chains, key=lambda c: c[0], default=None)
    if best_chain is not None and (not candidates or best_chain[0] <= candidates[0].parts):
        _, used, value = best_chain
        findings = [Finding("follows_from_claim",
                            f"Follows from {_claim_note(k)}"
                            + ("" if k.correct else ", which is itself incorrect") + ".",
                            claim=k.index) for k in used]
        return Diagnosis(tuple(findings), True, float(value[0]),
                         summary=_summary(findings, value, scenario))
    if search is None:
        truth = scenario.derivative(derivation.of, derivation.wrt)
        for sign, scale in SCALINGS[1:]:
            if matches(sign * scale * truth, claimed, tolerance):
                findings = _scale_findings(sign, scale, scenario.loss, True)
                return Diagnosis(tuple(findings), True, float(sign * scale * truth[0]),
                                 summary=_summary(findings, sign * scale * truth, scenario))
        return _unexplained("a flipped sign, a factor of 2, your own values; the "
                            f"{derivation.path_count:,} paths are too many to search",
                            derivation_text)
    if not candidates:
        return _unexplained(_SEARCHED, derivation_text)
    best = candidates[0]
    findings = _describe(search, best, known)
    others = _others(search, candidates)
    return Diagnosis(tuple(findings), True, float(best.value[0]), len(others),
                     summary=_summary(findings, best.value, scenario), others=tuple(others[:2]))


def diagnose_value(graph: ComputationGraph, node: str, claimed: Sequence[float] | np.ndarray,
                   tolerance: Sequence[float] | np.ndarray, scenario: Scenario,
                   known: Sequence[Known] = (), *, exclude: int | None = None) -> Diagnosis:
    """Explain a wrong forward value of ``node``: computed from the file's own (rounded or
    wrong) values of its parents, the value of another node (the pre-activation, a neighbour),
    a flipped sign, or (for the loss) a factor of 2.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> print(diagnose_value(problem.graph, "yhat1", [1.10590597], [1e-8], scenario).text)
    That is a21, the input of yhat1: yhat1 = sigmoid(a21) was not applied. This gives 1.10591.
    >>> diagnose_value(problem.graph, "L", [0.596742218], [1e-9], scenario).kinds
    ('factor_of_2',)
    """
    claimed = _as_points(claimed, scenario)
    tolerance = _as_points(tolerance, scenario)
    target = graph.node(node)
    truth = scenario.values[node]
    given = {k.target: k for k in known if k.kind == "value" and k.index != exclude}
    parents = graph.parents(node)
    used = [given[p] for p in parents if p in given]
    if target.definition is not None and used:
        values = dict(scenario.values)
        values.update({k.target: k.value for k in used})
        value = scenario.evaluate(target.definition, values)
        if matches(value, claimed, tolerance):
            listed = ", ".join(f"{k.target} = {k.shown}" for k in used)
            wrong = [k for k in used if not k.correct]
            finding = (Finding("follows_from_claim", f"Follows from your {listed}, "
                               f"of which {', '.join(k.of for k in wrong)} is incorrect.",
                               claim=wrong[0].index) if wrong else
                       Finding("rounded_values", f"Computed from your rounded {listed}: "
                               f"{node} = {_expr(target.definition)}.", used=listed))
            return Diagnosis((finding,), True, float(value[0]),
                             summary=_summary([finding], value, scenario))
    others = [p for p in parents if len(parents) == 1] + [
        n for n in graph.order if n != node and graph.node(n).kind == target.kind
        and graph.node(n).layer == target.layer and target.layer is not None]
    for other in others:
        value = scenario.values[other]
        if matches(value, claimed, tolerance):
            if other in parents:
                finding = Finding("activation_not_applied", f"That is {other}, the input of "
                                  f"{node}: {node} = {_expr(target.definition)} was not "
                                  "applied.", right=_expr(target.definition), used=other)
            else:
                finding = Finding("wrong_node", f"That is the value of {other}, not of {node}.",
                                  used=other)
            return Diagnosis((finding,), True, float(value[0]),
                             summary=_summary([finding], value, scenario))
    scalings = SCALINGS[1:] if node == graph.output else SCALINGS[1:2]
    loss = scenario.loss if node == graph.output else None
    for sign, scale in scalings:
        if matches(sign * scale * truth, claimed, tolerance):
            findings = _scale_findings(sign, scale, loss, True)
            return Diagnosis(tuple(findings), True, float(sign * scale * truth[0]),
                             summary=_summary(findings, sign * scale * truth, scenario))
    formula = "" if target.definition is None else f"{node} = {_expr(target.definition)}"
    return _unexplained("your own values of its inputs, another node's value, a flipped sign",
                        formula)


def diagnose_update(derivation: Derivation, learning_rate: float,
                    claimed: Sequence[float] | np.ndarray,
                    tolerance: Sequence[float] | np.ndarray, scenario: Scenario,
                    known: Sequence[Known] = (), *, exclude: int | None = None,
                    derivation_text: str = "") -> Diagnosis:
    """Explain a wrong updated parameter ``w - learning_rate * dL/dw``.

    In order: it follows from the file's own gradient claim; the step went the wrong way, left
    out the learning rate, was taken twice (from an already-updated weight) or was reported
    without the weight (:data:`~symbackprop.check.mistakes.STEP_SLIPS`), or its gradient used
    the later layers' updated weights (:data:`~symbackprop.check.mistakes.PRE_UPDATE_ORDER`,
    :mod:`symbackprop.check.updates`); or it follows from some other gradient, which
    :func:`diagnose_derivative` then explains.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> problem = load_problem("mazur_2_2_2")        # w5 = 0.4, dL/dw5 = 0.082167041
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> derivation = scenario.derivation("L", "w5")
    >>> print(diagnose_update(derivation, 0.5, [0.441083520], [1e-9], scenario).text)
    The step went up the gradient: w + eta dL/dw instead of w - eta dL/dw. This gives 0.441084.
    """
    claimed = _as_points(claimed, scenario)
    tolerance = _as_points(tolerance, scenario)
    w, eta = derivation.wrt, float(learning_rate)
    weight = scenario.values[w]
    gradient = scenario.derivative(derivation.of, w)
    yours = [k for k in known if k.kind == "derivative" and (k.target, k.wrt) ==
             (derivation.of, w) and k.index != exclude]
    slips = [m for m in STEP_SLIPS if m.applies(eta)]

    def step(g: np.ndarray) -> Step[np.ndarray]:
        return Step(w, eta, weight, g)

    def follows(k: Known) -> Finding:
        note = f"Follows from {_claim_note(k)}"
        if not scenario.random:
            after = _num(step(k.value).after[0])
            note += f" ({_num(weight[0])} - {eta:g}*({k.shown}) = {after})"
        if k.correct:
            return Finding("follows_from_claim", note + ", rounded.", claim=k.index)
        missing = tuple(p for f in k.findings for p in f.missing_paths)
        reason = " ".join(f.message for f in k.findings if f.kind != "unexplained")
        return Finding("follows_from_claim", note + ", which is itself incorrect"
                       + (f": {reason[:1].lower()}{reason[1:]}" if reason else "."),
                       missing_paths=missing,
                       claim=k.index)

    for k in yours:
        value = step(k.value).after
        if matches(value, claimed, tolerance):
            return Diagnosis((follows(k),), True, float(value[0]))
    stale = stale_gradient(derivation, scenario, eta)
    tried = [(m, step(gradient)) for m in slips]
    if stale is not None:  # the later layers' new weights in the gradient
        tried.append((PRE_UPDATE_ORDER, step(stale)))
    for mistake, taken in tried:
        value = mistake.gives(taken)
        if matches(value, claimed, tolerance):
            finding = Finding(mistake.name, mistake.diagnosed(eta))
            return Diagnosis((finding,), True, float(value[0]),
                             summary=_summary([finding], value, scenario))
    for k in yours:
        for mistake in slips:
            value = mistake.gives(step(k.value))
            if matches(value, claimed, tolerance):
                findings: tuple[Finding, ...] = (follows(k),
                                                 Finding(mistake.name, mistake.diagnosed(eta)))
                return Diagnosis(findings, True, float(value[0]),
                                 summary=_summary(findings, value, scenario))
    implied = (weight - claimed) / eta
    inner = diagnose_derivative(derivation, implied, tolerance / abs(eta), scenario, known,
                                exclude=exclude)
    if not inner.explained:
        return _unexplained("your own gradient, the update's sign, learning rate or repetition, "
                            "and the mistakes searched for in the gradient", derivation_text)
    used = "" if scenario.random else f" of about {_num(implied[0])}"
    lead = (f"The update used a gradient dL/d{w}{used} instead of the right "
            f"{_num(gradient[0]) if not scenario.random else 'one'}")
    not_yours = ""
    if yours and not scenario.random:
        not_yours = (f"; it does not follow from {', '.join(_claim_note(k) for k in yours)}")
    finding = Finding("wrong_gradient", lead + not_yours + ".", used=_num(implied[0]))
    findings = (finding, *inner.findings)
    value = step(np.atleast_1d(inner.reproduces if inner.reproduces is not None
                               else implied)).after
    return Diagnosis(findings, True, float(np.atleast_1d(value)[0]), inner.alternatives,
                     summary=_summary(findings, np.atleast_1d(value), scenario),
                     others=inner.others)
