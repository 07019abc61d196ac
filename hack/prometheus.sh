#!/usr/bin/env bash
# Builds the pinned Prometheus from the Go module proxy, once, into a cache outside the repository and prints
# the path of the binary. The e2e suite starts it on the host, next to the local cluster, to scrape the
# operator and the Spark pods with the scrape jobs docs/observability.md gives users. (Debian's prometheus
# package is built without Kubernetes service discovery, so it cannot be used.) Only the Kubernetes
# discovery is compiled in (Prometheus's remove_all_sd and enable_kubernetes_sd build tags); the web UI's
# assets are not, the HTTP API is all the tests need.
#
#   hack/prometheus.sh          build if missing; print the binary's path
#   hack/prometheus.sh --path   print where the binary is (or will be) without building it
#
# Cache: ${STOKE_CACHE:-$HOME/.cache/stoke}/prometheus/<module version>/prometheus
set -euo pipefail

# github.com/prometheus/prometheus v0.316.0 is Prometheus 3.x's Go module version.
PROMETHEUS_MODULE_VERSION=${PROMETHEUS_MODULE_VERSION:-v0.316.0}
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
OUT=$CACHE/prometheus/$PROMETHEUS_MODULE_VERSION
target=$OUT/prometheus

if [ "${1:-}" = --path ]; then
  echo "$target"
  exit 0
fi
if [ ! -x "$target" ]; then
  echo "prometheus: building prometheus $PROMETHEUS_MODULE_VERSION from the Go module proxy (once, a few minutes; cached in $OUT)" >&2
  "$(dirname "$0")/go-module-build.sh" github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" \
    github.com/prometheus/prometheus/cmd/prometheus "$target" -tags remove_all_sd,enable_kubernetes_sd -ldflags="-s -w"
fi
echo "$target"
