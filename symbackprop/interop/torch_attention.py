"""Attention read as tensor formulas: ``nn.MultiheadAttention`` and
``F.scaled_dot_product_attention``.

``nn.MultiheadAttention`` (``n`` its number in the model) becomes the projections
``Q{n} = Xq @ Wq{n}.T + bq{n}`` (``Wq{n}``, ``Wk{n}``, ``Wv{n}`` are the rows of PyTorch's one
``in_proj_weight``, ``Win{n}``, as nodes: ``reshape(Win1, shape=(3, E, E))[0]`` ...), the
attention weights ``A{n} = softmax(Q @ K.T / sqrt(d) + mask)`` (per head, the heads an axis of
their own), the context ``O{n} = A{n} @ V`` with the heads joined again, and the output
``Att{n} = O{n} @ Wout{n}.T + bout{n}``; the sequence axis is read from ``batch_first``.  The
attention weights the module returns (averaged over the heads, as it does by default) are a
node (``Abar{n}``) only when something reads them.  A mask (``attn_mask``, ``key_padding_mask``,
``is_causal``) is a constant added to the scores: 0 where a key is attended to, -1e9 where it
is not (``exp`` of that is 0 in float64, as PyTorch's -inf gives).

Examples
--------
>>> sorted(ATTENTION), sorted(ATTENTION_CALLS)
(['MultiheadAttention'], ['F.scaled_dot_product_attention'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .torch_formulas import Formula, add, call, index, matmul, multiply, number, reshape, transpose
from .torch_fx import Deferred, Reader

__all__ = ["ATTENTION", "ATTENTION_CALLS", "MASKED"]

#: What a mask adds to a score that is not attended to.
MASKED = -1e9


def _swap_last(x: Formula) -> Formula:
    rank = len(x.shape)
    return transpose(x, (*range(rank - 2), rank - 1, rank - 2))


def _scale(d: int, scale: float | None, scores: Formula) -> Formula:
    """The scores divided by ``sqrt(d)`` (written ``/ 8`` for d = 64), or times ``scale``."""
    if scale is not None:
        return multiply(scores, number(float(scale)), scores.shape)
    root = math.isqrt(d)
    divisor = number(root) if root * root == d else call("sqrt", [number(d)], ())
    return multiply(scores, divisor, scores.shape, "/") if d != 1 else scores


def _attention(reader: Reader, q: Formula, k: Formula, v: Formula, mask: np.ndarray | None,
              where: str, *, scale: float | None = None) -> tuple[Formula, Formula]:
    """The attention weights ``A = softmax(q @ kᵀ / sqrt(d) + mask)`` and the context
    ``A @ v`` (two nodes), for ``q`` of shape ``(..., L, d)``."""
    n = reader.draft.count("A")
    scores = _scale(q.shape[-1], scale, matmul(q, _swap_last(k), (*q.shape[:-1], k.shape[-2])))
    if mask is not None:
        added = reader.draft.leaf("Amask", "constant", mask, origin=f"the mask of {where}",
                                  number=True)
        scores = add(scores, added, scores.shape)
    weights = reader.node("A", call("softmax", [scores], scores.shape), name=f"A{n}")
    context = matmul(weights, v, (*weights.shape[:-1], v.shape[-1]))
    return weights, context


def _mask(reader: Reader, given: Any, keep_if_true: bool,
          shape: tuple[int, ...]) -> np.ndarray | None:
    """A mask as PyTorch takes it, as the constant to add to scores of ``shape``."""
    if given is None:
        return None
    values = reader.numbers(given)
    if given.dtype.is_floating_point:
        added = np.asarray(values, dtype=float)
    else:
        masked = values == 0 if keep_if_true else values != 0
        added = np.where(masked, MASKED, 0.0)
    return np.broadcast_to(added, shape).copy() if added.shape != shape else added


def _scaled_dot_product_attention(reader: Reader, node: Any, module: Any, args: Sequence[Any],
                                 kwargs: Mapping[str, Any]) -> Formula:
    """``F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal=False,
    scale=None)``: the weights a node, the context a node."""
    names = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale",
             "enable_gqa")
    bound = dict(zip(names, args, strict=False)) | dict(kwargs)
    if bound.get("dropout_p", 0.0) or bound.get("enable_gqa", False):
        raise reader.refuse(node, "drops attention weights at random (dropout_p > 0) or "
                                  "groups queries (enable_gqa); from_torch reads neither")
    q, k, v = (reader.tensor(bound[key], node) for key in ("query", "key", "value"))
    shape = (*q.shape[:-1], k.shape[-2])
    given = bound.get("attn_mask")
    mask = None
    if given is not None:
        mask = _mask(reader, reader.recorded(node.args[3] if len(node.args) > 3 else
                                     node.kwargs["attn_mask"]), True, shape)
    if bound.get("is_causal", False):
        causal = np.where(np.tril(np.ones(shape[-2:], dtype=bool)), 0.0, MASKED)
        mask = np.broadcast_to(causal, shape).copy() if mask is None else mask + causal
    _, context = _attention(reader, q, k, v, mask, reader.where(node),
                           scale=bound.get("scale"))
    return reader.node("O", context)


def _multihead(reader: Reader, node: Any, module: Any, args: Sequence[Any],
               kwargs: Mapping[str, Any]) -> tuple[Formula, Deferred]:
    names = ("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask",
             "average_attn_weights", "is_causal")
    bound = dict(zip(names, args, strict=False)) | dict(kwargs)
    if module.bias_k is not None or module.add_zero_attn or (
            module.training and module.dropout > 0):
        raise reader.refuse(node, "has add_bias_kv, add_zero_attn, or drops attention "
                                  "weights in training mode; from_torch reads attention "
                                  "without them (call model.eval() for the dropout)")
    q, k, v = (reader.tensor(bound[key], node) for key in ("query", "key", "value"))
    batched = len(q.shape) == 3
    heads, embed = module.num_heads, module.embed_dim
    d = embed // heads
    n = reader.layer_number(module, "Att")
    w, b = _projections(reader, module, n, embed)

    def batch_major(x: Formula) -> Formula:
        return transpose(x, (1, 0, 2)) if batched and not module.batch_first else x

    def project(x: Formula, letter: str) -> Formula:
        x = batch_major(x)
        shape = (*x.shape[:-1], embed)
        z = matmul(x, transpose(w[f"W{letter}"]), shape)
        bias = b[letter]
        return reader.node(letter.upper(), add(z, bias, shape) if bias is not None else z,
                           name=f"{letter.upper()}{n}")

    def split(x: Formula) -> Formula:
        if heads == 1:
            return x
        *batch, length, _ = x.shape
        parts = reshape(x, (*batch, length, heads, d))
        return transpose(parts, (0, 2, 1, 3) if batch else (1, 0, 2))

    qh, kh, vh = split(project(q, "q")), split(project(k, "k")), split(project(v, "v"))
    shape = (*qh.shape[:-1], kh.shape[-2])
    mask = _multihead_mask(reader, node, bound, shape, heads, batched)
    weights, context = _attention(reader, qh, kh, vh, mask, reader.where(node))
    if heads > 1:
        batch = context.shape[:-3]
        joined = transpose(context, (0, 2, 1, 3) if batch else (1, 0, 2))
        context = reshape(joined, (*joined.shape[:-2], embed))
    context = reader.node("O", context, name=f"O{n}")
    out_shape = (*context.shape[:-1], embed)
    out = matmul(context, transpose(w["Wout"]), out_shape)
    if b["out"] is not None:
        out = add(out, b["out"], out_shape)
    if batched and not module.batch_first:
        out = transpose(out, (1, 0, 2))
    result = reader.node("Att", out, name=f"Att{n}")

    def averaged() -> Formula:
        if heads == 1 or not bound.get("average_attn_weights", True):
            return weights
        shape = (*weights.shape[:-3], *weights.shape[-2:])
        mean = call("mean", [weights], shape, axis=len(weights.shape) - 3)
        return reader.node("A", mean, name=f"Abar{n}")
    return result, Deferred(averaged)


def _projections(reader: Reader, module: Any, n: int, embed: int) -> tuple[
        dict[str, Formula], dict[str, Formula | None]]:
    """The query, key, value and output weights and biases (the rows of ``in_proj_weight``
    as nodes of their own)."""
    found: dict[str, Formula] = {}
    biases: dict[str, Formula | None] = {}
    if module.in_proj_weight is not None:
        whole = reader.parameter(module.in_proj_weight, f"Win{n}", number=False)
        for k, letter in enumerate("qkv"):
            rows = index(reshape(whole, (3, embed, whole.shape[1])), [k])
            found[f"W{letter}"] = reader.node("W", rows, name=f"W{letter}{n}")
    else:
        for letter in "qkv":
            found[f"W{letter}"] = reader.parameter(getattr(module, f"{letter}_proj_weight"),
                                                   f"W{letter}{n}", number=False)
    if module.in_proj_bias is not None:
        bias = reader.parameter(module.in_proj_bias, f"bin{n}", number=False)
        for k, letter in enumerate("qkv"):
            biases[letter] = reader.node("b", index(reshape(bias, (3, embed)), [k]),
                                         name=f"b{letter}{n}")
    else:
        biases.update(q=None, k=None, v=None)
    found["Wout"] = reader.parameter(module.out_proj.weight, f"Wout{n}", number=False)
    biases["out"] = None if module.out_proj.bias is None else reader.parameter(
        module.out_proj.bias, f"bout{n}", number=False)
    return found, biases


def _multihead_mask(reader: Reader, node: Any, bound: Mapping[str, Any],
                    shape: tuple[int, ...], heads: int, batched: bool) -> np.ndarray | None:
    """``attn_mask`` and ``key_padding_mask`` (True: not attended to) as one added constant."""
    position = {"key_padding_mask": 3, "attn_mask": 5}
    mask = None
    for key in ("attn_mask", "key_padding_mask"):
        if bound.get(key) is None:
            continue
        step = node.args[position[key]] if len(node.args) > position[key] else node.kwargs[key]
        given = reader.recorded(step)
        if key == "attn_mask" and given.dim() == 3:  # (N * heads, L, S)
            given = given.reshape(shape)
        if key == "key_padding_mask":  # (N, S) or (S,): broadcast over heads and queries
            given = given.reshape((*shape[:-3], 1, 1, shape[-1]) if heads > 1 and batched else
                                  (*shape[:-2], 1, shape[-1]))
        added = _mask(reader, given, False, shape)
        mask = added if mask is None else mask + added
    return mask


#: torch.nn attention class -> its translator
ATTENTION: Mapping[str, Callable[..., Any]] = {"MultiheadAttention": _multihead}
#: attention function -> its translator
ATTENTION_CALLS: Mapping[str, Callable[..., Any]] = {
    "F.scaled_dot_product_attention": _scaled_dot_product_attention}
