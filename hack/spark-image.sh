#!/usr/bin/env bash
# Builds Stoke's Spark container images offline and imports them into the local cluster's containerd.
#
#   hack/spark-image.sh build [version ...]    write image archives to the cache (default: every pinned Spark)
#   hack/spark-image.sh import [version ...]   build if needed, then import into containerd (cluster must be up)
#   hack/spark-image.sh name <version>         print the image reference for a Spark version
#
# An image is three layers, each cached and rebuilt only when missing:
#   base    Debian bookworm (debootstrap minbase) + Java 17 JRE, Python 3, tini, procps; user spark (uid 185)
#   spark   the Spark distribution from hack/spark.sh at /opt/spark
#   stoke   hack/spark-image/entrypoint.sh at /opt/entrypoint.sh and the examples/ jobs at /opt/stoke/examples
# and is written as a docker-archive tarball that `ctr images import` reads. Nothing is pulled from a registry.
#
# Cache: ${STOKE_CACHE:-$HOME/.cache/stoke}/images/
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
IMAGES=$CACHE/images
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SUITE=bookworm
IMAGE_REPO=${STOKE_SPARK_IMAGE_REPO:-stoke.local/spark}
CTR_ADDRESS=${CTR_ADDRESS:-/run/stoke/containerd/containerd.sock}
BASE_PACKAGES=(openjdk-17-jre-headless python3 tini procps)

log() { echo "spark-image: $*" >&2; }

need_packages() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian"
  # Package lists may be missing or stale on a fresh machine: refresh them once if the install fails.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-upgrade "${missing[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-upgrade "${missing[@]}" >&2; }
}

# Writes a layer tarball of a directory tree with numeric owners, sorted entries and fixed times, so the same
# tree always gives the same digest.
layer_tar() { # dir out
  tar --numeric-owner --sort=name --mtime='2000-01-01 00:00:00Z' -C "$1" -cf "$2.tmp" .
  mv "$2.tmp" "$2"
}

base_layer() {
  local out=$IMAGES/layers/base.tar rootfs=$IMAGES/rootfs-base
  [ -f "$out" ] && { echo "$out"; return; }
  need_packages debootstrap
  log "debootstrap $DEBIAN_SUITE (minbase) and ${BASE_PACKAGES[*]} into $rootfs (about 2 minutes, once)"
  rm -rf "$rootfs" && mkdir -p "$rootfs" "$IMAGES/layers"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >&2
  # ca-certificates-java runs java while it installs, which needs /proc.
  mount -t proc proc "$rootfs/proc"
  trap 'umount "$rootfs/proc" 2>/dev/null || true' RETURN
  chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${BASE_PACKAGES[@]}" >&2
  chroot "$rootfs" apt-get clean
  chroot "$rootfs" /usr/sbin/useradd --uid 185 --gid 0 --home-dir /opt/spark/work-dir --no-create-home spark
  umount "$rootfs/proc"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  layer_tar "$rootfs" "$out"
  rm -rf "$rootfs"
  echo "$out"
}

spark_layer() { # version
  local version=$1 out=$IMAGES/layers/spark-$1.tar home tree
  [ -f "$out" ] && { echo "$out"; return; }
  home=$("$ROOT/hack/spark.sh" home "$version")
  log "spark layer for $version from $home"
  tree=$(mktemp -d)
  mkdir -p "$tree/opt"
  cp -a "$home" "$tree/opt/spark"
  rm -rf "$tree/opt/spark/conf" && mkdir -p "$tree/opt/spark/work-dir" "$tree/opt/spark/conf"
  chown -R 185:0 "$tree/opt/spark/work-dir"
  chmod 0775 "$tree/opt/spark/work-dir"
  layer_tar "$tree" "$out"
  rm -rf "$tree"
  echo "$out"
}

# The examples are compiled against the version's own jars (Scala 2.12 for 3.5, 2.13 for 4.x).
stoke_layer() { # version
  local version=$1 home tree out sum
  home=$("$ROOT/hack/spark.sh" home "$version")
  sum=$(cat "$ROOT/hack/spark-image/entrypoint.sh" "$ROOT"/examples/src/*/*.java "$ROOT"/examples/python/*.py | sha256sum | cut -c1-12)
  out=$IMAGES/layers/stoke-$version-$sum.tar
  [ -f "$out" ] && { echo "$out"; return; }
  log "stoke layer for $version (entrypoint and examples)"
  tree=$(mktemp -d)
  mkdir -p "$tree/opt/stoke/examples/classes"
  javac --release 17 -nowarn -cp "$home/jars/*" -d "$tree/opt/stoke/examples/classes" "$ROOT"/examples/src/*/*.java >&2
  (cd "$tree/opt/stoke/examples/classes" && jar --create --file ../stoke-examples.jar .)
  rm -rf "$tree/opt/stoke/examples/classes"
  cp "$ROOT"/examples/python/*.py "$tree/opt/stoke/examples/"
  install -m 0755 "$ROOT/hack/spark-image/entrypoint.sh" "$tree/opt/entrypoint.sh"
  layer_tar "$tree" "$out"
  rm -rf "$tree"
  rm -f "$IMAGES"/layers/stoke-"$version"-*.tar.old
  echo "$out"
}

image_name() { echo "$IMAGE_REPO:$1"; }

# docker-archive: manifest.json, an image config naming the layers' diff ids, and the layer tarballs.
write_archive() { # version out layer...
  local version=$1 out=$2; shift 2
  local dir diffs="" layers="" l sum py4j
  dir=$(mktemp -d)
  for l in "$@"; do
    sum=$(sha256sum "$l" | cut -d' ' -f1)
    ln -s "$l" "$dir/$sum.tar"
    diffs+="${diffs:+,}\"sha256:$sum\""
    layers+="${layers:+,}\"$sum.tar\""
  done
  py4j=$(cd "$("$ROOT/hack/spark.sh" home "$version")/python/lib" && ls py4j-*-src.zip)
  cat > "$dir/config.json" <<EOF
{"architecture":"amd64","os":"linux","config":{"User":"185","WorkingDir":"/opt/spark/work-dir",
"Entrypoint":["/opt/entrypoint.sh"],
"Env":["PATH=/opt/spark/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
"JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64","SPARK_HOME=/opt/spark","PYSPARK_PYTHON=python3",
"PYTHONPATH=/opt/spark/python/lib/pyspark.zip:/opt/spark/python/lib/$py4j","STOKE_EXAMPLES=/opt/stoke/examples"]},
"rootfs":{"type":"layers","diff_ids":[$diffs]}}
EOF
  echo "[{\"Config\":\"config.json\",\"RepoTags\":[\"$(image_name "$version")\"],\"Layers\":[$layers]}]" > "$dir/manifest.json"
  tar -C "$dir" --dereference -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  rm -rf "$dir"
}

build() { # version -> prints archive path
  local version=$1 base spark stoke out
  need_packages openjdk-17-jdk-headless
  base=$(base_layer)
  spark=$(spark_layer "$version")
  stoke=$(stoke_layer "$version")
  out=$IMAGES/spark-$version-$(basename "$stoke" .tar | sed 's/^stoke-[^-]*-//').tar
  if [ ! -f "$out" ]; then
    log "writing $(image_name "$version") to $out"
    rm -f "$IMAGES"/spark-"$version"-*.tar
    write_archive "$version" "$out" "$base" "$spark" "$stoke"
  fi
  echo "$out"
}

import() { # version
  local archive ref id
  archive=$(build "$1")
  ref=$(image_name "$1")
  id=$(basename "$archive" .tar)
  # The archive name carries the stoke layer's content hash: import only what containerd does not hold yet.
  if ctr --address "$CTR_ADDRESS" -n k8s.io images ls -q "labels.\"stoke.dev/archive\"==$id" 2>/dev/null | grep -q .; then
    return 0
  fi
  log "importing $ref into containerd"
  ctr --address "$CTR_ADDRESS" -n k8s.io images import --no-unpack=false "$archive" >&2
  ctr --address "$CTR_ADDRESS" -n k8s.io images label "$ref" "stoke.dev/archive=$id" >/dev/null
}

versions() {
  if [ $# -gt 0 ]; then printf '%s\n' "$@"; else "$ROOT/hack/spark.sh" | cut -d' ' -f1; fi
}

cmd=${1:-build}; shift || true
case "$cmd" in
  build) for v in $(versions "$@"); do build "$v"; done ;;
  import) for v in $(versions "$@"); do import "$v"; done ;;
  name) image_name "$1" ;;
  *) echo "usage: $0 build|import|name [version ...]" >&2; exit 2 ;;
esac
