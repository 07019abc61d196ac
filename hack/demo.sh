#!/usr/bin/env bash
# `make demo`: Stoke installed with its Helm chart on the local single-node cluster, then a real SparkPi
# through the in-cluster operator.
#
#   hack/demo.sh            build or reuse everything, run examples/spark-pi.yaml, leave the cluster up
#   hack/demo.sh --down     the same, then tear the cluster down
#
# Steps: cluster up (hack/cluster.sh), Spark image (hack/spark-image.sh), the operator image (make image,
# imported into containerd), `helm upgrade --install` of charts/stoke into stoke-system (operator and
# stoke server as pods, with the chart's RBAC only), the application submitted and followed until it ends,
# then the driver's result line and how to open the web dashboard as a demo user. The screen shows the steps and progress; everything else goes to the log file.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TEARDOWN=false
[ "${1:-}" = "--down" ] && TEARDOWN=true
APP=examples/spark-pi.yaml
NAME=spark-pi
NS=default
STOKE_NS=stoke-system
TIMEOUT=${DEMO_TIMEOUT:-900}
mkdir -p bin
LOG=${DEMO_LOG:-$ROOT/bin/demo.log}
: > "$LOG"

step() { printf '\n== %s\n' "$*"; echo "== $*" >>"$LOG"; }
# quiet runs a command with its output in the log; on failure it shows the log's tail and stops.
quiet() {
  if ! "$@" >>"$LOG" 2>&1; then
    echo "failed: $*" >&2
    echo "--- last lines of $LOG:" >&2
    tail -25 "$LOG" >&2
    exit 1
  fi
}

echo "make demo: details in $LOG"

step "local cluster"
status=$(hack/cluster.sh status 2>/dev/null || true)
[[ $status == *"kube-apiserver running"* ]] || echo "starting (the first time builds Kubernetes from source: about 10 minutes)"
quiet hack/cluster.sh up
KUBECONFIG_FILE=$(hack/cluster.sh kubeconfig)
KUBECTL="$(hack/kube-binaries.sh kubectl)/kubectl"
kubectl() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
# An operator left on the host by an older `make demo` or a crash test would compete with the pod.
quiet hack/cluster.sh stop-operator
echo "up"

step "Spark image"
version=$(sed -n 's/^  sparkVersion: "\(.*\)"/\1/p' "$APP")
quiet hack/spark-image.sh import "$version"
echo "stoke.local/spark:$version is in containerd"

step "operator image"
image=$(hack/operator-image.sh 2>>"$LOG") || { echo "building the operator image failed:"; tail -25 "$LOG"; exit 1; }
echo "$image ($(grep -o ' compressed=[^ ]*' "$LOG" | tail -1 | cut -d= -f2) compressed) is in containerd"

step "install Stoke with Helm (charts/stoke into $STOKE_NS)"
[ -x "$(hack/helm.sh --path)" ] || echo "building helm from the Go module proxy (once; a few minutes)"
HELM=$(hack/helm.sh 2>>"$LOG")
installed=$SECONDS
quiet "$HELM" upgrade --install stoke charts/stoke --kubeconfig "$KUBECONFIG_FILE" \
  --namespace "$STOKE_NS" --create-namespace \
  --set image.repository="${image%:*}" --set image.tag="${image##*:}" --set image.pullPolicy=Never \
  --set "sparkJobNamespaces={$NS}" \
  --set server.enabled=true --set server.service.type=NodePort --set server.defaultImage="stoke.local/spark:$version" \
  --wait --timeout 120s
echo "operator ready in $((SECONDS - installed))s: $(kubectl -n "$STOKE_NS" get pods -l app.kubernetes.io/component=operator --no-headers -o custom-columns=NAME:.metadata.name | tr '\n' ' ')"

step "submit $APP"
quiet kubectl -n "$NS" delete sparkapplication "$NAME" --ignore-not-found --wait=true
quiet kubectl apply -f "$APP"
started=$SECONDS
last=""
phase=""
while [ $((SECONDS - started)) -lt "$TIMEOUT" ]; do
  line=$(kubectl -n "$NS" get sparkapplication "$NAME" -o jsonpath='{.status.phase}|{.status.currentAttempt.number}|{.status.executors.running}|{.status.executors.requested}' 2>>"$LOG" || true)
  IFS='|' read -r phase attempt running requested <<<"$line"
  now="phase=${phase:-Pending} attempt=${attempt:-0} executors=${running:-0}/${requested:-0}"
  if [ "$now" != "$last" ]; then
    printf '%4ss  %s\n' $((SECONDS - started)) "$now"
    last=$now
  fi
  case "$phase" in Succeeded|Failed) break ;; esac
  sleep 1
done

step "result"
kubectl -n "$NS" get sparkapplication "$NAME" >>"$LOG" 2>&1 || true
driver=$(kubectl -n "$NS" get sparkapplication "$NAME" -o jsonpath='{.status.currentAttempt.driverPodName}' 2>>"$LOG" || true)
result=$(kubectl -n "$NS" logs "$driver" 2>>"$LOG" | grep -m1 "Pi is roughly" || true)
if [ "$phase" != Succeeded ] || [ -z "$result" ]; then
  echo "SparkPi did not succeed (phase ${phase:-unknown}); driver log tail:"
  kubectl -n "$NS" logs "$driver" --tail=30 2>/dev/null || true
  kubectl -n "$NS" describe sparkapplication "$NAME" | tail -20
  echo "operator log tail:"
  kubectl -n "$STOKE_NS" logs deployment/stoke-operator --tail=20 2>/dev/null || true
  exit 1
fi
echo "driver $driver says: $result"
echo "(${SECONDS}s since make demo began; operator logs: kubectl -n $STOKE_NS logs deployment/stoke-operator)"

# The dashboard: stoke server on a NodePort of the local node, and a demo user who may run Spark jobs in
# $NS (and nothing else), whose token signs in.
quiet kubectl apply -f - <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: demo-user, namespace: $NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: demo-user, namespace: $NS}
rules:
- apiGroups: [stoke.dev]
  resources: [sparkapplications, sparkworkflows, scheduledsparkapplications]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [pods, events]
  verbs: [get, list]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: demo-user, namespace: $NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: demo-user}
subjects: [{kind: ServiceAccount, name: demo-user, namespace: $NS}]
YAML
node_ip=$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}' 2>>"$LOG" || true)
node_port=$(kubectl -n "$STOKE_NS" get service stoke-server -o jsonpath='{.spec.ports[0].nodePort}' 2>>"$LOG" || true)
if [ -n "$node_ip" ] && [ -n "$node_port" ]; then
  printf '\nWeb dashboard: http://%s:%s/#/ns/%s/apps (open spark-pi; "New from this" starts another run of it)\n' "$node_ip" "$node_port" "$NS"
  printf 'Sign in with a token of the demo user (who may run jobs in %s only):\n  %s --kubeconfig %s -n %s create token demo-user --duration=24h\n' \
    "$NS" "$KUBECTL" "$KUBECONFIG_FILE" "$NS"
fi

if $TEARDOWN; then
  step "teardown"
  quiet hack/cluster.sh down
  echo "down"
else
  printf '\nThe cluster is still up. Explore it with:\n  export KUBECONFIG=%s; %s get sparkapplications,pods -A\nStop it with: make cluster-down\n' "$KUBECONFIG_FILE" "$KUBECTL"
fi
