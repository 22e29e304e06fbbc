#!/usr/bin/env bash
# Regenerates the PyTorch fixture with tools/make_torch_fixture.py into a temporary folder,
# checks it against the committed one (same tensors and shapes; values may differ in the
# last bits between PyTorch builds) and runs the fixture test case on the new files.
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
        # Same seed and script: equal up to PyTorch/BLAS rounding on another machine.
        if not np.allclose(a[k], b[k], rtol=1e-3, atol=1e-4):
            sys.exit(f"FAIL: {name}: '{k}' differs by up to {np.abs(a[k] - b[k]).max()} from the committed fixture")
print("regenerated fixture matches the committed one")
PY
DUALSPIKE_TORCH_FIXTURE_DIR="$tmp" "$tests" --test-case='PyTorch fixture*'
