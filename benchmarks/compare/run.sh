#!/usr/bin/env bash
# dualspike vs PyTorch in one run, same machine, same thread count (docs/benchmarks.md):
# STREAM-like triad, IF step, Net1 training epoch, Net1 ANN/SNN inference on the MNIST test
# set with the same weights, batch-1 streaming; then the convolutional networks (Net2 on
# MNIST at T = 11, Net4 on Fashion-MNIST at T = 79, the paper's latencies): one training
# epoch, ANN and SNN inference of the 10k test images, same weights on both sides, and the
# SNN at the smallest T within 0.1 points of the ANN; with --net5narrow also the narrow
# Net5 on CIFAR-10 at T = 79 (10,000 training, 1,000 test images). Prints every
# figure and the ratios of issues 4 and 16; writes out/compare/{dualspike,torch,results}.json,
# results.csv and .md, net{1,2,4}.safetensors and net{2,4}_{dualspike,torch}.json (and
# net5narrow.*).
#
#   bash benchmarks/compare/run.sh [--quick] [--threads N] [--weights FILE | --train-weights]
#                                  [--net2-weights FILE] [--net4-weights FILE] [--no-conv]
#                                  [--net5narrow | --net5narrow-weights FILE] [--wait-quiet]
#
#   --quick          small sizes: shows that everything works; figures not meaningful
#   --threads        threads of the batched cases (default 2); streaming always uses 1
#   --weights        Net1 weights for the inference cases (safetensors, PyTorch state_dict
#                    names); default: the main job's out/net1_mnist/ann.safetensors if
#                    `bash scripts/main.sh` has run, else trained here for one epoch
#   --train-weights  train them here (1 epoch, Adam 3e-3) even if the main job's exist
#   --net2-weights, --net4-weights
#                    weights of the convolutional networks (e.g. paper_net's ann.safetensors);
#                    default: the network trained by the timed epoch (1 epoch, Adam 1e-3)
#   --no-conv        Net1 only
#   --net5narrow     add the narrow Net5 (CIFAR-10, T = 79): a training epoch on the first
#                    10,000 training images, ANN and SNN inference on the first 1,000 test
#                    images; weights from the timed epoch, or --net5narrow-weights FILE
#                    (e.g. paper_net --net net5narrow's ann.safetensors, which implies it)
#   --wait-quiet     after building, wait (up to 30 min) for a 1-minute load average < 0.5
# Environment: DUALSPIKE_BENCH_BUILD_DIR (default build-bench), OUT_DIR (default out/compare).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
quick=() threads=2 weights="" train_weights=0 wait_quiet=0 conv=1 net2_weights="" net4_weights=""
net5=0 net5_weights=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --threads) threads="$2"; shift ;;
    --weights) weights=$(realpath "$2"); shift ;;
    --train-weights) train_weights=1 ;;
    --net2-weights) net2_weights=$(realpath "$2"); shift ;;
    --net4-weights) net4_weights=$(realpath "$2"); shift ;;
    --no-conv) conv=0 ;;
    --net5narrow) net5=1 ;;
    --net5narrow-weights) net5=1; net5_weights=$(realpath "$2"); shift ;;
    --wait-quiet) wait_quiet=1 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

main_job_weights="$root/out/net1_mnist/ann.safetensors"
if [ -z "$weights" ] && [ $train_weights = 0 ] && [ -f "$main_job_weights" ]; then
  weights="$main_job_weights"
fi
echo "== Net1 weights for inference: ${weights:-trained by the harness (1 epoch, Adam 3e-3)}"

# Packages (the project's, plus python3-torch, libopenblas0-openmp, python3-numpy) and data.
bash "$root/scripts/setup.sh" --compare

# Debian's PyTorch links libblas.so.3; without this it may get the reference BLAS (~4 GFLOP/s).
openblas_dir=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/openblas-openmp
[ -f "$openblas_dir/libblas.so.3" ] || { echo "run.sh: $openblas_dir/libblas.so.3 missing (libopenblas0-openmp)" >&2; exit 1; }
# Debian's python3 has Debian's torch and numpy (a python3 earlier on PATH, e.g. pyenv's, may not).
py=/usr/bin/python3
"$py" -c 'import torch, numpy' 2>/dev/null || { echo "run.sh: $py cannot import torch/numpy" >&2; exit 1; }

build="${DUALSPIKE_BENCH_BUILD_DIR:-$root/build-bench}"
out="${OUT_DIR:-$root/out/compare}"
mkdir -p "$out"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDUALSPIKE_BUILD_BENCHMARKS=ON \
      -DDUALSPIKE_BUILD_TESTS=OFF -DDUALSPIKE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target compare_dualspike compare_conv -j"$(nproc)"

if [ $wait_quiet = 1 ]; then
  for _ in $(seq 1 180); do
    awk '{exit !($1 < 0.5)}' /proc/loadavg && break
    sleep 10
  done
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load $load_before"
[ "${quick[*]}" = "" ] || echo "== quick run: reduced sizes, figures only show that everything works"

echo "== dualspike"
"$build/benchmarks/compare/compare_dualspike" --data-dir "$root/data/mnist" --threads "$threads" \
  --out "$out/dualspike.json" --weights-out "$out/net1.safetensors" ${weights:+--weights-in "$weights"} "${quick[@]}"

echo "== PyTorch"
LD_LIBRARY_PATH="$openblas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$py" "$root/benchmarks/compare/compare_torch.py" --data-dir "$root/data/mnist" --threads "$threads" \
  --weights "$out/net1.safetensors" --out "$out/torch.json" "${quick[@]}"

conv_args=()
if [ $conv = 1 ]; then
  # network, data, T, training images of the timed epoch, test images, weights
  specs=("net2 mnist 11 60000 10000 $net2_weights" "net4 fashion-mnist 79 60000 10000 $net4_weights")
  if [ $net5 = 1 ]; then specs+=("net5narrow cifar10 79 10000 1000 $net5_weights"); fi
  for spec in "${specs[@]}"; do
    read -r net data T trains tests w <<< "$spec"
    echo "== $net on $data, T = $T: dualspike"
    "$build/benchmarks/compare/compare_conv" --net "$net" --data-dir "$root/data/$data" -T "$T" --threads "$threads" \
      --train-images "$trains" --test-images "$tests" --out "$out/${net}_dualspike.json" --weights-out "$out/$net.safetensors" \
      ${w:+--weights-in "$w"} "${quick[@]}"
    echo "== $net on $data, T = $T: PyTorch"
    LD_LIBRARY_PATH="$openblas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      "$py" "$root/benchmarks/compare/compare_conv_torch.py" --net "$net" --data-dir "$root/data/$data" -T "$T" \
      --threads "$threads" --train-images "$trains" --test-images "$tests" --weights "$out/$net.safetensors" --out "$out/${net}_torch.json" \
      "${quick[@]}"
    conv_args+=(--conv "$out/${net}_dualspike.json" "$out/${net}_torch.json")
  done
fi

"$py" "$root/benchmarks/compare/compare.py" "$out/dualspike.json" "$out/torch.json" --out-dir "$out" \
  --load-before "$load_before" "${conv_args[@]}"
