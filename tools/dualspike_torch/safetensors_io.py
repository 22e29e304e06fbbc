"""safetensors read/write for float32 tensors, from the format's spec (8-byte little-endian
header length, a JSON header of {name: {dtype, shape, data_offsets}}, then the data), so
nothing beyond Debian's python3-torch and python3-numpy is needed."""
import json
import os
import struct

import numpy as np
import torch

_MAX_HEADER = 100_000_000


def write_safetensors(tensors, path, metadata=None):
    """Writes {name: array-like} as float32 to `path` (via a temporary file + rename)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f4"))
        blob = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes, as the reference writer does
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def read_safetensors(path):
    """{name: float32 numpy array} of a safetensors file (F32 tensors only).
    Raises ValueError naming the file for a malformed one."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, expected at least 8 (header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(_MAX_HEADER, len(data) - 8):
        raise ValueError(f"{path}: header length {n} exceeds the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor '{name}' has dtype {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        if not 0 <= begin <= end <= len(body) or end - begin != 4 * count:
            raise ValueError(f"{path}: tensor '{name}' has offsets {begin}..{end} for shape {info['shape']}")
        out[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(info["shape"]).copy()
    return out


def save_state_dict(model, path):
    """Exports `model.state_dict()` (parameters and BatchNorm running statistics; the
    integer `num_batches_tracked` counters, which dualspike does not keep, are left out)."""
    tensors = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()
               if not k.endswith("num_batches_tracked")}
    write_safetensors(tensors, path)


def load_state_dict_file(model, path):
    """Loads a safetensors file written by dualspike (`ds::save_safetensors`) or by
    save_state_dict into `model`; every tensor must match (strict), else RuntimeError."""
    tensors = {k: torch.from_numpy(v) for k, v in read_safetensors(path).items()}
    missing = [k for k in model.state_dict() if k not in tensors and not k.endswith("num_batches_tracked")]
    extra = [k for k in tensors if k not in model.state_dict()]
    if missing or extra:
        raise RuntimeError(f"{path}: missing tensors {missing}, unexpected tensors {extra}")
    model.load_state_dict(tensors, strict=False)
    return model
