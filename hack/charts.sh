#!/usr/bin/env bash
# Copies Istio's Helm charts (base, istio-control/istio-discovery, gateway) from the
# pinned istio.io/istio module into .local/charts, where the local stack's
# cloudnative:istio.chartDir points: no chart repository is needed offline.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dest="$LOCAL_DIR/charts"
stamp="$dest/.version"
if [[ "$(cat "$stamp" 2>/dev/null)" == "$ISTIO_MODULE_VERSION" ]]; then
  exit 0
fi
src="$(module_dir "istio.io/istio@$ISTIO_MODULE_VERSION")/manifests/charts"
[[ -d "$src/base" ]] || die "no Istio charts in $src"
rm -rf "$dest" && mkdir -p "$dest"
cp -r "$src/base" "$src/istio-control" "$src/gateway" "$dest/"
chmod -R u+w "$dest"
echo "$ISTIO_MODULE_VERSION" >"$stamp"
log "Istio charts copied to $dest"
