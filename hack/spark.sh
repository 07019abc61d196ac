#!/usr/bin/env bash
# Installs pinned Apache Spark distributions (the PyPI pyspark wheels, which carry bin/ and jars/) into a cache
# outside the repository and prints "<version> <SPARK_HOME>" for each. Work is skipped when already installed.
#
#   hack/spark.sh              install every pinned version
#   hack/spark.sh home 3.5     print only the SPARK_HOME of that release line (installing it if needed)
#
# Cache: ${STOKE_CACHE:-$HOME/.cache/stoke}/spark/<version>/  (SPARK_HOME is <that>/pyspark)
set -euo pipefail
shopt -s inherit_errexit

SPARK35_VERSION=${SPARK35_VERSION:-3.5.9}
SPARK4_VERSION=${SPARK4_VERSION:-4.3.0}
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
# pip, else python3's pip module (a fresh machine may have only the latter).
if [ -z "${PIP:-}" ]; then
  if command -v pip >/dev/null; then PIP=pip
  elif command -v pip3 >/dev/null; then PIP=pip3
  else PIP="python3 -m pip"; fi
fi

log() { echo "spark: $*" >&2; }

# Fetches org.apache.spark:spark-kubernetes_<scala>:<version> and its runtime dependencies (the fabric8
# kubernetes-client jars among them) into jars/, for a distribution that was built without them.
add_kubernetes_jars() { # spark-home version
  local home=$1 version=$2 scala pom
  scala=$(ls "$home/jars" | sed -n 's/^spark-core_\([0-9.]*\)-.*\.jar$/\1/p' | head -1)
  [ -n "$scala" ] || { log "cannot tell the Scala version of $home"; exit 1; }
  log "adding spark-kubernetes_$scala:$version from Maven Central"
  pom=$(mktemp -d)
  cat > "$pom/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>stoke.local</groupId><artifactId>spark-k8s-jars</artifactId><version>0</version>
  <dependencies><dependency><groupId>org.apache.spark</groupId>
    <artifactId>spark-kubernetes_$scala</artifactId><version>$version</version></dependency></dependencies>
</project>
EOF
  # Only jars the distribution does not already carry (same artifact in any version) are copied in.
  mvn -q -f "$pom/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$pom/jars" >&2
  local jar base
  for jar in "$pom"/jars/*.jar; do
    base=$(basename "$jar" | sed 's/-[0-9][^-]*\(-[A-Za-z]*\)\{0,1\}\.jar$//')
    compgen -G "$home/jars/$base-[0-9]*.jar" >/dev/null || cp "$jar" "$home/jars/"
  done
  rm -rf "$pom"
}

install_spark() { # version -> prints SPARK_HOME
  local version=$1 dir=$CACHE/spark/$1 home=$CACHE/spark/$1/pyspark lock
  if [ ! -f "$dir/.ready" ]; then
    # Another run (CI builds the e2e images in the background) may be installing it: wait for that one.
    mkdir -p "$CACHE/spark"
    exec {lock}>"$CACHE/spark/.lock-$version"
    flock "$lock"
  fi
  if [ ! -f "$dir/.ready" ]; then
    command -v java >/dev/null || { log "spark-submit needs Java (17 or later) on the PATH"; exit 1; }
    log "installing pyspark $version into $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    PIP_ROOT_USER_ACTION=ignore $PIP install --quiet --disable-pip-version-check --no-deps --no-compile --target "$dir" "pyspark==$version" >&2
    if ! compgen -G "$home/jars/spark-kubernetes_*.jar" >/dev/null || ! compgen -G "$home/jars/kubernetes-client-*.jar" >/dev/null; then
      add_kubernetes_jars "$home" "$version"
    fi
    chmod +x "$home"/bin/*
    touch "$dir/.ready"
  fi
  echo "$home"
}

versions=("$SPARK35_VERSION" "$SPARK4_VERSION")
case "${1:-}" in
  "") for v in "${versions[@]}"; do home=$(install_spark "$v"); echo "$v $home"; done ;;
  home)
    for v in "${versions[@]}"; do
      case "$v" in "${2:?usage: $0 home <line, e.g. 3.5 or 4>}"|"$2".*) install_spark "$v"; exit 0 ;; esac
    done
    log "no pinned version on line $2 (pinned: ${versions[*]})"; exit 2 ;;
  *) echo "usage: $0 [home <line>]" >&2; exit 2 ;;
esac
