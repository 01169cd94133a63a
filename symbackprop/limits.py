"""Every resource limit, in one place: what it bounds, its value, and how to raise it.

Problem files come from students and strangers, so everything a file can make large is
bounded, and checked *before* the work it would cause starts: a file's size before it is
read, a formula's length and nesting before it is parsed, a number's size while it is parsed,
a network's node count from its ``layers`` before it is built, ``verify``'s work before it
runs.  Each limit is a :class:`Limit`; its value is read when it is checked, so the
environment variable that raises it (``SYMBACKPROP_MAX_...``) takes effect in a running
process too.  docs/security.md lists them (a test compares that table with :data:`LIMITS`).

The path limits of the derivation and of ``paths`` stay with the code they bound
(``symbackprop.calculus.options.DEFAULT_PATH_LIMIT``, raised with ``--max-paths``, and
``symbackprop.calculus.options.STREAM_LIMIT``, raised with ``--stream-limit``): paths are
counted by dynamic programming first, so a listing past them is never started.  Those options
are bounded in turn by :data:`MAX_LISTED_PATHS`: a listing of more paths is refused from the
count.

The bottom layer: imports only :mod:`symbackprop.errors`.

Examples
--------
>>> MAX_NODES.value()
5000
>>> MAX_NODES.check(12, "f.toml: [graph.nodes]", "nodes")
>>> MAX_NODES.check(6000, "f.toml: [graph.nodes]", "nodes")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
  ...
symbackprop.errors.SpecError: f.toml: [graph.nodes]: 6,000 nodes, more than the limit of 5,000
(a computation graph's nodes: leaves and formulas); to raise it, set SYMBACKPROP_MAX_NODES
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import SpecError, SymbackpropError, UsageError

__all__ = [
    "LIMITS",
    "MAX_CLAIMS",
    "MAX_COMPOSED_DEPTH",
    "MAX_COMPOSED_WORK",
    "MAX_DATA_ITEMS",
    "MAX_DATA_NESTING",
    "MAX_DRAW_NODES",
    "MAX_FILE_BYTES",
    "MAX_FORMULA_DEPTH",
    "MAX_FORMULA_LENGTH",
    "MAX_LAYERS",
    "MAX_LISTED_PATHS",
    "MAX_LOWERED_NODES",
    "MAX_LOWERED_READS",
    "MAX_NODES",
    "MAX_NUMBER_BITS",
    "MAX_NUMBER_DIGITS",
    "MAX_PAGE_BYTES",
    "MAX_PARAMETERS",
    "MAX_TENSOR_DIM",
    "MAX_TENSOR_ENTRIES",
    "MAX_TENSOR_GRAPH_ENTRIES",
    "MAX_TENSOR_RANK",
    "MAX_TENSOR_VERIFY_WORK",
    "MAX_VERIFY_WORK",
    "MAX_WIDTH",
    "Limit",
]


@dataclass(frozen=True)
class Limit:
    """One resource limit: its name, default value, what it bounds, and how to raise it.

    Parameters
    ----------
    name : str
        ``MAX_...``; the environment variable ``SYMBACKPROP_<name>`` overrides the default.
    default : int
    bounds : str
        What it bounds, for messages and docs/security.md.
    flag : str
        A command-line option that raises it too, if there is one.

    Examples
    --------
    >>> MAX_FILE_BYTES.env
    'SYMBACKPROP_MAX_FILE_BYTES'
    >>> MAX_FILE_BYTES.how_to_raise()
    'to raise it, set SYMBACKPROP_MAX_FILE_BYTES'
    """

    name: str
    default: int
    bounds: str
    flag: str = ""

    @property
    def env(self) -> str:
        """The environment variable that overrides the default."""
        return f"SYMBACKPROP_{self.name}"

    def value(self) -> int:
        """The limit in force: the environment variable's value if set, else the default.

        Raises
        ------
        UsageError
            If the variable is set to anything but a whole number of at least 1.

        Examples
        --------
        >>> import os
        >>> os.environ["SYMBACKPROP_MAX_CLAIMS"] = "20"
        >>> MAX_CLAIMS.value()
        20
        >>> del os.environ["SYMBACKPROP_MAX_CLAIMS"]
        >>> MAX_CLAIMS.value()
        1000
        """
        raw = os.environ.get(self.env)
        if raw is None or not raw.strip():
            return self.default
        try:
            value = int(raw.strip().replace("_", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(f"{self.env}: must be a whole number of at least 1, got {raw!r}")
        return value

    def how_to_raise(self) -> str:
        """The advice every message of this limit ends with."""
        also = f" or say {self.flag}" if self.flag else ""
        return f"to raise it, set {self.env}{also}"

    def message(self, where: str, amount: int | None, what: str) -> str:
        """``where: AMOUNT WHAT, more than the limit of N (bounds); to raise it, ...``
        (``where: more WHAT than the limit ...`` when the amount is not known).

        Examples
        --------
        >>> print(MAX_LAYERS.message("f.toml: [network] layers", 50, "layers"))
        f.toml: [network] layers: 50 layers, more than the limit of 12 (layers of a \
network, inputs and outputs included); to raise it, set SYMBACKPROP_MAX_LAYERS
        """
        rest = f"the limit of {self.value():,} ({self.bounds}); {self.how_to_raise()}"
        if amount is None:
            return f"{where}: more {what} than {rest}"
        return f"{where}: {amount:,} {what}, more than {rest}"


    def check(self, amount: int, where: str, what: str,
              error: type[SymbackpropError] = SpecError) -> None:
        """Raise ``error`` with :meth:`message` when ``amount`` exceeds the limit.

        Examples
        --------
        >>> MAX_CLAIMS.check(3, "f.toml: claims", "claims")
        """
        if amount > self.value():
            raise error(self.message(where, amount, what))


MAX_FILE_BYTES = Limit(
    "MAX_FILE_BYTES", 5_000_000, "the size of a problem file, checked before it is read")
MAX_DATA_NESTING = Limit(
    "MAX_DATA_NESTING", 32, "arrays and tables nested in a problem file")
MAX_DATA_ITEMS = Limit(
    "MAX_DATA_ITEMS", 1_000_000,
    "values in a problem file, YAML aliases expanded (a 'billion laughs' file has 10^9)")
MAX_FORMULA_LENGTH = Limit(
    "MAX_FORMULA_LENGTH", 10_000, "characters of one formula, checked before it is parsed")
MAX_FORMULA_DEPTH = Limit(
    "MAX_FORMULA_DEPTH", 100, "nesting of parentheses, signs, powers and calls in a formula")
MAX_NUMBER_DIGITS = Limit(
    "MAX_NUMBER_DIGITS", 150, "digits of a number in a formula, and its decimal exponent")
MAX_NUMBER_BITS = Limit(
    "MAX_NUMBER_BITS", 512,
    "bits of the numerator or denominator of an exact number a formula computes, checked "
    "before a power is computed: 10**10**10 is refused, not computed")
MAX_NODES = Limit(
    "MAX_NODES", 5_000, "a computation graph's nodes: leaves and formulas")
MAX_CLAIMS = Limit("MAX_CLAIMS", 1_000, "claims in a problem file")
MAX_LAYERS = Limit(
    "MAX_LAYERS", 12, "layers of a network, inputs and outputs included")
MAX_WIDTH = Limit("MAX_WIDTH", 1_024, "neurons in one layer of a network")
MAX_PARAMETERS = Limit(
    "MAX_PARAMETERS", 150_000,
    "weights and biases of a network, counted from its layers before it is built")
MAX_VERIFY_WORK = Limit(
    "MAX_VERIFY_WORK", 1_000_000,
    "parameters verify checks times the graph's nodes: each parameter costs a derivation "
    "and four forward passes")
MAX_COMPOSED_WORK = Limit(
    "MAX_COMPOSED_WORK", 20_000,
    "verify's estimate of the sympy.diff oracle's cost: parameters checked times the nodes of "
    "the composed loss (every definition substituted); above it that oracle is skipped")
MAX_COMPOSED_DEPTH = Limit(
    "MAX_COMPOSED_DEPTH", 8,
    "the depth of the composed loss for verify's sympy.diff oracle: edges on the longest path "
    "from a leaf to the output (its work grows exponentially with the depth); above it that "
    "oracle is skipped")
MAX_LISTED_PATHS = Limit(
    "MAX_LISTED_PATHS", 500_000,
    "paths listed one by one, asked for with --max-paths or --stream-limit at or above their "
    "count, checked from the count before any is listed; with the options' defaults the count "
    "and the factored form are shown instead")
MAX_DRAW_NODES = Limit("MAX_DRAW_NODES", 400, "nodes in one picture")
MAX_PAGE_BYTES = Limit(
    "MAX_PAGE_BYTES", 10_000_000,
    "bytes of the page explore writes (its paths and mistakes for every parameter), checked "
    "before it is written or shown")
MAX_TENSOR_RANK = Limit("MAX_TENSOR_RANK", 8, "axes of one tensor of a tensor problem")
MAX_TENSOR_DIM = Limit(
    "MAX_TENSOR_DIM", 1_000_000, "entries along one axis of a tensor, checked from its shape")
MAX_TENSOR_ENTRIES = Limit(
    "MAX_TENSOR_ENTRIES", 4_000_000,
    "entries of one tensor (a value in the file, a node, or any intermediate of a formula or "
    "of a gradient), checked from its shape before it is computed")
MAX_TENSOR_GRAPH_ENTRIES = Limit(
    "MAX_TENSOR_GRAPH_ENTRIES", 20_000_000,
    "entries of every node of a tensor graph together, checked before the forward pass")
MAX_LOWERED_NODES = Limit(
    "MAX_LOWERED_NODES", 2_000,
    "scalar nodes of a tensor problem lowered to scalars (one per entry of every float "
    "tensor), counted from the shapes before the lowering")
MAX_LOWERED_READS = Limit(
    "MAX_LOWERED_READS", 20_000,
    "a bound on the edges of a tensor problem lowered to scalars: each computed tensor's "
    "entries times the entries of the tensors it reads, summed, from the shapes before the "
    "lowering")
MAX_TENSOR_VERIFY_WORK = Limit(
    "MAX_TENSOR_VERIFY_WORK", 100_000_000,
    "entries of a tensor graph times the finite differences verify takes (one per entry "
    "checked and per direction, each up to 32 forward passes)")

#: Every limit, in the order docs/security.md lists them.
LIMITS: tuple[Limit, ...] = (
    MAX_FILE_BYTES, MAX_DATA_NESTING, MAX_DATA_ITEMS, MAX_FORMULA_LENGTH, MAX_FORMULA_DEPTH,
    MAX_NUMBER_DIGITS, MAX_NUMBER_BITS, MAX_NODES, MAX_CLAIMS, MAX_LAYERS, MAX_WIDTH,
    MAX_PARAMETERS, MAX_VERIFY_WORK, MAX_COMPOSED_WORK, MAX_COMPOSED_DEPTH, MAX_LISTED_PATHS,
    MAX_DRAW_NODES, MAX_PAGE_BYTES, MAX_TENSOR_RANK, MAX_TENSOR_DIM, MAX_TENSOR_ENTRIES,
    MAX_TENSOR_GRAPH_ENTRIES, MAX_LOWERED_NODES, MAX_LOWERED_READS, MAX_TENSOR_VERIFY_WORK,
)
