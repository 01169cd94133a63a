"""Backward passes written by hand in numpy, right and with a student's mistakes.

The wrong answers the tensor checker is tested on come from here, not from the checker's own
predictions (which would make the tests circular).  Each function takes the forward pass (the
values of every node, from the problem) and a set of mistakes, each a hand-written change of
one line of the backward pass as a student writes it, and returns every gradient it computes,
named ``dNAME`` as in the backprop-ninja notebook.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Values = Mapping[str, np.ndarray]


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def onehot(labels: np.ndarray, classes: int) -> np.ndarray:
    out = np.zeros((labels.size, classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def _bias(dz: np.ndarray, mistakes: frozenset[str]) -> np.ndarray:
    if "bias_not_summed" in mistakes:
        return dz                                   # db = dZ
    if "bias_averaged" in mistakes:
        return dz.mean(axis=0)                      # db = dZ.mean(0)
    if "reduction_wrong_axis" in mistakes:
        return dz.sum(axis=1)                       # db = dZ.sum(1)
    return dz.sum(axis=0)


def _weight(a: np.ndarray, dz: np.ndarray, mistakes: frozenset[str]) -> np.ndarray:
    """dW for Z = A @ W."""
    if "transposed" in mistakes:
        return dz.T @ a                             # dW = dZ.T @ A
    if "matmul_missing_transpose" in mistakes:
        return a @ dz                               # dW = A @ dZ
    if "matmul_operand_order" in mistakes:
        return dz @ a.T                             # dW = dZ @ A.T
    return a.T @ dz


def mlp(v: Values, mistakes: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """Z1 = X @ W1 + b1, H1 = tanh(Z1), Z2 = H1 @ W2 + b2, L = cross_entropy(Z2, y)."""
    n, classes = v["Z2"].shape
    probs = softmax(v["Z2"])
    hot = onehot(v["y"], classes)
    if "softmax_diagonal" in mistakes:  # noqa: SIM108 (one branch a mistake, as a student writes it)
        dz2 = -hot * (1 - probs)                    # dp = -1/p at the label, times p(1 - p)
    else:
        dz2 = probs - hot
    if "mean_missing" not in mistakes:
        dz2 = dz2 / n
    if "mean_extra" in mistakes:
        dz2 = dz2 / n
    if "sign" in mistakes:
        dz2 = -dz2
    g = {"dZ2": dz2, "dW2": v["H1"].T @ dz2, "db2": dz2.sum(axis=0)}
    dh1 = dz2 @ v["W2"] if "hidden_missing_transpose" in mistakes else dz2 @ v["W2"].T
    if "activation_at_input" in mistakes:
        dz1 = dh1 * (1 - v["Z1"] ** 2)              # tanh'(z) written with z for h
    else:
        dz1 = dh1 * (1 - v["H1"] ** 2)
    g.update(dH1=dh1, dZ1=dz1, dW1=_weight(v["X"], dz1, mistakes), db1=_bias(dz1, mistakes))
    return g


def attention(v: Values, mistakes: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """Q, K, V = X @ WQ, X @ WK, X @ WV; A = softmax(Q K^T / sqrt(d)); L = mean((X + A V - T)^2)."""
    root = np.sqrt(float(v["d"]))
    dr = 2 * (v["R"] - v["T"])
    if "mean_missing" not in mistakes:
        dr = dr / v["R"].size
    a = v["A"]
    da = dr @ v["V"].T
    dv = a @ dr if "matmul_missing_transpose" in mistakes else a.T @ dr
    if "softmax_diagonal" in mistakes:
        ds = a * (1 - a) * da
    else:
        ds = a * (da - (da * a).sum(axis=-1, keepdims=True))
    dq = ds @ v["K"] / root
    dk = np.zeros_like(v["K"]) if "attention_keys_path" in mistakes else ds.T @ v["Q"] / root
    x = v["X"]
    return {"dR": dr, "dA": da, "dS": ds, "dQ": dq, "dK": dk, "dV": dv,
            "dWQ": x.T @ dq, "dWK": x.T @ dk, "dWV": x.T @ dv,
            "dX": dr + dq @ v["WQ"].T + dk @ v["WK"].T + dv @ v["WV"].T}


def batchnorm(v: Values, mistakes: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """x = X @ W, Y = batch_norm(x, gamma, beta) (expanded), H = tanh(Y), L = CE(H @ W2, y)."""
    x = v["x"]
    n = x.shape[0]
    z = v["H"] @ v["W2"]
    dz = (softmax(z) - onehot(v["y"], z.shape[1]))
    if "mean_missing" not in mistakes:
        dz = dz / n
    dh = dz @ v["W2"].T
    if "activation_at_input" in mistakes:  # noqa: SIM108
        dy = dh * (1 - v["Y"] ** 2)                 # tanh'(y) written with y for H
    else:
        dy = dh * (1 - v["H"] ** 2)
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv = 1 / np.sqrt(var + 1e-5)
    xhat = (x - mu) * inv
    dxhat = dy if "gamma_left_out" in mistakes else dy * v["gamma"]
    dx = dxhat * inv                                            # the direct path
    if "batchnorm_mean_path" not in mistakes:
        dx = dx - (dxhat * inv).sum(axis=0) / n                 # through the mean
    if "batchnorm_variance_path" not in mistakes:
        dvar = (dxhat * (x - mu)).sum(axis=0) * -0.5 * (var + 1e-5) ** -1.5
        dx = dx + dvar * 2 * (x - mu) / n                       # through the variance
    return {"dY": dy, "dx": dx, "dW": v["X"].T @ dx, "dgamma": (dy * xhat).sum(axis=0),
            "dbeta": _bias(dy, mistakes), "dW2": v["H"].T @ dz}


def rnn(v: Values, mistakes: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """h_t = tanh(x_t @ Wxh + h_{t-1} @ Whh + bh), t = 1..3; L = CE(h3 @ Why + by, y)."""
    logits = v["h3"] @ v["Why"] + v["by"]
    n = logits.shape[0]
    dl = (softmax(logits) - onehot(v["y"], logits.shape[1])) / n
    g = {"dWhy": v["h3"].T @ dl, "dby": dl.sum(axis=0)}
    dwxh, dwhh, dbh = (np.zeros_like(v[k]) for k in ("Wxh", "Whh", "bh"))
    dh = dl @ v["Why"].T
    for t in (3, 2, 1):
        g[f"dh{t}"] = dh
        da = dh * (1 - v[f"h{t}"] ** 2)
        dwxh = dwxh + v[f"x{t}"].T @ da
        dwhh = dwhh + v[f"h{t - 1}"].T @ da
        dbh = dbh + da.sum(axis=0)
        if "rnn_last_step_only" in mistakes:
            break
        dh = da @ v["Whh"] if "matmul_missing_transpose" in mistakes else da @ v["Whh"].T
    g.update(dWxh=dwxh, dWhh=dwhh, dbh=dbh)
    return g


def ninja(v: Values, mistakes: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """The backprop-ninja notebook's backward pass (exercise 1), line by line, in numpy."""
    n = v["Xb"].shape[0]
    dlogprobs = np.zeros_like(v["logprobs"])
    dlogprobs[np.arange(n), v["Yb"]] = -1.0 if "mean_missing" in mistakes else -1.0 / n
    if "activation_at_output" in mistakes:
        dprobs = (1.0 / v["logprobs"]) * dlogprobs  # log'(p) = 1/p written with log p for p
    else:
        dprobs = (1.0 / v["probs"]) * dlogprobs
    dcounts_sum_inv = (v["counts"] * dprobs).sum(1, keepdims=True)
    if "normaliser_not_summed" in mistakes:
        dcounts_sum_inv = v["counts"] * dprobs      # the broadcast's sum left out
    dcounts = v["counts_sum_inv"] * dprobs
    dcounts_sum = (-v["counts_sum"] ** -2) * dcounts_sum_inv
    if "softmax_normaliser_path" not in mistakes:
        dcounts = dcounts + np.ones_like(v["counts"]) * dcounts_sum
    dnorm_logits = v["counts"] * dcounts
    dlogit_maxes = (-dnorm_logits).sum(1, keepdims=True)
    dlogits = dnorm_logits.copy()
    dlogits[np.arange(n), v["logits"].argmax(1)] += dlogit_maxes[:, 0]
    dh = dlogits @ v["W2"].T
    dW2 = dlogits.T @ v["h"] if "transposed" in mistakes else v["h"].T @ dlogits
    db2 = dlogits if "bias_not_summed" in mistakes else dlogits.sum(0)
    if "activation_at_input" in mistakes:
        dhpreact = (1.0 - v["hpreact"] ** 2) * dh
    else:
        dhpreact = (1.0 - v["h"] ** 2) * dh
    dbngain = (v["bnraw"] * dhpreact).sum(0, keepdims=True)
    dbnraw = v["bngain"] * dhpreact
    dbnbias = dhpreact.sum(0, keepdims=True)
    dbndiff = v["bnvar_inv"] * dbnraw
    dbnvar_inv = (v["bndiff"] * dbnraw).sum(0, keepdims=True)
    dbnvar = (-0.5 * (v["bnvar"] + 1e-5) ** -1.5) * dbnvar_inv
    dbndiff2 = (1.0 / (n - 1)) * np.ones_like(v["bndiff2"]) * dbnvar
    if "batchnorm_variance_path" not in mistakes:
        dbndiff = dbndiff + (2 * v["bndiff"]) * dbndiff2
    dhprebn = dbndiff.copy()
    dbnmeani = (-dbndiff).sum(0, keepdims=True)
    if "batchnorm_mean_path" not in mistakes:
        dhprebn = dhprebn + 1.0 / n * (np.ones_like(v["hprebn"]) * dbnmeani)
    dembcat = dhprebn @ v["W1"].T
    dW1 = v["embcat"].T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.reshape(v["emb"].shape)
    dC = np.zeros_like(v["C"])
    for k in range(v["Xb"].shape[0]):
        for j in range(v["Xb"].shape[1]):
            dC[v["Xb"][k, j]] += demb[k, j]
    return {"dlogprobs": dlogprobs, "dprobs": dprobs, "dcounts_sum_inv": dcounts_sum_inv,
            "dcounts_sum": dcounts_sum, "dcounts": dcounts, "dnorm_logits": dnorm_logits,
            "dlogit_maxes": dlogit_maxes, "dlogits": dlogits, "dh": dh, "dW2": dW2,
            "db2": db2, "dhpreact": dhpreact, "dbngain": dbngain, "dbnbias": dbnbias,
            "dbnraw": dbnraw, "dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar,
            "dbndiff2": dbndiff2, "dbndiff": dbndiff, "dbnmeani": dbnmeani,
            "dhprebn": dhprebn, "dembcat": dembcat, "dW1": dW1, "db1": db1, "demb": demb,
            "dC": dC}
