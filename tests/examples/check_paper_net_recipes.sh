#!/usr/bin/env bash
# paper_net's recipe options on the MNIST family as a user meets them: options a network
# cannot take fail before anything is loaded; --validation holds out the last training
# images and evaluates on them (the test set is not read); --quick, --weight-decay and
# --label-smoothing show in the recipe line; Net1 trains with Dropout layers when asked.
#
#   check_paper_net_recipes.sh PAPER_NET_BINARY MNIST_DIR
set -uo pipefail
bin=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/cli_helpers.sh"

# 1. Refused before any data is loaded (the data folder does not exist).
none=(--data-dir "$tmp/none" --out-dir "$tmp/o")
expect_error "no Dropout layers" --net net2 --dropout-hidden 0.3 "${none[@]}"
expect_error "--cutout 4: the CIFAR-10 networks only" --net net1 --cutout 4 "${none[@]}"
expect_error "--validation" --net net2 --validation 60000 "${none[@]}"
expect_error "--label-smoothing" --net net2 --label-smoothing 2 "${none[@]}"
expect_error "--weight-decay" --net net2 --weight-decay -1 "${none[@]}"

# 2. Short real runs (need MNIST).
if [ ! -f "$data/t10k-labels-idx1-ubyte.gz" ] && [ ! -f "$data/t10k-labels-idx1-ubyte" ]; then
  echo "MNIST not in $data: real-run checks skipped (run scripts/setup.sh)"; exit 0
fi
"$bin" --net net2 --quick --epochs 1 --train-limit 2000 --validation 1000 --weight-decay 1e-4 \
  --label-smoothing 0.1 -T 2 --analysis-samples 0 --data-dir "$data" --out-dir "$tmp/v" > "$tmp/v.txt" 2>&1 ||
  fail "validation run failed: $(tail -5 "$tmp/v.txt")"
grep -q "(2000 train, 1000 validation images)" "$tmp/v.txt" || fail "split sizes: $(grep '^data' "$tmp/v.txt")"
grep -q "the last 1000 training images (the test set is not read)" "$tmp/v.txt" || fail "no validation note"
grep -q "^ANN validation accuracy: " "$tmp/v.txt" || fail "no validation accuracy: $(cat "$tmp/v.txt")"
grep -q "L2 weight decay 0.0001, label smoothing 0.1" "$tmp/v.txt" || fail "recipe line: $(grep '^recipe' "$tmp/v.txt")"
[ "$(grep -c '^epoch ' "$tmp/v.txt")" = 1 ] || fail "expected 1 epoch"
"$bin" --net net1 --dropout-hidden 0.3 --epochs 1 --train-limit 1000 --test-limit 200 -T 2 --analysis-samples 0 \
  --data-dir "$data" --out-dir "$tmp/d" > "$tmp/d.txt" 2>&1 || fail "Net1 dropout run failed: $(tail -5 "$tmp/d.txt")"
grep -q "dropout in training" "$tmp/d.txt" || fail "Net1 did not train with Dropout layers: $(head -3 "$tmp/d.txt")"
grep -q "dropout while training: input 0.00, hidden 0.30" "$tmp/d.txt" || fail "dropout line missing"
[ -f "$tmp/d/ann.safetensors" ] || fail "Net1 dropout run wrote no weights"
echo "ok: recipe options refused where they do not apply, validation split, Net1 with dropout"
