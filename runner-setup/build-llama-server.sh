#!/usr/bin/env bash
# Builds llama-server from a pinned llama.cpp source into a cache folder; does nothing when already built.
#
# Source: the llama.cpp git bundle shipped inside the npm package node-llama-cpp (pinned version),
# because CI and the owner's PC may not reach github.com but always reach the npm registry.
# CUDA (sm_86, RTX 3080) when nvcc and an NVIDIA GPU are present, CPU-only otherwise.
#
# Env:  GTH_LLAMA_PIN     node-llama-cpp version that carries the source (default 3.21.1)
#       GTH_LLAMA_CACHE   cache root (default ~/.cache/gastown-hybrid/llama.cpp)
#       GTH_LLAMA_JOBS    parallel build jobs (default 2)
#       GTH_LLAMA_CUDA    force "on" or "off" (default: auto-detect)
# Quiet on success (build output goes to <cache>/<pin>/build.log); on failure prints the log's tail.
# `build-llama-server.sh --path` only prints where the binary is (or will be) and builds nothing.
set -euo pipefail

PIN="${GTH_LLAMA_PIN:-3.21.1}"
ROOT="${GTH_LLAMA_CACHE:-$HOME/.cache/gastown-hybrid/llama.cpp}"
DEST="$ROOT/$PIN"
JOBS="${GTH_LLAMA_JOBS:-2}"
BIN="$DEST/bin/llama-server"

if [[ "${1:-}" == "--path" ]]; then
  echo "$BIN"
  exit 0
fi
QUANT="$DEST/bin/llama-quantize"
if [[ -x "$BIN" && -x "$QUANT" && -f "$DEST/.complete" ]]; then
  exit 0
fi

for tool in npm git cmake tar; do
  command -v "$tool" >/dev/null || { echo "build-llama-server: '$tool' is required but not on PATH" >&2; exit 1; }
done

mkdir -p "$DEST"
LOG="$DEST/build.log"
: >"$LOG"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gth-llama-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

fail() {
  echo "build-llama-server: $1 (log: $LOG)" >&2
  tail -n 30 "$LOG" >&2 || true
  exit 1
}

# 1. Fetch the pinned source bundle without touching the project's package.json.
(cd "$WORK" && npm pack "node-llama-cpp@$PIN" --silent) >>"$LOG" 2>&1 || fail "npm pack node-llama-cpp@$PIN failed"
tar -xzf "$WORK"/node-llama-cpp-*.tgz -C "$WORK" package/llama/gitRelease.bundle >>"$LOG" 2>&1 \
  || fail "node-llama-cpp@$PIN has no llama/gitRelease.bundle"

# 2. Clone it (a fresh clone each time a build is needed; the source stays for the vocab GGUFs).
rm -rf "$DEST/src" "$DEST/build"
git clone --quiet "$WORK/package/llama/gitRelease.bundle" "$DEST/src" >>"$LOG" 2>&1 || fail "git clone of the bundle failed"

# 3. Configure: static binary so it runs from the cache without LD_LIBRARY_PATH.
CUDA_FLAGS=(-DGGML_CUDA=OFF)
want_cuda="${GTH_LLAMA_CUDA:-auto}"
if [[ "$want_cuda" == "on" ]] || { [[ "$want_cuda" == "auto" ]] && command -v nvcc >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
  CUDA_FLAGS=(-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=86)
fi
cmake -S "$DEST/src" -B "$DEST/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE=OFF \
  -DBUILD_SHARED_LIBS=OFF "${CUDA_FLAGS[@]}" >>"$LOG" 2>&1 || fail "cmake configure failed"

# 4. Build only the server, and llama-quantize (gth calibrate quantizes its synthetic GGUFs with the same build).
cmake --build "$DEST/build" --target llama-server llama-quantize -j "$JOBS" >>"$LOG" 2>&1 \
  || fail "cmake build of llama-server/llama-quantize failed"

mkdir -p "$DEST/bin"
cp "$DEST/build/bin/llama-server" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
cp "$DEST/build/bin/llama-quantize" "$QUANT.tmp" && mv "$QUANT.tmp" "$QUANT"
printf '%s\n' "node-llama-cpp@$PIN ${CUDA_FLAGS[*]}" >"$DEST/.complete"
