#!/usr/bin/env bash
# Regenerates the PyTorch fixture with tools/make_torch_fixture.py into a temporary folder,
# checks it against the committed one (same tensors and shapes, the same NumPy-made inputs)
# and runs the fixture test case on the new files: C++ loads this machine's PyTorch
# weights and must reproduce this machine's PyTorch logits. The trained weights themselves
# are not compared with the committed ones beyond a report: PyTorch's training rounds
# differently on another CPU (its BLAS picks other kernels). Most tensors then agree to
# 1e-7, but the convolution's bias, which BatchNorm follows, has a gradient that is zero
# up to rounding, so it (and the running mean that tracks it) drifts with that rounding:
# 0.017 between an Intel Xeon and an AMD EPYC, moving the logits by 0.01.
#
#   check_torch_fixture.sh DUALSPIKE_TESTS_BINARY SOURCE_DIR
# Exit 77 (CTest: skipped) when Debian's python3-torch is not installed.
set -uo pipefail
tests=$1 src=$2
py=/usr/bin/python3
if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
  echo "python3-torch is not installed (apt install python3-torch): regenerated-fixture check skipped"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" "$src/tools/make_torch_fixture.py" --out-dir "$tmp" || { echo "FAIL: make_torch_fixture.py"; exit 1; }
PYTHONPATH="$src/tools" "$py" - "$src/tests/fixtures" "$tmp" <<'PY' || exit 1
import sys
import numpy as np
from dualspike_torch import read_safetensors
committed, fresh = sys.argv[1], sys.argv[2]
for name in ("torch_small.safetensors", "torch_small_io.safetensors"):
    a, b = read_safetensors(f"{committed}/{name}"), read_safetensors(f"{fresh}/{name}")
    if sorted(a) != sorted(b):
        sys.exit(f"FAIL: {name}: tensors {sorted(b)} regenerated, {sorted(a)} committed")
    for k in a:
        if a[k].shape != b[k].shape:
            sys.exit(f"FAIL: {name}: '{k}' has shape {b[k].shape}, committed {a[k].shape}")
        diff = float(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)).max()) if a[k].size else 0.0
        if name == "torch_small_io.safetensors" and k == "inputs":
            if diff != 0.0:  # made by NumPy from a seed: the same bits everywhere
                sys.exit(f"FAIL: {name}: the inputs differ from the committed ones by up to {diff}")
        else:
            print(f"{name}: '{k}' differs by up to {diff:.3g} from the committed fixture (training rounding)")
print("regenerated fixture has the committed tensors, shapes and inputs")
PY
DUALSPIKE_TORCH_FIXTURE_DIR="$tmp" "$tests" --test-case='PyTorch fixture*'
