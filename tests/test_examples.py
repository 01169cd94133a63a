"""The documentation and the examples are real: every shown command, script and notebook runs.

- Every ``$ symbackprop ...`` console block in ``docs/`` is run (in a scratch folder holding
  the files the same page shows in code blocks titled with a file name, e.g.
  ```` ```toml title="homework.toml" ````) and its output compared with the block; a line
  ``...`` stands for any lines.  ``python tests/test_examples.py --update`` rewrites the blocks
  from real output after a deliberate change to what a command prints.
- Every ``>>>`` example in ``docs/`` runs as a doctest.
- Every script in ``examples/`` runs to exit status 0 and prints what it promises; the notebook
  ``examples/backprop_tour.ipynb`` is stored without outputs and executes (with nbclient).
- The command-line reference names every command and option, and the public API documents
  every object with an Examples section.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import importlib.util
import inspect
import io
import json
import os
import pkgutil
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_module

from symbackprop.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
NOTEBOOK = EXAMPLES / "backprop_tour.ipynb"
REQUIRE_ALL = os.environ.get("SYMBACKPROP_REQUIRE_ALL") == "1"

# A fenced block: ```lang [title="name"]\n body ```  (four-space-indented fences too, as in
# admonitions and tabs).
FENCE = re.compile(
    r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$",
    re.DOTALL | re.MULTILINE,
)
TITLE = re.compile(r'title="([^"]+)"')
# A page whose examples need an optional module says so: <!-- requires: torch -->
REQUIRES = re.compile(r"<!-- requires: ([\w, ]+) -->")


# -- the docs pages: files, commands and doctests, run in page order ---------------------------

# The feature guides (checking.md, drawing.md, codegen.md, rendering.md) belong to their
# features; their ``>>>`` snippets may abridge, so only their console blocks are run.
FEATURE_GUIDES = ("checking.md", "drawing.md", "codegen.md", "rendering.md")


@dataclass(frozen=True)
class Step:
    """A file a page shows (``write``), a command it runs (``run``) or a ``doctest``."""

    kind: str
    text: str  # the file's name, the command line, or the doctest source
    body: str  # the file's content, or the command's expected output
    start: int  # offsets of the block's body in the page (for --update)
    end: int


def _dedent(body: str, indent: str) -> str:
    return "".join(line.removeprefix(indent) for line in body.splitlines(keepends=True))


def page_steps(page: Path) -> list[Step]:
    text = page.read_text(encoding="utf-8")
    guide = page.parent == DOCS and page.name in FEATURE_GUIDES
    steps = []
    for match in FENCE.finditer(text):
        indent, lang, attrs = match["indent"], match["lang"], match["attrs"]
        body = _dedent(match["body"], indent)
        span = (match.start("body"), match.end("body"))
        title = TITLE.search(attrs)
        if title:
            steps.append(Step("write", title.group(1), body, *span))
        elif (lang == "console" and body.startswith("$ symbackprop ")
              and sum(line.startswith("$ ") for line in body.splitlines()) == 1):
            # One command and its output (a listing of several commands is not run).
            command, _, output = body.partition("\n")
            steps.append(Step("run", command[2:], output, *span))
        elif lang in ("python", "pycon") and ">>> " in body and not guide:
            steps.append(Step("doctest", body, "", *span))
    return steps


def page_requires(page: Path) -> list[str]:
    """The optional modules a page's examples need (its ``<!-- requires: ... -->`` line)."""
    found = REQUIRES.search(page.read_text(encoding="utf-8"))
    return [name.strip() for name in found.group(1).split(",")] if found else []


def doc_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def pages_with_steps() -> list[Path]:
    return [p for p in doc_pages() if any(s.kind != "write" for s in page_steps(p))]


def _forks(argv: list[str]) -> bool:
    """Whether the command checks several files, or grades, which it does in worker
    processes."""
    if argv[:1] in (["grade"], ["variants"]):  # grade and make students in worker processes
        return True
    if argv[:1] != ["check"]:
        return False
    from symbackprop.check import collect_sources

    try:
        files = build_parser().parse_args(argv).files
        return len(collect_sources(files)) > 1
    except Exception:  # a bad command: let main() report it
        return False


def run_cli(command: str) -> tuple[int, str]:
    """Run ``symbackprop ...``; stdout, then stderr.  In this process, except a check of
    several files: that forks worker processes, which must not inherit this test process
    (other tests load jax, whose threads do not survive a fork), so it runs in its own."""
    argv = shlex.split(command)[1:]
    if _forks(argv):
        done = subprocess.run([sys.executable, "-m", "symbackprop", *argv], capture_output=True,
                              text=True, timeout=300, check=False,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        return done.returncode, done.stdout + done.stderr
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue() + err.getvalue()


def matches(expected: str, actual: str) -> bool:
    """``expected`` equals ``actual``, where a line ``...`` stands for any number of lines."""
    pattern = "".join(".*?\n" if line == "..." else re.escape(line) + "\n"
                      for line in expected.splitlines())
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def run_page(page: Path, folder: Path) -> list[tuple[Step, int, str]]:
    """Write the page's files into ``folder`` and run its commands and doctests there, in page
    order (one namespace for the page's doctests).  Returns (step, status, output) for each
    command and doctest; a doctest's status is its number of failures."""
    results = []
    namespace: dict[str, object] = {}
    parser = doctest.DocTestParser()
    with contextlib.chdir(folder):
        for step in page_steps(page):
            if step.kind == "write":
                target = folder / step.text
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(step.body, encoding="utf-8")
            elif step.kind == "run":
                status, output = run_cli(step.text)
                results.append((step, status, output))
            else:
                test = parser.get_doctest(step.text, namespace, page.name, str(page), 0)
                runner = doctest.DocTestRunner(
                    optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
                out = io.StringIO()
                runner.run(test, out=out.write, clear_globs=False)
                namespace = test.globs
                results.append((step, runner.failures, out.getvalue()))
    return results


@pytest.mark.parametrize("page", pages_with_steps(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_shows_real_output(page: Path, tmp_path: Path) -> None:
    """Every command's block is its real output; every doctest passes."""
    for module in page_requires(page):  # skips locally without it, fails in CI
        require_module(module)
    stale = []
    for step, status, output in run_page(page, tmp_path):
        if step.kind == "doctest":
            assert status == 0, f"{page.relative_to(ROOT)}: a doctest failed:\n{output}"
            continue
        shows_error = step.body.startswith("symbackprop: error:")
        assert status == 2 if shows_error else status in (0, 1), (
            f"{page.name}: {step.text!r} exited {status}:\n{output}")
        if not matches(step.body, output):
            stale.append(f"$ {step.text}\n{output}")
    assert not stale, (f"{page.relative_to(ROOT)}: stale console blocks (run "
                       "`python tests/test_examples.py --update`):\n" + "\n".join(stale))


def test_docs_show_commands() -> None:
    pages = {p.relative_to(DOCS).as_posix() for p in pages_with_steps()}
    for page in ("getting-started.md", "howto/check-homework.md", "howto/grade-submissions.md",
                 "tutorial/padhai-4-4-2.md", "reference/cli.md"):
        assert page in pages


# -- the command-line reference is complete --------------------------------------------------

def test_cli_reference_names_every_command_and_option() -> None:
    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    missing = []
    for name, sub in subparsers.choices.items():
        heading = f"## `symbackprop {name}`"
        if heading not in text:
            missing.append(f"a section {heading!r}")
            continue
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        # A command with sub-commands (export toml, ...): a "### `symbackprop export toml`"
        # subsection for each, naming that sub-command's options.
        nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
        parts = [(name, section, sub)]
        if nested:
            parts = []
            for target, target_parser in nested[0].choices.items():
                subheading = f"### `symbackprop {name} {target}`"
                if subheading not in section:
                    missing.append(f"a subsection {subheading!r}")
                    continue
                subsection = section.split(subheading, 1)[1].split("\n### ", 1)[0]
                parts.append((f"{name} {target}", subsection, target_parser))
        for label, part, part_parser in parts:
            for action in part_parser._actions:
                for option in action.option_strings:
                    if option not in ("-h", "--help") and f"`{option}" not in part:
                        missing.append(f"{label} {option}")
    for option in ("--version", "--debug"):
        if f"`{option}`" not in text:
            missing.append(option)
    assert not missing, f"docs/reference/cli.md does not document: {', '.join(missing)}"


def public_objects() -> list[tuple[str, object]]:
    """Every public function and class of every module: ``(module.name, object)`` for each
    name without a leading underscore that its module defines (not one it imports)."""
    import symbackprop

    found = []
    for info in pkgutil.walk_packages(symbackprop.__path__, "symbackprop."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found.append((f"{info.name}.{name}", obj))
    return found


def test_public_api_has_examples() -> None:
    objects = public_objects()
    assert len(objects) > 100, "the walk over symbackprop's modules found too few objects"
    missing = []
    for name, obj in objects:
        doc = inspect.cleandoc(obj.__doc__ or "")  # its own: a subclass inherits no examples
        if "Examples\n--------" not in doc or ">>> " not in doc:
            missing.append(name)
    assert not missing, (
        f"{len(missing)} public functions and classes have no doctested Examples section "
        "(add one, or give the name a leading underscore if it is private):\n  "
        + "\n  ".join(missing))


# -- example scripts -------------------------------------------------------------------------

# What each script must print (besides exiting 0); a new script must be added here.
EXPECTED = {
    "print_derivation.py": ["2 paths from w1 to L", "1 path from w5 to L", "δ_h11"],
    "check_padhai_notes.py": ["dL/dw212", "incorrect", "missing path: w212 -> a21 -> yhat2 -> L",
                         "yhat_i (1 - yhat_i)(-a_k)"],
    "numeric_gradient.py": ["agree with the path sums", "per example"],
    "draw_paths.py": ["4 paths", "wrote"],
    "linear_path_pattern.py": ["x1", "sum over paths"],
}


def example_scripts() -> list[Path]:
    return sorted(EXAMPLES.glob("*.py"))


def test_every_example_script_is_listed() -> None:
    assert {p.name for p in example_scripts()} == set(EXPECTED)


@pytest.mark.parametrize("script", example_scripts(), ids=lambda p: p.name)
def test_example_script_runs(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for needle in EXPECTED[script.name]:
        assert needle in done.stdout, f"{script.name} did not print {needle!r}:\n{done.stdout}"


# -- the notebook ----------------------------------------------------------------------------

def _notebook_tools_missing() -> list[str]:
    return [m for m in ("nbformat", "nbclient", "ipykernel") if importlib.util.find_spec(m) is None]


def test_notebook_is_stored_without_outputs() -> None:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_notebook_executes(tmp_path: Path) -> None:
    missing = _notebook_tools_missing()
    if missing:
        message = f"executing the notebook needs {', '.join(missing)} (the test extra)"
        if REQUIRE_ALL:
            pytest.fail(message)
        pytest.skip(message)
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
            texts.append(output.get("text", "") + json.dumps(output.get("data", {})))
    printed = "\n".join(texts)
    assert "2 paths" in printed and "missing path" in printed


# -- updating the docs from real output --------------------------------------------------------

def _update() -> None:
    """Rewrite each page's console blocks with real output (blocks with ``...`` are kept
    when they still match, and reported when not)."""
    import tempfile

    for page in pages_with_steps():
        if any(importlib.util.find_spec(m) is None for m in page_requires(page)):
            print(f"{page.relative_to(ROOT)}: skipped (needs {', '.join(page_requires(page))})")
            continue
        with tempfile.TemporaryDirectory() as folder:
            results = run_page(page, Path(folder))
        text = page.read_text(encoding="utf-8")
        for step, _status, output in reversed(results):
            if step.kind == "doctest":
                if _status:
                    print(f"{page.relative_to(ROOT)}: a doctest fails:\n{output}")
                continue
            if matches(step.body, output):
                continue
            if "\n...\n" in f"\n{step.body}":
                print(f"{page.relative_to(ROOT)}: update the abridged block of "
                      f"{step.text!r} by hand:\n{output}")
                continue
            indent = _block_indent(text, step.start)
            body = "".join(indent + line if line.strip() else line
                           for line in f"$ {step.text}\n{output}".splitlines(keepends=True))
            text = text[:step.start] + body + text[step.end:]
            print(f"{page.relative_to(ROOT)}: updated {step.text!r}")
        page.write_text(text, encoding="utf-8")


def _block_indent(text: str, start: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line = text[line_start:text.find("\n", line_start)]
    return line[: len(line) - len(line.lstrip(" "))]


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        _update()
    else:
        print("usage: python tests/test_examples.py --update")
