"""The reference for `saliency train --engine direct`: the keras-vis tutorial's MNIST recipe in
Keras itself (Adam defaults, batch 250, validation_split 0.2, categorical cross-entropy, 25 %
dropout, glorot_uniform), EPOCHS epochs, test accuracy printed per seed. Reads the IDX files of
a data directory (argument 1, default ../shared/data). Needs tensorflow-cpu (a venv)."""
import gzip, os, struct, sys

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(d, stem):
    for name in (stem + ".gz", stem):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise SystemExit(f"{stem} not found in {d}")


def main():
    d = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "../shared/data", "mnist")
    epochs = int(os.environ.get("EPOCHS", "1"))
    x = idx(find(d, "train-images-idx3-ubyte")).astype("float32")[..., None] / 255
    y = keras.utils.to_categorical(idx(find(d, "train-labels-idx1-ubyte")), 10)
    xt = idx(find(d, "t10k-images-idx3-ubyte")).astype("float32")[..., None] / 255
    yt = keras.utils.to_categorical(idx(find(d, "t10k-labels-idx1-ubyte")), 10)
    for seed in [int(s) for s in os.environ.get("SEEDS", "1,2,3").split(",")]:
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.25),
            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.25),
            layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dense(10, activation="softmax"),
        ])
        model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(), metrics=["accuracy"])
        model.fit(x, y, batch_size=250, epochs=epochs, validation_split=0.2, verbose=2)
        loss, acc = model.evaluate(xt, yt, verbose=0)
        print(f"seed {seed}: {epochs} epoch(s), test accuracy {acc:.4f}, loss {loss:.4f}", flush=True)


if __name__ == "__main__":
    main()
