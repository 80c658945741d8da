#!/usr/bin/env python3
"""Makes tests/fixtures/onnx/keras.onnx the way a Keras user would: a channel-last (N, H, W, C)
Keras model converted by tf2onnx, which puts a Transpose to channel first after the input. Stores
TensorFlow's own logits (before the softmax) and vanilla gradient beside it, in the layout of the
PyTorch fixtures' references (C, H, W).

Not part of the test command (the fixture is committed). To regenerate:
    python3 -m venv .venv-tf && .venv-tf/bin/pip install tensorflow-cpu tf2onnx onnx
    .venv-tf/bin/python scripts/make-keras-fixture.py tests/fixtures/onnx
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf
import tf2onnx

H, W, C, CLASSES = 12, 10, 3, 4


def model():
    """Conv with 'same' padding, BatchNorm, ReLU, a strided depthwise conv, max pooling, a
    residual Add, global average pooling, a dense layer, then a separate softmax layer."""
    tf.keras.utils.set_random_seed(3)
    x = tf.keras.Input((H, W, C), name="image")
    a = tf.keras.layers.Conv2D(6, 3, padding="same", name="conv")(x)
    a = tf.keras.layers.BatchNormalization(name="bn")(a)
    a = tf.keras.layers.ReLU(name="relu")(a)
    b = tf.keras.layers.DepthwiseConv2D(3, padding="same", name="dw")(a)
    a = tf.keras.layers.Add(name="add")([a, tf.keras.layers.Activation("tanh", name="tanh")(b)])
    a = tf.keras.layers.MaxPooling2D(2, name="pool")(a)
    a = tf.keras.layers.Conv2D(8, 3, activation="relu", name="conv2")(a)
    a = tf.keras.layers.GlobalAveragePooling2D(name="gap")(a)
    z = tf.keras.layers.Dense(CLASSES, name="logits")(a)
    p = tf.keras.layers.Softmax(name="probabilities")(z)
    m = tf.keras.Model(x, p)
    # BatchNorm statistics that are not the identity, as training would leave them.
    rng = np.random.default_rng(4)
    bn = m.get_layer("bn")
    bn.set_weights([1 + 0.3 * rng.standard_normal(6), 0.2 * rng.standard_normal(6),
                    0.3 * rng.standard_normal(6), 0.5 + rng.random(6)])
    return m, tf.keras.Model(x, z)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/onnx"
    m, logits_model = model()
    spec = (tf.TensorSpec((None, H, W, C), tf.float32, name="image"),)
    path = os.path.join(out, "keras.onnx")
    tf2onnx.convert.from_keras(m, input_signature=spec, opset=13, output_path=path)
    x = tf.constant(np.random.default_rng(5).random((1, H, W, C), dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = logits_model(x, training=False)[0]
        target = int(tf.argmax(z))
        score = z[target]
    grad = tape.gradient(score, x).numpy()[0]
    chw = lambda a: np.transpose(a, (2, 0, 1)).flatten().tolist()
    ref = {
        "model": "keras.onnx",
        "exporter": f"tf2onnx {tf2onnx.__version__}, opset 13, Keras {tf.keras.__version__}",
        "input_nchw": chw(x.numpy()[0]),
        "shape": [C, H, W],
        "logits": z.numpy().tolist(),
        "target": target,
        "vanilla_nchw": chw(grad),
    }
    with open(os.path.join(out, "keras.json"), "w") as f:
        json.dump(ref, f)
    print("keras logits", [round(v, 4) for v in ref["logits"]], "target", target)


if __name__ == "__main__":
    main()
