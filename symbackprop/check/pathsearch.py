"""The bounded search for an explanation: sums over subsets of paths with modified factors.

A :class:`PathSearch` holds one derivation's paths and the value of every local partial at the
scenario's points, and the alternatives a student might have used for each: the registered
mistakes of :data:`symbackprop.check.mistakes.MISTAKES` (each as a misconception over every edge of
its kind, and as a slip in one layer), the file's own claimed values, the partials evaluated at
the file's rounded forward values.  :meth:`PathSearch.search` tries every combination within the
limits below, over subsets of the paths, times a sign and a factor of 2, and returns the
explanations of the best level (:attr:`Candidate.key`).

Parts: a set of missing paths, a registered mistake, rounded forward values, a flipped sign, a
factor of 2 or 1/2 each count one, as does each of the file's *correct* (rounded) values used;
its incorrect values cost nothing (a student uses the numbers they wrote).  At most
:data:`MAX_FREE` parts not from the file, :data:`MAX_CLAIMS_USED` of the file's values and
:data:`MAX_PARTS` parts in all.

Examples
--------
>>> from symbackprop.spec import load_problem
>>> from symbackprop.check.evidence import Scenario
>>> problem = load_problem("padhai_4_4_2")
>>> scenario = Scenario.at_values(problem.graph, problem.values)
>>> search = PathSearch(scenario.derivation("L", "w131"), scenario, [], None)
>>> len(search.paths), [m.name for m, _ in search.mistakes][:3]
(4, ['sigmoid_output_only', 'sigmoid_pre_activation', 'softmax_notes_form'])
>>> best = search.search(np.array([0.0063187]), np.array([1e-6]))[0]
>>> best.missing, best.parts
((1,), 1)
"""

from __future__ import annotations

import functools
import itertools
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..calculus.derivation import Derivation
from ..calculus.paths import Path
from .edges import EdgeInfo, edge_info
from .evidence import Known, Scenario
from .judge import SLACK
from .mistakes import HALF, MISTAKES, SIGN, TWICE, Mistake

__all__ = ["MAX_CLAIMS_USED", "MAX_FREE", "MAX_PARTS", "SCALINGS", "Candidate", "Mod",
           "PathSearch"]

EXACT_PATHS = 16
"""Subsets of the paths are searched exactly up to this many paths (a sum with no other
mistake); above it, unions of groups of paths that share an edge or a node."""
EXACT_PATHS_COMBINED = 10
"""The same limit when the subset is combined with wrong factors (many more sums to try)."""
GROUPS_EXACT = 10
"""Every union of the groups of paths sharing an edge at one position, up to this many groups."""
MAX_SUBSETS = 4096
MAX_FREE = 2
MAX_CLAIMS_USED = 3
MAX_PARTS = 4
SCALINGS = ((1, 1.0), (int(SIGN.factor), 1.0),
            *((sign, m.factor) for sign in (1, int(SIGN.factor)) for m in (TWICE, HALF)))
"""(sign, factor) pairs tried on every sum, from the mistakes of scale
(:data:`~symbackprop.check.mistakes.SCALE_MISTAKES`): the first is no change."""


@dataclass(frozen=True)
class Mod:
    """A way of computing the factors: rounded inputs, registered mistakes, the file's values.

    The file's own *incorrect* values cost nothing (a student uses the numbers they wrote);
    its correct ones, being rounded, cost one part each, as do the other mistakes.

    Examples
    --------
    >>> Mod().cost, Mod(rounded=True, mistakes=(0,)).cost     # the right factors; two parts
    (0, 2)
    """

    rounded: bool = False
    mistakes: tuple[int, ...] = ()
    claims: tuple[tuple[int, Known], ...] = ()

    @property
    def free(self) -> int:
        return int(self.rounded) + len(self.mistakes)

    @property
    def cost(self) -> int:
        return self.free + sum(bool(k.correct) for _, k in self.claims)


@dataclass(frozen=True, eq=False)
class Candidate:
    """One explanation :meth:`PathSearch.search` found: the factors' :class:`Mod`, the missing
    paths (indices into :attr:`PathSearch.paths`), a sign and a scale, and the value this gives
    at each point.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.check.evidence import Scenario
    >>> problem = load_problem("mazur_2_2_2")              # dL/dw1 = 0.000438568
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> search = PathSearch(scenario.derivation("L", "w1"), scenario, [], None)
    >>> best = search.search(np.array([-0.000877136]), np.array([1e-8]))[0]
    >>> best.missing, best.sign, best.scale, best.parts
    ((), -1, 2.0, 2)
    """

    mod: Mod
    missing: tuple[int, ...]
    uncoupled: int
    contradictions: int
    sign: int
    scale: float
    value: np.ndarray
    error: float
    order: int

    @property
    def free(self) -> int:
        return self.mod.free + bool(self.missing) + (self.sign < 0) + (self.scale != 1)

    @property
    def parts(self) -> int:
        return self.mod.cost + bool(self.missing) + (self.sign < 0) + (self.scale != 1)

    @property
    def key(self) -> tuple[Any, ...]:
        """Fewest parts; then fewest missing paths other than the softmax coupling paths (the
        ones students miss); then fewest contradictions of the file (a factor it states
        wrongly, used here with another value); then fewest parts not from the file,
        structural explanations before a sign or a factor of 2, paths before registered
        mistakes, most of the file's own values, fewest missing paths, the closest."""
        scaled = (self.sign < 0) + (self.scale != 1)
        return (*self.level, self.free, scaled, len(self.mod.mistakes), -len(self.mod.claims),
                len(self.missing), self.error, self.order)

    @property
    def level(self) -> tuple[int, int, int]:
        """Explanations of the same level are equally good: the others are reported too."""
        return (self.parts, self.uncoupled, self.contradictions)


def _row_edges(row: np.ndarray, padding: int) -> list[int]:
    return [int(e) for e in row if e < padding]


def _subset_masks(paths: Sequence[Path], exact_limit: int) -> np.ndarray:
    """Boolean masks (subsets x paths) of the path subsets to try: the full set first, then by
    increasing number of missing paths, leaving out later paths before earlier ones."""
    count = len(paths)
    if count <= exact_limit:
        numbers = np.arange(2**count - 1, 0, -1)
        masks = ((numbers[:, None] >> np.arange(count)) & 1).astype(bool)
    else:
        found = [np.ones(count, dtype=bool)]
        depth = max(len(p.nodes) for p in paths) - 1
        edges = [path.edges for path in paths]  # made once: a path makes them on each call
        for position in range(depth):
            groups: dict[tuple[str, str], np.ndarray] = {}
            for i, path_edges in enumerate(edges):
                if position < len(path_edges):
                    groups.setdefault(path_edges[position], np.zeros(count, dtype=bool))[i] = True
            members = list(groups.values())
            if len(members) <= GROUPS_EXACT:
                for r in range(1, len(members)):
                    for chosen in itertools.combinations(members, r):
                        found.append(np.logical_or.reduce(chosen))
            else:
                found += [m for m in members] + [~m for m in members]
        for node in dict.fromkeys(n for p in paths for n in p.nodes[1:-1]):
            through = np.array([node in p.nodes for p in paths])
            found += [through, ~through]
        unique = {m.tobytes(): m for m in found if m.any()}
        masks = np.array(list(unique.values()))[:MAX_SUBSETS]
    missing = ~masks
    keys = (*(missing[:, i] for i in reversed(range(count))), missing.sum(axis=1))
    return masks[np.lexsort(keys)]


_WRONG: weakref.WeakKeyDictionary[
    Scenario, dict[tuple[str, str], tuple[sympy.Expr | None, ...]]] = \
    weakref.WeakKeyDictionary()
"""Each scenario's edges with their mistakes' partials (:meth:`PathSearch._wrong_partials`),
made once for every derivation searched in it (a page or an answer key of every parameter
meets the same edges again and again)."""


class PathSearch:
    """Sums over subsets of the paths of one derivation, with factors modified.

    Examples
    --------
    >>> from symbackprop.spec import load_problem
    >>> from symbackprop.check.evidence import Scenario
    >>> problem = load_problem("mazur_2_2_2")
    >>> scenario = Scenario.at_values(problem.graph, problem.values)
    >>> search = PathSearch(scenario.derivation("L", "w1"), scenario, [], None)
    >>> search.paths
    [Path(w1 -> a11 -> h11 -> a21 -> yhat1 -> L), Path(w1 -> a11 -> h11 -> a22 -> yhat2 -> L)]
    >>> sorted({mistake.name for mistake, _ in search.mistakes})
    ['sigmoid_output_only', 'sigmoid_pre_activation', 'weight_input_swapped']
    """

    def __init__(self, derivation: Derivation, scenario: Scenario, known: Sequence[Known],
                 exclude: int | None) -> None:
        if derivation.terms is None:
            raise ValueError("the path search needs the paths listed")
        graph = scenario.graph
        self.derivation, self.scenario = derivation, scenario
        self.paths = [t.path for t in derivation.terms]
        edges: dict[tuple[str, str], int] = {}
        seen: dict[int, int] = {}  # a factor object (shared by the paths through its edge)
        rows = []
        for term in derivation.terms:  # the edges in order of first use, each path's row
            row = []
            for factor in term.factors:
                e = seen.get(id(factor))
                if e is None:
                    key = (factor.wrt, factor.of)
                    e = edges.get(key)
                    if e is None:
                        e = edges[key] = len(edges)
                    seen[id(factor)] = e
                row.append(e)
            rows.append(row)
        self.edges = list(edges)
        self.right = [graph.local_partial(p, c) for p, c in self.edges]
        depth = max(len(row) for row in rows)
        self.index = np.full((len(self.paths), depth), len(self.edges))
        for i, row in enumerate(rows):
            self.index[i, :len(row)] = row
        self.base = self._table(scenario.values)
        self.rounded: np.ndarray | None = None
        if scenario.rounded is not None:
            rounded = self._table(scenario.rounded)
            if not np.allclose(rounded, self.base, rtol=1e-12, atol=0):
                self.rounded = rounded
        self._wrong: dict[tuple[int, bool], dict[int, np.ndarray]] = {}
        self.mistakes = self._mistakes()
        self.claims = [(edges[k.wrt, k.target], k) for k in known
                       if k.kind == "derivative" and k.wrt is not None
                       and (k.wrt, k.target) in edges and k.index != exclude
                       and (k.target, k.wrt) != (derivation.of, derivation.wrt)]
        self.stated: dict[int, list[Known]] = {}
        for e, k in self.claims:
            self.stated.setdefault(e, []).append(k)
        coupling = np.array([kind == "softmax_off_diagonal" for kind in self.kinds] + [False])
        self.coupled = {int(i) for i in np.flatnonzero(coupling[self.index].any(axis=1))}

    @functools.cached_property
    def path_edges(self) -> list[set[int]]:
        """The edges (indices into :attr:`edges`) of each path (made when first read)."""
        return [set(_row_edges(row, len(self.edges))) for row in self.index]

    @functools.cached_property
    def exact(self) -> np.ndarray:
        """The path subsets :meth:`search` sums with the right factors (made when first
        read: a prediction of the mistakes' values never reads them)."""
        return _subset_masks(self.paths, EXACT_PATHS)

    @functools.cached_property
    def combined(self) -> np.ndarray:
        """The path subsets :meth:`search` sums with modified factors (made when first
        read)."""
        return _subset_masks(self.paths, EXACT_PATHS_COMBINED)

    def _table(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        own = values is self.scenario.values  # evaluated once for every search of the scenario
        rows = [self.scenario.evaluate(expr, None if own else values) for expr in self.right]
        return np.vstack([*rows, np.ones(self.scenario.points)])

    def _mistakes(self) -> list[tuple[Mistake, dict[int, sympy.Expr]]]:
        """The registered mistakes that change a factor here: each applied to every edge of
        its kind (a misconception), and to the edges into one layer only (a slip)."""
        graph, found = self.scenario.graph, []
        infos = [edge_info(graph, p, c, self.scenario.loss) for p, c in self.edges]
        self.kinds = [None if info is None else info.kind for info in infos]
        known = _WRONG.setdefault(self.scenario, {})
        wrongs = []
        for e, info in enumerate(infos):
            if self.edges[e] not in known:
                known[self.edges[e]] = self._wrong_partials(e, info)
            wrongs.append(known[self.edges[e]])
        for m, mistake in enumerate(MISTAKES):
            forms = {e: edge[m] for e, edge in enumerate(wrongs) if edge[m] is not None}
            layers: dict[Any, dict[int, sympy.Expr]] = {}
            for e, wrong in forms.items():
                child = graph.node(self.edges[e][1])
                key = child.layer if child.layer is not None else self.edges[e]
                layers.setdefault(key, {})[e] = wrong
            variants = [forms] + (list(layers.values()) if len(layers) > 1 else [])
            found += [(mistake, variant) for variant in variants if variant]
        return found

    def _wrong_partials(self, e: int, info: EdgeInfo | None) -> tuple[sympy.Expr | None, ...]:
        """Each registered mistake's partial of edge ``e``, or ``None`` where the mistake does
        not apply or gives the right values at the scenario's points."""
        found: list[sympy.Expr | None] = []
        for mistake in MISTAKES:
            wrong = None if info is None else mistake.wrong(info)
            if wrong is not None and np.allclose(self.scenario.evaluate(wrong), self.base[e],
                                                 rtol=1e-9, atol=1e-300):
                wrong = None
            found.append(wrong)
        return tuple(found)

    def mods(self) -> Iterator[Mod]:
        bases = [False] + ([True] if self.rounded is not None else [])
        for rounded in bases:
            for r in range(MAX_FREE - rounded + 1):
                for chosen in itertools.combinations(range(len(self.mistakes)), r):
                    for c in range(MAX_CLAIMS_USED + 1):
                        for claims in itertools.combinations(self.claims, c):
                            mod = Mod(rounded, chosen, claims)
                            if (len({e for e, _ in claims}) == len(claims)
                                    and mod.cost <= MAX_PARTS):
                                yield mod

    def wrong_values(self, m: int, rounded: bool) -> dict[int, np.ndarray]:
        """The values of mistake ``m``'s wrong partials, by edge (cached)."""
        key = (m, rounded)
        if key not in self._wrong:
            values = self.scenario.rounded if rounded else self.scenario.values
            self._wrong[key] = {e: self.scenario.evaluate(wrong, values)
                                for e, wrong in self.mistakes[m][1].items()}
        return self._wrong[key]

    def table(self, mod: Mod) -> np.ndarray:
        source = self.rounded if mod.rounded else self.base
        if source is None:
            raise RuntimeError("a candidate with rounded values, but the scenario has none")
        table = source.copy()
        for m in mod.mistakes:
            for e, value in self.wrong_values(m, mod.rounded).items():
                table[e] = value
        for e, known in mod.claims:
            table[e] = known.value
        return table

    def search(self, claimed: np.ndarray, tolerance: np.ndarray) -> list[Candidate]:
        """The matching explanations of the best level (see :attr:`Candidate.key`), best
        first."""
        found: list[Candidate] = []
        best = MAX_PARTS + 1
        for mod in self.mods():
            if mod.cost > best:
                continue
            table = self.table(mod)
            path_values = np.prod(table[self.index], axis=1)
            masks = self.exact if mod.cost == 0 and not mod.claims else self.combined
            sums = masks.astype(float) @ path_values
            for sign, scale in SCALINGS:
                extra = (sign < 0) + (scale != 1)
                if mod.free + extra > MAX_FREE or mod.cost + extra > best:
                    continue
                error = np.abs(sign * scale * sums - claimed) / np.maximum(tolerance, 1e-300)
                worst = error.max(axis=1)
                for k in np.flatnonzero(worst <= SLACK):
                    used = set().union(*(self.path_edges[i] for i in np.flatnonzero(masks[k])))
                    if not self.effective(mod, used):
                        continue
                    missing = tuple(int(i) for i in np.flatnonzero(~masks[k]))
                    candidate = Candidate(
                        mod, missing, sum(i not in self.coupled for i in missing),
                        self.contradictions(used, table), sign, scale, sign * scale * sums[k],
                        float(worst[k]), len(found))
                    if candidate.free <= MAX_FREE and candidate.parts <= best:
                        best = candidate.parts
                        found.append(candidate)
        found = sorted((c for c in found if c.parts == best), key=lambda c: c.key)
        return [c for c in found if c.level == found[0].level] if found else []

    def contradictions(self, used: set[int], table: np.ndarray) -> int:
        """How many factors on the paths kept the file states wrongly, but are used here with
        a value none of its claims for them gives."""
        count = 0
        for e in used:
            wrong = [k for k in self.stated.get(e, ()) if not k.correct]
            if wrong and not any(k.close_to(table[e], self.scenario) for k in wrong):
                count += 1
        return count

    def effective(self, mod: Mod, used: set[int]) -> bool:
        """Whether every part of ``mod`` changes a factor on the paths kept: each claim's
        factor is on one, each mistake changes one there to a non-zero value (a zero is a
        missing path, said as such) that no claim overrides."""
        claimed = {e for e, _ in mod.claims}
        if not claimed <= used:
            return False
        for m in mod.mistakes:
            wrong = self.wrong_values(m, mod.rounded)
            if not any(e in used and e not in claimed and np.any(wrong[e] != 0) for e in wrong):
                return False
        return True
