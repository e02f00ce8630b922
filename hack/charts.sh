#!/usr/bin/env bash
# Copies Istio's Helm charts (base, istio-control/istio-discovery, gateway) and its
# telemetry add-on manifests from the pinned istio.io/istio module into
# .local/charts and .local/addons, where the local stack points, and
# cert-manager's chart from its pinned module into .local/charts/cert-manager:
# nothing is fetched from a chart repository or the web.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dest="$LOCAL_DIR/charts"
stamp="$dest/.version"
# The Gateway API's version is the one go.mod pins (model.GatewayAPIVersion,
# held to it by a test): the CRDs of the types the program writes.
gateway_api_version=$(go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api)
want="$ISTIO_MODULE_VERSION+addons+cert-manager-$CERT_MANAGER_VERSION+gateway-api-$gateway_api_version"
if [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
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
# cert-manager's chart as its release tool makes it: Chart.yaml from the
# template, with the version (which the images' tags default to).
cm_src="$(module_dir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")/deploy/charts/cert-manager"
[[ -f "$cm_src/Chart.template.yaml" ]] || die "no cert-manager chart in $cm_src"
cp -r "$cm_src" "$dest/cert-manager"
chmod -R u+w "$dest/cert-manager"
sed -e "s/^version: .*/version: $CERT_MANAGER_VERSION/" -e "s/^appVersion: .*/appVersion: $CERT_MANAGER_VERSION/" \
  -e 's/{{IS_PRERELEASE}}/false/' "$cm_src/Chart.template.yaml" >"$dest/cert-manager/Chart.yaml"
rm -f "$dest/cert-manager/Chart.template.yaml" "$dest/cert-manager/README.template.md"
# The Gateway API's standard channel, for a stack's cloudnative:routing.crdDir
# (the program installs the CRDs model.GatewayAPICRDFiles names).
gw_src="$(module_dir_here sigs.k8s.io/gateway-api)/config/crd/standard"
cp -r "$gw_src" "$dest/gateway-api"
chmod -R u+w "$dest/gateway-api"
echo "$want" >"$stamp"
log "Istio's and cert-manager's charts, Istio's add-ons and the Gateway API's CRDs copied to $dest and $addons"
