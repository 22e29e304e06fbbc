#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets: valid files (small slices of the real MNIST
when data/mnist is there, hand-built IDX, CIFAR-10 and safetensors files) plus the malformed
cases of ../shared/cases (IDX, CIFAR-01, ST-01 a-g). Standard library only.

usage: make_seeds.py OUT_DIR [MNIST_DIR]   -> OUT_DIR/{idx_raw,idx_gzip,cifar10,safetensors}/
"""
import gzip
import json
import os
import struct
import sys

out, mnist = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
corpora = {name: os.path.join(out, name) for name in ("idx_raw", "idx_gzip", "cifar10", "safetensors")}
for d in corpora.values():
    os.makedirs(d, exist_ok=True)


def put(corpus, name, data):
    with open(os.path.join(corpora[corpus], name), "wb") as f:
        f.write(data)


# ---- IDX: header = 00 00 08 ndims, big-endian uint32 dims, then bytes.
def idx(dims, body):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(body)


idx_seeds = {
    "images_2x2x3": idx([2, 2, 3], [0, 0x80, 0xFF, 1, 2, 3, 10, 20, 30, 40, 50, 60]),
    "labels_2": idx([2], [7, 3]),
    "labels_0": idx([0], []),
    "images_0x28x28": idx([0, 28, 28], []),
    "images_1x0x5": idx([1, 0, 5], []),
    "four_dims": idx([1, 1, 2, 2], [1, 2, 3, 4]),
    "truncated": idx([2, 2, 3], [1] * 11),
    "trailing": idx([2], [1, 2, 3]),
    "bad_type_0x0D": bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 1) + bytes(4),
    "zero_dims": bytes([0, 0, 8, 0]),
    "five_dims": bytes([0, 0, 8, 5]) + struct.pack(">IIIII", 1, 1, 1, 1, 1) + b"\x00",
    "huge_dims": idx([0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], []),
    "label_10": idx([1], [10]),
}
if mnist and os.path.isdir(mnist):
    for split in ("train", "t10k"):
        img = os.path.join(mnist, f"{split}-images-idx3-ubyte")
        lab = os.path.join(mnist, f"{split}-labels-idx1-ubyte")
        if os.path.exists(img):
            with open(img, "rb") as f:
                f.seek(16)
                idx_seeds[f"mnist_{split}_images_2"] = idx([2, 28, 28], f.read(2 * 784))
        if os.path.exists(lab):
            with open(lab, "rb") as f:
                f.seek(8)
                idx_seeds[f"mnist_{split}_labels_16"] = idx([16], f.read(16))
for name, data in idx_seeds.items():
    put("idx_raw", name, data)
    put("idx_gzip", name, data)  # fuzz_idx_gzip compresses every input ...
    put("idx_gzip", name + ".gz", gzip.compress(data, mtime=0))  # ... and parses real .gz streams
put("idx_gzip", "truncated_stream.gz", gzip.compress(idx_seeds["images_2x2x3"], mtime=0)[:-6])
put("idx_gzip", "two_members.gz", gzip.compress(idx_seeds["labels_2"], mtime=0) * 2)


# ---- CIFAR-10: records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32).
def cifar01():
    r0 = bytearray([3] + [10] * 1024 + [20] * 1024 + [30] * 1024)
    r0[1] = 200
    r0[1 + 2048 + 31 * 32 + 31] = 255
    r1 = bytearray([9] + [k % 256 for k in range(3072)])
    return bytes(r0 + r1)


c = cifar01()
put("cifar10", "cifar01", c)
put("cifar10", "one_record", c[:3073])
put("cifar10", "truncated_6145", c[:-1])
put("cifar10", "label_10", c[:3073] + bytes([10]) + c[3074:])
put("cifar10", "empty", b"")


# ---- safetensors: 8-byte little-endian header length, JSON header, data.
def st(header, data, length=None):
    h = header.encode() if isinstance(header, str) else header
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def f32(*v):
    return struct.pack(f"<{len(v)}f", *v)


w = '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}'
valid = st(w, f32(1, 2, 3, 4))
assert len(valid) == 81
put("safetensors", "st01_valid", valid)
put("safetensors", "st01_a", b"\xff" * 8 + valid[8:])
put("safetensors", "st01_b", st(w, f32(1, 2, 3, 4), length=58))
put("safetensors", "st01_c", valid[:80])
put("safetensors", "st01_d", st('{"t":{"dtype":"F32","shape":[1000,1000],"data_offsets":[0,4]}}', f32(1)))
put("safetensors", "st01_e", st(w.replace("[0,16]", "[16,0]"), f32(1, 2, 3, 4)))
put("safetensors", "st01_f", st(w.replace("F32", "F16"), f32(1, 2, 3, 4)))
put("safetensors", "st01_g", valid[:5])
tiny = {  # the fuzz target's network: Dense 3->2, stReLU, Dense 2->2
    "0.weight": ([2, 3], f32(1, 2, 3, 4, 5, 6)),
    "0.bias": ([2], f32(0.5, -0.5)),
    "2.weight": ([2, 2], f32(1, 2, 3, 4)),
    "2.bias": ([2], f32(0.25, -0.25)),
}
hdr, data = {}, b""
for name, (shape, blob) in tiny.items():
    hdr[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
    data += blob
hdr["__metadata__"] = {"format": "pt"}
put("safetensors", "tiny_net", st(json.dumps(hdr, separators=(",", ":")), data))
hdr["1.num_batches_tracked"] = {"dtype": "I64", "shape": [], "data_offsets": [len(data), len(data) + 8]}
put("safetensors", "tiny_net_nbt", st(json.dumps(hdr), data + bytes(8)))
put("safetensors", "empty_header", st("{}", b""))
put("safetensors", "padded_header", st("{}      ", b""))
put("safetensors", "nul_in_header", st('{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}\x00', f32(1)))
# Findings of earlier runs (kept as seeds so every run replays them first).
put("safetensors", "finding_empty_name", st('{"":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32(1, 2)))
for d in corpora.values():
    print(f"{d}: {len(os.listdir(d))} seeds")
