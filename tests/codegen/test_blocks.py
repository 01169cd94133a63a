"""Large batches in blocks and threads: the same gradients as one call, BLAS left as it was."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop.codegen import blocks, compile_gradient
from symbackprop.codegen.blocks import (
    MIN_ROWS,
    THREADED_ELEMENTS,
    BlockedFunction,
    block_rows_for,
    in_blocks,
)
from symbackprop.graph.network import LayeredNetwork

SEED = 20_261_122


def _arrays(network: LayeredNetwork, batch: int, seed: int = SEED) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    layers = network.layers
    args = [rng.normal(size=(batch, layers[0])),
            rng.dirichlet(np.ones(layers[-1]), size=batch)]
    for layer in range(1, network.depth + 1):
        args.append(rng.normal(scale=layers[layer - 1] ** -0.5,
                               size=(layers[layer], layers[layer - 1])))
        if network.bias == "per_neuron":
            args.append(rng.normal(scale=0.1, size=layers[layer]))
        elif network.bias == "per_layer":
            args.append(0.1)
    return args


@pytest.mark.parametrize("bias", ["per_neuron", "per_layer", "none"])
@pytest.mark.parametrize("threads", [1, 2])
def test_blocks_add_up_to_one_call(bias, threads, monkeypatch):
    monkeypatch.setattr(blocks, "THREADED_ELEMENTS", 1)  # threads even for this narrow network
    network = LayeredNetwork((5, 8, 6, 3), ("sigmoid", "tanh"), "softmax", "cross_entropy",
                             bias=bias)
    args = _arrays(network, 5 * MIN_ROWS + 17)
    whole = compile_gradient(network, block_rows=0)
    blocked = compile_gradient(network, block_rows=MIN_ROWS, threads=threads)
    assert blocked.function.threads_for(len(args[0])) == threads
    assert len(blocked.function.blocks(len(args[0]))) == 6
    expected, got = whole(*args), blocked(*args)
    assert len(got) == len(expected) == len(network.array_keys()) - 2
    for g, e in zip(got, expected, strict=True):
        assert np.shape(g) == np.shape(e)
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    # one row of targets for every example is not cut into blocks
    one_target = [args[0], args[1][0], *args[2:]]
    for g, e in zip(blocked(*one_target), whole(*one_target), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_small_batches_and_single_examples_are_one_call():
    network = LayeredNetwork((3, 4, 2), ("relu",), "sigmoid", "squared_error",
                             bias="per_neuron")
    calls = []

    def counting(*args):
        calls.append(np.shape(args[0]))
        return compile_gradient(network, block_rows=0)(*args)

    run = in_blocks(counting, block_rows=MIN_ROWS, threads=2)
    args = _arrays(network, 10)
    run(*args)
    run(args[0][0], args[1][0], *args[2:])
    assert calls == [(10, 3), (3,)]


def test_threads_share_a_batch_smaller_than_a_block():
    run = BlockedFunction(lambda *a: (0.0,), block_rows=block_rows_for((2, 2, 2)), threads=2,
                          width=THREADED_ELEMENTS)  # any block is wide enough for threads
    assert run.blocks(10_000) == [(0, 5_000), (5_000, 10_000)]
    assert run.blocks(MIN_ROWS + 1) == [(0, MIN_ROWS + 1)]  # halves would be below MIN_ROWS
    wide = BlockedFunction(lambda *a: (0.0,), block_rows=1_024, threads=1)
    assert wide.blocks(1_025) == [(0, 513), (513, 1_025)]  # not 1,024 rows and then 1


@settings(max_examples=60, deadline=None, derandomize=True)
@given(batch=st.integers(1, 20_000), rows=st.integers(MIN_ROWS, 8_192),
       threads=st.integers(1, 8))
def test_blocks_cover_every_row_once(batch, rows, threads):
    spans = BlockedFunction(lambda *a: (), block_rows=rows, threads=threads,
                            width=THREADED_ELEMENTS).blocks(batch)
    assert spans[0][0] == 0 and spans[-1][1] == batch
    assert all(stop == start for (_, stop), (start, _) in itertools.pairwise(spans))
    sizes = [stop - start for start, stop in spans]
    assert min(sizes) > 0 and max(sizes) <= rows and max(sizes) - min(sizes) <= 1
    assert -(-batch // rows) <= len(spans) < -(-batch // rows) + threads
    assert len(spans) >= min(threads, batch // MIN_ROWS)  # every core busy when it can be


def test_narrow_networks_run_in_the_calling_thread():
    """numpy's operations on a narrow network's block are too short to gain from threads (each
    waits for the interpreter lock when it ends): blocks of a 4-4-2 network run in the calling
    thread, a 16-wide network's on every thread asked for."""
    def spy(*args):
        names.append(threading.current_thread().name)
        return (np.zeros(1),)

    for layers, expected in [((4, 4, 2), 1), ((16, 16, 4), 2)]:
        names: list[str] = []
        run = in_blocks(spy, block_rows_for(layers), threads=2, width=max(layers))
        x = np.zeros((10_000, layers[0]))
        assert run.threads_for(10_000) == expected
        run(x, x)
        caller = threading.current_thread().name
        assert (set(names) == {caller}) == (expected == 1), names
    network = LayeredNetwork((4, 4, 2), ("sigmoid",), "sigmoid", "squared_error")
    assert compile_gradient(network, threads=2).function.threads_for(10_000) == 1
    wide = LayeredNetwork((16, 16, 4), ("sigmoid",), "sigmoid", "squared_error")
    assert compile_gradient(wide, threads=2).function.threads_for(10_000) == 2


def test_blas_threads_are_restored_after_a_threaded_call():
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="the optional extra 'fast'")
    network = LayeredNetwork((4, 16, 2), ("sigmoid",), "softmax", "cross_entropy",
                             bias="per_neuron")
    blocked = compile_gradient(network, block_rows=MIN_ROWS, threads=2)

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]

    before = blas_threads()
    seen = []

    def spy(*args):
        seen.append(blas_threads())
        return blocked.function.function(*args)

    BlockedFunction(spy, MIN_ROWS, 2, THREADED_ELEMENTS)(*_arrays(network, 4 * MIN_ROWS))
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert blas_threads() == before


def test_without_threadpoolctl_blocks_run_in_the_calling_thread(monkeypatch):
    monkeypatch.setattr(blocks, "_blas_controller", lambda: None)
    network = LayeredNetwork((4, 8, 2), ("tanh",), "identity", "half_squared_error")
    kernel = compile_gradient(network, block_rows=0)
    names = []

    def spy(*args):
        names.append(threading.current_thread().name)
        return kernel(*args)

    args = _arrays(network, 3 * MIN_ROWS)
    got = BlockedFunction(spy, MIN_ROWS, 2, THREADED_ELEMENTS)(*args)
    assert names == [threading.current_thread().name] * 3
    for g, e in zip(got, kernel(*args), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_an_error_in_a_block_reaches_the_caller_and_frees_the_lock():
    def failing(x, y, *parameters):
        raise ValueError(f"bad block of {len(x)} rows")

    run = BlockedFunction(failing, MIN_ROWS, 2, THREADED_ELEMENTS)
    x = np.zeros((3 * MIN_ROWS, 2))
    for _ in range(2):  # a held lock would hang the second call
        with pytest.raises(ValueError, match="bad block"):
            run(x, x)


def test_each_thread_keeps_its_own_work_from_call_to_call():
    """work=True: every call of the function gets the dict its thread got before, and no two
    threads share one; compile_gradient's numpy code is run so."""
    seen: list[tuple[int, int]] = []

    def spy(x, y, *parameters, work):
        work["calls"] = work.get("calls", 0) + 1
        seen.append((threading.get_ident(), id(work)))
        return (x.sum(axis=0),)

    run = BlockedFunction(spy, MIN_ROWS, 2, THREADED_ELEMENTS, work=True)
    threaded, single = np.ones((4 * MIN_ROWS, 1)), np.ones((MIN_ROWS, 1))
    for x in (threaded, threaded, single, single):
        assert run(x, None)[0][0] == len(x)
    dicts: dict[int, set[int]] = {}
    for thread, work in seen:
        dicts.setdefault(thread, set()).add(work)
    assert threading.get_ident() in dicts and len(dicts) >= 2  # the calling thread and others
    assert all(len(works) == 1 for works in dicts.values()), dicts
    assert len({work for works in dicts.values() for work in works}) == len(dicts)
    network = LayeredNetwork((4, 8, 2), ("sigmoid",), "softmax", "cross_entropy")
    assert compile_gradient(network).function.work
    assert not BlockedFunction(len, MIN_ROWS).work


def _blocked_in_child(queue):
    network = LayeredNetwork((4, 8, 2), ("sigmoid",), "softmax", "cross_entropy")
    args = _arrays(network, 3 * MIN_ROWS)
    got = compile_gradient(network, block_rows=MIN_ROWS, threads=2)(*args)
    queue.put(float(np.abs(got[0]).sum()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
# jax, when an earlier test imported it, warns at every fork; the child here does not use it
@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")
def test_a_forked_child_gets_its_own_threads(monkeypatch):
    """After the parent has run blocks on threads, a forked child (multiprocessing's default
    on Linux) still can: its pool is new, not the parent's, whose threads it does not have."""
    monkeypatch.setattr(blocks, "THREADED_ELEMENTS", 1)  # threads for this narrow network
    network = LayeredNetwork((4, 8, 2), ("sigmoid",), "softmax", "cross_entropy")
    args = _arrays(network, 3 * MIN_ROWS)
    expected = compile_gradient(network, block_rows=MIN_ROWS, threads=2)(*args)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_blocked_in_child, args=(queue,))
    child.start()
    child.join(60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0, "the child hung or failed"
    assert queue.get(timeout=5) == pytest.approx(float(np.abs(expected[0]).sum()), rel=1e-12)
