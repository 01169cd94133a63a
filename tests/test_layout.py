"""The package's layout is a contract: imports run one way, down the data flow, with no circle.

``import-linter`` (its ``layers`` contract in ``pyproject.toml``, run by ``.ci/run``) checks the
layers from the module-level imports.  These tests read every import with :mod:`ast` instead,
the ones inside functions and under ``if TYPE_CHECKING:`` included, so a lazy import that runs
upward is caught as well as a top-level one.
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "symbackprop"
MAX_LINES = 500
MAX_TOP_LEVEL_MODULES = 10


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, path: Path) -> set[str]:
    """Every module of the package that ``module`` imports, anywhere in its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # "from . import draw" imports the module symbackprop.draw
            targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # a name inside a module
                target = target.rpartition(".")[0]
            if target.startswith("symbackprop") and target != module:
                found.add(target)
    return found


IMPORTS = {module: _imported(module, path) for module, path in MODULES.items()}


def _layers() -> list[list[str]]:
    """The layers of the import-linter contract in pyproject.toml, top first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layered,) = [c for c in contracts if c["type"] == "layers"]
    return [[name.strip() for name in layer.split("|")] for layer in layered["layers"]]


def _layer_of(module: str, layers: list[list[str]]) -> tuple[int, str] | None:
    for rank, layer in enumerate(layers):
        for name in layer:
            full = f"symbackprop.{name}"
            if module == full or module.startswith(full + "."):
                return rank, full
    return None


def test_there_is_no_import_cycle_among_the_modules() -> None:
    graph = nx.DiGraph((m, t) for m, targets in IMPORTS.items() for t in targets)
    cycles = [cycle for cycle in nx.simple_cycles(graph) if len(cycle) > 1]
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles)


def test_every_import_runs_down_the_layers_even_inside_functions() -> None:
    layers = _layers()
    upward = []
    for module, targets in IMPORTS.items():
        home = _layer_of(module, layers)
        if home is None:  # the package's __init__ and __main__ sit on top of everything
            continue
        for target in sorted(targets):
            there = _layer_of(target, layers)
            if there is None:
                upward.append(f"{module} -> {target} (the package root)")
            elif there[0] < home[0] or (there[0] == home[0] and there[1] != home[1]):
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_every_module_of_the_package_is_in_a_layer() -> None:
    layers = _layers()
    on_top = ("symbackprop", "symbackprop.__main__")
    outside = [m for m in MODULES if _layer_of(m, layers) is None and m not in on_top]
    assert outside == []


def test_the_architecture_page_lists_the_layers_of_the_contract() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \|", page.split("## The layers", 1)[1], re.M)
    assert [[n.strip() for n in row.replace("\\|", "|").split("|")] for row in rows] == _layers()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_longer_than_the_limit(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it (limit {MAX_LINES})"


def test_the_package_root_holds_few_modules() -> None:
    top = [p for p in PACKAGE.iterdir() if p.suffix == ".py"]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, sorted(p.name for p in top)


SUBPACKAGES = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")
                     if p.parent.name != "examples")


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_every_subpackage_says_truly_what_it_may_import(package: str) -> None:
    """The paragraph of its docstring that speaks of imports names every subpackage it imports
    and none that the layers forbid."""
    init = PACKAGE / package / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    paragraphs = [p for p in docstring.split("\n\n") if "import" in p]
    assert paragraphs, f"{package}/__init__.py: say what it may import"
    named = set(re.findall(r":mod:`symbackprop\.(\w+)`", paragraphs[-1])) & set(SUBPACKAGES)
    home = f"symbackprop.{package}"
    used = {t.split(".")[1] for m, targets in IMPORTS.items() if m.startswith(home)
            for t in targets if t.count(".") >= 1 and t.split(".")[1] in SUBPACKAGES} - {package}
    assert used <= named, f"{package} imports {sorted(used - named)} but its docstring omits it"
    layers, rank = _layers(), _layer_of(home, _layers())
    assert rank is not None
    allowed = {m for row in layers[rank[0] + 1:] for m in row}
    assert named <= allowed, f"{package}'s docstring names {sorted(named - allowed)}"


def test_the_package_has_its_public_names_and_subpackages_and_nothing_else() -> None:
    import symbackprop

    assert symbackprop.render is importlib.import_module("symbackprop.render")
    assert symbackprop.derive is importlib.import_module("symbackprop.calculus.derivation").derive
    with pytest.raises(AttributeError, match="no attribute 'oracles'"):
        symbackprop.oracles  # noqa: B018  (a module of an unreleased layout, never public)


def test_the_top_level_names_are_few_and_collide_with_no_module() -> None:
    import symbackprop

    modules = {p.stem for p in PACKAGE.iterdir()
               if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert not set(symbackprop.__all__) & modules
    assert len(symbackprop.__all__) <= 25


def _defined_at_top(statements: list[ast.stmt]) -> set[str]:
    """The names a module's own top-level statements define (inside ``if`` and ``try`` too)."""
    names: set[str] = set()
    for node in statements:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.If | ast.Try):
            names |= _defined_at_top([*node.body, *node.orelse,
                                      *(s for h in getattr(node, "handlers", ()) for s in h.body)])
    return names


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE.rglob("*.py")
                                        if p.name != "__init__.py"),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_lists_in_all_only_what_it_defines(path: Path) -> None:
    """One address for one name: a module's ``__all__`` names what the module defines, never
    a name it imports (a package's ``__init__`` re-exports its public names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    listed = next((ast.literal_eval(node.value) for node in tree.body
                   if isinstance(node, ast.Assign)
                   and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)),
                  [])
    assert sorted(set(listed) - _defined_at_top(tree.body)) == []
