#!/usr/bin/env bash
# `make demo`: a real SparkPi through the Stoke operator on the local single-node cluster.
#
#   hack/demo.sh            build or reuse everything, run examples/spark-pi.yaml, leave the cluster up
#   hack/demo.sh --down     the same, then tear the cluster down
#
# Steps: cluster up (hack/cluster.sh), Spark image imported (hack/spark-image.sh), CRDs and the driver's
# service account applied, `stoke operator` started on the host (pid in /run/stoke/operator.pid), the
# application submitted and followed (phase, attempt, executors) until it ends, then the driver's result line.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TEARDOWN=false
[ "${1:-}" = "--down" ] && TEARDOWN=true
APP=examples/spark-pi.yaml
NAME=spark-pi
NS=default
RUN=/run/stoke
TIMEOUT=${DEMO_TIMEOUT:-900}

step() { printf '\n== %s\n' "$*"; }

step "local cluster"
KUBECONFIG_FILE=$(hack/cluster.sh up)
KUBECTL="$(hack/kube-binaries.sh kubectl)/kubectl"
kubectl() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

step "Spark image"
version=$(sed -n 's/^  sparkVersion: "\(.*\)"/\1/p' "$APP")
hack/spark-image.sh import "$version"
echo "stoke.local/spark:$version is in containerd"

step "stoke operator"
make --no-print-directory build >/dev/null
kubectl apply --server-side --force-conflicts -f config/crd/ >/dev/null
for _ in $(seq 1 100); do
  [ "$(kubectl get crd sparkapplications.stoke.dev -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" = True ] && break
  sleep 0.2
done
kubectl apply -f config/samples/spark-driver-rbac.yaml >/dev/null
if [ -f "$RUN/operator.pid" ] && kill -0 "$(cat "$RUN/operator.pid")" 2>/dev/null; then
  kill "$(cat "$RUN/operator.pid")"
  while kill -0 "$(cat "$RUN/operator.pid")" 2>/dev/null; do sleep 0.2; done
fi
cat > "$RUN/operator.yaml" <<EOF
metricsAddress: 127.0.0.1:18080
healthAddress: 127.0.0.1:18081
EOF
setsid bin/stoke operator --kubeconfig "$KUBECONFIG_FILE" --config "$RUN/operator.yaml" >>"$RUN/operator.log" 2>&1 </dev/null &
echo $! > "$RUN/operator.pid"
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18081/readyz >/dev/null && break; sleep 0.2; done
curl -sf http://127.0.0.1:18081/readyz >/dev/null || { tail -20 "$RUN/operator.log"; echo "operator did not become ready"; exit 1; }
echo "running (pid $(cat "$RUN/operator.pid"), log $RUN/operator.log)"

step "submit $APP"
kubectl -n "$NS" delete sparkapplication "$NAME" --ignore-not-found --wait=true >/dev/null
kubectl apply -f "$APP"
started=$SECONDS
last=""
phase=""
while [ $((SECONDS - started)) -lt "$TIMEOUT" ]; do
  line=$(kubectl -n "$NS" get sparkapplication "$NAME" -o jsonpath='{.status.phase}|{.status.currentAttempt.number}|{.status.executors.running}|{.status.executors.requested}|{.status.currentAttempt.driverPodName}' 2>/dev/null || true)
  IFS='|' read -r phase attempt running requested driver <<<"$line"
  now="phase=${phase:-Pending} attempt=${attempt:-0} executors=${running:-0}/${requested:-0}"
  if [ "$now" != "$last" ]; then
    printf '%4ss  %s\n' $((SECONDS - started)) "$now"
    last=$now
  fi
  case "$phase" in Succeeded|Failed) break ;; esac
  sleep 1
done

step "result"
kubectl -n "$NS" get sparkapplication "$NAME"
driver=$(kubectl -n "$NS" get sparkapplication "$NAME" -o jsonpath='{.status.currentAttempt.driverPodName}')
result=$(kubectl -n "$NS" logs "$driver" 2>/dev/null | grep -m1 "Pi is roughly" || true)
if [ "$phase" != Succeeded ] || [ -z "$result" ]; then
  echo "SparkPi did not succeed (phase ${phase:-unknown}); driver log tail:"
  kubectl -n "$NS" logs "$driver" --tail=30 2>/dev/null || true
  kubectl -n "$NS" describe sparkapplication "$NAME" | tail -20
  exit 1
fi
echo "driver $driver says: $result"

if $TEARDOWN; then
  step "teardown"
  kill "$(cat "$RUN/operator.pid")" 2>/dev/null || true
  rm -f "$RUN/operator.pid"
  hack/cluster.sh down
else
  printf '\nThe cluster is still up. Explore it with:\n  export KUBECONFIG=%s; %s get sparkapplications,pods -A\nStop it with: make cluster-down\n' "$KUBECONFIG_FILE" "$KUBECTL"
fi
