"""The layered numpy backprop against the reverse sweep of the graph, layer by layer.

:func:`symbackprop.numeric.layered.layered_sweep` is the one numeric layered backprop (the
oracle ``matrix_backprop`` and the matrix form both read it): every vector it keeps must be the
matching node's forward value or adjoint in the graph the network builds.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ZOO_NETWORKS

from symbackprop.numeric.layered import activation_jacobian, jacobian_transpose_times, layered_sweep
from symbackprop.numeric.oracles import matrix_backprop, reverse_sweep
from symbackprop.spec import load_problem

SEED = 20_261_202


def _random_values(network):
    rng = np.random.default_rng(SEED)
    arrays = {"x": rng.uniform(-1, 1, network.layers[0]),
              "y": rng.dirichlet(np.ones(network.layers[-1]))}
    for layer in range(1, network.depth + 1):
        arrays[f"W{layer}"] = rng.uniform(-1, 1, (network.layers[layer],
                                                  network.layers[layer - 1]))
        if network.bias == "per_neuron":
            arrays[f"b{layer}"] = rng.uniform(-1, 1, network.layers[layer])
        elif network.bias == "per_layer":
            arrays[f"b{layer}"] = float(rng.uniform(-1, 1))
    return network.values_from_arrays(arrays)


CASES = {**{key: (net, _random_values(net)) for key, net in ZOO_NETWORKS.items()},
         **{name: (load_problem(name).network, load_problem(name).values)
            for name in ("mazur_2_2_2", "padhai_4_4_2")}}


@pytest.mark.parametrize("key", sorted(CASES))
def test_every_layer_is_the_graphs_forward_value_and_adjoint(key):
    network, values = CASES[key]
    graph = network.build()
    forward = graph.forward(values)
    adjoint = reverse_sweep(graph, values)
    sweep = layered_sweep(network, values)
    names = network.names
    assert sweep.depth == network.depth
    for layer in range(1, network.depth + 1):
        for j in range(1, network.layers[layer] + 1):
            a = names.pre_activation(layer, j)
            assert sweep.pre[layer - 1][j - 1] == pytest.approx(forward[a], rel=1e-12, abs=1e-15)
            assert sweep.deltas[layer - 1][j - 1] == pytest.approx(adjoint[a], rel=1e-9,
                                                                   abs=1e-13)
            h = network.neuron_name(layer, j)
            assert sweep.out[layer - 1][j - 1] == pytest.approx(forward[h], rel=1e-12, abs=1e-15)
            assert sweep.upstream[layer - 1][j - 1] == pytest.approx(adjoint[h], rel=1e-9,
                                                                     abs=1e-13)


@pytest.mark.parametrize("key", sorted(CASES))
def test_the_oracle_reads_the_sweep(key):
    network, values = CASES[key]
    sweep = layered_sweep(network, values)
    gradients = matrix_backprop(network, values)
    for layer in range(1, network.depth + 1):
        weight_gradient = sweep.weight_gradient(layer)
        for row, names in zip(weight_gradient, network.weight_matrix_names(layer), strict=True):
            for name, entry in zip(names, row, strict=True):
                assert gradients[name] == entry  # the same numbers, not merely close ones


@pytest.mark.parametrize("key", sorted(CASES))
def test_the_jacobian_is_the_transpose_product_on_unit_vectors(key):
    network, values = CASES[key]
    sweep = layered_sweep(network, values)
    rng = np.random.default_rng(SEED)
    for layer in range(1, network.depth + 1):
        a, h = sweep.pre[layer - 1], sweep.out[layer - 1]
        upstream = rng.uniform(-1, 1, len(a))
        jacobian = activation_jacobian(network, layer, a, h)
        np.testing.assert_allclose(jacobian.T @ upstream,
                                   jacobian_transpose_times(network, layer, a, h, upstream),
                                   rtol=1e-12, atol=1e-15)
        softmax = network.activation_name(layer) == "softmax"
        assert softmax == bool(np.any(jacobian - np.diag(np.diag(jacobian))))
