#!/usr/bin/env bash
# Builds kubeflow/spark-operator v2.5.2, the operator Stoke is measured against side by side in the bench,
# from its published source archive in ../shared/comparators (it is not on the Go module proxy; its
# dependencies are), into a cache outside the repository, once, and prints the directory holding the
# binary (spark-operator) and its CRDs (crds/). Nothing of it is copied into Stoke.
#
#   hack/kubeflow-operator.sh          build if missing; print the directory
#   hack/kubeflow-operator.sh --path   print the directory without building
#
# Exits 3 (and says why on stderr) when the archive is not there: the bench then reports the column SKIP.
# Archive: $STOKE_COMPARATORS (default ../shared/comparators beside the repository).
# Cache:   ${STOKE_CACHE:-$HOME/.cache/stoke}/kubeflow/v2.5.2/{spark-operator,crds/,.ready}
set -euo pipefail

VERSION=2.5.2
REPO=$(cd "$(dirname "$0")/.." && pwd)
COMPARATORS=${STOKE_COMPARATORS:-$REPO/../shared/comparators}
ARCHIVE=$COMPARATORS/kubeflow-spark-operator-v$VERSION.tar.gz
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
OUT=$CACHE/kubeflow/v$VERSION

if [ "${1:-}" = --path ]; then
  echo "$OUT"
  exit 0
fi
if [ ! -f "$OUT/.ready" ]; then
  if [ ! -f "$ARCHIVE" ]; then
    echo "kubeflow-operator: $ARCHIVE is not there (set STOKE_COMPARATORS)" >&2
    exit 3
  fi
  echo "kubeflow-operator: building kubeflow/spark-operator v$VERSION from $ARCHIVE (once; cached in $OUT)" >&2
  rm -rf "$OUT"
  mkdir -p "$OUT/src" "$OUT/crds"
  tar -xzf "$ARCHIVE" -C "$OUT/src" --strip-components=1
  (cd "$OUT/src" && CGO_ENABLED=0 go build -trimpath -o "$OUT/spark-operator" ./cmd/operator)
  cp "$OUT/src/config/crd/bases/"*.yaml "$OUT/crds/"
  rm -rf "$OUT/src"
  touch "$OUT/.ready"
fi
echo "$OUT"
