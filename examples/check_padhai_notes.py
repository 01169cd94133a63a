"""Check the published answers of the PadhAI lecture notes and say what is wrong.

The notes work out dL/dw212 and dL/dw131 for a 4-4-2 network with a sigmoid hidden layer, a
softmax output and the squared error.  Their forward values are right; their derivatives are
not: they write the softmax partial as yhat1 (1 - yhat1)(-a22) instead of yhat1 (1 - yhat1),
and they leave out the paths through the other softmax output.  The bundled example
``padhai_4_4_2`` holds every number the notes publish, as claims.

Run:  python examples/check_padhai_notes.py
(`symbackprop check padhai_4_4_2` prints the full report)
"""

from __future__ import annotations

import sys

from symbackprop import check_problem, derive, load_problem

# What the notes get wrong, and what the check must find (a script that fails when it does not).
EXPECTED_WRONG = {"dyhat1/da21", "dL/dw212", "w212+", "dyhat2/da22", "dh13/da13", "dL/dw131"}


def main() -> int:
    problem = load_problem("padhai_4_4_2")
    report = check_problem(problem)
    print(f"{problem.title}: {report.correct} claims correct, {report.incorrect} incorrect")
    print()
    wrong = set()
    for result in report.results:
        if result.verdict == "correct":
            continue
        wrong.add(result.claim.of)
        print(f"{result.claim.of} = {result.claimed}: {result.verdict}; "
              f"right value {result.expected:.6g}")
        for path in result.missing_paths:
            print(f"    missing path: {' -> '.join(path)}")
        print(f"    {result.diagnosis_text}")
        print()

    # The missing path of dL/dw212, from the derivation itself: a21 feeds both outputs.
    d = derive(problem.graph, "w212", values=problem.values)
    print(f"dL/dw212 has {d.path_count} paths:")
    for term in d.terms or ():
        print(f"    {term.path}  = {term.value:.6g}")
    print(f"    sum = {d.value:.10g} (the notes: -0.029)")

    if wrong != EXPECTED_WRONG:
        print(f"unexpected verdicts: wrong {sorted(wrong)}, expected {sorted(EXPECTED_WRONG)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
