#!/usr/bin/env bash
# Fetches Mermaid's browser bundle (one file of its npm package, which npm
# checks against the registry's integrity hash) into the tool cache, for the
# end-to-end test that renders pr-preview's diagrams in Chromium. Does nothing
# when it is there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ -s "$MERMAID_JS" ]] && exit 0
command -v npm >/dev/null || die "npm is needed to fetch mermaid@$MERMAID_VERSION (apt-get install npm)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "fetching mermaid@$MERMAID_VERSION from npm"
(cd "$work" && npm pack --silent "mermaid@$MERMAID_VERSION" >/dev/null)
tar -xzf "$work/mermaid-$MERMAID_VERSION.tgz" -C "$work" package/dist/mermaid.min.js
mkdir -p "$(dirname "$MERMAID_JS")"
mv "$work/package/dist/mermaid.min.js" "$MERMAID_JS"
