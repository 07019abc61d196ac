#!/usr/bin/env bash
# Builds the pinned `helm` (Helm 3) from the Go module proxy into a cache outside the repository, once, and
# prints the path of the binary. The chart tests (charts/stoke), `make demo` and the e2e suite use it.
#
#   hack/helm.sh          build if missing; print the binary's path
#   hack/helm.sh --path   print where the binary is (or will be) without building it
#
# Cache: ${STOKE_CACHE:-$HOME/.cache/stoke}/helm/<version>/helm
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-3.19.4}
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
OUT=$CACHE/helm/v$HELM_VERSION
target=$OUT/helm

if [ "${1:-}" = --path ]; then
  echo "$target"
  exit 0
fi
if [ ! -x "$target" ]; then
  echo "helm: building helm v$HELM_VERSION from the Go module proxy (once; cached in $OUT)" >&2
  # Through a scratch module: `go install helm.sh/helm/v3/cmd/helm@...` is refused because helm's go.mod has
  # replace directives.
  "$(dirname "$0")/go-module-build.sh" helm.sh/helm/v3 "v$HELM_VERSION" helm.sh/helm/v3/cmd/helm "$target" \
    -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
fi
echo "$target"
