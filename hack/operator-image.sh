#!/usr/bin/env bash
# Builds the operator image (make image), imports it into the local cluster's containerd and prints its
# reference. The reference's tag carries the image digest, so every change to the operator gets a new tag
# and a `helm upgrade` to it rolls the pods, even while the version (git describe --dirty) stays the same.
#
#   hack/operator-image.sh        build output goes to stderr; stdout is the reference only
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CTR_ADDRESS=${CTR_ADDRESS:-/run/stoke/containerd/containerd.sock}

# tee -a: without it tee opens /dev/stderr with O_TRUNC, which empties a log file that stderr is redirected to
# (CI's log lost everything before this line).
line=$(make -C "$ROOT" --no-print-directory image | tee -a /dev/stderr | grep -E '^[^ ]+:[^ ]+ sha256:[0-9a-f]{64} ' | tail -1)
ref=${line%% *}
digest=$(echo "$line" | cut -d' ' -f2)
tagged=$ref-${digest:7:12}
if ! ctr --address "$CTR_ADDRESS" -n k8s.io images ls -q "name==$tagged" | grep -q .; then
  "$ROOT/hack/cluster.sh" import "$ROOT/bin/stoke-image.tar"
  ctr --address "$CTR_ADDRESS" -n k8s.io images tag --force "$ref" "$tagged" >/dev/null
fi
echo "$tagged"
