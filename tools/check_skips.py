"""Check that a test run without the optional extras skipped only the tests that need them.

The README's test command (``pip install -e '.[test]' && python -m pytest``) installs the test
tools but none of the optional backends (JAX, PyTorch) or the documentation tools (MkDocs).
Their tests must skip cleanly there, and nothing else may skip.  CI runs the README's two
commands in a fresh virtual environment with ``--junitxml`` and then::

    python tools/check_skips.py junit.xml

which fails (exit 1, naming each test) when a test skipped for another reason, or failed, and
also when an optional extra's tests were not skipped at all (then this check would prove
nothing about them: they ran, so the extra was installed after all).
"""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET
from pathlib import Path

OPTIONAL = {"jax": "jax", "torch": "torch", "mkdocs": "docs"}
"""The modules of the optional extras (module -> extra) whose tests skip without them."""

_REASON = re.compile(r"\b(?P<module>[\w.]+) is (?:not installed|optional)")


def skips_and_failures(junit: Path) -> tuple[dict[str, str], list[str]]:
    """Every skipped test (id -> reason) and every failed or erroring test of a JUnit XML."""
    skipped, failed = {}, []
    for case in ET.parse(junit).iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(test)
        skip = case.find("skipped")
        if skip is not None:
            skipped[test] = skip.get("message") or skip.text or ""
    return skipped, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit", type=Path, help="pytest's --junitxml output")
    args = parser.parse_args(argv)
    skipped, failed = skips_and_failures(args.junit)
    problems = [f"failed: {test}" for test in failed]
    seen: dict[str, int] = dict.fromkeys(OPTIONAL, 0)
    for test, reason in sorted(skipped.items()):
        match = _REASON.search(reason)
        module = match["module"] if match else None
        if module in OPTIONAL:
            seen[module] += 1
        else:
            problems.append(f"skipped for a reason other than a missing optional extra: "
                            f"{test}: {reason}")
    problems += [f"no test skipped for want of {module} (the [{OPTIONAL[module]}] extra): was "
                 "it installed?" for module, count in seen.items() if count == 0]
    for problem in problems:
        print(problem)
    counts = ", ".join(f"{module} {count}" for module, count in seen.items())
    print(f"{len(skipped)} skipped ({counts}), {len(failed)} failed: "
          f"{'NOT as expected' if problems else 'as expected'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
