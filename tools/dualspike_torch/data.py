"""The data sets scripts/setup.sh installs, as float32 numpy arrays: MNIST / Fashion-MNIST
(IDX, raw or .gz) with pixels in [0, 1], CIFAR-10 (binary batches) normalized per channel
with the constants dualspike uses (ds::kCifar10Mean / kCifar10Std)."""
import gzip
import os

import numpy as np

CIFAR10_MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
CIFAR10_STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32)


def read_idx(path):
    """An IDX file (raw or gzip) as a numpy array of its stored type."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {body.size} values, the header says {shape}")
    return body.reshape(shape)


def load_mnist(data_dir, split):
    """(images [N, 1, 28, 28] in [0, 1], labels [N]) of MNIST or Fashion-MNIST."""
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte")).astype(np.float32) / 255.0
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
    return x.reshape(-1, 1, 28, 28), y


def load_cifar10(data_dir, split):
    """(images [N, 3, 32, 32] normalized per channel, labels [N]) from the binary batches."""
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    records = [np.fromfile(os.path.join(data_dir, n), dtype=np.uint8).reshape(-1, 3073) for n in names]
    r = np.concatenate(records)
    x = r[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    x = (x - CIFAR10_MEAN[None, :, None, None]) / CIFAR10_STD[None, :, None, None]
    return x, r[:, 0].astype(np.int64)


def load(kind, data_dir, split):
    return load_cifar10(data_dir, split) if kind == "cifar10" else load_mnist(data_dir, split)
