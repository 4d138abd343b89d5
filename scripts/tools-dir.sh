# Sourced by infra.sh, k8s-tools.sh and node24.sh (after LOCAL is set): where
# built tools live. Tools are kept once per machine, so a fresh clone (CI's)
# reuses what an earlier checkout built instead of building it again; data,
# logs and run files stay per checkout under LOCAL.
#
# TICKETING_TOOLS_DIR (default ${XDG_CACHE_HOME:-~/.cache}/ticketing) holds
# bin/ (the infrastructure's servers), k8s/ (the infra suite's tools and
# image store), node24/ and the Python tools' venv; LOCAL/<name> is a link to
# TOOLS/<name>, so every path the project already uses keeps working.
TOOLS="${TICKETING_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing}"

# tools_dir NAME: make LOCAL/NAME the machine's TOOLS/NAME and print its real path.
# A directory LOCAL/NAME built before this existed moves there (once).
tools_dir() {
  local name="$1"
  mkdir -p "$TOOLS" "$LOCAL"
  if [[ -d "$LOCAL/$name" && ! -L "$LOCAL/$name" ]]; then
    if [[ -e "$TOOLS/$name" ]]; then
      # Both exist: this checkout keeps its own copy.
      (cd "$LOCAL/$name" && pwd -P)
      return
    fi
    mv "$LOCAL/$name" "$TOOLS/$name"
  fi
  mkdir -p "$TOOLS/$name"
  [[ -L "$LOCAL/$name" ]] || ln -s "$TOOLS/$name" "$LOCAL/$name"
  (cd "$TOOLS/$name" && pwd -P)
}
