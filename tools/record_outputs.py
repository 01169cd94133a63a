"""Record what the command line prints for every bundled example, to diff before and after a change.

For every bundled example (or those named with ``--only``) and every parameter it runs, in this
process, ``derive`` in every format (and ``--standalone``, ``--matrix``, each ``--simplify``
strategy, ``--max-paths 1``), ``paths`` (text, JSON, streamed), ``check`` and ``verify`` in every
format, ``draw`` as TikZ and DOT (with value labels, before surgery), ``codegen`` for every target,
``explore``'s page, ``export toml`` and ``Problem.to_toml()``, and a few bad inputs; and for the
course commands, on the bundled template: ``variants`` (a roster with names in several scripts,
``--handout``, ``--figure``; ``--count``), ``check`` of a student's file, ``grade`` in every
format (a class CSV of right, mistaken, missing and invalid answers, a student not on the roster,
and one student's file for Gradescope), ``export prairielearn`` and the Moodle and Canvas
question banks; and on the bundled tensor template, ``variants``, ``grade`` of a class's
matrices and a question bank's refusal.  For every bundled tensor example (``[tensor]``):
``derive`` in every format for every parameter (and ``--standalone``), ``--wrt all``,
``paths`` (text, JSON), ``draw`` (TikZ, DOT), ``--expand``
and ``--full`` where they apply, and the refusal of each command that reads scalar problems
only.  It writes each command's
exit status, stdout, stderr and output files (every file of an output folder) to one text file
in DIR.  A refactoring that must not change behaviour leaves ``diff -r BEFORE AFTER``
empty::

    python tools/record_outputs.py /tmp/before      # on the old commit
    python tools/record_outputs.py /tmp/after       # on the new one
    diff -r /tmp/before /tmp/after

The whole set (about 2,000 outputs) takes a minute or two.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import tempfile
import warnings
import zipfile
from pathlib import Path

from symbackprop import bundled_examples, load_problem
from symbackprop.cli import main

DERIVE_FORMATS = ("text", "latex", "markdown", "json")
REPORT_FORMATS = ("text", "markdown", "json")
TARGETS = ("numpy", "python", "jax", "c")


TEMPLATE = "assignment_2_2_2"
TENSOR_TEMPLATE = "tensor_assignment"
ROSTER = ('id,name\nada,Ada Lovelace\nalan,"Turing, Alan"\nzoe,Zoë Müller\nli,李雷\n'
          'sasha,Саша Иванова\n')


def record(out: Path, tag: str, argv: list[str], suffix: str | None = None) -> None:
    """Run ``symbackprop ARGV`` (with ``-o`` a fresh file ending in ``suffix``, or with
    ``suffix="/"`` a fresh folder, if given) and write what it did, every file it wrote
    included, to ``out/TAG.txt``."""
    folder = Path(tempfile.mkdtemp()) if suffix else None
    if folder is not None:
        argv = [*argv, "-o", str(folder / ("out" if suffix == "/" else f"out.{suffix}"))]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
    text = (f"$ {' '.join(argv)}\nrc={status}\n--stdout--\n{stdout.getvalue()}\n"
            f"--stderr--\n{stderr.getvalue()}\n")
    if folder is not None:
        for written in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = written.relative_to(folder).as_posix()
            if written.suffix == ".zip":  # each member, in the zip's order
                with zipfile.ZipFile(written) as bundle:
                    for member in bundle.namelist():
                        text += (f"--file {name}:{member}--\n"
                                 + bundle.read(member).decode(errors="replace"))
                continue
            text += f"--file {name}--\n" + written.read_text(errors="replace")
        text = text.replace(str(folder), "TMP")
    (out / f"{tag}.txt").write_text(text, encoding="utf-8")


def _answers(keys: Path) -> list[list[str]]:
    """A class's answers, one row per answer, made from the keys: the first student right to
    four significant digits, the next with each question's first predicted mistake, the next
    with one question missing and one not a number, and a student not on the roster."""
    rows = []
    for i, key_file in enumerate(sorted(keys.glob("*.json"))):
        key = json.loads(key_file.read_text(encoding="utf-8"))
        for j, question in enumerate(key["questions"]):
            mistakes = question.get("mistakes") or []
            if i % 3 == 1 and mistakes:
                answer = f"{mistakes[0]['value']:.4g}"
            elif i % 3 == 2 and j == 0:
                continue
            elif i % 3 == 2 and j == 1:
                answer = "about 0.1"
            else:
                answer = f"{question['value']:.4g}"
            rows.append([key["variant"], question["id"], answer])
    return [*rows, ["bob", "q1", "0.5"]]


def record_course(out: Path) -> None:
    """``variants``, ``check``, ``grade`` in every format and ``export prairielearn`` on the
    bundled template, run in a fresh folder with relative paths (so that the recorded text does
    not depend on where that folder is)."""
    with contextlib.chdir(tempfile.mkdtemp()):
        Path("roster.csv").write_text(ROSTER, encoding="utf-8")
        variants = ["variants", TEMPLATE, "--roster", "roster.csv", "--handout", "--figure"]
        record(out, "course.variants.handout_figure", variants, "/")
        record(out, "course.variants.count",
               ["variants", TEMPLATE, "--count", "4", "--seed", "7"], "/")
        record(out, "course.variants.handout",
               ["variants", TEMPLATE, "--roster", "roster.csv", "--handout", "-o", "hw"])
        record(out, "course.check.student", ["check", "hw/ada.toml"])
        with open("answers.csv", "w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows([["student", "question", "answer"],
                                        *_answers(Path("hw/key"))])
        for fmt in ("text", "markdown", "json", "csv"):
            record(out, f"course.grade.{fmt}",
                   ["grade", "hw", "answers.csv", "--format", fmt, "--jobs", "1"])
        key = json.loads(Path("hw/key/alan.json").read_text(encoding="utf-8"))
        Path("alan-answers.toml").write_text('variant = "alan"\n\n[answers]\n' + "".join(
            f"{q['id']} = {q['value']:.3g}\n" for q in key["questions"]), encoding="utf-8")
        record(out, "course.grade.gradescope",
               ["grade", "hw", "alan-answers.toml", "--format", "gradescope", "--jobs", "1"])
        record(out, "course.prairielearn",
               ["export", "prairielearn", TEMPLATE, "--count", "3", "--no-picture"], "/")
        for per in ([], ["--per-variant"]):
            tag = "per_variant" if per else "calculated"
            record(out, f"course.moodle.{tag}",
                   ["export", "moodle", TEMPLATE, "--count", "3", *per], "xml")
            record(out, f"course.canvas.{tag}",
                   ["export", "canvas", TEMPLATE, "--count", "3", *per], "zip")


def _matrix(value: object) -> str:
    """Nested lists as JSON text, each entry to four significant digits."""
    if isinstance(value, list):
        return "[" + ", ".join(_matrix(v) for v in value) + "]"
    return f"{value:.4g}"


def record_tensor_course(out: Path) -> None:
    """``variants`` on the bundled tensor template and ``grade`` of a class CSV of matrices
    (right to four digits; each question's first predicted mistake; a transpose and an answer
    that is not JSON) in text, JSON and CSV, run in a fresh folder."""
    with contextlib.chdir(tempfile.mkdtemp()):
        record(out, "course.tensor.variants",
               ["variants", TENSOR_TEMPLATE, "--count", "3", "--jobs", "1"], "/")
        record(out, "course.tensor.variants.files",
               ["variants", TENSOR_TEMPLATE, "--count", "3", "--jobs", "1", "-o", "hw"])
        rows = [["student", "question", "answer"]]
        for i, key_file in enumerate(sorted(Path("hw/key").glob("*.json"))):
            key = json.loads(key_file.read_text(encoding="utf-8"))
            for j, question in enumerate(key["questions"]):
                value = question["value"]
                if i == 1 and question["mistakes"]:
                    value = question["mistakes"][0]["value"]
                elif i == 2 and j == 0:
                    value = [list(row) for row in zip(*value, strict=True)]
                answer = "[[1, 2], (3, 4)]" if (i, j) == (2, 3) else _matrix(value)
                rows.append([key["variant"], question["id"], answer])
        with open("answers.csv", "w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows(rows)
        for fmt in ("text", "json", "csv"):
            record(out, f"course.tensor.grade.{fmt}",
                   ["grade", "hw", "answers.csv", "--format", fmt, "--jobs", "1"])
        record(out, "course.tensor.refused.moodle",
               ["export", "moodle", TENSOR_TEMPLATE, "--count", "2"], "xml")


def record_example(out: Path, name: str) -> None:
    """Every command the module docstring lists, for one bundled example."""
    for command in ("check", "verify"):
        for fmt in REPORT_FORMATS:
            record(out, f"{name}.{command}.{fmt}", [command, name, "--format", fmt])
    for fmt in ("text", "json"):
        record(out, f"{name}.derive_all.{fmt}", ["derive", name, "--wrt", "all", "--format", fmt])
    for w in load_problem(name).graph.parameters:
        derive = ["derive", name, "--wrt", w]
        for fmt in DERIVE_FORMATS:
            record(out, f"{name}.derive.{w}.{fmt}", [*derive, "--format", fmt])
        record(out, f"{name}.derive.{w}.standalone",
               [*derive, "--format", "latex", "--standalone"])
        record(out, f"{name}.derive.{w}.matrix", [*derive, "--matrix"])
        record(out, f"{name}.derive.{w}.matrixtex", [*derive, "--matrix", "--format", "latex"])
        for strategy in ("leaves", "expand", "factor"):
            record(out, f"{name}.derive.{w}.simp_{strategy}", [*derive, "--simplify", strategy])
        record(out, f"{name}.derive.{w}.maxpaths1", [*derive, "--max-paths", "1"])
        for fmt in ("text", "json"):
            record(out, f"{name}.paths.{w}.{fmt}", ["paths", name, "--wrt", w, "--format", fmt])
        record(out, f"{name}.paths.{w}.stream", ["paths", name, "--wrt", w, "--max-paths", "1"])
        for fmt in ("tex", "dot"):
            draw = ["draw", name, "--wrt", w]
            record(out, f"{name}.draw.{w}.{fmt}", draw, fmt)
            record(out, f"{name}.draw.{w}.values.{fmt}", [*draw, "--edge-labels", "value"], fmt)
        record(out, f"{name}.draw.{w}.before.dot", ["draw", name, "--wrt", w, "--before-surgery"],
               "dot")
        record(out, f"{name}.codegen.{w}.python", ["codegen", name, "--wrt", w, "--target",
                                                   "python"])
    for target in TARGETS:
        record(out, f"{name}.codegen.all.{target}", ["codegen", name, "--target", target])
    record(out, f"{name}.codegen.c_files", ["codegen", name, "--target", "c"], "c")
    record(out, f"{name}.explore", ["explore", name], "html")
    record(out, f"{name}.export_toml", ["export", "toml", name])
    (out / f"{name}.to_toml.txt").write_text(load_problem(name).to_toml(), encoding="utf-8")


def record_tensor_example(out: Path, name: str) -> None:
    """The commands that read a tensor problem, for one bundled tensor example."""
    for fmt in ("text", "json"):
        record(out, f"{name}.derive_all.{fmt}", ["derive", name, "--wrt", "all", "--format", fmt])
    for w in load_problem(name).graph.parameters:
        derive = ["derive", name, "--wrt", w]
        for fmt in DERIVE_FORMATS:
            record(out, f"{name}.derive.{w}.{fmt}", [*derive, "--format", fmt])
        record(out, f"{name}.derive.{w}.standalone",
               [*derive, "--format", "latex", "--standalone"])
        for fmt in ("text", "json"):
            record(out, f"{name}.paths.{w}.{fmt}", ["paths", name, "--wrt", w, "--format", fmt])
        for fmt in ("tex", "dot"):
            record(out, f"{name}.draw.{w}.{fmt}", ["draw", name, "--wrt", w], fmt)
    record(out, f"{name}.explore", ["explore", name], "html")
    if name == "tensor_layernorm":  # layer norm shown whole by default: its primitives
        for w in ("W1", "gamma"):
            record(out, f"{name}.derive.{w}.expand", ["derive", name, "--wrt", w, "--expand"])
            record(out, f"{name}.paths.{w}.expand.json",
                   ["paths", name, "--wrt", w, "--expand", "--format", "json"])
    if name == "tensor_ninja":
        record(out, f"{name}.derive.W2.full", ["derive", name, "--wrt", "W2", "--full"])


def record_tensor_refusals(out: Path, name: str) -> None:
    """The commands that read scalar problems only, each refusing a tensor problem once, and
    a scalar picture's option refused on one."""
    for tag, argv, suffix in (
            ("codegen", ["codegen", name], None),
            ("check", ["check", name], None), ("variants", ["variants", name, "--count", "2"], "/"),
            ("export_toml", ["export", "toml", name], None),
            ("derive_matrix", ["derive", name, "--wrt", "W1", "--matrix"], None),
            ("draw_edge_labels", ["draw", name, "--wrt", "W1", "-o", "-", "--format", "dot",
                                  "--edge-labels", "value"], None)):
        record(out, f"{name}.refused.{tag}", argv, suffix)


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write the outputs to")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these bundled examples only")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore")  # a warning would be recorded as output otherwise
    tensor = sorted(bundled_examples("tensor"))
    for name in [n for n in args.only if n not in tensor] if args.only else sorted(
            bundled_examples("scalar")):
        record_example(args.out, name)
    for name in tensor:
        if args.only is None or name in args.only:
            record_tensor_example(args.out, name)
    if args.only is None:
        record_tensor_refusals(args.out, "tensor_mlp")
    record_course(args.out)
    if args.only is None:
        record_tensor_course(args.out)
    record(args.out, "examples", ["examples"])
    record(args.out, "help", ["--help"])
    record(args.out, "err.missing", ["derive", "nonexistent_file.toml", "--wrt", "w1"])
    record(args.out, "err.badwrt", ["derive", "mazur_2_2_2", "--wrt", "zz"])
    print(f"{len(list(args.out.iterdir()))} outputs in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
