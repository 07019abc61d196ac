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
  # A scratch module that requires helm: `go install helm.sh/helm/v3/cmd/helm@...` is refused because helm's
  # go.mod has replace directives.
  src=$CACHE/src/helm-$HELM_VERSION
  if [ ! -f "$src/.ready" ]; then
    rm -rf "$src" && mkdir -p "$src"
    printf 'module stoke.local/helmbuild\ngo 1.24\n' > "$src/go.mod"
    echo 'package helmbuild' > "$src/doc.go"
    (cd "$src" && GOFLAGS=-mod=mod go get "helm.sh/helm/v3@v$HELM_VERSION" >&2)
    touch "$src/.ready"
  fi
  mkdir -p "$OUT"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
    -o "$target.tmp" helm.sh/helm/v3/cmd/helm)
  mv "$target.tmp" "$target"
fi
echo "$target"
