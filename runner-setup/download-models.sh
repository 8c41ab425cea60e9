#!/usr/bin/env bash
# Downloads the catalog's GGUF files into the models dir and records each one's sha256 only after it checked out.
#
# Usage: runner-setup/download-models.sh [--catalog FILE] [--models-dir DIR] [MODEL_NAME ...]
#   No names: every model in the catalog. Names are the catalog's `name:` values.
#
# Where each model comes from (first that applies):
#   url     the entry's `url:` field if the catalog has one, else
#           $HF_ENDPOINT/<repo>/resolve/main/<file>, <repo> being the GGUF repository named last in `source:`
#           ("...; bartowski/Qwen2.5-Coder-7B-Instruct-GGUF (4.68 GB)").
#   sha256  runner-setup/models.sha256 or $GTH_MODEL_PINS (sha256sum format, pins you add yourself), else the entry's `sha256:` field,
#           else the LFS object id Hugging Face publishes for the file ($HF_ENDPOINT/api/models/<repo>/tree/main).
# A verified file is listed in <models-dir>/SHA256SUMS, which `gth doctor` checks. A file that does not match is
# deleted and the script exits 1. Env: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (gated repos).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/.." && pwd)"
catalog="$repo_root/config/catalog.yml"
models_dir="$repo_root/models"
pins="${GTH_MODEL_PINS:-$here/models.sha256}"
hf="${HF_ENDPOINT:-https://huggingface.co}"
hf="${hf%/}"
names=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --catalog) catalog="$(realpath "$2")"; shift 2 ;;
    --models-dir) models_dir="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "download-models: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done

for tool in node curl sha256sum; do
  command -v "$tool" >/dev/null || { echo "download-models: '$tool' is required but not on PATH" >&2; exit 1; }
done
[[ -f "$catalog" ]] || { echo "download-models: catalog not found: $catalog" >&2; exit 1; }
mkdir -p "$models_dir"

auth=()
if [[ -n "${HF_TOKEN:-}" ]]; then auth=(-H "Authorization: Bearer $HF_TOKEN"); fi

# name <TAB> file <TAB> repo <TAB> url <TAB> sha256 -- one line per selected model (js-yaml from this repo's node_modules).
list="$(cd "$repo_root" && node --input-type=module - "$catalog" "${names[@]}" <<'JS'
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
const [file, ...wanted] = process.argv.slice(2);
const doc = yaml.load(readFileSync(file, 'utf8'));
const entries = Array.isArray(doc) ? doc : (doc.catalog ?? doc.models ?? []);
const unknown = wanted.filter((w) => !entries.some((e) => e.name === w));
if (unknown.length) { console.error(`download-models: not in ${file}: ${unknown.join(', ')}`); process.exit(2); }
for (const e of entries) {
  if (wanted.length && !wanted.includes(e.name)) continue;
  const repo = /([\w.-]+\/[\w.-]+)\s*(\([^)]*\))?\s*$/.exec(String(e.source ?? '').split(';').at(-1).trim())?.[1] ?? '';
  if (!e.file || (!repo && !e.url)) { console.error(`download-models: ${e.name}: needs file and a url or a GGUF repo in source`); process.exit(1); }
  console.log([e.name, e.file, repo, e.url ?? '', e.sha256 ?? ''].join('\t'));
}
JS
)"

record() { # file sha: rewrite SHA256SUMS atomically with this file's line replaced
  local file="$1" sha="$2" sums="$models_dir/SHA256SUMS" tmp
  tmp="$(mktemp "$models_dir/.SHA256SUMS.XXXXXX")"
  if [[ -f "$sums" ]]; then awk -v f="$file" '{ n = $0; sub(/^[0-9a-fA-F]+ +\*?/, "", n); if (n != f) print }' "$sums" > "$tmp"; fi
  printf '%s  %s\n' "$sha" "$file" >> "$tmp"
  mv "$tmp" "$sums"
}

expected_sha() { # name file repo sha_from_catalog
  local file="$2" repo="$3" from_catalog="$4" pinned
  if [[ -f "$pins" ]]; then
    pinned="$(awk -v f="$file" '{ n = $2; sub(/^\*/, "", n); if (n == f) print tolower($1) }' "$pins" | head -n1)"
    if [[ -n "$pinned" ]]; then echo "$pinned"; return; fi
  fi
  if [[ -n "$from_catalog" ]]; then echo "$from_catalog"; return; fi
  [[ -n "$repo" ]] || return 0
  curl -fsSL "${auth[@]}" "$hf/api/models/$repo/tree/main" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const f=JSON.parse(s).find(x=>x.path===process.argv[1]);if(f&&f.lfs&&f.lfs.oid)console.log(f.lfs.oid)})' "$file"
}

failed=0
while IFS=$'\t' read -r name file repo url sha_cat; do
  [[ -n "$name" ]] || continue
  dest="$models_dir/$file"
  expected="$(expected_sha "$name" "$file" "$repo" "$sha_cat" || true)"
  if [[ ! "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    echo "download-models: $name: no sha256 known for $file (add a line to $pins)" >&2
    failed=1
    continue
  fi
  if [[ -f "$dest" ]] && [[ "$(sha256sum "$dest" | cut -d' ' -f1)" == "$expected" ]]; then
    echo "ok        $name ($file already present)"
    record "$file" "$expected"
    continue
  fi
  [[ -n "$url" ]] || url="$hf/$repo/resolve/main/$file"
  echo "download  $name <- $url"
  # Resumable: a .part file left by an interrupted run is continued, not restarted.
  if ! curl -fL --retry 3 -C - "${auth[@]}" --progress-bar -o "$dest.part" "$url"; then
    echo "download-models: $name: download failed" >&2
    failed=1
    continue
  fi
  actual="$(sha256sum "$dest.part" | cut -d' ' -f1)"
  if [[ "$actual" != "$expected" ]]; then
    echo "download-models: $name: sha256 mismatch for $file (got $actual, expected $expected); deleted" >&2
    rm -f "$dest.part"
    failed=1
    continue
  fi
  mv "$dest.part" "$dest"
  record "$file" "$actual"
  echo "ok        $name (sha256 verified)"
done <<< "$list"

exit "$failed"
