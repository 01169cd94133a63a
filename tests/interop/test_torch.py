"""from_torch at the scalar level against torch.autograd in float64: every parameter's derive
value, to 1e-10.

The models are random small Sequentials (seeded) over every layer and loss the scalar level
reads, plus a module whose forward is a chain (traced with torch.fx); level="auto" (the
default) reads each of them at the scalar level, as before the tensor level existed.  The
refusals are the scalar level's (level="scalar"): with level="auto" a model it refuses is read
at the tensor level (tests/interop/test_torch_tensor.py).  Without torch these tests skip, and
under SYMBACKPROP_REQUIRE_ALL=1 (CI) they fail instead (tests/conftest.py).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from typing import Any

import pytest
from conftest import require_module

from symbackprop.calculus.derivation import derive
from symbackprop.errors import MissingExtraError, NoPathError, SpecError
from symbackprop.interop import from_torch
from symbackprop.spec import Problem, load_problem_text
from symbackprop.spec.tensor import TensorProblem

ACTIVATIONS = ("Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus", "Softmax",
               "LogSoftmax")
RELATIVE = 1e-10


@pytest.fixture
def torch() -> Any:
    require_module("torch")
    import torch

    return torch


def activation(torch: Any, name: str, rng: Any) -> Any:
    nn = torch.nn
    if name == "LeakyReLU":
        return nn.LeakyReLU(rng.choice([0.01, 0.2, 0.3]))
    if name == "Softplus":
        return nn.Softplus(beta=rng.choice([1.0, 2.0]))
    if name in ("Softmax", "LogSoftmax"):
        return getattr(nn, name)(dim=-1)
    return getattr(nn, name)()


def entry(model: Any, origin: str) -> tuple[Any, tuple[int, ...]]:
    """The parameter tensor and index an origin names (``model[2].weight[0, 1]``)."""
    path, _, index = origin.partition(".weight[") if ".weight[" in origin else (
        origin.partition(".bias["))
    tensor_name = "weight" if ".weight[" in origin else "bias"
    module = model
    for part in path.removeprefix("model").replace("]", "").replace("[", ".").split("."):
        if part:
            module = module[int(part)] if part.isdigit() else getattr(module, part)
    return getattr(module, tensor_name), tuple(int(i) for i in index.rstrip("]").split(","))


def assert_matches_autograd(torch: Any, model: Any, x: Any, y: Any, loss: Any,
                            **options: Any) -> Problem:
    problem = from_torch(model, x, y, loss=loss, **options)
    model.zero_grad()
    value = loss(model(x), y)
    value.backward()
    assert problem.graph.forward(problem.values)["L"] == pytest.approx(value.item(), rel=1e-12)
    parameters = problem.graph.parameters
    assert len(parameters) == sum(p.numel() for p in model.parameters())
    for name in parameters:
        tensor, index = entry(model, problem.origins[name])
        assert problem.values[name] == tensor[index].item()
        expected = tensor.grad[index].item()
        try:
            got = derive(problem.graph, name, values=problem.values).value
        except NoPathError:  # e.g. a softmax over one output is the constant 1
            got = 0.0
        assert got == pytest.approx(expected, rel=RELATIVE, abs=1e-14), (name, problem.title)
    return problem


def random_model(torch: Any, rng: Any, widths: list[int], acts: list[str | None],
                 bias: list[bool]) -> Any:
    layers = []
    for (inp, out), act, has_bias in zip(itertools.pairwise(widths), acts, bias,
                                         strict=True):
        layers.append(torch.nn.Linear(inp, out, bias=has_bias))
        if act is not None:
            layers.append(activation(torch, act, rng))
    return torch.nn.Sequential(*layers).double()


LOSSES = ("MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss")


def target(torch: Any, loss: str, width: int, batched: bool, rng: Any) -> Any:
    if loss in ("CrossEntropyLoss", "NLLLoss") and (loss == "NLLLoss" or rng.random() < 0.7):
        cls = torch.tensor([rng.randrange(width)] if batched else rng.randrange(width))
        return cls
    values = torch.rand(width, dtype=torch.float64) * 0.8 + 0.1
    if loss == "CrossEntropyLoss":
        values = values / values.sum()
    return values.reshape(1, width) if batched else values


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_random_sequentials_match_autograd(torch: Any, loss_name: str, reduction: str) -> None:
    import random

    rng = random.Random(f"{loss_name}-{reduction}")
    torch.manual_seed(rng.randrange(2**31))
    for trial in range(4):
        depth = rng.choice([1, 2])
        widths = [rng.randint(1, 3) for _ in range(depth)] + [rng.randint(2, 3)]
        hidden = [rng.choice((*ACTIVATIONS[:6], "Softmax")) for _ in range(depth - 1)]
        output = {"NLLLoss": "LogSoftmax", "BCELoss": "Sigmoid"}.get(
            loss_name, rng.choice([None, "Identity", "Tanh", "Softmax", "LogSoftmax"]))
        bias = [rng.random() < 0.75 for _ in range(depth)]
        model = random_model(torch, rng, widths, [*hidden, output], bias)
        batched = trial % 2 == 1
        x = torch.randn((1, widths[0]) if batched else (widths[0],), dtype=torch.float64)
        y = target(torch, loss_name, widths[-1], batched, rng)
        loss = getattr(torch.nn, loss_name)(reduction=reduction)
        problem = assert_matches_autograd(torch, model, x, y, loss)
        again = load_problem_text(problem.to_toml())
        assert again.values == problem.values and again.network == problem.network
        assert [(n.name, n.kind, n.definition) for n in again.graph.nodes.values()] == [
            (n.name, n.kind, n.definition) for n in problem.graph.nodes.values()]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_layer_at_every_place(torch: Any, name: str) -> None:
    import random

    rng = random.Random(name)
    torch.manual_seed(3)
    for acts in ([name, None], [None, name], ["Tanh", name]):
        model = random_model(torch, rng, [3, 3, 2], acts, [True, True])
        x = torch.randn(3, dtype=torch.float64)
        assert_matches_autograd(torch, model, x, torch.rand(2, dtype=torch.float64),
                                torch.nn.MSELoss())


def test_the_format_is_chosen_by_what_it_holds(torch: Any) -> None:
    nn = torch.nn
    torch.manual_seed(0)
    x, cls = torch.randn(2, dtype=torch.float64), torch.tensor(1)
    layered = {
        "cross_entropy": (nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2)),
                          nn.CrossEntropyLoss(), cls, "softmax"),
        "nll": (nn.Sequential(nn.Linear(2, 2), nn.LogSoftmax(dim=-1)), nn.NLLLoss(), cls,
                "softmax"),
        "bce_logits": (nn.Sequential(nn.Linear(2, 1)), nn.BCEWithLogitsLoss(),
                       torch.tensor([1.0], dtype=torch.float64), "sigmoid"),
    }
    for model, loss, y, output in layered.values():
        problem = assert_matches_autograd(torch, model.double(), x, y, loss)
        assert problem.network is not None and problem.network.output == output
        assert "the same gradients" in problem.description
    mixed = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Tanh(), nn.Linear(2, 2)).double()
    problem = assert_matches_autograd(torch, mixed, x, torch.rand(2).double(), nn.MSELoss())
    assert problem.network is None and problem.graph.parents("a11") == ["w111", "w112", "x1",
                                                                        "x2"]
    problem = from_torch(mixed, x, torch.rand(2).double(), loss=nn.MSELoss, naming="flat")
    assert problem.origins["w5"] == "model[2].weight[0, 0]" and problem.origins["b1"] == (
        "model[2].bias[0]")


def test_a_module_whose_forward_is_a_chain(torch: Any) -> None:
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = nn.Linear(3, 2)
            self.out = nn.Sequential(nn.Linear(2, 2), nn.Softplus())

        def forward(self, x: Any) -> Any:
            return self.out(torch.tanh(self.hidden(x)))

    torch.manual_seed(1)
    net = Net().double()
    x = torch.randn(1, 3, dtype=torch.float64)
    problem = assert_matches_autograd(torch, net, x, torch.rand(1, 2).double(), nn.MSELoss())
    assert problem.origins["w111"] == "model.hidden.weight[0, 0]"
    assert problem.origins["w211"] == "model.out[0].weight[0, 0]"
    assert problem.origins["x3"] == "x[0, 2]"

    class Skip(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            return self.a(x) + x

    x, y = torch.randn(2).double(), torch.rand(2).double()
    with pytest.raises(SpecError, match="forward is not a chain of layers") as refused:
        from_torch(Skip().double(), x, y, loss=nn.MSELoss(), level="scalar")
    assert "level='tensor'" in str(refused.value) and "%" not in str(refused.value)
    assert isinstance(from_torch(Skip().double(), x, y, loss=nn.MSELoss()), TensorProblem)


@pytest.mark.parametrize("form", ["F.softmax(z, dim=-1)", "torch.log_softmax(z, 1)",
                                  "z.softmax(dim=1)", "F.log_softmax(z, -1)"])
def test_a_forward_calling_softmax_is_read_with_its_dim(torch: Any, form: str) -> None:
    """softmax and log_softmax called as functions or methods in a traced forward, over the
    features (dim -1, or 1 for a (1, n) input): the same gradients as autograd."""
    nn, functional = torch.nn, torch.nn.functional
    call = {"F.softmax(z, dim=-1)": lambda z: functional.softmax(z, dim=-1),
            "torch.log_softmax(z, 1)": lambda z: torch.log_softmax(z, 1),
            "z.softmax(dim=1)": lambda z: z.softmax(dim=1),
            "F.log_softmax(z, -1)": lambda z: functional.log_softmax(z, -1)}[form]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hidden, self.out = nn.Linear(3, 3), nn.Linear(3, 2)

        def forward(self, x: Any) -> Any:
            return call(self.out(torch.sigmoid(self.hidden(x))))

    torch.manual_seed(2)
    net = Net().double()
    x = torch.randn(1, 3, dtype=torch.float64)
    loss = nn.NLLLoss() if "log" in form else nn.MSELoss()
    y = torch.tensor([1]) if "log" in form else torch.rand(1, 2).double()
    problem = assert_matches_autograd(torch, net, x, y, loss)
    assert problem.origins["w111"] == "model.hidden.weight[0, 0]"


def test_a_softmax_over_another_axis_is_refused(torch: Any) -> None:
    nn, functional = torch.nn, torch.nn.functional

    class Over(nn.Module):
        def __init__(self, call: Any) -> None:
            super().__init__()
            self.out, self.call = nn.Linear(2, 2), call

        def forward(self, x: Any) -> Any:
            return self.call(self.out(x))

    x, y = torch.randn(1, 2).double(), torch.rand(1, 2).double()
    cases = [(lambda z: functional.softmax(z, dim=0), "dim=0 does not normalise"),
             (lambda z: functional.softmax(z, dim=-1, dtype=torch.float32), "no dtype"),
             (lambda z: torch.softmax(z, 1) * 2, "not a chain of layers")]
    for call, message in cases:
        with pytest.raises(SpecError, match=message):
            from_torch(Over(call).double(), x, y, loss=nn.MSELoss(), level="scalar")


def test_refusals_name_the_layer_option_or_shape(torch: Any) -> None:
    nn = torch.nn
    x, y = torch.randn(2, dtype=torch.float64), torch.rand(2, dtype=torch.float64)
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).double()
    with pytest.raises(SpecError, match=r"model\[1\] is Dropout, which from_torch does not read"):
        from_torch(model, x, y, loss=nn.MSELoss(), level="scalar")
    model = nn.Sequential(nn.Linear(2, 2)).double()
    cases = [
        (dict(loss=nn.MSELoss(reduction="none")), "reduction='none'"),
        (dict(loss=nn.BCEWithLogitsLoss(pos_weight=torch.ones(2))), r"pos_weight=\.\.\."),
        (dict(loss=nn.CrossEntropyLoss(label_smoothing=0.1)), "label_smoothing=0.1"),
        (dict(loss=nn.CrossEntropyLoss(weight=torch.ones(2))), r"weight=\.\.\."),
        (dict(loss=nn.L1Loss()), "L1Loss is not a loss from_torch reads"),
    ]
    for options, message in cases:
        with pytest.raises(SpecError, match=message):
            from_torch(model, x, y, level="scalar", **options)
    with pytest.raises(SpecError, match="batch of 3 samples"):
        from_torch(model, torch.randn(3, 2).double(), torch.rand(3, 2).double(),
                   loss=nn.MSELoss(), level="scalar")
    with pytest.raises(SpecError, match="class 5 is not one of the model's 2 outputs"):
        from_torch(model, x, torch.tensor(5), loss=nn.CrossEntropyLoss(), level="scalar")
    with pytest.raises(SpecError, match=r"Softmax\(dim=0\)"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)).double(),
                   x.reshape(1, 2), y.reshape(1, 2), loss=nn.MSELoss(), level="scalar")
    with pytest.raises(SpecError, match=r"model\[2\] \(sigmoid\) follows model\[1\] \(tanh\)"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Sigmoid()).double(), x, y,
                   loss=nn.MSELoss(), level="scalar")


def test_a_float32_model_is_read_exactly_as_stored(torch: Any) -> None:
    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid())
    x, y = torch.randn(2), torch.rand(2)
    problem = from_torch(model, x, y, loss=torch.nn.BCELoss(reduction="sum"))
    assert problem.values["w111"] == model[0].weight[0, 0].item()
    double = model.double()
    assert_matches_autograd(torch, double, x.double(), y.double(),
                            torch.nn.BCELoss(reduction="sum"))


def test_without_torch_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'symbackprop\[torch\]'"):
        from_torch(None, None, None, loss=None)


def test_importing_symbackprop_does_not_import_torch() -> None:
    code = "import sys, symbackprop; symbackprop.from_torch; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert done.stdout.strip() == "False"
