"""The hostile-input battery: every hostile file through every command (tests/hostile/README.md).

Each bad file must give exit status 2 and one line ``symbackprop: error: ...`` naming the file
and what is wrong, no traceback, within 60 s and 2 GiB, with no output file (nor temporary
file) left behind and no marker file created.  Hostile text that is valid input (a title) must
come out inert: the generated modules import, the C compiles, the LaTeX compiles with
``-no-shell-escape``, DOT renders, and none of them creates the marker or reads a file it did
not write.

The commands are a table, :data:`COMMANDS`: one row a command line.  A new command
(``variants``, ``grade``, ``explore``, ``export``) is one more row, and every case runs through it.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cases import BAD, MARKER, TITLES, graph
from conftest import require_module, require_tool

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("run_many.py")
MEMORY = 2 * 1024**3
SECONDS = 60

Argv = Callable[[str, Path], list[str]]

#: command -> argv from (problem file, output folder).  One row a command: add the new ones here.
COMMANDS: dict[str, Argv] = {
    "derive": lambda f, out: ["derive", f, "--wrt", "w", "-o", str(out / "d.txt")],
    "derive-latex": lambda f, out: ["derive", f, "--wrt", "w", "--format", "latex",
                                    "--standalone", "--figure", "-o", str(out / "d.tex")],
    "derive-markdown": lambda f, out: ["derive", f, "--wrt", "w", "--format", "markdown",
                                       "-o", str(out / "d.md")],
    "derive-json": lambda f, out: ["derive", f, "--wrt", "w", "--format", "json",
                                   "-o", str(out / "d.json")],
    "paths": lambda f, out: ["paths", f, "--wrt", "w", "-o", str(out / "p.txt")],
    "verify": lambda f, out: ["verify", f, "-o", str(out / "v.txt")],
    "check": lambda f, out: ["check", f, "--format", "json", "-o", str(out / "c.json")],
    "draw-tex": lambda f, out: ["draw", f, "--wrt", "w", "-o", str(out / "t.tex")],
    "draw-dot": lambda f, out: ["draw", f, "--wrt", "w", "-o", str(out / "d.dot")],
    "codegen-numpy": lambda f, out: ["codegen", f, "--target", "numpy", "-o", str(out / "gn.py")],
    "codegen-python": lambda f, out: ["codegen", f, "--target", "python",
                                      "-o", str(out / "gp.py")],
    "codegen-jax": lambda f, out: ["codegen", f, "--target", "jax", "-o", str(out / "gj.py")],
    "codegen-c": lambda f, out: ["codegen", f, "--target", "c", "-o", str(out / "g.c")],
    "explore": lambda f, out: ["explore", f, "--wrt", "w", "-o", str(out / "page.html")],
    "export-toml": lambda f, out: ["export", "toml", f, "-o", str(out / "e.toml")],
}

#: commands that take a template (a problem file with ``[variants]``): a bad file must be refused
#: by them as by the others, but a plain valid file is not a template, so they sit out the runs
#: of valid files with hostile titles (tests/course has hostile student names and ids)
TEMPLATE_COMMANDS: dict[str, Argv] = {
    "variants": lambda f, out: ["variants", f, "--count", "2", "-o", str(out / "course")],
    "export-prairielearn": lambda f, out: ["export", "prairielearn", f, "--count", "2",
                                           "-o", str(out / "question")],
    "export-moodle": lambda f, out: ["export", "moodle", f, "--count", "2",
                                     "-o", str(out / "bank.xml")],
    "export-canvas": lambda f, out: ["export", "canvas", f, "--count", "2",
                                     "-o", str(out / "bank.zip")],
}


#: how a child limits itself to 2 GiB of address space before it imports anything (in the
#: child: a ``preexec_fn`` would fork this process, which JAX, once imported, warns about)
LIMITED = [sys.executable, "-c",
           "import resource, runpy, sys; "
           f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY})); "
           "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__') "
           "if sys.argv[0].endswith('.py') else runpy.run_module(sys.argv[0], "
           "run_name='__main__', alter_sys=True)"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def _run_many(jobs: list[dict[str, object]]) -> list[dict[str, object]]:
    """The jobs in one limited child interpreter (tests/hostile/run_many.py)."""
    budget = SECONDS * len(jobs) + 60
    result = subprocess.run([*LIMITED, str(RUNNER)], input=json.dumps(jobs),
                            capture_output=True, text=True, env=_env(), timeout=budget,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _cli(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m symbackprop ARGV`` as a user runs it, limited to 60 s and 2 GiB."""
    return subprocess.run([*LIMITED, "symbackprop", *argv], cwd=cwd,
                          capture_output=True, text=True, env=_env(), timeout=SECONDS,
                          check=False)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bad case written to one folder (the 10 MB file too: generated, never committed)."""
    folder = tmp_path_factory.mktemp("hostile")
    for file_name, build, _ in BAD.values():
        content = build()
        path = folder / file_name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def _output_folder(base: Path, *parts: str) -> Path:
    folder = base.joinpath(*(p.replace(" ", "_") for p in parts))
    folder.mkdir(parents=True)
    return folder


def _assert_refused(case: str, command: str, status: object, stderr: str, out: Path,
                    cwd: Path) -> None:
    file_name, _, fragments = BAD[case]
    where = f"{case} / {command}"
    assert status == 2, (where, status, stderr)
    lines = stderr.splitlines()
    assert lines and lines[0].startswith("symbackprop: error: "), (where, stderr)
    assert "Traceback" not in stderr, (where, stderr)
    assert file_name in lines[0], (where, stderr)
    # one message; a formula's or a YAML error's adds indented lines quoting it with a caret
    assert all(line.startswith(" ") for line in lines[1:]), (where, stderr)
    for fragment in fragments:
        assert fragment in stderr, (where, fragment, stderr)
    assert list(out.iterdir()) == [], (where, "left", list(out.iterdir()))
    assert not (cwd / MARKER).exists(), where


@pytest.fixture(scope="module")
def refused(hostile: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every bad case through every command, one limited interpreter a command, in parallel."""
    outputs = tmp_path_factory.mktemp("outputs")
    plans: dict[str, list[tuple[str, Path]]] = {}
    jobs: dict[str, list[dict[str, object]]] = {}
    for command, argv in {**COMMANDS, **TEMPLATE_COMMANDS}.items():
        plans[command], jobs[command] = [], []
        for case, (file_name, _, _) in BAD.items():
            out = _output_folder(outputs, command, case)
            plans[command].append((case, out))
            jobs[command].append({"argv": argv(str(hostile / file_name), out),
                                  "cwd": str(hostile)})
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(jobs, pool.map(_run_many, jobs.values()), strict=True))
    return plans, results


@pytest.mark.parametrize("command", [*COMMANDS, *TEMPLATE_COMMANDS])
def test_every_bad_file_is_refused_cleanly(command: str, refused, hostile: Path) -> None:
    plans, results = refused
    for (case, out), result in zip(plans[command], results[command], strict=True):
        assert result["crash"] is None, (case, command, result["crash"])
        assert result["seconds"] < SECONDS, (case, command, result["seconds"])
        _assert_refused(case, command, result["status"], result["stderr"], out, hostile)


#: one case a category goes through the real command line (``python -m symbackprop``), with
#: every command (one row of :data:`COMMANDS` a command and target: the other rows are the
#: same commands in other formats, which the in-process runs above cover)
CATEGORIES = {"injection": "yaml python tag", "sizes": "integer tower", "malformed": "cycle"}
REAL = [c for c in COMMANDS if c in ("derive", "paths", "verify", "check", "draw-dot")
        or c.startswith("codegen-")]


def test_one_case_a_category_through_the_real_command_line(hostile: Path,
                                                             tmp_path: Path) -> None:
    runs = [(category, case, command, _output_folder(tmp_path, category, command))
            for category, case in CATEGORIES.items() for command in REAL]

    def run(item: tuple[str, str, str, Path]) -> subprocess.CompletedProcess[str]:
        _, case, command, out = item
        return _cli(COMMANDS[command](str(hostile / BAD[case][0]), out), hostile)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, runs))
    for (_, case, command, out), result in zip(runs, results, strict=True):
        assert result.stdout == "", (case, command, result.stdout[:300])
        _assert_refused(case, command, result.returncode, result.stderr, out, hostile)


# -- hostile text that is valid input stays text -------------------------------------------

@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory):
    """One valid problem file a hostile title, through every command (exit 0), outputs kept."""
    base = tmp_path_factory.mktemp("titled")
    jobs, plans = [], []
    for index, title in enumerate(TITLES.values()):
        folder = base / f"t{index}"
        folder.mkdir()
        source = folder / "problem.toml"
        claims = '\n[[claims]]\nof = "dL/dw"\nvalue = 0.1\n'
        source.write_text(graph({"h": "sigmoid(w*x)", "L": "(h - 1)^2 + softplus(w)"},
                                title=title) + claims, encoding="utf-8")
        for command, argv in COMMANDS.items():
            jobs.append({"argv": argv(str(source), folder), "cwd": str(folder)})
            plans.append((title, command, folder))
        jobs.append({"argv": ["draw", str(source), "--wrt", "w", "-o", str(folder / "d.svg")],
                     "cwd": str(folder)})
        plans.append((title, "draw-svg", folder))
    results = _run_many(jobs)
    for (title, command, folder), result in zip(plans, results, strict=True):
        assert result["crash"] is None, (title, command, result["crash"])
        expected = 1 if command == "check" else 0  # the claim is wrong: a verdict, not an error
        assert result["status"] == expected, (title, command, result["stderr"])
        assert not (folder / MARKER).exists(), (title, command)
    return [(title, base / f"t{i}") for i, title in enumerate(TITLES.values())]


def test_generated_python_and_jax_modules_import_and_run_nothing(titled) -> None:
    require_module("jax")
    # every module of every title imported in one interpreter (jax is slow to import), from
    # the folder the marker would be created in
    code = ("import importlib.util, os, sys\n"
            "for folder in sys.argv[1:]:\n"
            "    os.chdir(folder)\n"
            "    for name in ('gn', 'gp', 'gj'):\n"
            "        spec = importlib.util.spec_from_file_location(f'm{len(folder)}{name}', "
            "name + '.py')\n"
            "        module = importlib.util.module_from_spec(spec)\n"
            "        spec.loader.exec_module(module)\n"
            "        print(name, callable(module.gradient), sorted(vars(module))[-1])\n")
    folders = [str(folder) for _, folder in titled]
    result = subprocess.run([sys.executable, "-c", code, *folders], capture_output=True,
                            text=True, env=_env(), timeout=SECONDS * 2, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.stdout.splitlines()) == 3 * len(titled), result.stdout
    assert all(line.split()[1] == "True" for line in result.stdout.splitlines())
    for title, folder in titled:
        assert not (folder / MARKER).exists(), title
        for name in ("gn", "gp", "gj"):
            module = (folder / f"{name}.py").read_text(encoding="utf-8")
            tree = ast.parse(module)
            # the module docstring, then only imports and function definitions: nothing runs
            # at import but the imports (a decorator would run: there is none)
            assert ast.get_docstring(tree) is not None, (title, name)
            assert all(isinstance(node, ast.Import | ast.FunctionDef) for node in tree.body[1:])
            imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
            assert imported <= {"math", "numpy", "jax", "jax.numpy"}, (title, name, imported)
            assert not [f for f in tree.body[1:] if isinstance(f, ast.FunctionDef)
                        and f.decorator_list], (title, name)


def test_generated_c_compiles_and_the_title_stays_in_comments(titled, tmp_path: Path) -> None:
    cc = require_tool("cc")
    for title, folder in titled:
        result = subprocess.run([cc, "-std=c99", "-Wall", "-Werror", "-c", "g.c", "-o",
                                 str(tmp_path / "g.o")], cwd=folder, capture_output=True,
                                text=True, timeout=SECONDS, check=False)
        assert result.returncode == 0, (title, result.stderr[-2000:])
        assert not (folder / MARKER).exists(), title


def test_every_generated_tex_compiles_without_shell_escape_and_reads_no_other_file(
        titled, tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    for index, (title, folder) in enumerate(titled):
        for stem in ("d", "t"):
            fresh = tmp_path / f"{index}{stem}"
            fresh.mkdir()
            (fresh / "doc.tex").write_text((folder / f"{stem}.tex").read_text("utf-8"), "utf-8")
            result = subprocess.run(
                [pdflatex, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                 "doc.tex"], cwd=fresh, capture_output=True, text=True, timeout=SECONDS,
                check=False)
            assert result.returncode == 0, (title, stem, result.stdout[-3000:])
            log = (fresh / "doc.log").read_text(encoding="latin-1")
            assert "(/etc/passwd" not in log, (title, stem)  # how TeX logs a file it opens
            assert not (fresh / MARKER).exists() and not (folder / MARKER).exists()
            assert sorted(p.name for p in fresh.iterdir()) == [
                "doc.aux", "doc.log", "doc.pdf", "doc.tex"], (title, stem)


def test_dot_svg_markdown_and_json_keep_the_title_inert(titled) -> None:
    dot = require_tool("dot")
    for title, folder in titled:
        result = subprocess.run([dot, "-Tsvg", "d.dot", "-o", "from_dot.svg"], cwd=folder,
                                capture_output=True, text=True, timeout=SECONDS, check=False)
        assert result.returncode == 0, (title, result.stderr)
        for svg in ("from_dot.svg", "d.svg"):
            tree = ET.parse(folder / svg)  # well-formed: no tag or attribute broke out
            assert not [e for e in tree.iter() if e.tag.endswith("script")], (title, svg)
        markdown = (folder / "d.md").read_text(encoding="utf-8")
        heading = markdown.splitlines()[0]
        assert heading.startswith("# ") and "<" not in heading, (title, heading)
        assert len(markdown.split("\n## ")[0].strip().splitlines()) <= 3, title
        report = json.loads((folder / "c.json").read_text(encoding="utf-8"))
        assert report["title"] == title
        assert not (folder / MARKER).exists(), title


# -- writing: atomic, and Ctrl-C -----------------------------------------------------------

def test_output_to_a_folder_or_a_missing_folder_is_refused_before_any_work(
        tmp_path: Path) -> None:
    for output, problem in ((tmp_path, "is a folder"),
                            (tmp_path / "no" / "such" / "x.txt", "does not exist")):
        result = _cli(["derive", "mazur_2_2_2", "--wrt", "w5", "-o", str(output)], tmp_path)
        assert result.returncode == 2 and problem in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_folder_output_that_is_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    """``variants`` and ``export prairielearn`` write a folder (made if missing): an existing
    file there is refused, and left as it was."""
    existing = tmp_path / "notes.txt"
    existing.write_text("mine\n", encoding="utf-8")
    for argv in (["variants", "assignment_2_2_2", "--count", "2"],
                 ["export", "prairielearn", "assignment_2_2_2", "--count", "2"]):
        result = _cli([*argv, "-o", str(existing)], tmp_path)
        assert result.returncode == 2 and "is a file" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert existing.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def test_ctrl_c_during_a_parallel_check_leaves_no_report_and_exits_130(tmp_path: Path) -> None:
    problems = tmp_path / "problems"
    problems.mkdir()
    student = (ROOT / "symbackprop/spec/examples/padhai_4_4_2_student.toml").read_text("utf-8")
    for i in range(400):  # a few seconds' work for two workers
        (problems / f"p{i:03d}.toml").write_text(student, encoding="utf-8")
    report = tmp_path / "report.json"
    process = subprocess.Popen(
        [*LIMITED, "symbackprop", "check", str(problems), "--jobs", "2",
         "--format", "json", "-o", str(report)], cwd=tmp_path, env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + SECONDS
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # until the two workers run
    workers = _children(process.pid)
    assert len(workers) >= 2 and process.poll() is None, "the check ended before Ctrl-C"
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=SECONDS)
    assert process.returncode == 130, stderr
    assert stderr.strip() == "symbackprop: interrupted", stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problems"]  # no report, no temp
    for worker in workers:  # the pool is gone too
        assert not Path(f"/proc/{worker}").exists() or "zombie" in Path(
            f"/proc/{worker}/status").read_text().lower()
