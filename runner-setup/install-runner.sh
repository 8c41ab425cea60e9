#!/usr/bin/env bash
# Registers this machine as a GitHub Actions self-hosted runner (actions/runner) and installs it as a systemd service.
#
# Usage: runner-setup/install-runner.sh --url https://github.com/OWNER/REPO --token REGISTRATION_TOKEN \
#          --labels gpu|cpu|gpu,cpu [--name NAME] [--dir ~/actions-runner] [--version 2.x.y] [--sha256 HASH]
#   The registration token comes from the repo: Settings > Actions > Runners > New self-hosted runner.
#   --sha256: the tarball's checksum from the release page (https://github.com/actions/runner/releases);
#   without it the script prints the computed hash and stops, so you compare it before anything runs.
# One runner per graphics card carries the `gpu` label: a runner runs one job at a time, which is what keeps
# GPU jobs from sharing a card. Extra runners for CPU-only roles get `cpu`.
set -euo pipefail

url="" token="" labels="" name="$(hostname)" dir="$HOME/actions-runner" version="${RUNNER_VERSION:-2.321.0}" sha=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --labels) labels="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --sha256) sha="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-runner: unknown argument $1" >&2; exit 2 ;;
  esac
done

missing=()
[[ -n "$url" ]] || missing+=(--url)
[[ -n "$token" ]] || missing+=(--token)
[[ -n "$labels" ]] || missing+=(--labels)
if [[ ${#missing[@]} -gt 0 ]]; then echo "install-runner: missing ${missing[*]} (see --help)" >&2; exit 2; fi
IFS=',' read -r -a label_list <<< "$labels"
for l in "${label_list[@]}"; do
  [[ "$l" == gpu || "$l" == cpu ]] || { echo "install-runner: --labels takes gpu and/or cpu, got '$l'" >&2; exit 2; }
done
if [[ ",$labels," == *,gpu,* ]] && ! nvidia-smi -L >/dev/null 2>&1; then
  echo "install-runner: --labels gpu but nvidia-smi sees no GPU; install the driver first (README step 1)" >&2
  exit 1
fi

tarball="actions-runner-linux-x64-$version.tar.gz"
mkdir -p "$dir"
cd "$dir"
if [[ ! -f "$tarball" ]]; then
  curl -fL --retry 3 -o "$tarball.part" "https://github.com/actions/runner/releases/download/v$version/$tarball"
  mv "$tarball.part" "$tarball"
fi
actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [[ -z "$sha" ]]; then
  echo "install-runner: $tarball sha256 is $actual"
  echo "Compare it with the release page, then run again with --sha256 $actual" >&2
  exit 1
fi
if [[ "$actual" != "$sha" ]]; then
  rm -f "$tarball"
  echo "install-runner: sha256 mismatch (got $actual, expected $sha); the download was deleted" >&2
  exit 1
fi
tar xzf "$tarball"

./config.sh --unattended --replace --url "$url" --token "$token" --name "$name" \
  --labels "$labels" --work _work
# svc.sh writes actions.runner.<owner>-<repo>.<name>.service, running as this user (gth doctor looks for it).
sudo ./svc.sh install "$USER"
sudo ./svc.sh start
sudo ./svc.sh status --no-pager || true
echo "runner $name registered with labels self-hosted,linux,$labels"
