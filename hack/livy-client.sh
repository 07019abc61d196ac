#!/usr/bin/env bash
# Installs a real, unmodified Apache Livy client from PyPI (pylivy, the `livy` package, with its
# dependencies) into a cache outside the repository, for the tests of stoke server's Livy-compatible API.
# Prints the directory to put on PYTHONPATH. Work is skipped when already installed.
#
#   hack/livy-client.sh          install (if needed) and print the directory
#   hack/livy-client.sh --path   only print the directory
#
# Cache: ${STOKE_CACHE:-$HOME/.cache/stoke}/livy-client/<version>/
set -euo pipefail

LIVY_CLIENT_VERSION=${LIVY_CLIENT_VERSION:-0.8.0}
CACHE=${STOKE_CACHE:-$HOME/.cache/stoke}
dir=$CACHE/livy-client/$LIVY_CLIENT_VERSION
if [ "${1:-}" = "--path" ]; then echo "$dir"; exit 0; fi
if [ -z "${PIP:-}" ]; then
  if command -v pip >/dev/null; then PIP=pip
  elif command -v pip3 >/dev/null; then PIP=pip3
  else PIP="python3 -m pip"; fi
fi
if [ ! -f "$dir/.ready" ]; then
  mkdir -p "$CACHE/livy-client"
  exec {lock}>"$CACHE/livy-client/.lock"
  flock "$lock"
  if [ ! -f "$dir/.ready" ]; then
    echo "livy-client: installing livy==$LIVY_CLIENT_VERSION from PyPI into $dir" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    PIP_ROOT_USER_ACTION=ignore $PIP install --quiet --disable-pip-version-check --no-compile --target "$dir" "livy==$LIVY_CLIENT_VERSION" >&2
    PYTHONPATH=$dir python3 -c 'import livy' # the client imports
    touch "$dir/.ready"
  fi
fi
echo "$dir"
