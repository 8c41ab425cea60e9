#!/usr/bin/env bash
# Installs the systemd units for the app (gth serve), the runtime, and with --dev the smee-client forwarder.
#
# Usage: sudo runner-setup/install-services.sh --user USER [--repo /path/to/gastown-hybrid] [--dev]
# Needs: the repo built (npm ci && npm run build) and /etc/gastown-hybrid/app.env written (README step 5).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
user="" dev=0 unit_dir="${SYSTEMD_UNIT_DIR:-/etc/systemd/system}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --user) user="$2"; shift 2 ;;
    --repo) repo="$(realpath "$2")"; shift 2 ;;
    --dev) dev=1; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "install-services: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n "$user" ]] || { echo "install-services: --user is required (the account that owns the repo and models)" >&2; exit 2; }
node="$(command -v node)" || { echo "install-services: node is not on PATH" >&2; exit 1; }
npx="$(command -v npx)" || { echo "install-services: npx is not on PATH" >&2; exit 1; }
[[ -f "$repo/dist/cli/main.js" ]] || { echo "install-services: $repo/dist/cli/main.js missing; run npm ci && npm run build" >&2; exit 1; }

units=(gth-app gth-runtime)
[[ "$dev" == 1 ]] && units+=(gth-smee)
for u in "${units[@]}"; do
  sed -e "s|@USER@|$user|g" -e "s|@REPO@|$repo|g" -e "s|@NODE@|$node|g" -e "s|@NPX@|$npx|g" \
    "$here/systemd/$u.service" > "$unit_dir/$u.service.tmp"
  mv "$unit_dir/$u.service.tmp" "$unit_dir/$u.service"
  echo "installed $unit_dir/$u.service"
done
if [[ -z "${SYSTEMD_UNIT_DIR:-}" ]]; then
  systemctl daemon-reload
  for u in "${units[@]}"; do systemctl enable --now "$u.service"; done
  systemctl --no-pager status "${units[@]/%/.service}" || true
fi
