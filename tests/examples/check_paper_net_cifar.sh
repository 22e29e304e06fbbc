#!/usr/bin/env bash
# paper_net on CIFAR-10 as a user meets it: CIFAR-only and conflicting options fail before
# anything is loaded; a short run of the narrow Net5 (augmented, checkpointed) trains,
# converts and simulates; rerunning the same command resumes from the finished checkpoint
# (no epoch trained again) and gives the same ANN accuracy.
#
#   check_paper_net_cifar.sh PAPER_NET_BINARY CIFAR10_DIR
set -uo pipefail
bin=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/cli_helpers.sh"

# 1. Checked before any data is loaded (the data folder does not even exist here).
expect_error "--shift 2" --net net5narrow --shift 2 --data-dir "$tmp/none" --out-dir "$tmp/o"
printf 'x' > "$tmp/w.safetensors"
expect_error "--checkpoint and --weights-in" --net net5narrow --checkpoint "$tmp/c.ckpt" \
  --weights-in "$tmp/w.safetensors" --data-dir "$tmp/none" --out-dir "$tmp/o"
expect_error "--activation" --net net5narrow --activation trelu --data-dir "$tmp/none"
expect_error "is not a directory" --net net5narrow --data-dir "$tmp/none" --out-dir "$tmp/o"

# 2. A short real run (needs CIFAR-10).
if [ ! -f "$data/test_batch.bin" ]; then
  echo "CIFAR-10 not in $data: real-run checks skipped (run scripts/setup.sh)"; exit 0
fi
expect_error "the training set has only 50000 images" --net net5narrow --validation 50000 --data-dir "$data" \
  --out-dir "$tmp/o"
args=(--net net5narrow --data-dir "$data" --out-dir "$tmp/out" --epochs 2 --train-limit 512 --test-limit 200 -T 3
      --analysis-samples 20 --checkpoint "$tmp/ckpt/net5narrow.ckpt")
"$bin" "${args[@]}" > "$tmp/run1.txt" 2>&1 || fail "short run failed: $(tail -5 "$tmp/run1.txt")"
grep -q "augmentation while training: 4-pixel padding" "$tmp/run1.txt" || fail "no augmentation: $(head -8 "$tmp/run1.txt")"
[ "$(grep -c '^epoch ' "$tmp/run1.txt")" = 2 ] || fail "expected 2 epochs: $(grep '^epoch' "$tmp/run1.txt")"
[ -f "$tmp/ckpt/net5narrow.ckpt" ] || fail "no checkpoint written"
csv="$tmp/out/snn_accuracy_per_step.csv"
[ "$(cut -d, -f1,2 "$csv" | tail -n +2 | tr '\n' ' ')" = "paper,1 paper,2 paper,3 " ] ||
  fail "CSV rows: $(cat "$csv")"
# Seven neuron layers (six conv blocks and the hidden dense layer) at three steps.
[ "$(tail -n +2 "$tmp/out/sops_per_layer.csv" | wc -l)" = 21 ] || fail "sops_per_layer.csv: $(cat "$tmp/out/sops_per_layer.csv")"
acc1=$(grep '^ANN test accuracy' "$tmp/run1.txt")
"$bin" "${args[@]}" > "$tmp/run2.txt" 2>&1 || fail "resumed run failed: $(tail -5 "$tmp/run2.txt")"
[ "$(grep -c '^epoch ' "$tmp/run2.txt")" = 0 ] || fail "the finished checkpoint was trained again: $(grep '^epoch' "$tmp/run2.txt")"
acc2=$(grep '^ANN test accuracy' "$tmp/run2.txt")
[ "$acc1" = "$acc2" ] || fail "resumed from the checkpoint: '$acc2', the run that wrote it: '$acc1'"
echo "ok: CIFAR options, short augmented run, resume from the checkpoint ($acc1)"
