#!/usr/bin/env python3
"""Makes the ONNX fixtures of tests/fixtures/onnx/ with the real PyTorch exporters, and stores
PyTorch's own logits and vanilla gradients next to them for the native tests.

Not part of the test command (the fixtures are committed). To regenerate:
    python3 -m venv .venv-onnx && .venv-onnx/bin/pip install torch onnx onnxscript
    .venv-onnx/bin/python scripts/make-onnx-fixtures.py tests/fixtures/onnx
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Residual(nn.Module):
    """TorchScript export (opset 17): in-graph normalisation, BatchNorm, strided and dilated and
    depthwise convolutions, a residual Add, padded max pooling, average pooling without the
    padding counted, Concat on channels, global average pooling, a softmax head."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.5, 0.4, 0.3]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.2, 0.3]).view(1, 3, 1, 1))
        self.stem = nn.Conv2d(3, 8, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.a = nn.Conv2d(8, 6, 3, padding=2, dilation=2)
        self.b = nn.Conv2d(8, 4, 1)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.head = nn.Conv2d(10, 12, 3, stride=2, padding=1)
        self.fc = nn.Linear(12, 5)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.relu(self.bn1(self.stem(x)))
        x = F.relu(self.bn2(self.dw(x)) + x)
        x = self.pool(x)
        x = torch.cat([F.leaky_relu(self.a(x), 0.1), torch.tanh(self.b(x))], dim=1)
        x = self.avg(x)
        x = F.relu(self.head(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return torch.softmax(self.fc(x), dim=1)


class Small(nn.Module):
    """Dynamo export (opset 18, external data): one channel, ELU, HardSwish, ReLU6, HardSigmoid,
    sigmoid, average pooling with the padding counted, global max pooling, a log-softmax head."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 3, stride=2, padding=(1, 0))
        self.c2 = nn.Conv2d(6, 8, (3, 2), padding=1)
        self.c3 = nn.Conv2d(8, 8, 3, padding=1)
        self.avg = nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=True)
        self.fc1 = nn.Linear(8 * 4 * 5, 16)
        self.fc2 = nn.Linear(16 + 8, 4)

    def forward(self, x):
        x = F.elu(self.c1(x), 0.7)
        x = F.hardswish(self.c2(x))
        x = F.relu6(self.c3(x) * 3.0)
        g = torch.amax(torch.sigmoid(x), dim=(2, 3))
        x = F.hardsigmoid(self.avg(x))
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return F.log_softmax(self.fc2(torch.cat([x, g], dim=1)), dim=1)


class Unsupported(nn.Module):
    """A GELU, which the TorchScript exporter writes with an Erf node: the page and the CLI must
    refuse it by node and op."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = F.gelu(self.conv(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def randomise_batch_norms(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def logits_of(model, x):
    """The logits before a final softmax / log-softmax: what the methods explain."""
    head = model.fc2 if isinstance(model, Small) else model.fc
    seen = {}
    hook = head.register_forward_hook(lambda m, i, o: seen.__setitem__("z", o))
    model(x)
    hook.remove()
    return seen["z"]


def export(name, model, shape, out, dynamo, seed):
    gen = torch.Generator().manual_seed(seed)
    randomise_batch_norms(model, gen)
    model.eval()
    x = torch.rand((1, *shape), generator=gen)
    path = os.path.join(out, name + ".onnx")
    if dynamo:
        torch.onnx.export(model, (x,), path, dynamo=True, opset_version=18, external_data=True)
    else:
        # Without constant folding BatchNormalization stays a node, as a training-mode export leaves it.
        torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17, do_constant_folding=False,
                          input_names=["image"], output_names=["probabilities"])
    xg = x.clone().requires_grad_(True)
    z = logits_of(model, xg)[0]
    target = int(z.argmax())
    (grad,) = torch.autograd.grad(z[target], xg)
    ref = {
        "model": name + ".onnx",
        "exporter": "dynamo, opset 18" if dynamo else "TorchScript, opset 17",
        "torch": torch.__version__,
        "input_nchw": x.flatten().tolist(),
        "shape": list(shape),
        "logits": z.tolist(),
        "target": target,
        "vanilla_nchw": grad.flatten().tolist(),
    }
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(ref, f)
    print(name, "logits", [round(v, 4) for v in ref["logits"]], "target", target)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/onnx"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    export("residual", Residual(), (3, 16, 16), out, dynamo=False, seed=1)
    torch.manual_seed(1)
    export("small", Small(), (1, 13, 15), out, dynamo=True, seed=2)
    torch.manual_seed(2)
    path = os.path.join(out, "unsupported.onnx")
    torch.onnx.export(Unsupported().eval(), (torch.rand(1, 1, 8, 8),), path, dynamo=False, opset_version=17)
    print("unsupported.onnx written")
    # The residual model with one weight made NaN: refused at import, not shown as NaN maps.
    import numpy as np
    import onnx
    from onnx import numpy_helper
    m = onnx.load(os.path.join(out, "residual.onnx"))
    w = next(t for t in m.graph.initializer if t.name.endswith("stem.weight"))
    a = numpy_helper.to_array(w).copy()
    a.flat[0] = np.nan
    w.CopyFrom(numpy_helper.from_array(a, w.name))
    onnx.save(m, os.path.join(out, "nan.onnx"))
    print("nan.onnx written")
    # Few weights, many FLOPs: two 64-channel convolutions over 512 x 512 (~19 GFLOP), refused.
    heavy = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2)).eval()
    torch.onnx.export(heavy, (torch.rand(1, 3, 512, 512),), os.path.join(out, "heavy.onnx"), dynamo=False, opset_version=17)
    print("heavy.onnx written")


if __name__ == "__main__":
    main()
