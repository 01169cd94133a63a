"""The hostile problem files of the battery, generated (never committed: one is 10 MB).

:data:`BAD` maps a case's name to ``(file name, text builder, fragments)``: the file must be
refused with exit status 2 and a message containing every fragment (the key, node or limit it
is about).  :data:`VALID` holds hostile text that is valid input (a title is free text): it
must come out as inert text.  Every payload that could run tries to create the file
:data:`MARKER` in the working directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable

MARKER = "PWNED"
TOUCH = f"touch {MARKER}"


def graph(nodes: dict[str, str], *, inputs: dict[str, str] | None = None,
          parameters: dict[str, str] | None = None, output: str = "L",
          title: str | None = None, extra: str = "") -> str:
    """A ``[graph]`` problem file in TOML, every key quoted (so any text can be a key)."""
    lines = [f"title = {json.dumps(title)}"] if title is not None else []
    lines += [extra, "[graph]", f"output = {json.dumps(output)}", "[graph.inputs]"]
    lines += [f"{json.dumps(k)} = {v}" for k, v in (inputs or {"x": "1.5"}).items()]
    lines += ["[graph.parameters]"]
    lines += [f"{json.dumps(k)} = {v}" for k, v in (parameters or {"w": "0.5"}).items()]
    lines += ["[graph.nodes]"]
    lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in nodes.items()]
    return "\n".join(lines) + "\n"


def tensor(nodes: dict[str, str], *, inputs: dict[str, str] | None = None,
           parameters: dict[str, str] | None = None, extra: str = "") -> str:
    """A ``[tensor]`` problem file in TOML, every key quoted; values are TOML text."""
    lines = ["[tensor]", 'output = "L"', extra, "[tensor.inputs]"]
    lines += [f"{json.dumps(k)} = {v}" for k, v in (
        inputs or {"X": '{ shape = [4, 3], draw = "normal" }'}).items()]
    lines += ["[tensor.parameters]"]
    lines += [f"{json.dumps(k)} = {v}" for k, v in (
        parameters or {"w": '{ shape = [3, 2], draw = "normal" }'}).items()]
    lines += ["[tensor.nodes]"]
    lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in nodes.items()]
    return "\n".join(lines) + "\n"


_VECTORS = {"a": '{ shape = [1, 100000] }', "c": '{ shape = [100000, 1] }'}


def _laughs() -> str:
    """YAML 'billion laughs': nine aliases of nine aliases ..., 9^9 values once expanded."""
    lines = ["network:", "  layers: [2, 2]", "values:", "  x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def _many_nodes() -> str:
    # 100k nodes in JSON, 1.5 MB: within the file limit, refused by the node limit
    nodes = {f"n{i}": "x" for i in range(100_000)} | {"L": "w*n1"}
    return json.dumps({"graph": {"output": "L", "inputs": {"x": 1}, "parameters": {"w": 1},
                                 "nodes": nodes}})


def _network(layers: list[int], extra: str = "") -> str:
    return f"[network]\nlayers = {layers}\n{extra}"


Builder = Callable[[], str | bytes]

#: name -> (file name, builder, fragments the one-line message must contain)
BAD: dict[str, tuple[str, Builder, tuple[str, ...]]] = {
    # code and markup injection where text must be a name or a formula
    "python in a formula": ("inj_formula.toml", lambda: graph(
        {"L": f"__import__('os').system('{TOUCH}')"}), ("[graph.nodes] L", "not allowed")),
    "eval-style formula": ("inj_eval.toml", lambda: graph(
        {"L": "w*x; import os"}), ("[graph.nodes] L", "';' is not allowed")),
    "python in a node name": ("inj_name.toml", lambda: graph(
        {"L": "w*x", f"a;__import__('os').system('{TOUCH}')": "x"}), ("not a valid node name",)),
    "path in a node name": ("inj_path.toml", lambda: graph(
        {"L": "w*x"}, inputs={"../../x": "1"}), ("'../../x'", "not a valid node name")),
    "latex in a node name": ("inj_latex_name.toml", lambda: graph(
        {"L": "w*x"}, inputs={"\\input{/etc/passwd}": "1"}), ("not a valid node name",)),
    "shell in a --wrt-able name": ("inj_shell_name.toml", lambda: graph(
        {"L": "w*x", f"$({TOUCH})": "x"}), ("not a valid node name",)),
    "yaml python tag": ("inj_tag.yaml", lambda: (
        f'title: !!python/object/apply:os.system ["{TOUCH}"]\nnetwork:\n  layers: [2, 2]\n'),
        ("not valid YAML", "python/object/apply")),
    "yaml python name tag": ("inj_tag2.yaml", lambda: (
        "network: !!python/name:os.system\n"), ("not valid YAML",)),
    "python keyword name": ("kw.toml", lambda: graph({"L": "w*x"}, inputs={"lambda": "1"}),
                            ("'lambda'", "not a valid node name")),
    # sizes and numbers
    "integer tower": ("tower.toml", lambda: graph({"L": "w*10**10**10"}),
                      ("[graph.nodes] L", "power too large", "SYMBACKPROP_MAX_NUMBER_BITS")),
    "power tower": ("tower2.toml", lambda: graph({"L": "w*2**2**2**2**2**2"}),
                    ("[graph.nodes] L", "power too large")),
    "float power": ("floatpow.toml", lambda: graph({"L": "w*1.5**100000000"}),
                    ("[graph.nodes] L", "power too large")),
    "1e400 literal": ("e400f.toml", lambda: graph({"L": "w*1e400"}),
                      ("[graph.nodes] L", "'1e400' is too large", "SYMBACKPROP_MAX_NUMBER_DIGITS")),
    "1e400 value": ("e400.toml", lambda: graph({"L": "w*x"}, inputs={"x": "1e400"}),
                    ("[graph.inputs] x", "finite")),
    "nan value": ("nan.toml", lambda: graph({"L": "w*x"}, inputs={"x": "nan"}),
                  ("[graph.inputs] x", "finite")),
    "inf value": ("inf.toml", lambda: graph({"L": "w*x"}, parameters={"w": "-inf"}),
                  ("[graph.parameters] w", "finite")),
    "deep parentheses": ("deep.toml", lambda: graph(
        {"L": "(" * 100_000 + "w" + ")" * 100_000}), ("[graph.nodes] L", "characters long",
                                                      "SYMBACKPROP_MAX_FORMULA_LENGTH")),
    "nested parentheses": ("nested.toml", lambda: graph({"L": "(" * 200 + "w" + ")" * 200}),
                           ("[graph.nodes] L", "nested more than 100",
                            "SYMBACKPROP_MAX_FORMULA_DEPTH")),
    "deep json": ("deep.json", lambda: '{"graph": ' + "[" * 100_000 + "]" * 100_000 + "}",
                  ("nested", "SYMBACKPROP_MAX_DATA_NESTING")),
    "deep yaml": ("deep.yaml", lambda: "graph: " + "[" * 100_000 + "]" * 100_000 + "\n",
                  ("nested", "SYMBACKPROP_MAX_DATA_NESTING")),
    "deep toml": ("deeparr.toml", lambda: "title = " + "[" * 100_000 + "]" * 100_000 + "\n",
                  ("nested", "SYMBACKPROP_MAX_DATA_NESTING")),
    "billion laughs": ("laughs.yaml", _laughs, ("values", "SYMBACKPROP_MAX_DATA_ITEMS")),
    "10 MB formula": ("big.toml", lambda: graph({"L": "w" + "+w" * 5_000_000}),
                      ("bytes", "SYMBACKPROP_MAX_FILE_BYTES")),
    "100k nodes": ("many.json", _many_nodes, ("[graph]", "100,003 nodes",
                                              "SYMBACKPROP_MAX_NODES")),
    "6000 nodes": ("nodes6k.toml", lambda: graph(
        {f"n{i}": "x" for i in range(6_000)} | {"L": "w*n1"}),
        ("[graph]", "6,00", "SYMBACKPROP_MAX_NODES")),
    "a million inputs": ("layers1m.toml", lambda: _network([1_000_000, 2]),
                         ("[network]", "1,000,000 neurons", "SYMBACKPROP_MAX_WIDTH")),
    "50 layers": ("layers50.toml", lambda: _network([2] * 50),
                  ("[network]", "50 layers", "SYMBACKPROP_MAX_LAYERS")),
    "180k weights": ("astro.toml", lambda: _network([128] * 12),
                     ("[network]", "weights and biases", "SYMBACKPROP_MAX_PARAMETERS")),
    # malformed
    "cycle": ("cycle.toml", lambda: graph({"L": "a*w", "a": "L + x"}), ("cycle", "a -> L")),
    "self-loop": ("self.toml", lambda: graph({"L": "L*w"}), ("cycle", "L -> L")),
    "undefined name": ("undef.toml", lambda: graph({"L": "q*w"}),
                       ("[graph.nodes] L", "undefined name 'q'")),
    "duplicate name": ("dup.toml", lambda: graph({"L": "w*x"}, parameters={"x": "2"}),
                       ("[graph.parameters]", "'x' is already")),
    "unicode look-alike name": ("cyrillic.toml", lambda: graph(
        {"L": "w*x"}, inputs={"x": "1", "\u0445": "2"}), ("'\u0445'", "ASCII letters")),
    "unicode look-alike in formula": ("cyrillic2.toml", lambda: graph({"L": "w*\u0445"}),
                                      ("[graph.nodes] L", "U+0445")),
    "wrong matrix shape": ("shape.toml", lambda: _network(
        [2, 2], "[values]\nW1 = [[1, 2, 3]]\n"), ("[values]", "W1 has shape [1, 3]")),
    "wrong matrix type": ("shape2.toml", lambda: _network(
        [2, 2], '[values]\nW1 = "abc"\n'), ("[values]", "W1")),
    "layers not numbers": ("layers_str.toml", lambda: '[network]\nlayers = ["a", 2]\n',
                           ("[network] layers", "whole numbers")),
    "empty file": ("empty.toml", lambda: "", ("[network]", "[graph]")),
    "binary file": ("binary.toml", lambda: bytes(range(256)) * 40, ("not UTF-8",)),
    "not a table": ("list.json", lambda: "[1, 2, 3]", ("top level",)),
    "unknown key": ("unknown.toml", lambda: "evil = 1\n" + graph({"L": "w*x"}),
                    ("unknown key 'evil'",)),
}

# the matrix grammar and the tensor format: nothing runs, nothing is allocated before the limits
BAD.update({
    "python in a tensor formula": ("t_inj.toml", lambda: tensor(
        {"L": f"__import__('os').system('{TOUCH}')"}), ("[tensor.nodes] L", "not allowed")),
    "attribute access in a tensor formula": ("t_attr.toml", lambda: tensor(
        {"L": "sum(X.__class__.__init__)"}), ("[tensor.nodes] L", "attribute access")),
    "a string in a tensor formula": ("t_str.toml", lambda: tensor(
        {"L": f"cross_entropy(X @ w, X, reduction='{TOUCH}')"}),
        ("[tensor.nodes] L", "strings are not allowed")),
    "a dunder tensor name": ("t_dunder.toml", lambda: tensor(
        {"L": "sum(X)"}, inputs={"__class__": "[1.0]", "X": "[1.0]"}), ("not a valid name",)),
    "shape 1e9 x 1e9": ("t_float_shape.toml", lambda: tensor(
        {"L": "sum(X)"}, inputs={"X": "{ shape = [1e9, 1e9] }"}),
        ("[tensor.inputs] X shape", "whole numbers")),
    "shape 10^9 x 10^9": ("t_shape.toml", lambda: tensor(
        {"L": "sum(X)"}, inputs={"X": "{ shape = [1000000000, 1000000000], draw = \"normal\" }"}),
        ("[tensor.inputs] X shape", "SYMBACKPROP_MAX_TENSOR_DIM")),
    "a drawn 10^10-entry tensor": ("t_draw.toml", lambda: tensor(
        {"L": "sum(X)"}, inputs={"X": "{ shape = [100000, 100000], draw = \"normal\" }"}),
        ("[tensor.inputs] X shape", "SYMBACKPROP_MAX_TENSOR_ENTRIES")),
    "a rank-20 tensor": ("t_rank.toml", lambda: tensor(
        {"L": "sum(X)"}, inputs={"X": "{ shape = [" + ", ".join(["1"] * 20) + "] }"}),
        ("[tensor.inputs] X shape", "SYMBACKPROP_MAX_TENSOR_RANK")),
    "an outer-product shape bomb": ("t_outer.toml", lambda: tensor(
        {"L": "sum(c @ a)"}, inputs=_VECTORS),
        ("[tensor.nodes] L", "(100000, 100000)", "SYMBACKPROP_MAX_TENSOR_ENTRIES")),
    "a broadcasting shape bomb": ("t_bcast.toml", lambda: tensor(
        {"L": "sum(c * a)"}, inputs=_VECTORS),
        ("[tensor.nodes] L", "SYMBACKPROP_MAX_TENSOR_ENTRIES")),
    "a reshape bomb": ("t_reshape.toml", lambda: tensor(
        {"L": "sum(reshape(X, shape=(1000000, 1000000)))"}), ("[tensor.nodes] L", "reshape")),
    "a graph of too many entries": ("t_graph.toml", lambda: tensor(
        {**{f"Y{i}": f"X * {i}" for i in range(6)}, "L": "sum(Y1)"},
        inputs={"X": "{ shape = [2000, 2000] }"}), ("SYMBACKPROP_MAX_TENSOR_GRAPH_ENTRIES",)),
    "deep tensor nesting": ("t_deep.toml", lambda: tensor(
        {"L": "sum(" + "(" * 200 + "X" + ")" * 200 + ")"}),
        ("[tensor.nodes] L", "SYMBACKPROP_MAX_FORMULA_DEPTH")),
    "a recurrence of a million steps": ("t_steps.toml", lambda: tensor(
        {"L": "sum(X)"}) + '[tensor.recurrence]\nsteps = 1000000\n'
        '[tensor.recurrence.nodes]\n"h{t}" = "X"\n', ("[tensor.recurrence]",
                                                      "SYMBACKPROP_MAX_NODES")),
})

TITLES: dict[str, str] = {
    "python docstring": f'x"""; import os; os.system("{TOUCH}"); """',
    "python single quotes": f"x'''; import os; os.system('{TOUCH}'); '''\\",
    "c comment": f'*/ int main(void) {{ system("{TOUCH}"); }} /*',
    "latex": ("\\input{/etc/passwd} \\include{/etc/passwd} \\write18{" + TOUCH + "} "
              "\\immediate\\write18{" + TOUCH + "} \\openin5=/etc/passwd \\catcode`\\@=11 "
              "\\def\\x{y} $ & % # _ ^ ~ { } \\"),
    "shell": f"$({TOUCH}) `{TOUCH}`; {TOUCH} | {TOUCH} && {TOUCH}",
    "html and markdown": ('<script>alert(1)</script> <img src=x onerror=alert(1)> '
                          '[x](javascript:alert(1)) &amp; ``` | # *'),
    "dot": '"]; node [label="x"]; a -> b; // <B>',
    "control characters": "line one\nline two\r\n\x00\x1b[31mred\u2028",
}
