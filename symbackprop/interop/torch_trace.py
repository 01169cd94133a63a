"""A PyTorch module traced with ``torch.fx``, every step's value recorded, and where in the
user's code each step is, for messages.

:func:`trace` runs ``torch.fx``'s symbolic tracer (``torch.nn`` modules are leaves, a module of
one's own is traced through), noting for each step of the graph the line of the user's code
that made it and whether it ran inside a custom ``torch.autograd.Function`` (whose ``backward``
the trace cannot see: such a step is refused, not read as its forward).  A module the tracer
cannot follow (``if`` on a tensor's value, a loop over a tensor) is refused with the module,
the line and the route that works.  :meth:`Traced.record` then runs the traced graph on the
inputs and keeps every step's value, from which shapes are read and against which the problem
is checked; the module's buffers (batch norm's running statistics) are restored afterwards,
so reading a model does not change it.

torch is imported by the caller (:func:`symbackprop.interop.torch_models.from_torch`); this
module imports it only inside functions.

Examples
--------
>>> describe_place("net.py", 12, "    h = h.add_(1)\\n")
'net.py:12 (h = h.add_(1))'
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import SpecError

__all__ = ["ROUTE", "Traced", "describe_place", "module_place"]

#: What a refusal tells the user to do when from_torch cannot read a part of the model.
ROUTE = ("to go on, write that part as a tensor formula: import the model without it (replace "
         "it by torch.nn.Identity(), or leave it out of forward), write the problem with "
         "problem.to_toml(), and add the part's formula under [tensor.nodes] "
         "(docs/howto/own-model.md, \"What from_torch refuses\")")

_TORCH_DIR = ""
_OURS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STDLIB = os.path.dirname(os.path.abspath(contextlib.__file__))


def describe_place(filename: str, line: int, source: str | None = None) -> str:
    """``file:line (code)``, the code read from the file when not given.

    Examples
    --------
    >>> describe_place("/home/me/net.py", 7, "        return x + self.fc(x)")
    'net.py:7 (return x + self.fc(x))'
    """
    text = (source if source is not None else linecache.getline(filename, line)).strip()
    where = f"{os.path.basename(filename)}:{line}"
    return f"{where} ({text})" if text else where


def module_place(target: str, root: str = "model") -> str:
    """A module's qualified name as the user writes it: ``model.blocks[0].fc``.

    Examples
    --------
    >>> module_place("blocks.0.fc"), module_place("", "loss")
    ('model.blocks[0].fc', 'loss')
    """
    parts = [f"[{p}]" if p.isdigit() else f".{p}" for p in target.split(".") if p]
    return root + "".join(parts)


def _library(filename: str) -> bool:
    return filename.startswith((_torch_dir(), _OURS, _STDLIB)) or filename.startswith("<")


def _torch_dir() -> str:
    global _TORCH_DIR
    if not _TORCH_DIR:
        import torch

        _TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__))
    return _TORCH_DIR


def _function_apply(code: Any) -> bool:
    """Whether ``code`` is ``torch.autograd.Function.apply`` (a custom Function runs inside)."""
    return code.co_name == "apply" and code.co_filename.endswith(
        os.path.join("autograd", "function.py"))


@dataclass
class Traced:
    """A traced module: its ``torch.fx`` graph module, the user's line of each step, the custom
    autograd Function a step ran inside (if any), and, once recorded, each step's value.

    Examples
    --------
    >>> import types
    >>> traced = Traced(module=None, graph_module=None, root="model")
    >>> traced.owner(types.SimpleNamespace(op="call_module", target="blocks.0.fc"))
    'model.blocks[0].fc'
    """

    module: Any
    graph_module: Any
    root: str
    places: dict[Any, str] = field(default_factory=dict)
    functions: dict[Any, str] = field(default_factory=dict)
    values: dict[Any, Any] = field(default_factory=dict)

    @classmethod
    def trace(cls, module: Any, root: str, given: int) -> Traced:
        """Trace ``module`` with ``torch.fx`` (its ``forward`` given ``given`` positional inputs;
        any further parameter keeps its default), naming it ``root`` in messages.

        Raises
        ------
        SpecError
            If the tracer cannot follow ``forward``: naming the module and the line, what it does
            (data-dependent control flow, iterating over a tensor ...) and the route.
        """
        import inspect

        import torch.fx

        concrete: dict[str, Any] = {}
        try:
            parameters = list(inspect.signature(module.forward).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        for parameter in parameters[given:]:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if parameter.default is parameter.empty:
                raise SpecError(f"{root}: forward takes {parameter.name!r} too, and from_torch "
                                f"gives it only {given} input(s); pass x as a tuple of every input")
            concrete[parameter.name] = parameter.default
        tracer = _tracer_class()()
        try:
            graph = tracer.trace(module, concrete_args=concrete or None)
        except Exception as err:  # torch.fx raises many kinds on code it cannot follow
            raise _untraceable(err, module, root) from None
        graph_module = torch.fx.GraphModule(tracer.root, graph)
        traced = cls(module, graph_module, root)
        by_name = {node.name: node for node in graph_module.graph.nodes}
        for node, place in tracer.sb_places.items():
            if node.name in by_name:
                traced.places[by_name[node.name]] = place
        for node, function in tracer.sb_functions.items():
            if node.name in by_name:
                traced.functions[by_name[node.name]] = function
        return traced

    @property
    def nodes(self) -> list[Any]:
        return list(self.graph_module.graph.nodes)

    def submodule(self, target: str) -> Any:
        return self.graph_module.get_submodule(target)

    def place(self, node: Any) -> str:
        """Where a step is: the module it belongs to and the user's line, for a message."""
        owner = self.owner(node)
        line = self.places.get(node)
        return f"{owner} at {line}" if line else owner

    def owner(self, node: Any) -> str:
        """The module whose forward made ``node`` (``model.block``, or ``model`` itself)."""
        if node.op == "call_module":
            return module_place(str(node.target), self.root)
        stack = node.meta.get("nn_module_stack") or {}
        found = [(str(path), cls) for path, cls in stack.values()] if stack else []
        if found:
            path, cls = found[-1]
            return f"{module_place(path, self.root)} ({getattr(cls, '__name__', cls)})"
        return f"{self.root} ({type(self.module).__name__})"

    def record(self, inputs: Sequence[Any]) -> None:
        """Run the graph on ``inputs`` (no gradients), keeping every step's value."""
        import torch
        import torch.fx

        values = self.values

        def kept(value: Any) -> Any:  # a copy: a later in-place step must not change it
            if isinstance(value, torch.Tensor):
                return value.detach().clone()
            if isinstance(value, tuple | list):
                return type(value)(kept(v) for v in value)
            return value

        class _Recorder(torch.fx.Interpreter):
            def run_node(self, node: Any) -> Any:
                result = super().run_node(node)
                values[node] = kept(result)
                return result

        try:
            with torch.no_grad():
                _Recorder(self.graph_module).run(*inputs)
        except SpecError:  # a hook of ours (a Dropout mask of the wrong shape)
            raise
        except Exception as err:  # whatever torch raises on these inputs (a shape, a dtype)
            first = str(err).split("\n")[0].strip()
            raise SpecError(f"{self.root}: torch cannot run it on the inputs given "
                            f"({type(err).__name__}: {first})") from None


def _tracer_class() -> Any:
    import torch.fx

    class _Tracer(torch.fx.Tracer):
        """fx's tracer, noting the user's line of each step and a custom Function around it."""

        def __init__(self) -> None:
            super().__init__()
            self.sb_places: dict[Any, str] = {}
            self.sb_functions: dict[Any, str] = {}

        def create_node(self, *args: Any, **kwargs: Any) -> Any:
            node = super().create_node(*args, **kwargs)
            frame = sys._getframe(1)
            inner = caller = function = None  # the user's line; its caller's, past apply
            while frame is not None:
                code = frame.f_code
                if _function_apply(code) and function is None:
                    cls = frame.f_locals.get("cls")
                    function = getattr(cls, "__name__", "a custom Function")
                elif not _library(code.co_filename):
                    place = describe_place(code.co_filename, frame.f_lineno)
                    inner = inner or place
                    if function is not None and caller is None:
                        caller = place
                frame = frame.f_back  # type: ignore[assignment]
            if function is not None:
                self.sb_functions[node] = function
            place = caller if function is not None else inner
            if place is not None:
                self.sb_places[node] = place
            return node

    return _Tracer


def _untraceable(err: Exception, module: Any, root: str) -> SpecError:
    """The refusal of a forward that torch.fx cannot follow: which module, which line, why."""
    names = {id(m): module_place(n, root) for n, m in module.named_modules()}
    owner, line = root, ""
    tb = err.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        self = frame.f_locals.get("self")
        if frame.f_code.co_name == "forward" and id(self) in names:
            owner = f"{names[id(self)]} ({type(self).__name__})"
        if not _library(frame.f_code.co_filename):
            line = describe_place(frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    text = str(err)
    if "control flow" in text:
        what = ("its forward branches or loops on a tensor's value (data-dependent control "
                "flow), which a trace cannot follow; decide the branch from shapes or Python "
                "values, or")
    elif "iterate" in text or "iterated" in text:
        what = "its forward iterates over a tensor, which a trace cannot follow; index it, or"
    else:
        first = text.splitlines()[0] if text else ""
        cleaned = " ".join(w for w in first.split() if not w.startswith("%"))
        what = (f"torch.fx cannot trace its forward ({type(err).__name__}: {cleaned[:200]}); "
                "make it traceable, or")
    at = f" at {line}" if line else ""
    return SpecError(f"{owner}{at}: {what} {ROUTE}")
