#!/usr/bin/env bash
# Regenerates docs/results.md's generated tables, its data (docs/data/) and its figures
# (docs/figures/) from the example programs' runs. Trained weights are cached in
# out/results/<run>/ann.safetensors: a rerun loads them (--weights-in) and only converts,
# simulates and analyses (about half an hour on 2 cores); --retrain trains every network
# again (3-4 hours on 2 cores: the sum of the training times in docs/results.md).
# Records machine, commit, seeds and wall times in the document.
#
#   bash scripts/results.sh [--retrain] [--only RUN[,RUN...]]
#
# Runs: net1_main (the main job's recipe), net2, net3, net4 (paper_net's recipes: Table 3),
# each also with seeds 3 and 4 (<run>_s3, <run>_s4: Table 3 over three seeds); the
# activations on Net1: net1_strelu, net1_trelu, net1_atleakyrelu, net1_relu_p99.9,
# net1_relu_max (ReLU + max normalization on net1_relu_p99.9's weights); and the ablations of
# Net2 and Net4 with paper_net's short recipe (--quick): net{2,4}_strelu, net{2,4}_trelu,
# net{2,4}_atleakyrelu, net{2,4}_relu_p99.9, net{2,4}_relu_max.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
retrain=0 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --retrain) retrain=1 ;;
    --only) only=${2:?--only needs a list of runs}; shift ;;
    *) echo "results.sh: unknown option '$1' (known: --retrain, --only RUN,...)" >&2; exit 2 ;;
  esac
  shift
done

# name | program | recipe (training options; the seed is each program's default, 2, unless given)
runs=(
  "net1_main|net1_mnist|"
  "net1_main_s3|net1_mnist|--seed 3"
  "net1_main_s4|net1_mnist|--seed 4"
  "net1_strelu|net1_mnist|--activation strelu --epochs 15 --lr 3e-3 --dropout-hidden 0 --shift 0"
  "net1_trelu|net1_mnist|--activation trelu --epochs 15 --lr 3e-3 --dropout-hidden 0 --shift 0"
  "net1_atleakyrelu|net1_mnist|--activation atleakyrelu --epochs 15 --lr 3e-3 --dropout-hidden 0 --shift 0"
  "net1_relu_p99.9|net1_mnist|--activation relu-p99.9 --epochs 15 --lr 1e-3 --dropout-hidden 0 --shift 0"
  "net1_relu_max|net1_mnist|--activation relu-max --epochs 15 --lr 1e-3 --dropout-hidden 0 --shift 0"
  "net2|paper_net|--net net2"
  "net2_s3|paper_net|--net net2 --seed 3"
  "net2_s4|paper_net|--net net2 --seed 4"
  "net3|paper_net|--net net3"
  "net3_s3|paper_net|--net net3 --seed 3"
  "net3_s4|paper_net|--net net3 --seed 4"
  "net4|paper_net|--net net4"
  "net4_s3|paper_net|--net net4 --seed 3"
  "net4_s4|paper_net|--net net4 --seed 4"
  "net2_strelu|paper_net|--net net2 --quick"
  "net2_trelu|paper_net|--net net2 --quick --activation trelu"
  "net2_atleakyrelu|paper_net|--net net2 --quick --activation atleakyrelu"
  "net2_relu_p99.9|paper_net|--net net2 --quick --activation relu-p99.9 --lr 1e-3"
  "net2_relu_max|paper_net|--net net2 --quick --activation relu-max --lr 1e-3"
  "net4_strelu|paper_net|--net net4 --quick"
  "net4_trelu|paper_net|--net net4 --quick --activation trelu"
  "net4_atleakyrelu|paper_net|--net net4 --quick --activation atleakyrelu"
  "net4_relu_p99.9|paper_net|--net net4 --quick --activation relu-p99.9 --lr 1e-3"
  "net4_relu_max|paper_net|--net net4 --quick --activation relu-max --lr 1e-3"
)
# Time steps simulated per run (the paper's latencies: 3, 11, 11, 79; the ablation tables
# show T = 1, 3, 8, 32, 128).
steps() { case "$1" in net1_main*) echo 32 ;; net1_*) echo 128 ;; net3*) echo 64 ;; net2* | net4*) echo 128 ;; esac; }
known=" $(for r in "${runs[@]}"; do printf '%s ' "${r%%|*}"; done)"
if [ -n "$only" ]; then
  for n in ${only//,/ }; do
    [[ "$known" == *" $n "* ]] || { echo "results.sh: unknown run '$n' (known:$known)" >&2; exit 2; }
  done
fi

bash scripts/setup.sh --figures
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target net1_mnist paper_net

cache=out/results
mkdir -p "$cache"
for r in "${runs[@]}"; do
  IFS='|' read -r name program recipe <<<"$r"
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
  dir="$cache/$name"
  mkdir -p "$dir"
  weights="$dir/ann.safetensors"
  # ReLU + max normalization converts the ReLU + 99.9% run's ANN: the same weights.
  relu_max=0
  if [[ "$name" == *_relu_max ]]; then relu_max=1; weights="$cache/${name%_relu_max}_relu_p99.9/ann.safetensors"; fi
  args=($recipe --neuron both -T "$(steps "$name")" --out-dir "$dir")
  trained=no
  if [ $relu_max = 1 ]; then
    [ -f "$weights" ] || { echo "results.sh: $name needs $weights: run ${name%_relu_max}_relu_p99.9 first" >&2; exit 1; }
    args+=(--weights-in "$weights")
  elif [ $retrain = 0 ] && [ -f "$weights" ]; then
    args+=(--weights-in "$weights")
  else
    trained=yes
  fi
  echo "results.sh: $name: build/examples/$program ${args[*]}"
  start=$(date +%s%N)
  "build/examples/$program" "${args[@]}" > "$dir/log.tmp" 2>&1 || { tail -20 "$dir/log.tmp" >&2; exit 1; }
  wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  mv "$dir/log.tmp" "$dir/log.txt"
  # The training log stays with the cached weights (a later cached run does not train).
  [ $trained = yes ] && cp "$dir/log.txt" "$dir/train_log.txt"
  # The command a reader can rerun (without the cache), and how long this one took.
  printf '{"name": "%s", "program": "%s", "recipe": "%s", "time_steps": %s, "trained": "%s", "wall_ms": %d}\n' \
    "$name" "$program" "$recipe" "$(steps "$name")" "$trained" "$wall_ms" > "$dir/run.json"
done

/usr/bin/python3 tools/results_report.py --runs "$cache" --docs docs
