#!/usr/bin/env bash
# Runs `pnpm bench` from the pack that pack.sh wrote to .device/, on a machine that has no node,
# no network and maybe no Vulkan loader (the lent GPU machine). Arguments go to the bench; with
# none it measures the GPU rows of issue 9, the open one (VGG16 features, tuned) first:
#   bash tooling/bench/device/run.sh            # = --gpu-only vgg16-features mnist-convnet-fit webgpu-dispatches webgpu-conv2d
#   bash tooling/bench/device/run.sh conv2d-forward
# The log is written to $OUT/bench.log when $OUT is set (the device tool brings it back).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
pack="$root/.device"
dest=${CONVKIT_DEVICE_DIR:-/tmp/convkit-device}
for f in node.xz app.tar.xz; do
  [ -f "$pack/$f" ] || { echo "run: $pack/$f is missing: run tooling/bench/device/pack.sh first and carry .device" >&2; exit 2; }
done

mkdir -p "$dest"
xz -dc "$pack/node.xz" >"$dest/node"
chmod +x "$dest/node"
rm -rf "$dest/app"
tar -C "$dest" -xJf "$pack/app.tar.xz"

# Dawn needs the Vulkan loader; unpack Debian's where the machine has none (needs root).
if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  for deb in "$pack"/gl/*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then export VK_DRIVER_FILES="$nvidia_icd"; fi
# The PyTorch reference: the python3 on PATH (the GPU machine's has torch with CUDA).
export CONVKIT_BENCH_PYTHON=${CONVKIT_BENCH_PYTHON:-$(command -v python3 || echo /usr/bin/python3)}

[ $# -gt 0 ] || set -- --gpu-only vgg16-features mnist-convnet-fit webgpu-dispatches webgpu-conv2d
log=${OUT:-$dest}/bench.log
echo "run: node $("$dest/node" --version), python ${CONVKIT_BENCH_PYTHON}, VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
command -v nvidia-smi >/dev/null && nvidia-smi -L
cd "$dest/app"
"$dest/node" bench.js "$@" 2>&1 | tee "$log"
