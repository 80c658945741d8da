#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (fuzz/seeds/<target>/): small valid files
of each format and a few near-misses, so libFuzzer starts from inputs that reach deep code.
Standard library only; run from the repository root."""
import gzip, json, os, struct, zlib

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "seeds")


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors(tensors, meta=None):
    header, blob = {}, b""
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    if meta:
        header["__metadata__"] = meta
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + blob


def npy(shape, values, descr="<f4"):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, ", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    fmt = {"<f4": "<f", ">f4": ">f", "<f8": "<d", "|u1": "B"}[descr]
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"".join(struct.pack(fmt, v) for v in values)


def png(w, h, color_type, bit_depth, rows, palette=None):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0))
    if palette:
        out += chunk(b"PLTE", palette)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# weights: a few tensors with the right names, the real file's header region, broken headers.
f16 = lambda n: b"\x00\x3c" * n  # 1.0 in f16
put("weights", "conv1-only", safetensors({"conv1.weight": ("F16", [32, 1, 3, 3], f16(288))}))
put("weights", "wrong-shape", safetensors({"conv1.weight": ("F32", [32, 3, 3, 3], b"\x00" * 3456), "conv1.bias": ("F32", [32], b"\x00" * 128)}))
put("weights", "bad-dtype", safetensors({"conv1.weight": ("I64", [32, 1, 3, 3], b"\x00" * 2304)}))
put("weights", "huge-claim", struct.pack("<Q", 80) + b'{"conv1.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}'[:80])
with open(os.path.join(root, "..", "..", "pretrained", "mnist.safetensors"), "rb") as f:
    put("weights", "mnist-head", f.read(3000))

# idx: image and label files, raw and gzip, and a header whose count overflows.
img = struct.pack(">IIII", 2051, 1, 28, 28) + bytes(range(256)) * 3 + bytes(16)
lab = struct.pack(">II", 2049, 3) + bytes([7, 2, 1])
put("idx", "images", img)
put("idx", "labels", lab)
put("idx", "images.gz", gzip.compress(img))
put("idx", "labels.gz", gzip.compress(lab))
put("idx", "count-overflow", struct.pack(">IIII", 2051, 0xFFFFFFFF, 28, 28))

# cifar: one record, raw and gzip, and a bad label.
rec = bytes([3]) + bytes(i % 256 for i in range(3072))
put("cifar", "record", rec)
put("cifar", "record.gz", gzip.compress(rec))
put("cifar", "bad-label", bytes([11]) + rec[1:])

# npy: each accepted shape and byte order, and near-misses.
put("npy", "mnist-hw", npy((28, 28), [i / 784 for i in range(784)]))
put("npy", "mnist-hwc-be", npy((28, 28, 1), [0.5] * 784, ">f4"))
put("npy", "cifar", npy((32, 32, 3), [(i % 256) / 255 for i in range(3072)]))
put("npy", "float64", npy((28, 28), [0.1] * 784, "<f8"))
put("npy", "out-of-range", npy((28, 28), [2.0] * 784))
put("npy", "short", npy((28, 28), [0.5] * 10))

# png: grey, RGB, RGBA, palette, 16-bit, odd sizes.
put("png", "grey-28", png(28, 28, 0, 8, [bytes((x * y) % 256 for x in range(28)) for y in range(28)]))
put("png", "rgb-32", png(32, 32, 2, 8, [bytes((x * 8, y * 8, 128)[k % 3] for x in range(32) for k in range(3)) for y in range(32)]))
put("png", "rgba-5x3", png(5, 3, 6, 8, [bytes([255, 0, 0, 128] * 5)] * 3))
put("png", "palette-1x9", png(1, 9, 3, 8, [b"\x01"] * 9, palette=b"\x00\x00\x00\xff\xff\xff"))
put("png", "grey16-2x2", png(2, 2, 0, 16, [b"\xff\xff\x00\x00"] * 2))
put("png", "grey1bit-9x1", png(9, 1, 0, 1, [b"\xaa\x80"]))
put("png", "grey-alpha-3x3", png(3, 3, 4, 8, [b"\x80\xff" * 3] * 3))

# options: method options JSON, NUL, post-processing JSON; first byte picks the dataset.
for i, (m, p) in enumerate([
    ({"method": "vanilla"}, {}),
    ({"method": "smoothgrad", "base": "guided", "samples": 3, "noise": 0.5, "seed": 7}, {"sign": "signed", "normalize": {"kind": "percentile", "p": 99}}),
    ({"method": "ig", "steps": 4, "batchSize": 3, "target": 3}, {"reduce": "sum-abs"}),
    ({"method": "occlusion", "patch": 16, "stride": 16}, {"normalize": {"kind": "none"}}),
    ({"method": "gradcam"}, {"sign": "positive"}),
    ({"method": "guided-gradcam", "target": 9}, {"sign": "negative", "normalize": {"kind": "min-max"}}),
    ({"method": "deconvnet"}, {}),
    ({"method": "gradxinput"}, {}),
]):
    put("options", f"case{i}", bytes([i]) + json.dumps(m).encode() + b"\x00" + json.dumps(p).encode())
put("options", "baseline", bytes([0]) + json.dumps({"method": "ig", "steps": 2, "baseline": [0.25] * 784}).encode())
put("options", "unknown-key", bytes([1]) + b'{"methd":"ig"}\x00{"normalise":1}')
