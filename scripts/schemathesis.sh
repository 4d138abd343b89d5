#!/usr/bin/env bash
# Schemathesis (the contract fuzzer of e2e/src/system/contract.test.ts), a
# pinned version from PyPI in a virtual environment kept once per machine
# with the other tools (scripts/tools-dir.sh), <LOCAL>/schemathesis linking
# to it (LOCAL: TICKETING_LOCAL_DIR or <repo>/.local).
#
#   schemathesis.sh          install if missing or another version (idempotent), print the st binary
#   schemathesis.sh version  print the installed version (nothing installed: exit 1)
#
# Env: PYTHON (default python3, 3.10 or newer).
set -euo pipefail

VERSION="4.32.5"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="${TICKETING_LOCAL_DIR:-$REPO/.local}"
# shellcheck source=tools-dir.sh
source "$REPO/scripts/tools-dir.sh"
DIR="$(tools_dir schemathesis)"
ST="$DIR/bin/st"
PYTHON="${PYTHON:-python3}"

log() { printf '[schemathesis] %s\n' "$*" >&2; }

installed() {
  [[ -x "$ST" ]] || return 1
  local v
  v="$("$DIR/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" || return 1
  [[ "$v" == "$VERSION" ]] || return 1
  # Its scripts name the venv's own path: a venv moved since it was built no longer runs.
  "$ST" --version >/dev/null 2>&1 || return 1
  echo "$v"
}

install() {
  command -v "$PYTHON" >/dev/null 2>&1 || { log "$PYTHON not found (Python 3.10+ is needed; set PYTHON)"; exit 1; }
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { log "$PYTHON is older than 3.10"; exit 1; }
  mkdir -p "$LOCAL"
  log "installing schemathesis==$VERSION from PyPI ..."
  # A venv records its own path, so it is built where it lives; a half-built
  # one fails the checks above and is built again next time.
  find "$DIR" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  "$PYTHON" -m venv "$DIR"
  "$DIR/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION"
  installed >/dev/null || { log "schemathesis $VERSION did not install"; exit 1; }
  log "installed schemathesis $VERSION in $DIR"
}

case "${1:-}" in
  version) installed ;;
  "")
    mkdir -p "$LOCAL"
    exec 9>"$DIR/../.schemathesis.lock"
    flock 9
    if v="$(installed)"; then log "schemathesis $v already installed in $DIR"; else install; fi
    echo "$ST"
    ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
