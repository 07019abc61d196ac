#!/usr/bin/env bash
# Stoke's local single-node Kubernetes: real etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet, kube-proxy and CoreDNS (built from the Go module proxy by hack/kube-binaries.sh), with Debian's
# containerd, runc and CNI plugins. Everything listens on a private bridge (k8sbr0, 10.244.0.1/24); pod traffic
# never leaves the machine. Needs root.
#
#   hack/cluster.sh up          start (idempotent); prints the admin kubeconfig path
#   hack/cluster.sh down        stop everything, remove pods, network state and cgroups, restore host settings
#   hack/cluster.sh status      what runs
#   hack/cluster.sh kubeconfig  print the admin kubeconfig path
#   hack/cluster.sh event-log-dir   print the host directory drivers write event logs to (a hostPath volume)
#   hack/cluster.sh stop-operator   stop a `stoke operator` started on the host (the e2e crash tests' mode)
#   hack/cluster.sh import ARCHIVE  import an image archive (docker or OCI) into the cluster's containerd
#
# Cached and reused: binaries in ~/.cache/stoke/kube, certificates and images under $STATE. `down` wipes the
# cluster's own state (etcd, pods) so every `up` starts from an empty API.
set -euo pipefail
shopt -s inherit_errexit nullglob

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
KUBE_VERSION=${KUBE_VERSION:-1.34.4}
BIN=$CACHE/kube/v$KUBE_VERSION
STATE=${STOKE_CLUSTER_STATE:-/var/lib/stoke-cluster}
RUN=/run/stoke
PKI=$STATE/pki
LOGS=$STATE/logs
KUBELET_ROOT=/var/lib/kubelet
NODE_NAME=stoke-node
BRIDGE=k8sbr0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
API=https://$NODE_IP:6443
ETCD_PORT=12379
CONTAINERD_SOCK=$RUN/containerd/containerd.sock
PAUSE_IMAGE=stoke.local/pause:1
KUBECONFIG_ADMIN=$STATE/admin.kubeconfig
SPARK_EVENTS=$STATE/spark-events
# Host settings the kubelet, kube-proxy and the bridge plugin change; saved on `up`, restored on `down`.
SYSCTLS=(net.ipv4.ip_forward vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.conf.all.route_localnet
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)
COMPONENTS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy coredns operator)

log() { echo "cluster: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (it runs a kubelet and changes network settings)"

kubectl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

pid_alive() { local f=$RUN/$1.pid; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

start() { # name command...
  local name=$1; shift
  pid_alive "$name" && return 0
  mkdir -p "$LOGS"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

stop() { # name
  local f=$RUN/$1.pid pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

wait_for() { # what seconds command...
  local what=$1 seconds=$2 i; shift 2
  for i in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "$what not ready after ${seconds}s (logs: $LOGS)"
}

ensure_packages() {
  local missing=() p
  for p in containerd runc containernetworking-plugins iptables conntrack openssl curl; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian"
  # Package lists may be missing or stale on a fresh machine: refresh them once if the install fails.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-upgrade "${missing[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-upgrade "${missing[@]}" >&2; }
}

ensure_binaries() {
  "$ROOT/hack/kube-binaries.sh" kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd coredns >/dev/null
}

# --- certificates ------------------------------------------------------------------------------------------

cert() { # name subject ca [extensions]
  local name=$1 subject=$2 ca=$3 ext=${4:-}
  [ -f "$PKI/$name.crt" ] && return 0
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n%s\n' "$ext" > "$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial -days 3650 \
    -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

ca() { # name cn
  [ -f "$PKI/$1.crt" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.crt" -days 3650 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature 2>/dev/null
}

kubeconfig() { # file user-cert-name
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: stoke-local
  cluster: {server: "$API", certificate-authority: "$PKI/ca.crt"}
users:
- name: $2
  user: {client-certificate: "$PKI/$2.crt", client-key: "$PKI/$2.key"}
contexts:
- name: stoke-local
  context: {cluster: stoke-local, user: $2}
current-context: stoke-local
EOF
}

pki() {
  mkdir -p "$PKI"
  ca ca stoke-local-ca
  ca front-proxy-ca stoke-local-front-proxy-ca
  cert apiserver /CN=kube-apiserver ca "extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,IP:$API_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin "/O=system:masters/CN=stoke-admin" ca "extendedKeyUsage=clientAuth"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" ca "extendedKeyUsage=clientAuth"
  cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" ca "extendedKeyUsage=clientAuth"
  cert front-proxy-client /CN=front-proxy-client front-proxy-ca "extendedKeyUsage=clientAuth"
  [ -f "$PKI/sa.key" ] || { openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null; openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  kubeconfig "$KUBECONFIG_ADMIN" admin
  kubeconfig "$STATE/kubelet.kubeconfig" kubelet
}

# --- host and network --------------------------------------------------------------------------------------

save_host_settings() {
  [ -f "$STATE/host-settings" ] && return 0
  local s
  for s in "${SYSCTLS[@]}"; do
    [ -e "/proc/sys/${s//.//}" ] && echo "$s=$(sysctl -n "$s")"
  done > "$STATE/host-settings.tmp"
  mv "$STATE/host-settings.tmp" "$STATE/host-settings"
}

restore_host_settings() {
  [ -f "$STATE/host-settings" ] || return 0
  local line
  while IFS= read -r line; do sysctl -q -w "$line" >/dev/null 2>&1 || log "could not restore $line"; done < "$STATE/host-settings"
  rm -f "$STATE/host-settings"
}

network_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NODE_IP/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  # Pods talk to each other and to the host, never past it.
  iptables -N STOKE-ISOLATION 2>/dev/null || true
  iptables -C STOKE-ISOLATION -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null || iptables -A STOKE-ISOLATION -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
  iptables -C FORWARD -j STOKE-ISOLATION 2>/dev/null || iptables -I FORWARD 1 -j STOKE-ISOLATION
  mkdir -p "$STATE/cni"
  cat > "$STATE/cni/10-stoke.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "stoke", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$STATE/cni-ipam",
            "ranges": [[{"subnet": "$POD_CIDR", "rangeStart": "10.244.0.10", "gateway": "$NODE_IP"}]],
            "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
}

# The kubelet and kube-proxy leave KUBE-* chains (and jumps to them from the built-in chains) behind.
remove_kube_chains() { # iptables|ip6tables
  local cmd=$1 table rule chain
  command -v "$cmd" >/dev/null || return 0
  for table in filter nat mangle; do
    "$cmd" -t "$table" -S 2>/dev/null | { grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-' || true; } | while read -r rule; do
      eval "\"$cmd\" -t $table ${rule/-A/-D}" 2>/dev/null || true
    done
    for chain in $("$cmd" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do
      "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $("$cmd" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do
      "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
}

network_down() {
  local link ns
  for link in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$link" 2>/dev/null || true
  done
  for ns in /var/run/netns/cni-*; do
    umount "$ns" 2>/dev/null || true
    rm -f "$ns"
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  remove_kube_chains iptables
  remove_kube_chains ip6tables
  iptables -D FORWARD -j STOKE-ISOLATION 2>/dev/null || true
  iptables -F STOKE-ISOLATION 2>/dev/null || true
  iptables -X STOKE-ISOLATION 2>/dev/null || true
  rm -rf "$STATE/cni-ipam"
}

# --- components ------------------------------------------------------------------------------------------

containerd_up() {
  mkdir -p "$RUN/containerd" /run/containerd /var/run/netns "$STATE/containerd"
  cat > "$STATE/containerd/config.toml" <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$RUN/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni"
EOF
  start containerd containerd --config "$STATE/containerd/config.toml"
  wait_for containerd 30 ctr --address "$CONTAINERD_SOCK" version
  pause_image
}

ctr_() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

# The sandbox image: a static Go binary that waits for SIGTERM, alone in a one-layer image.
pause_image() {
  ctr_ images ls -q "name==$PAUSE_IMAGE" | grep -q . && return 0
  log "building the pause image"
  local dir sum
  dir=$(mktemp -d)
  mkdir -p "$dir/rootfs"
  (cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$dir/rootfs/pause" ./hack/pause)
  tar --numeric-owner -C "$dir/rootfs" -cf "$dir/layer.tar" pause
  sum=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$sum" > "$dir/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$PAUSE_IMAGE" > "$dir/manifest.json"
  tar -C "$dir" -cf "$dir/image.tar" manifest.json config.json layer.tar
  ctr_ images import "$dir/image.tar" >/dev/null
  rm -rf "$dir"
}

etcd_up() {
  start etcd "$BIN/etcd" --name stoke --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls http://127.0.0.1:12380 --initial-advertise-peer-urls http://127.0.0.1:12380 \
    --initial-cluster stoke=http://127.0.0.1:12380 --listen-metrics-urls http://127.0.0.1:12381 \
    --unsafe-no-fsync --log-level warn
  wait_for etcd 30 curl -sf "http://127.0.0.1:12381/health"
}

apiserver_up() {
  start kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port=6443 \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --allow-privileged=true --kubelet-preferred-address-types=InternalIP \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --profiling=false --v=1
  wait_for kube-apiserver 60 curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$API/readyz"
}

controllers_up() {
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$KUBECONFIG_ADMIN" --authentication-kubeconfig="$KUBECONFIG_ADMIN" --authorization-kubeconfig="$KUBECONFIG_ADMIN" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --cluster-name=stoke-local --leader-elect=false --bind-address=127.0.0.1 --v=1
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$KUBECONFIG_ADMIN" --authentication-kubeconfig="$KUBECONFIG_ADMIN" --authorization-kubeconfig="$KUBECONFIG_ADMIN" \
    --leader-elect=false --bind-address=127.0.0.1 --v=1
}

kubelet_up() {
  mkdir -p "$KUBELET_ROOT/device-plugins" "$STATE/kubelet-plugins"
  cat > "$STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
clusterDomain: cluster.local
clusterDNS: ["$DNS_SERVICE_IP"]
resolvConf: ""
containerRuntimeEndpoint: "unix://$CONTAINERD_SOCK"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "200Mi", nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%"}
volumePluginDir: "$STATE/kubelet-plugins"
serializeImagePulls: false
EOF
  start kubelet "$BIN/kubelet" --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --root-dir="$KUBELET_ROOT" --v=1
}

# write_config FILE: stdin into FILE only when it differs, and says whether it changed (kube-proxy exits as
# soon as its configuration file is written, even with the same content, so a second `up` must not touch it).
write_config() {
  local f=$1 tmp
  tmp=$(mktemp "$f.XXXXXX")
  cat > "$tmp"
  if cmp -s "$tmp" "$f"; then
    rm -f "$tmp"
    return 1
  fi
  mv "$tmp" "$f"
}

proxy_up() {
  # A changed configuration is taken up by a new kube-proxy (the running one exits on the change).
  write_config "$STATE/kube-proxy.yaml" <<EOF && stop kube-proxy
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$KUBECONFIG_ADMIN"}
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$POD_CIDR"]
iptables: {masqueradeAll: true}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  start kube-proxy "$BIN/kube-proxy" --config="$STATE/kube-proxy.yaml" --v=1
}

# CoreDNS runs on the host, reached through a selector-less kube-dns Service and a hand-written EndpointSlice.
dns_up() {
  cat > "$STATE/Corefile" <<EOF
.:53 {
  bind $NODE_IP
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $KUBECONFIG_ADMIN stoke-local
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 5
}
EOF
  start coredns "$BIN/coredns" -conf "$STATE/Corefile"
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $DNS_SERVICE_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kube-dns-host, namespace: kube-system, labels: {kubernetes.io/service-name: kube-dns}}
addressType: IPv4
endpoints:
- addresses: ["$NODE_IP"]
  conditions: {ready: true}
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
EOF
}

node_ready() { kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
default_sa() { kubectl -n default get serviceaccount default; }

up() {
  local started=$SECONDS
  ensure_packages
  ensure_binaries
  mkdir -p "$STATE" "$RUN" "$LOGS"
  # The shared event-log directory of the single node: drivers (uid 185) write their Spark event logs there
  # and the History Server reads them (docs/local-cluster.md).
  install -d -m 1777 "$SPARK_EVENTS"
  pki
  save_host_settings
  network_up
  containerd_up
  etcd_up
  apiserver_up
  controllers_up
  kubelet_up
  proxy_up
  dns_up
  wait_for "node $NODE_NAME" 90 node_ready
  wait_for "default service account" 60 default_sa
  log "up in $((SECONDS - started))s; kubeconfig: $KUBECONFIG_ADMIN"
  echo "$KUBECONFIG_ADMIN"
}

remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

unmount_under() { # dir
  local m
  for m in $(awk -v d="$1" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

down() {
  local started=$SECONDS c
  stop operator
  stop kubelet
  if pid_alive containerd; then
    for c in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
    sleep 1
    for c in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$c" >/dev/null 2>&1 || true; done
    for c in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  for c in kube-proxy coredns kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do stop "$c"; done
  [ -f "$STATE/kube-proxy.yaml" ] && "$BIN/kube-proxy" --cleanup --config="$STATE/kube-proxy.yaml" >/dev/null 2>&1 || true
  unmount_under "$KUBELET_ROOT"
  unmount_under "$RUN/containerd/"
  unmount_under "$STATE/containerd/root/io.containerd.grpc.v1.cri/sandboxes/"
  network_down
  remove_cgroups
  restore_host_settings
  # The cluster's own state goes; certificates, images and logs stay for the next `up`.
  rm -rf "$STATE/etcd" "$SPARK_EVENTS" "$KUBELET_ROOT/pods" "$KUBELET_ROOT"/cpu_manager_state "$KUBELET_ROOT"/memory_manager_state \
    "$STATE/containerd/root/io.containerd.grpc.v1.cri/sandboxes" "$STATE/containerd/root/io.containerd.grpc.v1.cri/containers"
  log "down in $((SECONDS - started))s"
}

status() {
  local c
  for c in "${COMPONENTS[@]}"; do
    if pid_alive "$c"; then echo "$c running (pid $(cat "$RUN/$c.pid"))"; else echo "$c stopped"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  kubeconfig) echo "$KUBECONFIG_ADMIN" ;;
  stop-operator) stop operator ;;
  event-log-dir) echo "$SPARK_EVENTS" ;;
  import) [ -f "${2:-}" ] || die "usage: $0 import ARCHIVE"; ctr_ images import --no-unpack=false "$2" >&2 ;;
  *) echo "usage: $0 up|down|status|kubeconfig|stop-operator|event-log-dir|import ARCHIVE" >&2; exit 2 ;;
esac
