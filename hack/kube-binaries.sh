#!/usr/bin/env bash
# Builds pinned Kubernetes binaries from the Go module proxy into a cache outside the repository and prints
# the directory that holds them. Work is skipped for every binary that is already cached.
#
#   hack/kube-binaries.sh [binary ...]     default: kube-apiserver etcd kubectl
#
# Binaries: kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd kwok coredns
# Cache:    ${STOKE_CACHE:-$HOME/.cache/stoke}/kube/<kubernetes version>/
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-1.34.4}
ETCD_VERSION=${ETCD_VERSION:-3.6.6}
KWOK_VERSION=${KWOK_VERSION:-0.8.0}
COREDNS_VERSION=${COREDNS_VERSION:-1.12.4}
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
OUT="$CACHE/kube/v$KUBE_VERSION"
mkdir -p "$OUT"

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(kube-apiserver etcd kubectl)

log() { echo "kube-binaries: $*" >&2; }

# A scratch module that requires k8s.io/kubernetes and points every staging module at its published version,
# which is what `go build k8s.io/kubernetes/cmd/...` needs outside the kubernetes tree.
kube_module() {
  local dir="$CACHE/src/kubernetes-$KUBE_VERSION"
  if [ ! -f "$dir/.ready" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    local modfile
    modfile=$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    {
      echo "module stoke.local/kubebuild"
      echo "go 1.24"
      echo "require k8s.io/kubernetes v$KUBE_VERSION"
      sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 v0.'"${KUBE_VERSION#1.}"'#p' "$modfile"
    } > "$dir/go.mod"
    echo 'package kubebuild' > "$dir/doc.go"
    (cd "$dir" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true)
    (cd "$dir" && GOFLAGS=-mod=mod go get "k8s.io/kubernetes@v$KUBE_VERSION" >&2)
    touch "$dir/.ready"
  fi
  echo "$dir"
}

scratch_module() { # name module-path version
  local dir="$CACHE/src/$1"
  if [ ! -f "$dir/.ready" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    printf 'module stoke.local/%sbuild\ngo 1.24\n' "$1" > "$dir/go.mod"
    echo "package ${1//-/}build" > "$dir/doc.go"
    (cd "$dir" && GOFLAGS=-mod=mod go get "$2@$3" >&2)
    touch "$dir/.ready"
  fi
  echo "$dir"
}

# CoreDNS with only the plugins hack/cluster.sh's Corefile uses (bind, errors, kubernetes, cache) and a few
# to debug it with (log, health, ready, forward). The full build also compiles every cloud provider's SDK
# for their DNS plugins.
coredns_module() {
  local dir="$CACHE/src/coredns-$COREDNS_VERSION-local"
  if [ ! -f "$dir/.ready" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    printf 'module stoke.local/corednsbuild\ngo 1.24\n' > "$dir/go.mod"
    local p imports=""
    for p in bind cache errors forward health kubernetes log ready; do
      imports+=$'\t_ "github.com/coredns/coredns/plugin/'"$p"$'"\n'
    done
    printf '// Command coredns is CoreDNS with the plugins Stoke'"'"'s local cluster needs.\npackage main\n\nimport (\n\t"github.com/coredns/coredns/coremain"\n%s)\n\nfunc main() { coremain.Run() }\n' \
      "$imports" > "$dir/main.go"
    (cd "$dir" && GOFLAGS=-mod=mod go get "github.com/coredns/coredns@v$COREDNS_VERSION" >&2 && GOFLAGS=-mod=mod go mod tidy >&2)
    touch "$dir/.ready"
  fi
  echo "$dir"
}

build() {
  local name=$1 target=$OUT/$1
  [ -x "$target" ] && return 0
  log "building $name (cached afterwards in $OUT)"
  case "$name" in
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|kubectl)
      local dir; dir=$(kube_module)
      (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w \
        -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION \
        -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) \
        -X k8s.io/client-go/pkg/version.gitVersion=v$KUBE_VERSION" \
        -o "$target.tmp" "k8s.io/kubernetes/cmd/$name") ;;
    etcd)
      local dir; dir=$(scratch_module etcd go.etcd.io/etcd/server/v3 "v$ETCD_VERSION")
      (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$target.tmp" go.etcd.io/etcd/server/v3) ;;
    kwok)
      local dir; dir=$(scratch_module kwok sigs.k8s.io/kwok "v$KWOK_VERSION")
      (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$target.tmp" sigs.k8s.io/kwok/cmd/kwok) ;;
    coredns)
      local dir; dir=$(coredns_module)
      (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$target.tmp" .) ;;
    *) log "unknown binary $name"; exit 2 ;;
  esac
  mv "$target.tmp" "$target"
}

for b in "${wanted[@]}"; do build "$b"; done
echo "$OUT"
