#!/usr/bin/env bash
# Installs, from Debian, the host tools the sample services and the real node
# need when the machine lacks them: a JDK with javac, jar and jlink (the Java
# service and its runtime), runc (to run the built images as the pod spec runs
# them), containerd, the CNI plugins and iptables (the real node's runtime,
# pod network and Services); with the argument `browser`, Chromium too (the
# browser the end-to-end tests open the demo page in, headless; the demo
# itself does not need it). Needs root and apt; does nothing when all are there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

declare -A package_of=(
  [javac]=openjdk-17-jdk-headless
  [jar]=openjdk-17-jdk-headless
  [jlink]=openjdk-17-jdk-headless
  [runc]=runc
  [containerd]=containerd
  [ctr]=containerd
  [iptables]=iptables
  [$CNI_BIN_DIR/bridge]=containernetworking-plugins
)
[[ "${1:-}" == browser ]] && package_of[chromium]=chromium
missing=()
for tool in "${!package_of[@]}"; do
  if [[ "$tool" == /* ]]; then [[ -x "$tool" ]] && continue; else command -v "$tool" >/dev/null && continue; fi
  missing+=("${package_of[$tool]}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
[[ $(id -u) -eq 0 ]] || die "missing $packages: install them (apt-get install $packages) or run as root"
command -v apt-get >/dev/null || die "missing $packages and no apt-get to install them"
log "installing $packages from Debian"
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
