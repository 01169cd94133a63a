"""Every gradient of a layered problem file by torch autograd (float64), written as JSON.

    python benchmarks/torch_grads.py PROBLEM.toml OUT.json

The alternative ``benchmarks/scale.py`` times ``symbackprop derive --wrt all --format json``
against: it reads the same file (a ``[network]`` with sigmoid hidden layers, a softmax output,
the cross-entropy loss and a bias per neuron, its ``[values]`` as ``x``, ``y``, ``W1``, ``b1``,
...), builds the network in float64, runs autograd and writes every gradient by its
symbackprop name (``w_L_J_K``, ``b_L_J``).
"""

from __future__ import annotations

import json
import sys
import tomllib

import torch


def main(path: str, out: str) -> None:
    with open(path, "rb") as source:
        data = tomllib.load(source)
    layers, values = data["network"]["layers"], data["values"]
    x = torch.tensor(values["x"], dtype=torch.float64)
    y = torch.tensor(values["y"], dtype=torch.float64)
    params = [(torch.tensor(values[f"W{k}"], dtype=torch.float64, requires_grad=True),
               torch.tensor(values[f"b{k}"], dtype=torch.float64, requires_grad=True))
              for k in range(1, len(layers))]
    h = x
    for k, (weight, bias) in enumerate(params, 1):
        a = weight @ h + bias
        h = torch.sigmoid(a) if k < len(params) else torch.softmax(a, 0)
    loss = -(y * torch.log(h)).sum()
    grads = torch.autograd.grad(loss, [p for pair in params for p in pair])
    result = {}
    for k, (g_weight, g_bias) in enumerate(zip(grads[::2], grads[1::2], strict=True), 1):
        for j, row in enumerate(g_weight.tolist(), 1):
            for i, value in enumerate(row, 1):
                result[f"w_{k}_{j}_{i}"] = value
        for j, value in enumerate(g_bias.tolist(), 1):
            result[f"b_{k}_{j}"] = value
    with open(out, "w", encoding="utf-8") as sink:
        json.dump(result, sink, indent=2)


if __name__ == "__main__":
    main(*sys.argv[1:])
