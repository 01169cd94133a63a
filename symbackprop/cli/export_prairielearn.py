"""``symbackprop export prairielearn``."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_file, emit_tree, seed

__all__ = ["register"]


def _export(args: argparse.Namespace) -> int:
    """``export prairielearn TEMPLATE -o DIR``: a PrairieLearn question folder."""
    from ..course.prairielearn import prairielearn_files

    files = prairielearn_files(args.file, count=args.count, seed=args.seed,
                               picture=not args.no_picture)
    emit_tree(files, args.output)
    print(f"PrairieLearn question with {args.count} variants in {args.output.rstrip('/')}/: "
          f"{', '.join(sorted(files))}")
    return EXIT_OK


def register(targets: argparse._SubParsersAction) -> None:
    """Add the ``prairielearn`` target to ``export``'s sub-commands.

    Examples
    --------
    >>> from symbackprop.cli.common import parse_with
    >>> args = parse_with(register, ["prairielearn", "t.toml", "-o", "q"])
    >>> args.run.__name__, args.count, args.no_picture
    ('_export', 20, False)
    """
    p = targets.add_parser("prairielearn",
                           help="a PrairieLearn question folder with precomputed variants")
    add_file(p)
    p.add_argument("-o", "--output", metavar="DIR", required=True,
                   help="the question folder to write (info.json, question.html, server.py, "
                        "clientFilesQuestion/)")
    p.add_argument("--count", type=int, default=20, metavar="N",
                   help="how many variants to precompute (default 20)")
    p.add_argument("--seed", type=seed, default=None, metavar="S",
                   help="the seed of the draws (default: the template's [variants] seed)")
    p.add_argument("--no-picture", action="store_true",
                   help="leave out clientFilesQuestion/graph.svg (it needs the draw extra)")
    p.set_defaults(run=_export, output_is_folder=True)
