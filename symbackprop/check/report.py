"""Check reports as terminal text, Markdown, and JSON-ready data (docs/reference/cli.md).

The JSON shape for one file is the stable one of docs/reference/cli.md, with a few more
keys::

    {"file": ..., "title": ..., "claims": [{"of", "claimed", "expected", "verdict",
     "diagnosis", "missing_paths", ...}], "correct": n, "incorrect": n, "errors": n}

For several files it is ``{"files": [{"file": ..., "status": ..., <one file's keys>}, ...],
"correct": n, "incorrect": n, "errors": n, "files": ..., ...}`` (see :func:`batch_data`).
``docs/check.schema.json`` is the JSON Schema of both.

Examples
--------
>>> from symbackprop.check import check_problem
>>> from symbackprop.spec import load_problem
>>> report = check_problem(load_problem("padhai_4_4_2_student"))
>>> data = check_data(report)
>>> [(c["of"], c["verdict"], c["missing_paths"]) for c in data["claims"]]
... # doctest: +NORMALIZE_WHITESPACE
[('dyhat1/da21', 'correct', []), ('dL/dw212', 'incorrect', [['w212', 'a21', 'yhat2', 'L']]),
 ('w212+', 'incorrect', [['w212', 'a21', 'yhat2', 'L']])]
>>> print(check_text(report).splitlines()[2])
✓  1. dyhat1/da21 = 0.177   (true value 0.1769184530)
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from ..render.markdown import markdown_code, markdown_code_block, markdown_text
from ..render.numbers import decimal_number
from ..render.plaintext import columns
from .batch import FileCheck
from .claims import CheckReport, ClaimResult
from .tensor_check import TensorCheckReport
from .tensor_report import tensor_check_data, tensor_check_markdown, tensor_check_text

__all__ = ["batch_data", "batch_markdown", "batch_text", "check_data", "check_markdown",
           "check_text", "claim_data", "right_value"]

WIDTH = 100
MARKS = {"correct": "✓", "incorrect": "✗", "error": "!"}


def right_value(value: float | None) -> str:
    """A true value as reports show it: ten decimals (``0.1769184530``), or ten significant
    digits where ten decimals would hide them.

    Examples
    --------
    >>> right_value(0.17691845), right_value(1.23e-7), right_value(None)
    ('0.1769184500', '1.23e-07', '—')
    """
    return decimal_number(value)


def _formula(text: str | None) -> str:
    return "" if text is None else text.replace("**", "^")


def _claimed(result: ClaimResult) -> str:
    claim = result.claim
    if claim.expression_text is not None:
        return claim.expression_text if claim.value is None else (
            f"{claim.expression_text} = {claim.value}")
    return str(claim.value)


# -- data ------------------------------------------------------------------------------------------

def claim_data(result: ClaimResult) -> dict[str, Any]:
    """One claim's verdict as plain data (the stable keys of docs/reference/cli.md first).

    Examples
    --------
    >>> from symbackprop.check import check_source
    >>> result = check_source("padhai_4_4_2_student").report.results[1]
    >>> data = claim_data(result)
    >>> data["of"], data["claimed"], data["verdict"], data["kinds"]
    ('dL/dw212', -0.0652, 'incorrect', ['missing_paths'])
    """
    claim, diagnosis = result.claim, result.diagnosis
    return {
        "of": claim.of,
        "claimed": result.claimed,
        "expected": result.expected,
        "verdict": result.verdict,
        "diagnosis": result.diagnosis_text or None,
        "missing_paths": [list(p) for p in result.missing_paths],
        "index": claim.index,
        "kind": claim.kind,
        "claimed_expression": claim.expression_text,
        "tolerance": result.tolerance,
        "formula": result.formula,
        "method": result.method or None,
        "kinds": [] if diagnosis is None else list(diagnosis.kinds),
        "findings": [] if diagnosis is None else [f.data() for f in diagnosis.findings],
        "explained": None if diagnosis is None else diagnosis.explained,
        "reproduces": None if diagnosis is None else diagnosis.reproduces,
        "alternatives": 0 if diagnosis is None else diagnosis.alternatives,
    }


def check_data(report: CheckReport | TensorCheckReport) -> dict[str, Any]:
    """One file's report as the ``check --format json`` object of docs/reference/cli.md.

    Examples
    --------
    >>> from symbackprop.check import check_source
    >>> data = check_data(check_source("mazur_2_2_2").report)
    >>> data["status"], data["correct"], data["incorrect"], len(data["claims"])
    ('correct', 6, 0, 6)
    """
    if isinstance(report, TensorCheckReport):
        return tensor_check_data(report)
    return {"claims": [claim_data(r) for r in report.results], **report.summary_data()}


def _file_data(check: FileCheck) -> dict[str, Any]:
    if check.report is None:
        return {"file": check.source, "status": "error", "error": check.error, "claims": [],
                "correct": 0, "incorrect": 0, "errors": 0, "title": ""}
    return {"file": check.source, "error": None, **check_data(check.report)}


def batch_data(checks: Sequence[FileCheck]) -> dict[str, Any]:
    """Several files: each file's object (with ``file``, ``status`` and ``error``) in
    ``files``, and the totals.

    Examples
    --------
    >>> from symbackprop.check import check_source
    >>> data = batch_data([check_source("mazur_2_2_2"), check_source("padhai_4_4_2_student")])
    >>> [f["status"] for f in data["files"]], data["correct"], data["incorrect"]
    (['correct', 'incorrect'], 7, 2)
    """
    files = [_file_data(c) for c in checks]
    return {
        "files": files,
        "correct": sum(f["correct"] for f in files),
        "incorrect": sum(f["incorrect"] for f in files),
        "errors": sum(f["errors"] for f in files),
        "file_count": len(files),
        "files_correct": sum(f["status"] == "correct" for f in files),
        "files_incorrect": sum(f["status"] == "incorrect" for f in files),
        "files_with_errors": sum(f["status"] == "error" for f in files),
    }


# -- text ------------------------------------------------------------------------------------------

def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for paragraph in text.splitlines() or [""]:
        if paragraph.startswith("  ") or "→" in paragraph:  # a derivation: keep its layout
            lines.append(pad + paragraph)
        else:
            lines += textwrap.wrap(paragraph, WIDTH, initial_indent=pad, subsequent_indent=pad,
                                   break_long_words=False, break_on_hyphens=False) or [pad]
    return lines


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def _counts(correct: int, incorrect: int, errors: int) -> str:
    text = f"{correct} correct, {incorrect} incorrect"
    return text + (f", {errors} cannot be checked" if errors else "")


def check_text(report: CheckReport | TensorCheckReport) -> str:
    """The report for a terminal: a mark per claim, then for each wrong one the right value,
    the right formula and the diagnosis.

    Examples
    --------
    >>> from symbackprop.check import check_source
    >>> print(check_text(check_source("mazur_2_2_2").report))  # doctest: +ELLIPSIS
    mazur_2_2_2 (bundled example): 2-2-2 sigmoid network with linear and activation nodes, ...
    ====================================================================================================
    ✓  1. yhat1 = 0.75136507   (true value 0.7513650696)
    ✓  2. L = 0.298371109   (true value 0.2983711088)
    ✓  3. dL/dw5 = 0.082167041   (true value 0.0821670406)
    ✓  4. w5+ = 0.35891648   (true value 0.3589164797)
    ✓  5. dL/dw1 = 0.000438568   (true value 0.0004385677345)
    ✓  6. w1+ = 0.149780716   (true value 0.1497807161)
    <BLANKLINE>
    6 correct, 0 incorrect
    """
    if isinstance(report, TensorCheckReport):
        return tensor_check_text(report)
    head = report.source + (f": {report.title}" if report.title else "")
    lines = [head, "=" * min(len(head), WIDTH)]
    if not report.results:
        lines.append("no claims to check")
    for result in report.results:
        mark = MARKS[result.verdict]
        label = f"{mark} {result.claim.index:>2}. {result.claim.of} = {_claimed(result)}"
        if result.verdict == "correct":
            detail = (f"   (true value {right_value(result.expected)})"
                      if result.expected is not None else f"   ({result.method})")
            lines.append(label + detail)
            continue
        lines.append(label)
        if result.verdict == "error":
            lines += _wrap(f"cannot be checked: {result.message}", 6)
            continue
        if result.expected is not None:
            lines.append(f"      right value: {right_value(result.expected)}")
        if result.formula:
            lines += _wrap(f"right formula: {_formula(result.formula)}", 6)
        lines += _wrap(result.diagnosis_text, 6)
    lines += ["", _counts(report.correct, report.incorrect, report.errors)]
    return "\n".join(lines)


def _summary_rows(checks: Sequence[FileCheck]) -> list[list[str]]:
    rows = []
    for check in checks:
        if check.report is None:
            rows.append([check.source, "error", "—", "—", "—"])
        else:
            r = check.report
            rows.append([check.source, r.status, str(r.correct), str(r.incorrect),
                         str(r.errors)])
    return rows


def batch_text(checks: Sequence[FileCheck]) -> str:
    """Every file's report, then a summary table of the files.

    Examples
    --------
    >>> from symbackprop.check import check_source
    >>> text = batch_text([check_source("mazur_2_2_2"), check_source("padhai_4_4_2_student")])
    >>> print(text[text.index("Summary"):])
    Summary
    =======
    file                  status     correct  incorrect  errors
    mazur_2_2_2           correct    6        0          0
    padhai_4_4_2_student  incorrect  1        2          0
    <BLANKLINE>
    2 files: 7 correct, 2 incorrect claims
    """
    blocks = []
    for check in checks:
        if check.report is None:
            blocks.append(f"{check.source}\n! cannot be read: {check.error}")
        else:
            blocks.append(check_text(check.report))
    data = batch_data(checks)
    table = columns(["file", "status", "correct", "incorrect", "errors"], _summary_rows(checks))
    summary = ["Summary", "=======", *table]
    unread = sum(c.report is None for c in checks)
    summary += ["", f"{_files(data['file_count'])}: " + _counts(
        data["correct"], data["incorrect"], data["errors"]) + " claims"
        + (f"; {_files(unread)} cannot be read" if unread else "")]
    return "\n\n".join([*blocks, "\n".join(summary)])


# -- markdown --------------------------------------------------------------------------------------

def check_markdown(report: CheckReport | TensorCheckReport, level: int = 2) -> str:
    """The report as Markdown: a table of every claim, then a section per wrong one.

    Examples
    --------
    >>> from symbackprop.check import check_source
    >>> markdown = check_markdown(check_source("padhai_4_4_2_student").report)
    >>> print("\\n".join(markdown.splitlines()[4:10]))
    | # | claim | claimed | true value | verdict |
    |---:|---|---|---|---|
    | 1 | `dyhat1/da21` | 0.177 | 0.1769184530 | ✓ correct |
    | 2 | `dL/dw212` | -0.0652 | -0.1303767062 | ✗ incorrect |
    | 3 | `w212+` | 0.865 | 0.9303767062 | ✗ incorrect |
    <BLANKLINE>
    """
    if isinstance(report, TensorCheckReport):
        return tensor_check_markdown(report, level)
    hashes = "#" * level
    title = report.title or report.source
    lines = [f"{hashes} Check: {markdown_text(title)}", "",
             f"File: {markdown_code(report.source)}", ""]
    rows = [[str(r.claim.index), markdown_code(r.claim.of, in_table=True),
             markdown_text(_claimed(r)),
             right_value(r.expected) if r.expected is not None else "—",
             f"{MARKS[r.verdict]} {r.verdict}"] for r in report.results]
    lines += ["| # | claim | claimed | true value | verdict |", "|---:|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", f"**{_counts(report.correct, report.incorrect, report.errors)}.**"]
    for result in report.results:
        if result.verdict == "correct":
            continue
        lines += ["", f"{hashes}# {MARKS[result.verdict]} {result.claim.index}. "
                  f"{markdown_code(result.claim.of)} = {markdown_text(_claimed(result))}", ""]
        if result.verdict == "error":
            lines.append(f"Cannot be checked: {markdown_text(result.message)}")
            continue
        facts = []
        if result.expected is not None:
            facts.append(f"True value: **{right_value(result.expected)}**")
        if result.formula:
            facts.append(f"right formula: {markdown_code(_formula(result.formula))}")
        if facts:
            lines += ["; ".join(facts) + ".", ""]
        diagnosis = result.diagnosis
        if diagnosis is not None:
            lines.append(markdown_text(" ".join(
                [f.message for f in diagnosis.findings]
                + ([diagnosis.summary] if diagnosis.summary else []))))
            if diagnosis.others:
                lines += ["", "Other explanations of the same size: "
                          + markdown_text("; ".join(diagnosis.others)) + "."]
            if diagnosis.derivation:
                lines += ["", *markdown_code_block(diagnosis.derivation)]
    return "\n".join(lines)


def batch_markdown(checks: Sequence[FileCheck]) -> str:
    """A summary table of the files, then every file's report.

    Examples
    --------
    >>> from symbackprop.check import check_source
    >>> markdown = batch_markdown([check_source("mazur_2_2_2"), check_source("nowhere.toml")])
    >>> print("\\n".join(markdown.splitlines()[:8]))
    # Check summary
    <BLANKLINE>
    | file | status | correct | incorrect | errors |
    |---|---|---:|---:|---:|
    | `mazur_2_2_2` | correct | 6 | 0 | 0 |
    | `nowhere.toml` | error | — | — | — |
    <BLANKLINE>
    **2 files: 6 correct, 0 incorrect claims.**
    """
    data = batch_data(checks)
    lines = ["# Check summary", "", "| file | status | correct | incorrect | errors |",
             "|---|---|---:|---:|---:|"]
    lines += [f"| {markdown_code(file, in_table=True)} | " + " | ".join(map(markdown_text, rest))
              + " |" for file, *rest in _summary_rows(checks)]
    lines += ["", f"**{_files(data['file_count'])}: "
              + _counts(data["correct"], data["incorrect"], data["errors"]) + " claims.**"]
    for check in checks:
        lines.append("")
        if check.report is None:
            lines += [f"## {markdown_code(check.source)}", "",
                      f"Cannot be read: {markdown_text(check.error or '')}"]
        else:
            lines.append(check_markdown(check.report))
    return "\n".join(lines)
