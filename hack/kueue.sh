#!/usr/bin/env bash
# Builds Kueue (the SIG Scheduling job queueing controller) from the Go module proxy and caches it with its
# CRDs outside the repository, once, and prints the directory. The integration tests run this real Kueue
# against their API server to admit and evict the Workloads Stoke creates.
#
#   hack/kueue.sh          build if missing; print the directory (kueue binary, crds/)
#   hack/kueue.sh --path   print the directory without building
#
# Cache: ${STOKE_CACHE:-$HOME/.cache/stoke}/kueue/<version>/
set -euo pipefail
cd "$(dirname "$0")/.."

KUEUE_VERSION=${KUEUE_VERSION:-v0.17.0}
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
OUT=$CACHE/kueue/$KUEUE_VERSION

if [ "${1:-}" = --path ]; then
  echo "$OUT"
  exit 0
fi
if [ ! -f "$OUT/.ready" ]; then
  echo "kueue: building sigs.k8s.io/kueue@$KUEUE_VERSION (once; cached in $OUT)" >&2
  hack/go-module-build.sh sigs.k8s.io/kueue "$KUEUE_VERSION" sigs.k8s.io/kueue/cmd/kueue "$OUT/kueue" >&2
  src=$CACHE/src/sigs.k8s.io_kueue-$KUEUE_VERSION
  dir=$(cd "$src" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' sigs.k8s.io/kueue)
  rm -rf "$OUT/crds" && mkdir -p "$OUT/crds"
  cp "$dir"/config/components/crd/bases/*.yaml "$OUT/crds/"
  chmod u+w "$OUT"/crds/*.yaml
  touch "$OUT/.ready"
fi
echo "$OUT"
