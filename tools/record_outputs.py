"""Record what the command line prints for every bundled example, to diff before and after a change.

For every bundled example (or those named with ``--only``) and every parameter it runs, in this
process, ``derive`` in every format (and ``--standalone``, ``--matrix``, each ``--simplify``
strategy, ``--max-paths 1``), ``paths`` (text, JSON, streamed), ``check`` and ``verify`` in every
format, ``draw`` as TikZ and DOT (with value labels, before surgery), ``codegen`` for every target,
and a few bad inputs, and writes each command's exit status, stdout, stderr and output files to one
text file in DIR.  A refactoring that must not change behaviour leaves ``diff -r BEFORE AFTER``
empty::

    python tools/record_outputs.py /tmp/before      # on the old commit
    python tools/record_outputs.py /tmp/after       # on the new one
    diff -r /tmp/before /tmp/after

The whole set (about 1,700 outputs) takes about a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import warnings
from pathlib import Path

from symbackprop import bundled_examples, load_problem
from symbackprop.cli import main

DERIVE_FORMATS = ("text", "latex", "markdown", "json")
REPORT_FORMATS = ("text", "markdown", "json")
TARGETS = ("numpy", "python", "jax", "c")


def record(out: Path, tag: str, argv: list[str], suffix: str | None = None) -> None:
    """Run ``symbackprop ARGV`` (with ``-o`` a fresh file ending in ``suffix``, if given) and
    write what it did to ``out/TAG.txt``."""
    folder = Path(tempfile.mkdtemp()) if suffix else None
    if folder is not None:
        argv = [*argv, "-o", str(folder / f"out.{suffix}")]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
    text = (f"$ {' '.join(argv)}\nrc={status}\n--stdout--\n{stdout.getvalue()}\n"
            f"--stderr--\n{stderr.getvalue()}\n")
    if folder is not None:
        for written in sorted(folder.iterdir()):
            text += f"--file {written.name}--\n" + written.read_text(errors="replace")
        text = text.replace(str(folder), "TMP")
    (out / f"{tag}.txt").write_text(text, encoding="utf-8")


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


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write the outputs to")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these bundled examples only")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore")  # a warning would be recorded as output otherwise
    for name in args.only or sorted(bundled_examples()):
        record_example(args.out, name)
    record(args.out, "examples", ["examples"])
    record(args.out, "help", ["--help"])
    record(args.out, "err.missing", ["derive", "nonexistent_file.toml", "--wrt", "w1"])
    record(args.out, "err.badwrt", ["derive", "mazur_2_2_2", "--wrt", "zz"])
    print(f"{len(list(args.out.iterdir()))} outputs in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
