#!/usr/bin/env python3
"""Makes tests/fixtures/onnx/wide64.onnx, the benchmark's larger model: a 3 x 64 x 64 input and
six 32-channel 3 x 3 convolutions at full resolution in three residual blocks (~0.46 GFLOP per
forward pass, ~60 K parameters, random weights: it is timed, not trusted). TorchScript exporter.

Not part of the test command (the file is committed). To regenerate:
    .venv-onnx/bin/python scripts/make-bench-model.py tests/fixtures/onnx
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Wide(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.convs = nn.ModuleList(nn.Conv2d(c, c, 3, padding=1) for _ in range(6))
        self.fc = nn.Linear(c, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for i in range(0, 6, 2):
            x = F.relu(x + self.convs[i + 1](F.relu(self.convs[i](x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/onnx"
    torch.manual_seed(0)
    torch.onnx.export(Wide().eval(), (torch.rand(1, 3, 64, 64),), os.path.join(out, "wide64.onnx"),
                      dynamo=False, opset_version=17, input_names=["image"], output_names=["logits"])


if __name__ == "__main__":
    main()
