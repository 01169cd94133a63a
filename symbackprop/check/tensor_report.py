"""Reports of a tensor check: terminal text, Markdown and JSON-ready data.

The same layout as a scalar check's (:mod:`symbackprop.check.report`): a mark per claim, then
for each wrong one what is wrong and why.  A tensor is shown by the pages' display rule
(:func:`symbackprop.render.tensor_values.matrix_text`: whole up to 6 rows, columns and slices,
else its corners, shape, norm and largest entry).  The JSON object of a file has the keys of
the scalar one, with ``level: "tensor"``; a claim's ``claimed`` and ``expected`` are nested
lists, and it adds ``shape``, ``expected_shape``, ``entries_off`` and ``largest_error``.

Examples
--------
>>> from symbackprop.spec.problems import load_problem
>>> from symbackprop.check.tensor_check import check_tensor_problem
>>> report = check_tensor_problem(load_problem("examples/check/mlp_student.toml"))
>>> print(tensor_check_text(report).splitlines()[2])
✓  1. dL/dW2 = 5×3 numbers
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from ..render.tensor_values import matrix_text, summarised
from .tensor_check import TensorCheckReport, TensorClaimResult, dimensions
from .tensor_workbook import Step, Workbook

__all__ = ["tensor_check_data",
           "tensor_check_markdown", "tensor_check_text", "tensor_claim_data", "workbook_data",
           "workbook_markdown", "workbook_text"]

WIDTH = 100
MARKS = {"correct": "✓", "incorrect": "✗", "error": "!"}


def _shown(value: np.ndarray | None) -> list[str]:
    """A tensor's lines by the display rule, its shape first when it is printed whole."""
    if value is None:
        return ["—"]
    lines = matrix_text(value)
    if value.ndim > 0 and not summarised(value):
        head = f"{dimensions(value.shape) if value.ndim > 1 else f'length {value.size}'}:"
        lines = [head, *lines]
    return lines


def _listed(value: np.ndarray | None) -> Any:
    return None if value is None else value.tolist()


def tensor_claim_data(result: TensorClaimResult) -> dict[str, Any]:
    """One tensor claim's verdict as plain data.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_check import check_tensor_problem
    >>> result = check_tensor_problem(load_problem("examples/check/mlp_student.toml")).results[3]
    >>> data = tensor_claim_data(result)
    >>> data["of"], data["verdict"], data["kinds"], data["shape"], data["expected_shape"]
    ('dL/db1', 'incorrect', ['bias_not_summed'], [4, 5], [5])
    """
    claim = result.claim
    tolerance = result.tolerance
    return {
        "of": claim.of,
        "claimed": _listed(result.claimed),
        "expected": _listed(result.expected),
        "verdict": result.verdict,
        "diagnosis": result.diagnosis_text or None,
        "missing_paths": [],
        "index": claim.index,
        "kind": claim.kind,
        "claimed_expression": claim.expression_text,
        "tolerance": None if tolerance is None or tolerance.size == 0 else float(
            np.max(tolerance)),
        "method": result.method or None,
        "kinds": list(result.kinds),
        "alternatives": list(result.alternatives),
        "shape": None if result.claimed is None else list(result.claimed.shape),
        "expected_shape": None if result.expected is None else list(result.expected.shape),
        "entries_off": result.off,
        "largest_error": result.largest_error,
        "follows_from": result.follows_from,
    }


def tensor_check_data(report: TensorCheckReport) -> dict[str, Any]:
    """One tensor file's report as the ``check --format json`` object.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_check import check_tensor_problem
    >>> problem = load_problem("examples/check/mlp_student.toml")
    >>> data = tensor_check_data(check_tensor_problem(problem))
    >>> data["level"], data["correct"], data["incorrect"], data["status"]
    ('tensor', 2, 3, 'incorrect')
    """
    return {"claims": [tensor_claim_data(r) for r in report.results], **report.summary_data(),
            "level": "tensor"}


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad,
                         break_long_words=False, break_on_hyphens=False) or [pad]


def _claimed(result: TensorClaimResult) -> str:
    claim = result.claim
    parts = []
    if claim.expression_text is not None:
        parts.append(claim.expression_text)
    if claim.value is not None and claim.shape is not None:
        parts.append(f"{dimensions(claim.shape)} numbers" if claim.shape else
                     str(claim.value[0]))
    return " = ".join(parts)


def _counts(report: TensorCheckReport) -> str:
    text = f"{report.correct} correct, {report.incorrect} incorrect"
    return text + (f", {report.errors} cannot be checked" if report.errors else "")


def _indented(label: str, value: np.ndarray | None, indent: int) -> list[str]:
    shown = _shown(value)
    pad = " " * indent
    first = f"{pad}{label}: {shown[0]}"
    return [first, *(pad + " " * (len(label) + 2) + line for line in shown[1:])]


def tensor_check_text(report: TensorCheckReport) -> str:
    """The report for a terminal.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_check import check_tensor_problem
    >>> problem = load_problem("examples/check/mlp_student.toml")
    >>> text = tensor_check_text(check_tensor_problem(problem))
    >>> print(text.splitlines()[-1])
    2 correct, 3 incorrect
    """
    head = report.source + (f": {report.title}" if report.title else "")
    lines = [head, "=" * min(len(head), WIDTH)]
    if not report.results:
        lines.append("no claims to check")
    for result in report.results:
        label = (f"{MARKS[result.verdict]} {result.claim.index:>2}. {result.claim.of} = "
                 f"{_claimed(result)}")
        if result.verdict == "correct":
            lines.append(label + ("" if result.method == "numeric" else
                                  f"   ({result.method})"))
            continue
        lines.append(label)
        if result.verdict == "error":
            lines += _wrap(f"cannot be checked: {result.message}", 6)
            continue
        lines += _indented("right value", result.expected, 6)
        if result.claim.value is None and result.claimed is not None:
            lines += _indented("your formula gives", result.claimed, 6)
        lines += _wrap(result.diagnosis, 6)
    lines += ["", _counts(report)]
    return "\n".join(lines)


def tensor_check_markdown(report: TensorCheckReport, level: int = 2) -> str:
    """The report as Markdown: a table of verdicts, then each wrong claim's right value and
    diagnosis.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_check import check_tensor_problem
    >>> problem = load_problem("examples/check/mlp_student.toml")
    >>> md = tensor_check_markdown(check_tensor_problem(problem))
    >>> md.splitlines()[0]
    '## examples/check/mlp_student.toml'
    """
    hashes = "#" * level
    lines = [f"{hashes} {report.source}", ""]
    if report.title:
        lines += [report.title, ""]
    lines += ["| # | claim | verdict | mistake |", "|---|---|---|---|"]
    for result in report.results:
        mistake = ", ".join(f"`{k}`" for k in result.kinds)
        lines.append(f"| {result.claim.index} | `{result.claim.of}` | {result.verdict} | "
                     f"{mistake} |")
    for result in report.results:
        if result.verdict == "correct":
            continue
        lines += ["", f"{hashes}# Claim {result.claim.index}: `{result.claim.of}`", ""]
        if result.verdict == "error":
            lines.append(f"Cannot be checked: {result.message}")
            continue
        lines += ["Right value:", "", "```text", "\n".join(_shown(result.expected)), "```",
                  "", result.diagnosis]
    lines += ["", _counts(report)]
    return "\n".join(lines)


# -- the workbook --------------------------------------------------------------------------------

STEP_MARKS = {"right": "✓", "follows": "→", "incorrect": "✗", "missing": "?"}


def _step_data(step: Step) -> dict[str, Any]:
    result = step.result
    return {
        "step": step.index,
        "of": f"d{step.node}",
        "node": step.node,
        "verdict": step.verdict,
        "kinds": list(step.kinds),
        "diagnosis": step.diagnosis or None,
        "shape": None if result is None or result.claimed is None else list(
            result.claimed.shape),
        "expected_shape": None if result is None or result.expected is None else list(
            result.expected.shape),
        "entries_off": 0 if result is None else result.off,
        "largest_error": None if result is None else result.largest_error,
    }


def workbook_data(book: Workbook) -> dict[str, Any]:
    """A workbook's report as plain data (``check FILE --answers A --format json``).

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_workbook import check_workbook
    >>> book = check_workbook(load_problem("tensor_mlp"), {}, steps=["W1"])
    >>> data = workbook_data(book)
    >>> data["score"], data["out_of"], data["first_wrong"], data["steps"][0]["verdict"]
    (0, 1, 'dW1', 'missing')
    """
    right, total = book.score
    first = book.first_wrong
    return {
        "file": book.source,
        "answers": book.answers,
        "level": "tensor",
        "status": book.status,
        "steps": [_step_data(s) for s in book.steps],
        "score": right,
        "out_of": total,
        "first_wrong": None if first is None else f"d{first.node}",
        "right": sum(s.verdict == "right" for s in book.steps),
        "follows": sum(s.verdict == "follows" for s in book.steps),
        "incorrect": sum(s.verdict == "incorrect" for s in book.steps),
        "missing": sum(s.verdict == "missing" for s in book.steps),
    }


def _summary(book: Workbook) -> list[str]:
    right, total = book.score
    first = book.first_wrong
    lines = [f"Score: {right}/{total} (each step right, or following from your earlier "
             "answers)"]
    if first is None:
        lines.append("Every step is right." if book.status == "correct" else
                     "No step is wrong on its own: every wrong one follows from an earlier "
                     "answer.")
    else:
        lines += _wrap(f"The first wrong step is {first.index}. d{first.node}: "
                       f"{first.diagnosis}", 0)
    return lines


def workbook_text(book: Workbook) -> str:
    """A workbook's report for a terminal: a mark per step (``✓`` right, ``→`` follows from
    the earlier answers, ``✗`` wrong, ``?`` missing), the first wrong step and the score.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_workbook import check_workbook
    >>> book = check_workbook(load_problem("tensor_mlp"), {}, steps=["W1"])
    >>> print(workbook_text(book))   # doctest: +NORMALIZE_WHITESPACE
    tensor_mlp (bundled example): answers
    =====================================
    ?  1. dW1: not in the answers file
    <BLANKLINE>
    Score: 0/1 (each step right, or following from your earlier answers)
    The first wrong step is 1. dW1: not in the answers file
    """
    head = f"{book.source}: answers {book.answers}".rstrip()
    lines = [head, "=" * min(len(head), WIDTH)]
    for step in book.steps:
        label = f"{STEP_MARKS[step.verdict]} {step.index:>2}. d{step.node}"
        if step.verdict in ("right", "follows", "missing"):
            lines.append(label + (f": {step.diagnosis}" if step.diagnosis else ""))
            continue
        lines.append(label)
        if step.result is not None:
            lines += _indented("right value", step.result.expected, 6)
        lines += _wrap(step.diagnosis, 6)
    return "\n".join([*lines, "", *_summary(book)])


def workbook_markdown(book: Workbook) -> str:
    """A workbook's report as Markdown: a table of the steps, then the first wrong one.

    Examples
    --------
    >>> from symbackprop.spec.problems import load_problem
    >>> from symbackprop.check.tensor_workbook import check_workbook
    >>> book = check_workbook(load_problem("tensor_mlp"), {}, steps=["W1"])
    >>> workbook_markdown(book).splitlines()[4]
    '| 1 | `dW1` | missing | not in the answers file |'
    """
    lines = [f"## Workbook: `{book.source}`", "", "| step | gradient | verdict | why |",
             "|---:|---|---|---|"]
    for step in book.steps:
        why = step.diagnosis.replace("|", "\\|")
        lines.append(f"| {step.index} | `d{step.node}` | {step.verdict} | {why} |")
    return "\n".join([*lines, "", *_summary(book)])
