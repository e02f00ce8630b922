#!/usr/bin/env bash
# Installs, from Debian, the host tools the sample services' tests and images
# need when the machine lacks them: a JDK with javac, jar and jlink (the Java
# service and its runtime), and runc (to run the built images as the pod spec
# runs them). Needs root and apt; does nothing when all are there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

declare -A package_of=(
  [javac]=openjdk-17-jdk-headless
  [jar]=openjdk-17-jdk-headless
  [jlink]=openjdk-17-jdk-headless
  [runc]=runc
)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null || missing+=("${package_of[$tool]}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
[[ $(id -u) -eq 0 ]] || die "missing $packages: install them (apt-get install $packages) or run as root"
command -v apt-get >/dev/null || die "missing $packages and no apt-get to install them"
log "installing $packages from Debian"
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
