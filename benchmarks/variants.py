"""The course benchmark: ``symbackprop variants`` for a class, with handouts and figures.

One command times, in one run, the command as an instructor runs it,
``python -m symbackprop variants assignment_2_2_2 -o DIR --count N --handout --figure``, start-up
and writing every file included (the ``.tex`` files, figures in them; compiling them is the
instructor's step, not timed), each run a fresh process in a fresh folder:

- the code before the speed-up (``--before REV``, a git revision of this repository, exported
  with ``git archive``; default :data:`BEFORE`, the commit this work started from), which has
  one process only;
- this checkout with ``--jobs 1`` and with ``--jobs 2``.

The table gives each time (wall clock, and the CPU time of the run's processes: the machine may
be busy), its speed-up over the code before, and ``--jobs 2`` over ``--jobs 1``.
Every run writes the same files as the code before (names); how many answer keys and problem
files are byte-identical to the code before's is reported (the handouts differ on purpose, and
since the speed-up so do the variants a rule now redraws and the keys' new mistake); the two job
counts give the same files, handouts included.
Target: 3,000 students under :data:`TARGET_SECONDS` s with two processes.

Usage::

    python benchmarks/variants.py                     # 3,000 students, before and after
    python benchmarks/variants.py --students 300 --before none --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "assignment_2_2_2"
BEFORE = "1e34320"
"""The commit before the speed-up (issue 25's branch point): its handouts typeset every
derivation for every student and redid, per student, what depends only on the graph."""
TARGET_SECONDS = 15.0


def _export(revision: str, folder: Path) -> Path:
    """The source tree of ``revision`` in ``folder`` (``git archive``), to import from."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True,
                             check=False)
    if archive.returncode != 0:
        raise SystemExit(f"--before {revision}: git archive failed: "
                         f"{archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _run(source: Path, out: Path, students: int, jobs: int | None) -> tuple[float, float]:
    """Seconds for one ``variants`` run of the code in ``source``, in a fresh process: wall
    clock, and the CPU time of its processes (workers included)."""
    command = [sys.executable, "-m", "symbackprop", "variants", TEMPLATE, "-o", str(out),
               "--count", str(students), "--handout", "--figure"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(source)}
    cpu = _children_cpu()
    start = time.perf_counter()
    # run from the output's folder: python -m puts the working folder first on the path
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=out.parent,
                          check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _files(folder: Path, handouts: bool) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and (handouts or not str(p.relative_to(folder)).startswith("handout"))}


def variants_benchmark(students: int = 3000, before: str | None = BEFORE) -> dict[str, Any]:
    """Time the runs (see the module docstring) and check what they write."""
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        runs: dict[str, Path] = {}
        if before is not None:
            source = _export(before, work / "before")
            runs["before"] = work / "out-before"
            seconds, cpu = _run(source, runs["before"], students, None)
            rows.append({"code": f"before ({before})", "jobs": 1, "seconds": seconds,
                         "cpu_seconds": cpu})
        for jobs in (1, 2):
            runs[f"jobs{jobs}"] = work / f"out-jobs{jobs}"
            seconds, cpu = _run(ROOT, runs[f"jobs{jobs}"], students, jobs)
            rows.append({"code": "after", "jobs": jobs, "seconds": seconds, "cpu_seconds": cpu})
        after = _files(runs["jobs1"], handouts=True)
        if _files(runs["jobs2"], handouts=True) != after:
            raise SystemExit("--jobs 1 and --jobs 2 wrote different files")
        same = None
        if before is not None:  # the same files; their contents may differ on purpose (the
            # real-class work redraws a draw whose update leaves the asked digits unchanged
            # and adds the update_not_applied mistake to the keys)
            old, new = (_files(runs[name], handouts=False) for name in ("before", "jobs1"))
            if old.keys() != new.keys():
                raise SystemExit("the code before wrote other answer keys or problem files")
            same = sum(old[name] == new[name] for name in new), len(new)
        megabytes = sum(len(v) for v in after.values()) / 1e6
    base = rows[0]["seconds"]
    for row in rows:
        row["speed_up"] = base / row["seconds"]
    jobs = {row["jobs"]: row["seconds"] for row in rows if row["code"] == "after"}
    return {"students": students, "template": TEMPLATE, "files": len(after),
            "megabytes": megabytes, "rows": rows, "jobs_2_over_1": jobs[1] / jobs[2],
            "keys_and_problem_files_identical": same, "target_seconds": TARGET_SECONDS,
            "load_average": os.getloadavg()[0]}


def table(result: dict[str, Any]) -> str:
    """The result as a Markdown table with its ratios."""
    lines = [f"symbackprop variants {result['template']} --count {result['students']:,} "
             f"--handout --figure ({result['files']:,} files, {result['megabytes']:.0f} MB), "
             "start-up and writing included",
             "", "| code | jobs | seconds | speed-up | CPU seconds |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {row['code']} | {row['jobs']} | {row['seconds']:.1f} | "
              f"{row['speed_up']:.1f}x | {row['cpu_seconds']:.1f} |" for row in result["rows"]]
    lines += ["", f"--jobs 2 over --jobs 1: {result['jobs_2_over_1']:.2f}x; target under "
              f"{result['target_seconds']:.0f} s with two processes; load average at the end "
              f"{result['load_average']:.1f}"]
    if result["keys_and_problem_files_identical"] is not None:
        same, total = result["keys_and_problem_files_identical"]
        lines.append(f"answer keys and problem files: {same:,} of {total:,} byte-identical to "
                     "the code before's (the others changed on purpose since: redrawn "
                     "variants, a new mistake in the keys)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--before", default=BEFORE, metavar="REV",
                        help=f"the git revision before the speed-up (default {BEFORE}); "
                             "'none' times this checkout only")
    parser.add_argument("--json", metavar="OUT", help="also write every number to OUT")
    args = parser.parse_args(argv)
    result = variants_benchmark(args.students, None if args.before == "none" else args.before)
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
