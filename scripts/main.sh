#!/usr/bin/env bash
# The main job: set up (packages, data), build, then train Net1 on MNIST, convert it to a
# dual-threshold SNN and print its accuracy per time step. Extra arguments go to the
# program (see `build/examples/net1_mnist --help`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" --target net1_mnist -j"$(nproc)"
exec "$root/build/examples/net1_mnist" --data-dir "$root/data/mnist" --out-dir "$root/out/net1_mnist" "$@"
