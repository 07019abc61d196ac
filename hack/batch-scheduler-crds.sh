#!/usr/bin/env bash
# Puts the CRDs of the batch schedulers Stoke integrates with into a cache outside the repository, once, and
# prints the directory. The integration tests install them into their API server and create Stoke's objects
# against them, so the objects Stoke writes are checked against the projects' own schemas.
#
#   Volcano: the PodGroup and Queue CRDs, generated with controller-gen from the API types Volcano publishes
#            as the Go module volcano.sh/apis (its kubebuilder markers are the source of Volcano's own CRDs).
#
#   hack/batch-scheduler-crds.sh          generate if missing; print the directory
#   hack/batch-scheduler-crds.sh --path   print the directory without generating
#
# Cache: ${STOKE_CACHE:-$HOME/.cache/stoke}/crds/volcano-<version>/
set -euo pipefail

VOLCANO_APIS_VERSION=${VOLCANO_APIS_VERSION:-v1.12.1}
CONTROLLER_TOOLS_VERSION=${CONTROLLER_TOOLS_VERSION:-v0.19.0}
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
OUT=$CACHE/crds/volcano-$VOLCANO_APIS_VERSION

if [ "${1:-}" = --path ]; then
  echo "$OUT"
  exit 0
fi
if [ ! -f "$OUT/.ready" ]; then
  echo "batch-scheduler-crds: generating Volcano's CRDs from volcano.sh/apis@$VOLCANO_APIS_VERSION (once; cached in $OUT)" >&2
  src=$CACHE/src/volcano-crds-$VOLCANO_APIS_VERSION
  rm -rf "$src" "$OUT" && mkdir -p "$src" "$OUT"
  printf 'module stoke.local/crds\ngo 1.24\n' > "$src/go.mod"
  printf 'package crds\n\nimport (\n\t_ "sigs.k8s.io/controller-tools/cmd/controller-gen"\n\t_ "volcano.sh/apis/pkg/apis/scheduling/v1beta1"\n)\n' > "$src/tools.go"
  (cd "$src" && GOFLAGS=-mod=mod go get "volcano.sh/apis@$VOLCANO_APIS_VERSION" \
      "sigs.k8s.io/controller-tools@$CONTROLLER_TOOLS_VERSION" >&2 &&
    GOFLAGS=-mod=mod go run sigs.k8s.io/controller-tools/cmd/controller-gen \
      crd paths=volcano.sh/apis/pkg/apis/scheduling/v1beta1 output:crd:dir="$OUT" >&2)
  touch "$OUT/.ready"
fi
echo "$OUT"
