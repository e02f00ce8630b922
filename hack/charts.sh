#!/usr/bin/env bash
# Copies Istio's Helm charts (base, istio-control/istio-discovery, gateway) and its
# telemetry add-on manifests from the pinned istio.io/istio module into
# .local/charts and .local/addons, where the local stack points: nothing is fetched
# from a chart repository or the web.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dest="$LOCAL_DIR/charts"
stamp="$dest/.version"
if [[ "$(cat "$stamp" 2>/dev/null)" == "$ISTIO_MODULE_VERSION+addons" ]]; then
  exit 0
fi
src="$(module_dir "istio.io/istio@$ISTIO_MODULE_VERSION")/manifests/charts"
[[ -d "$src/base" ]] || die "no Istio charts in $src"
rm -rf "$dest" && mkdir -p "$dest"
cp -r "$src/base" "$src/istio-control" "$src/gateway" "$dest/"
chmod -R u+w "$dest"
# Istio's telemetry add-ons (Prometheus, Grafana, Jaeger, Kiali) for the local
# stack's cloudnative:observability.manifestDir.
addons="$LOCAL_DIR/addons"
rm -rf "$addons" && mkdir -p "$addons"
cp "$src/../../samples/addons/"{prometheus,grafana,jaeger,kiali}.yaml "$addons/"
chmod -R u+w "$addons"
echo "$ISTIO_MODULE_VERSION+addons" >"$stamp"
log "Istio charts and add-ons copied to $dest and $addons"
