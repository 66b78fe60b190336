#!/usr/bin/env bash
# Packs what `pnpm bench` needs on a bare GPU machine (no node, no network, no npm) into
# .device/ at the repository root, which .gitignore ignores: name it in the device tool's
# `carry`, then run tooling/bench/device/run.sh there (see tooling/bench/README.md).
#   .device/node.xz        this machine's node binary, xz-compressed
#   .device/app.tar.xz     the bench as an ESM bundle, tfjs's wasm files, and the packages with
#                          native parts it loads at run time (sharp, webgpu's dawn.node)
#   .device/gl/*.deb       the Vulkan loader and GL dispatch libraries (Debian's), for Dawn
# Run from anywhere in the repository after `pnpm install`; it builds the packages first.
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out="$root/.device"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app="$work/app"
mkdir -p "$app/node_modules" "$out"

echo "pack: building the packages"
(cd "$root" && pnpm build >/dev/null)

echo "pack: bundling the bench"
# tfjs-backend-wasm's emscripten code reads __dirname and require: give the ESM bundle both.
banner="import { createRequire as __ckRequire } from 'node:module';
import { fileURLToPath as __ckPath } from 'node:url';
import { dirname as __ckDirname } from 'node:path';
const require = __ckRequire(import.meta.url);
const __filename = __ckPath(import.meta.url);
const __dirname = __ckDirname(__filename);"
# Two entries: the bench, and image-augment's worker script, which flowFromDirectory loads from
# the folder of the module that starts it (here the bundle's).
(cd "$root/tooling/bench" && pnpm exec esbuild bench=src/main.ts \
  augment-worker=../../packages/image-augment/src/node/augment-worker.ts --bundle --platform=node \
  --format=esm --target=node20 --external:webgpu --external:sharp --external:esbuild \
  --external:playwright-core --log-level=warning \
  --banner:js="$banner" --outdir="$app")
echo '{ "type": "module" }' >"$app/package.json"

# Copies package $1 (as resolved from workspace folder $2) with the packages it depends on,
# dereferenced from pnpm's store into a flat node_modules, as npm would lay them out.
copy_with_deps() {
  local dir
  dir=$(realpath "$root/$2/node_modules/$1")
  local store=${dir%/node_modules/*}/node_modules p name
  for p in "$store"/* "$store"/@*/*; do
    name=${p#"$store"/}
    case $name in @types/*) continue ;; @*/*) ;; @*) continue ;; esac
    [ -e "$app/node_modules/$name" ] && continue
    mkdir -p "$app/node_modules/$(dirname "$name")"
    cp -rL "$p" "$app/node_modules/$name"
  done
}
copy_with_deps sharp packages/image-io
copy_with_deps webgpu packages/tensor
# Keep only linux-x64's dawn.node (the device machine is x86-64 Linux).
find "$app/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +

# The single-threaded wasm builds load from the bundle's folder; the threaded one is resolved as
# @tensorflow/tfjs-backend-wasm/wasm-out/... (wasm-threads.ts).
wasm=$(realpath "$root/packages/tensor/node_modules/@tensorflow/tfjs-backend-wasm")
cp "$wasm"/dist/*.wasm "$app/"
mkdir -p "$app/node_modules/@tensorflow/tfjs-backend-wasm"
cp -r "$wasm/package.json" "$wasm/wasm-out" "$app/node_modules/@tensorflow/tfjs-backend-wasm/"

echo "pack: checking that the bundle starts from the pack alone"
(cd "$app" && env -i PATH=/usr/bin:/bin "$(command -v node)" bench.js --list >/dev/null)
(cd "$app" && node --input-type=module -e "await import('sharp'); await import('webgpu');")

echo "pack: compressing"
tar -C "$work" -cJf "$out/app.tar.xz" app
xz -T0 -6 -c "$(command -v node)" >"$out/node.xz"

if [ ! -d "$out/gl" ] || [ -z "$(ls "$out/gl" 2>/dev/null)" ]; then
  echo "pack: downloading the Vulkan loader (Debian packages, amd64)"
  mkdir -p "$out/gl" "$work/apt/partial"
  apt_opts=(-oAPT::Sandbox::User=root -oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$work/apt")
  apt-get "${apt_opts[@]}" update >/dev/null
  (cd "$out/gl" && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
fi
du -sh "$out"/* | sed 's/^/pack: /'
