"""Start-up is instant: ``--version``, ``--help`` and ``import symbackprop`` import neither sympy
nor numpy, and every public name and view is still found when first used.

Each check runs in a fresh interpreter (the test process has imported everything already)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sympy", "numpy", "networkx", "matplotlib")


def _python(code: str) -> str:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["derive", "--help"],
                                  ["paths", "--help"], ["check", "--help"]])
def test_the_command_line_starts_without_sympy_or_numpy(argv: list[str]) -> None:
    out = _python(
        "import contextlib, io, sys\n"
        "from symbackprop.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    assert out.strip() == "[]"


def test_import_symbackprop_is_light_and_its_names_load_on_first_use() -> None:
    out = _python(
        "import sys, symbackprop\n"
        "print(sorted(m for m in ('sympy', 'numpy') if m in sys.modules))\n"
        "from symbackprop import derive, load_problem\n"
        "print(derive is symbackprop.derive, 'derive' in dir(symbackprop))\n"
        "print(sorted(set(symbackprop.__all__) - set(dir(symbackprop))))\n"
        "print(sorted(set(symbackprop.__all__) ^ {*symbackprop.PUBLIC, '__version__'}))\n")
    assert out.splitlines() == ["[]", "True True", "[]", "[]"]


def test_the_views_are_found_after_a_bare_import() -> None:
    """Jupyter's displays and ``draw`` come from render and draw, imported by the package's
    loader the first time a view is asked for (calculus itself never imports them)."""
    out = _python(
        "import symbackprop\n"
        "p = symbackprop.load_problem('mazur_2_2_2')\n"
        "d = symbackprop.derive(p.graph, 'w5', values=p.values)\n"
        "from symbackprop.render.latex import derivation_math\n"
        "print(d._repr_latex_() == derivation_math(d))\n"
        "print(d._repr_markdown_().splitlines()[0])\n"
        "from symbackprop.calculus.views import view\n"
        "print(view('figure').__name__)\n")
    heading = r"## The derivative $\partial \mathcal{L} / \partial w_{5}$"
    assert out.splitlines() == ["True", heading, "draw_derivation"]


def test_subpackages_are_attributes_of_the_package_when_asked_for() -> None:
    out = _python("import symbackprop\nprint(symbackprop.render.derivation_text.__module__)\n")
    assert out.strip() == "symbackprop.render.text"


@pytest.mark.parametrize("given, expected", [(None, "1"), ("2", "2")])
def test_the_program_runs_numpys_blas_in_one_thread_unless_told(given: str | None,
                                                                 expected: str) -> None:
    """``run`` (the console script) sets OpenBLAS's thread count before numpy is imported, and
    keeps one the environment gives."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = ("import atexit, os, sys\n"
            "atexit.register(lambda: print(os.environ['OPENBLAS_NUM_THREADS'], "
            "'numpy' in sys.modules))\n"
            "sys.argv = ['symbackprop', '--version']\n"
            "from symbackprop.cli import run\n"
            "print('numpy' in sys.modules)\n"
            "run()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    assert done.stdout.splitlines()[0] == "False"  # not imported before run sets it
    assert done.stdout.splitlines()[-1] == f"{expected} False"
