"""Print a derivation path by path: dL/dw5 and dL/dw1 in the 2-2-2 network of a Q&A thread.

The chain for w5 stops after one path; the chain for w1 goes on through h11, which feeds both
outputs, so it has two paths, and they are added.  The deltas show the part the two chains
share: delta_a21 = dL/da21 is computed once and used by both.

Run:  python examples/print_derivation.py   (the same as `symbackprop derive mazur_2_2_2 --wrt w1`,
written with the Python API so that each piece can be taken apart).
"""

from __future__ import annotations

from symbackprop import Derivation, derive, load_problem


def show(d: Derivation) -> None:
    """Print the paths, each path's factors in chain-rule order, the deltas and the total."""
    plural = "path" if d.path_count == 1 else "paths"
    print(f"d{d.of}/d{d.wrt}: {d.path_count} {plural} from {d.wrt} to {d.of}")
    for number, term in enumerate(d.terms or (), start=1):  # None above the path limit
        print(f"  {number}. {' → '.join(term.path.nodes)}")
        for factor in term.chain_rule_order:
            print(f"       ∂{factor.of}/∂{factor.wrt} = {factor.expression}"
                  f"  = {factor.value:.10g}")
        print(f"     product = {term.value:.10g}")
    print("  deltas, from the loss back (δ_n = ∂L/∂n, each computed once):")
    for adjoint in d.adjoints:
        parts = " + ".join(f"∂{f.of}/∂{f.wrt} · δ_{child}" for f, child in adjoint.contributions)
        print(f"    δ_{adjoint.node} = {parts or '1'}  = {adjoint.value:.10g}")
    print(f"  result: ∂{d.of}/∂{d.wrt} = {d.simplified('textbook')} = {d.value:.10g}")
    print()


def main() -> None:
    problem = load_problem("mazur_2_2_2")
    print(problem.title)
    print()
    for weight in ("w5", "w1"):
        show(derive(problem.graph, weight, values=problem.values))


if __name__ == "__main__":
    main()
