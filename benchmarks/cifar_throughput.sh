#!/usr/bin/env bash
# SNN throughput of the full-size CIFAR-10 networks (Net5, VGG16) at the paper's latencies
# (T = 79 for Net5, 147 for Net6/VGG16; both networks at both), with briefly trained
# weights: `paper_net --net NET --epochs 1 --train-limit N` (spike activity, hence
# speed, depends on the weights; accuracy after so little training is not the point), or
# the weights of --weights-dir DIR/NET.safetensors (e.g. trained on a GPU with
# tools/dualspike_torch and exported).
#
#   bash benchmarks/cifar_throughput.sh [--images 100] [--train-limit 256] [--weights-dir DIR] [--nets net5,vgg16]
#
# Prints, per network and T, the images/s of `simulate` as paper_net reports it (conversion
# and the event path's calibration on min(1000, N) training images included). Needs the
# Release build of paper_net (build/examples) and CIFAR-10 (scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
images=100 train_limit=256 weights_dir="" nets="net5,vgg16"
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=${2:?}; shift ;;
    --train-limit) train_limit=${2:?}; shift ;;
    --weights-dir) weights_dir=${2:?}; shift ;;
    --nets) nets=${2:?}; shift ;;
    *) echo "cifar_throughput.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
bin=build/examples/paper_net
[ -x "$bin" ] || { echo "cifar_throughput.sh: $bin missing: cmake --build build --target paper_net" >&2; exit 1; }
out=out/cifar_throughput
mkdir -p "$out"
printf '| network | weights | T | test images | simulation (s) | images/s |\n|---|---|---|---|---|---|\n' > "$out/table.md"
for net in ${nets//,/ }; do
  common=(--net "$net" --test-limit "$images" --analysis-samples 0 --neuron paper --out-dir "$out/$net")
  if [ -n "$weights_dir" ]; then
    weights=(--weights-in "$weights_dir/$net.safetensors") what="$weights_dir/$net.safetensors"
  else
    # Brief training writes $out/$net/ann.safetensors; the runs below load it.
    "$bin" "${common[@]}" --epochs 1 --train-limit "$train_limit" -T 1 > "$out/$net/train.txt" 2>&1 ||
      { tail -5 "$out/$net/train.txt" >&2; exit 1; }
    weights=(--weights-in "$out/$net/ann.safetensors") what="1 epoch on $train_limit images"
  fi
  for T in 79 147; do
    log="$out/$net/T$T.txt"
    "$bin" "${common[@]}" "${weights[@]}" --train-limit "$train_limit" -T "$T" > "$log" 2>&1 || { tail -5 "$log" >&2; exit 1; }
    s=$(sed -n 's/.*simulation of [0-9]* images x [0-9]* steps took \([0-9.]*\) s.*/\1/p' "$log")
    ips=$(awk -v n="$images" -v s="$s" 'BEGIN { printf "%.1f", n / s }')
    printf '| %s | %s | %s | %s | %s | %s |\n' "$net" "$what" "$T" "$images" "$s" "$ips" | tee -a "$out/table.md"
  done
done
echo "table: $out/table.md"
