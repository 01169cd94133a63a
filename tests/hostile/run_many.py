"""Run many ``symbackprop`` command lines in one process (the battery's cheap cases).

Reads a JSON list of ``{"argv": [...], "cwd": "..."}`` on stdin, runs each through
:func:`symbackprop.cli.main` with its stdout and stderr captured and a 60-second alarm, and
prints a JSON list of ``{"status", "stderr", "seconds", "crash"}`` in the same order.  The test
starts it with the battery's memory limit; one interpreter for many cases saves the start-up
time (about a second each) that a subprocess per case would cost.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import time
import traceback

SECONDS = 60


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def main() -> None:
    from symbackprop.cli import main as cli

    jobs = json.load(sys.stdin)
    signal.signal(signal.SIGALRM, _alarm)
    results = []
    for job in jobs:
        os.chdir(job["cwd"])
        out, err = io.StringIO(), io.StringIO()
        crash = None
        status = None
        start = time.perf_counter()
        signal.alarm(SECONDS)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = cli(job["argv"])
        except _Timeout:
            crash = f"timeout after {SECONDS} s"
        except BaseException:  # a crash is a finding: report it, keep going
            crash = traceback.format_exc()
        finally:
            signal.alarm(0)
        results.append({"status": status, "stderr": err.getvalue(), "crash": crash,
                        "seconds": time.perf_counter() - start})
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
