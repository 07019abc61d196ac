#!/usr/bin/env bash
# Builds a Go command from a module on the Go module proxy into a scratch module kept in the cache (so that
# modules with replace directives, which `go install pkg@version` refuses, build too).
#
#   hack/go-module-build.sh MODULE VERSION PACKAGE OUTPUT [go build flags...]
#
# Scratch module: ${STOKE_CACHE:-$HOME/.cache/stoke}/src/<MODULE with / as _>-VERSION
set -euo pipefail

module=$1 version=$2 package=$3 output=$4
shift 4
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
src=$CACHE/src/${module//\//_}-$version
if [ ! -f "$src/.ready" ]; then
  rm -rf "$src" && mkdir -p "$src"
  printf 'module stoke.local/build\ngo 1.24\n' > "$src/go.mod"
  echo 'package build' > "$src/doc.go"
  (cd "$src" && GOFLAGS=-mod=mod go get "$module@$version" >&2)
  touch "$src/.ready"
fi
mkdir -p "$(dirname "$output")"
(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath "$@" -o "$output.tmp" "$package")
mv "$output.tmp" "$output"
