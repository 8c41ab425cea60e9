#!/usr/bin/env bash
# Installs bubblewrap (`bwrap`), the sandbox every rig command runs in, and checks that it can start a sandbox here.
#
# Usage: runner-setup/install-bubblewrap.sh [--check]
#   --check: install nothing; only say whether bwrap works on this machine (exit 0 yes, 1 no).
# Without bwrap, gth refuses to run rig code (tests, godot) unless gastown.yml says `sandbox: none`,
# which must never be set on a machine that holds keys (see "Security model" in README.md).
set -euo pipefail

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
  "") ;;
  *) echo "install-bubblewrap: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

if ! command -v bwrap >/dev/null; then
  if $check_only; then echo "install-bubblewrap: bwrap is not installed" >&2; exit 1; fi
  sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq bubblewrap >/dev/null
fi

# The same isolation gth asks for: new namespaces (network included), read-only /usr, nothing else.
args=(--unshare-all --die-with-parent --new-session --ro-bind /usr /usr --proc /proc --dev /dev --tmpfs /tmp)
for d in /bin /sbin /lib /lib64; do
  if [[ -L "$d" ]]; then args+=(--symlink "$(readlink "$d")" "$d"); elif [[ -d "$d" ]]; then args+=(--ro-bind "$d" "$d"); fi
done
if out="$(bwrap "${args[@]}" -- /bin/sh -c 'echo sandbox-ok' 2>&1)" && [[ "$out" == sandbox-ok ]]; then
  echo "install-bubblewrap: $(bwrap --version) works here"
  exit 0
fi
echo "install-bubblewrap: bwrap is installed but cannot start a sandbox: $out" >&2
if [[ "$(sysctl -n kernel.apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" == 1 ]]; then
  echo "install-bubblewrap: AppArmor restricts user namespaces (Ubuntu 24.04); install the apparmor profile for bwrap" >&2
  echo "  (apt install apparmor-profiles; /etc/apparmor.d/bwrap-userns-restrict) or see https://ubuntu.com/blog/ubuntu-23-10-restricted-unprivileged-user-namespaces" >&2
fi
exit 1
