"""The import paths of the flat layout, kept for one release: each warns and gives the new module.

Before the subpackages, every module sat directly in ``symbackprop/``.  Code that imports an old
path (``import symbackprop.network``, ``from symbackprop.derivation import derive``) still runs,
with a :class:`DeprecationWarning` naming the new path; the module it gets *is* the new module,
so classes and functions are the same objects.  The documentation uses the new paths only.

Old paths that are now subpackages (``symbackprop.graph``, ``spec``, ``codegen``, ``draw``,
``check``) need no entry here: each subpackage exports what its old module did.

Examples
--------
>>> import sys, warnings
>>> _ = sys.modules.pop("symbackprop.network", None)  # as if imported for the first time
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from symbackprop.network import LayeredNetwork
>>> for part in str(caught[0].message).split("; "):
...     print(part)
symbackprop.network is now symbackprop.graph.network
the old path will be removed in the next release
>>> from symbackprop.graph.network import LayeredNetwork as new
>>> LayeredNetwork is new
True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import FrameType, ModuleType

__all__ = ["MOVED", "attribute", "install"]

#: Old module path -> the module that holds it now.
MOVED = {
    "symbackprop.formula": "symbackprop.rules.formula",
    "symbackprop.functions": "symbackprop.rules.functions",
    "symbackprop.registry": "symbackprop.rules.registry",
    "symbackprop.network": "symbackprop.graph.network",
    "symbackprop.paths": "symbackprop.calculus.paths",
    "symbackprop.derivation": "symbackprop.calculus.derivation",
    "symbackprop.sweep": "symbackprop.calculus.sweep",
    "symbackprop.streaming": "symbackprop.calculus.streaming",
    "symbackprop.simplify": "symbackprop.calculus.simplify",
    "symbackprop.equality": "symbackprop.calculus.equality",
    "symbackprop.oracles": "symbackprop.numeric.oracles",
    "symbackprop.printers": "symbackprop.codegen.printers",
    "symbackprop.layered_code": "symbackprop.codegen.layered",
    "symbackprop.node_code": "symbackprop.codegen.nodewise",
    "symbackprop.blocks": "symbackprop.codegen.blocks",
    "symbackprop.scene": "symbackprop.draw.scene",
    "symbackprop.captions": "symbackprop.draw.captions",
    "symbackprop.dot": "symbackprop.draw.dot",
    "symbackprop.tikz": "symbackprop.draw.tikz",
    "symbackprop.layout": "symbackprop.draw.layout",
    "symbackprop.geometry": "symbackprop.draw.geometry",
    "symbackprop.network_layout": "symbackprop.draw.network_layout",
    "symbackprop.diagnose": "symbackprop.check.diagnose",
    "symbackprop.evidence": "symbackprop.check.evidence",
    "symbackprop.pathsearch": "symbackprop.check.pathsearch",
    "symbackprop.mistakes": "symbackprop.check.mistakes",
    "symbackprop.render.check_report": "symbackprop.check.report",
    "symbackprop.examples": "symbackprop.spec.examples",
}


def _caller_level() -> int:
    """The ``stacklevel`` that points a warning at the ``import`` statement, not at importlib."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen importlib")
                                 or frame.f_code.co_filename == __file__):
        frame, level = frame.f_back, level + 1
    return level


class _Alias(importlib.abc.Loader):
    """Loads an old path as the module that replaced it (the same object, not a copy)."""

    def __init__(self, new: str) -> None:
        self.new = new
        self.spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(f"{spec.name} is now {self.new}; the old path will be removed in the next "
                      "release", DeprecationWarning, stacklevel=_caller_level())
        module = importlib.import_module(self.new)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # importlib stamped the old path's spec on the module: give it its own back
        module.__spec__ = self.spec


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new))


def install() -> None:
    """Put the finder of old paths on ``sys.meta_path`` (once; :mod:`symbackprop` calls it).

    Examples
    --------
    >>> install()
    >>> sum(isinstance(f, _Finder) for f in sys.meta_path)
    1
    """
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def attribute(name: str) -> ModuleType:
    """``symbackprop.<name>`` for the name of a module of the flat layout: its new module, with
    the same warning as its import (the package's ``__getattr__`` calls this).

    Examples
    --------
    >>> import symbackprop, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     attribute("oracles").__name__
    'symbackprop.numeric.oracles'
    >>> attribute("nothing")
    Traceback (most recent call last):
      ...
    AttributeError: module 'symbackprop' has no attribute 'nothing'
    """
    old = f"symbackprop.{name}"
    if old not in MOVED:
        raise AttributeError(f"module 'symbackprop' has no attribute {name!r}")
    return importlib.import_module(old)
