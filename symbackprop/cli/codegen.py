"""``symbackprop codegen``."""

from __future__ import annotations

import argparse
from pathlib import Path as FilePath

from .common import EXIT_OK, add_file, check_output, emit, emit_files, formats, load_scalar

__all__ = ["register"]


def _codegen(args: argparse.Namespace) -> int:
    """``codegen``: the source of a numeric gradient function (docs/reference/cli.md)."""
    from ..codegen.gradient import generate

    problem = load_scalar(args.file, "codegen")
    wrt = [w for group in args.wrt or () for w in group.split(",") if w]
    everything = not wrt or (wrt == ["all"] and "all" not in problem.graph)
    code = generate(problem, None if everything else wrt, args.target, name=args.name)
    if code.header is None:
        emit(code.source, args.output)
    elif args.output in (None, "-"):
        emit(f"/* ---- {code.name}.h ---- */\n{code.header}\n/* ---- {code.name}.c ---- */\n"
              f"{code.source}", None)
    else:  # OUT.c and the header OUT.h beside it
        source = FilePath(args.output)
        header = source.with_suffix(".h")
        check_output(str(header))
        emit_files([  # both or neither
            (str(source),
             code.source.replace(f'#include "{code.name}.h"', f'#include "{header.name}"')),
            (str(header), code.header)])
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``codegen`` command to the parser's sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> parse_with(register, ["codegen", "mazur_2_2_2"]).run.__name__
    '_codegen'
    """
    codegen_p = commands.add_parser("codegen", help="source code of a numeric gradient function")
    add_file(codegen_p)
    codegen_p.add_argument("--wrt", action="append", metavar="W",
                           help="a node to differentiate with respect to (repeat, or W1,W2; "
                                "default: every parameter)")
    codegen_p.add_argument("--target", default="numpy",
                           type=formats(("numpy", "python", "jax", "c")),
                           help="numpy (default: layer-wise for networks, vectorised), python "
                                "(plain math), jax (jit-able), c (with a header)")
    codegen_p.add_argument("--name", default="gradient", help="the function's name")
    codegen_p.add_argument("-o", "--output", metavar="OUT",
                           help="write to OUT (for c: OUT and the header beside it, OUT.h)")
    codegen_p.set_defaults(run=_codegen)
