"""The path-sum pattern of a blog post on linear networks, read off symbackprop's paths.

The post is 'Backpropagation: a needlessly explicit intuition for the derivation'.

For a linear network with the half squared error, every path from w111 to the loss is
``dL/dyhat_k * (the weights along the path) * x1`` (the activations are the identity, so their
partials are 1), and grouping the paths by the output they reach gives

    dL/dw111 = x1 * sum_k delta_k * sum over paths to yhat_k of (product of the weights),

with delta_k = yhat_k - y_k.  The script builds that expression from the derivation's paths and
checks it equals the derivative, symbolically and in numbers.

Run:  python examples/linear_path_pattern.py   (`symbackprop derive linear_2_2_2_2 --wrt w111`)
"""

from __future__ import annotations

import sys
from collections import defaultdict

import sympy

from symbackprop import derive, load_problem
from symbackprop.naming import symbol


def main() -> int:
    problem = load_problem("linear_2_2_2_2")
    d = derive(problem.graph, "w111", values=problem.values)
    print(f"{problem.title}: {d.path_count} paths from w111 to L")

    weights_by_output: dict[str, list[sympy.Expr]] = defaultdict(list)
    for term in d.terms or ():
        output = term.path.nodes[-2]  # yhat_k, the output the path reaches
        # The weights on the path: the partials of a pre-activation with respect to an
        # activation (d a / d h = w); x1 and the identity partials (1) are left out.
        weights = [f.expression for f in term.factors if f.of.startswith("a") and
                   f.wrt.startswith("h")]
        weights_by_output[output].append(sympy.Mul(*weights))
        print(f"    {term.path}: weights {' * '.join(map(str, weights))}")

    x1 = symbol("x1")
    pattern = x1 * sympy.Add(*(
        (symbol(output) - symbol("y" + output.removeprefix("yhat"))) * sympy.Add(*products)
        for output, products in sorted(weights_by_output.items())))
    print(f"x1 * sum_k delta_k * sum over paths of the weights = {pattern}")
    print(f"symbackprop's result (textbook form)                = {d.simplified('textbook')}")

    same = sympy.simplify(pattern - d.expression) == 0
    value = float(problem.graph.evaluate(pattern, d.values))
    print(f"equal as formulas: {same}; value {value:.10g} (the derivation: {d.value:.10g})")
    return 0 if same and abs(value - d.value) < 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
