#!/usr/bin/env python3
"""Trains the page's example of another architecture, a small residual network with BatchNorm on
CIFAR-10, and exports it to ONNX the way a PyTorch user would (TorchScript exporter, opset 17,
class names in the model's metadata). Writes pretrained/resnet-cifar10.onnx and its card
pretrained/resnet-cifar10.json (test accuracy, how it was made).

Not part of the test command (the result is committed). To remake it (about 20 minutes on two
cores):
    python3 -m venv .venv-onnx && .venv-onnx/bin/pip install torch onnx onnxscript
    .venv-onnx/bin/python scripts/make-example-model.py ../shared/data/cifar-10-batches-bin pretrained
"""
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
EPOCHS = 8
BATCH = 128


def load(dir, names):
    """CIFAR-10's binary batches: a label byte then 3072 bytes (R, G, B planes of 32 x 32)."""
    raw = np.concatenate([np.fromfile(os.path.join(dir, n), dtype=np.uint8).reshape(-1, 3073) for n in names])
    return torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).copy()), torch.from_numpy(raw[:, 0].astype(np.int64))


class Block(nn.Module):
    """conv-BN-ReLU-conv-BN plus the input, then ReLU (He et al. 2016)."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(y)))


def down(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class ResNet(nn.Module):
    """Input: 3 x 32 x 32 pixels in [0, 1] (the stem's BatchNorm learns the rest)."""

    def __init__(self, w=16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU())
        self.stage1 = Block(w)
        self.down2 = down(w, 2 * w)
        self.stage2 = Block(2 * w)
        self.down3 = down(2 * w, 4 * w)
        self.stage3 = Block(4 * w)
        self.fc = nn.Linear(4 * w, 10)

    def forward(self, x):
        x = self.stage3(self.down3(self.stage2(self.down2(self.stage1(self.stem(x))))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def augment(x, gen):
    """Random crops of the 4-pixel zero-padded image and horizontal flips."""
    n = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4))
    dy, dx = torch.randint(0, 9, (2, n), generator=gen)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32] for i in range(n)])
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        right = sum(int((model(x[i:i + 500].float() / 255).argmax(1) == y[i:i + 500]).sum()) for i in range(0, len(x), 500))
    return right / len(x)


def main():
    data, out = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "pretrained"
    torch.set_num_threads(os.cpu_count() or 2)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    xtr, ytr = load(data, [f"data_batch_{i}.bin" for i in range(1, 6)])
    xte, yte = load(data, ["test_batch.bin"])
    model = ResNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    steps = EPOCHS * (len(xtr) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps, pct_start=0.25)
    t0 = time.time()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        for b in range(len(xtr) // BATCH):
            idx = order[b * BATCH:(b + 1) * BATCH]
            x = augment(xtr[idx].float() / 255, gen)
            loss = F.cross_entropy(model(x), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {loss.item():.3f}, test accuracy {accuracy(model, xte, yte):.4f}, {time.time() - t0:.0f} s", flush=True)
    acc = accuracy(model, xte, yte)
    model.eval()
    path = os.path.join(out, "resnet-cifar10.onnx")
    # Without constant folding BatchNormalization stays a node (the layer view shows it).
    torch.onnx.export(model, (torch.rand(1, 3, 32, 32),), path, dynamo=False, opset_version=17,
                      do_constant_folding=False, input_names=["image"], output_names=["logits"])
    torch.save(model.state_dict(), os.path.join(out, "resnet-cifar10.pt"))
    m = onnx.load(path)
    m.metadata_props.add(key="class_names", value=json.dumps(CLASSES))
    onnx.save(m, path)
    params = sum(p.numel() for p in model.parameters())
    card = {
        "model": "resnet-cifar10.onnx",
        "architecture": "stem Conv(16)-BN-ReLU; residual block(16); Conv(32, stride 2)-BN-ReLU; residual block(32); "
                        "Conv(64, stride 2)-BN-ReLU; residual block(64); global average pooling; Dense(10). "
                        "A block: Conv-BN-ReLU-Conv-BN, plus its input, ReLU.",
        "input": "3 x 32 x 32 pixels in [0, 1]",
        "parameters": params,
        "test_accuracy": acc,
        "test_images": len(xte),
        "training": f"{EPOCHS} epochs of SGD (Nesterov momentum 0.9, weight decay 5e-4, one-cycle learning rate up to 0.1), "
                    f"batch {BATCH}, random 4-pixel-padded crops and horizontal flips, seed 0, on CIFAR-10's 50,000 training images",
        "exporter": f"torch.onnx.export (TorchScript, opset 17, no constant folding: BatchNormalization stays a node), torch {torch.__version__}; class names in metadata_props",
        "made_by": "scripts/make-example-model.py",
        "seconds": round(time.time() - t0),
    }
    with open(os.path.join(out, "resnet-cifar10.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(json.dumps(card))


if __name__ == "__main__":
    main()
