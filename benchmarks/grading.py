"""The grading benchmark: ``symbackprop grade`` on 500 answers-only submissions.

One class CSV of ``students`` rows of four answers each, against the keys of as many variants of
the bundled ``assignment_2_2_2`` (written once, not timed): per answer, seeded, 50 % right, 30 %
one of the key's common mistakes, 10 % near the right value (rounding credit or a diagnosis) and
10 % a number no mistake explains (``check``'s full diagnosis, the expensive path).  Timed: the
command as a user runs it, ``symbackprop grade DIR answers.csv --format csv``, start-up
included, each in a fresh process (no cache shared between the two), with ``--jobs 1`` and with
``--jobs 2`` in the same run; the target is under 30 s with both cores.  A second row grades
the worst case: every answer a number no mistake explains.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from symbackprop.course.files import assignment_files
from symbackprop.course.grading import grade_all, load_keys
from symbackprop.course.roster import numbered
from symbackprop.course.submissions import read_submissions

TARGET_SECONDS = 30.0


def _write_course(folder: Path, students: int, worst: bool = False) -> Path:
    """The course folder and its class CSV; ``worst``: every answer unexplained."""
    for name, text in assignment_files("assignment_2_2_2", numbered(students), seed=1).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    rng = np.random.default_rng(0)
    answers = folder / "answers.csv"
    with answers.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "question", "answer"])
        for sid, key in load_keys(folder).items():
            for q in key["questions"]:
                roll = 1.0 if worst else rng.random()
                if roll < 0.5 or not q["mistakes"]:
                    value = q["value"]
                elif roll < 0.8:
                    value = q["mistakes"][int(rng.integers(len(q["mistakes"])))]["value"]
                elif roll < 0.9:
                    value = q["value"] + 4 * q["tolerance"]
                else:
                    value = q["value"] * 3.7 + 0.123
                writer.writerow([sid, q["id"], f"{value:.6g}"])
    return answers


def grading_benchmark(students: int = 500, worst: bool = False) -> dict[str, Any]:
    """Seconds to read and grade ``students`` submissions with one and with two processes
    (``worst``: every answer one that only check's full diagnosis can judge)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        answers = _write_course(folder, students, worst)
        times = {}
        for jobs in (1, 2):
            command = [sys.executable, "-m", "symbackprop", "grade", str(folder), str(answers),
                       "--format", "csv", "--jobs", str(jobs), "-o", str(folder / "out.csv")]
            start = time.perf_counter()
            subprocess.run(command, check=True)
            times[jobs] = time.perf_counter() - start
        grades = grade_all(read_submissions([answers]), folder, 1)
        assert len(grades) == students and not any(g.error for g in grades)
        verdicts: dict[str, int] = {}
        for grade in grades:
            for mark in grade.marks:
                verdicts[mark.verdict] = verdicts.get(mark.verdict, 0) + 1
    return {"mix": "worst" if worst else "typical", "submissions": students,
            "answers": sum(verdicts.values()), "verdicts": verdicts,
            "jobs_1_seconds": times[1], "jobs_2_seconds": times[2],
            "target_seconds": TARGET_SECONDS}
