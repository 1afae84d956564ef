# shellcheck shell=bash
# Installing what the tests and the demo run: sourced, not run. Debian's
# redis-server, bubblewrap, chromium and shellcheck come from apt-get; kubo (IPFS)
# is built from the Go module proxy. Each ensure_* returns at once when the tool
# is already there; scripts/services.sh starts and stops the services.
#
#   source scripts/install.sh
#   ensure_redis        # redis-server + redis-cli (the system service left stopped)
#   ensure_ipfs         # kubo $CYXWIZ_KUBO_VERSION in $CYXWIZ_GO_DIR/bin; exports IPFS_BIN
#   ensure_bwrap        # bubblewrap, the node agent's sandbox
#   ensure_chromium     # chromium, for the dashboard's browser test
#   ensure_shellcheck   # shellcheck, for the scripts' lint step
#
# Functions print `error: ...` and return 1 on failure, so with `set -e` a failure
# stops the calling script.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# kubo release built by ensure_ipfs, and the h1: hash of its module zip (the
# same hash sum.golang.org records), checked after download.
CYXWIZ_KUBO_VERSION="${CYXWIZ_KUBO_VERSION:-v0.43.0}"
# shellcheck disable=SC2034 # read through ${!name} in _svc_build_kubo
CYXWIZ_KUBO_SUM_v0_43_0="h1:yIqtKSCSKZXsYHz68J6hf1/dWOe/eMyaPsTubsVUb3M="

CYXWIZ_CACHE="${CYXWIZ_CACHE:-$HOME/.cache/cyxwiz}"
CYXWIZ_GO_DIR="${CYXWIZ_GO_DIR:-$CYXWIZ_CACHE/go}"

# _svc_apt_install PKG...: quiet apt-get install; `apt-get update` only if the
# first attempt fails. Services are not started (policy-rc.d) while installing.
_svc_apt_install() {
  if ! command -v apt-get >/dev/null; then
    _svc_err "apt-get not found: install $* with this system's package manager, then re-run."
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    _svc_err "installing $* needs root. Run: sudo apt-get install -y $*  (then re-run)."
    return 1
  fi
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/cyxwiz-apt.XXXXXX")"
  # A subshell so its traps remove our policy-rc.d even on failure or Ctrl-C.
  # (errexit does not apply inside it: every step is checked.)
  if ! (
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      trap 'rm -f "$policy"' EXIT
      trap 'exit 130' INT TERM
      printf '#!/bin/sh\n# cyxwiz scripts/install.sh: no services started during install\nexit 101\n' >"$policy" \
        && chmod 755 "$policy" || exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    try_install() {
      apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "$@" >>"$log" 2>&1
    }
    try_install "$@" || { apt-get update -qq >>"$log" 2>&1 && try_install "$@"; }
  ); then
    _svc_err "apt-get install $* failed (package lists, network or dpkg lock?)."
    _svc_tail "$log"
    printf '  full log: %s. Fix the cause (e.g. apt-get update, or wait for another apt to finish) and re-run.\n' "$log" >&2
    return 1
  fi
  rm -f "$log"
}

# ---------------------------------------------------------------------------
# Debian packages

# ensure_redis: Debian's redis-server (and redis-cli), installed if missing. The
# system service it ships is left stopped and disabled.
ensure_redis() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    return 0
  fi
  _svc_note "installing redis-server from Debian (apt-get)"
  _svc_apt_install redis-server redis-tools || return 1
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    _svc_err "apt-get installed redis-server but redis-server/redis-cli are not on PATH ($PATH)."
    return 1
  fi
  # Belt and braces: if the package's service got started or enabled anyway, undo it.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable --now redis-server >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/redis-server ]; then
    /etc/init.d/redis-server stop >/dev/null 2>&1 || true
    update-rc.d redis-server disable >/dev/null 2>&1 || true
  fi
  _svc_note "installed $(redis-server --version | cut -d' ' -f1-3)"
}

# ensure_chromium: Debian's chromium for the dashboard's browser test (playwright-core
# drives it; nothing is downloaded from anywhere but Debian).
ensure_chromium() {
  if [ -x "${CYXWIZ_CHROMIUM:-/usr/bin/chromium}" ]; then
    return 0
  fi
  _svc_note "installing chromium from Debian (apt-get) for the dashboard's browser test"
  _svc_apt_install chromium || return 1
  if [ ! -x /usr/bin/chromium ]; then
    _svc_err "apt-get installed chromium but /usr/bin/chromium is missing; set CYXWIZ_CHROMIUM to its path."
    return 1
  fi
}

# ensure_bwrap: Debian's bubblewrap, the sandbox node agents run client commands in.
ensure_bwrap() {
  if command -v bwrap >/dev/null; then
    return 0
  fi
  _svc_note "installing bubblewrap from Debian (apt-get): the node agent's sandbox"
  _svc_apt_install bubblewrap || return 1
}

# ensure_shellcheck: Debian's shellcheck, for the lint step of scripts/test.sh.
ensure_shellcheck() {
  if command -v shellcheck >/dev/null; then
    return 0
  fi
  _svc_note "installing shellcheck from Debian (apt-get)"
  _svc_apt_install shellcheck || return 1
  if ! command -v shellcheck >/dev/null; then
    _svc_err "apt-get installed shellcheck but it is not on PATH ($PATH)."
    return 1
  fi
}

# ---------------------------------------------------------------------------
# kubo (IPFS)

# ensure_ipfs: kubo $CYXWIZ_KUBO_VERSION at $IPFS_BIN, built from the Go module
# proxy into $CYXWIZ_GO_DIR the first time (several minutes), reused afterwards.
# Exports IPFS_BIN and puts its directory first on PATH.
ensure_ipfs() {
  local version="$CYXWIZ_KUBO_VERSION" bindir="$CYXWIZ_GO_DIR/bin"
  local bin="$bindir/ipfs" have=""
  if [ -x "$bin" ]; then
    have="$("$bin" version --number 2>/dev/null || true)"
  fi
  if [ "$have" != "${version#v}" ]; then
    _svc_build_kubo "$version" "$bin" || return 1
  fi
  export IPFS_BIN="$bin"
  case ":$PATH:" in
    *":$bindir:"*) ;;
    *) export PATH="$bindir:$PATH" ;;
  esac
  if ! command -v curl >/dev/null; then
    _svc_note "installing curl from Debian (apt-get)"
    _svc_apt_install curl || return 1
  fi
}

# _svc_build_kubo VERSION BIN
#
# Why not `go install github.com/ipfs/kubo/cmd/ipfs@VERSION`: that command first
# asks the proxy for the module's version list (@v/list, to look for deprecations
# and retractions), which the registry mirror these machines reach answers with
# 403, so it fails for every version. Instead the exact release is fetched with
# `go mod download` (checked against sum.golang.org and the pinned hash above)
# and built inside its own module, with its own go.mod and go.sum: the same
# dependency versions `go install ...@VERSION` would use.
_svc_build_kubo() {
  local version="$1" bin="$2"
  if ! command -v go >/dev/null; then
    _svc_err "go not found: kubo is built from source with Go. Install Go (>= the version in kubo's go.mod, 1.26.5 for v0.43.0) and re-run."
    return 1
  fi
  mkdir -p "$CYXWIZ_GO_DIR/bin" || {
    _svc_err "cannot create $CYXWIZ_GO_DIR: check permissions, or set CYXWIZ_GO_DIR to a writable directory."
    return 1
  }
  local log="$CYXWIZ_GO_DIR/kubo-build.log" started
  started="$(date +%s)"
  _svc_note "building kubo $version from the Go module proxy (first time: several minutes; log: $log)"
  # A lock so that two scripts on the same machine do not build at once; the
  # subshell keeps the Go settings from leaking into the caller. (errexit does
  # not apply inside it: every step is checked.)
  local rc=0
  (
    exec 9>"$CYXWIZ_GO_DIR/kubo-build.lock" || exit 15
    flock 9 || exit 15
    # Another script may have built it while this one waited.
    if [ -x "$bin" ] && [ "$("$bin" version --number 2>/dev/null || true)" = "${version#v}" ]; then
      exit 0
    fi
    export GOPATH="$CYXWIZ_GO_DIR" GOMODCACHE="$CYXWIZ_GO_DIR/pkg/mod" GOCACHE="$CYXWIZ_GO_DIR/cache"
    export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=readonly -modcacherw -buildvcs=false"
    unset GOBIN GOOS GOARCH
    : >"$log" || exit 15
    cd "$CYXWIZ_GO_DIR" || exit 15
    if ! info="$(go mod download -json "github.com/ipfs/kubo@$version" 2>>"$log")"; then
      echo "go mod download github.com/ipfs/kubo@$version failed: $(grep -o '"Error": *"[^"]*"' <<<"$info" || true)" >>"$log"
      exit 11
    fi
    src="$(sed -n 's/^[[:space:]]*"Dir": *"\(.*\)",\{0,1\}$/\1/p' <<<"$info")"
    sum="$(sed -n 's/^[[:space:]]*"Sum": *"\(.*\)",\{0,1\}$/\1/p' <<<"$info")"
    commit="$(sed -n 's/^[[:space:]]*"Hash": *"\([0-9a-f]\{7\}\).*/\1/p' <<<"$info" | head -1)"
    if [ -z "$src" ] || [ ! -f "$src/go.mod" ]; then
      echo "go mod download did not report the module's directory: $info" >>"$log"
      exit 15
    fi
    pinned_var="CYXWIZ_KUBO_SUM_$(tr '.-' '__' <<<"$version")"
    pinned="${!pinned_var:-}"
    if [ -n "$pinned" ] && [ "$sum" != "$pinned" ]; then
      echo "kubo $version module hash $sum does not match the pinned $pinned" >>"$log"
      exit 12
    fi
    need="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$src/go.mod")"
    have="$(go env GOVERSION | sed 's/^go//')"
    if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
      echo "kubo $version needs Go >= $need, this machine has Go $have" >>"$log"
      exit 13
    fi
    cd "$src" || exit 15
    go build -trimpath -o "$bin.tmp.$$" \
      -ldflags "-s -w -X github.com/ipfs/kubo/plugin/plugins/telemetry.defaultEndpoint= -X github.com/ipfs/kubo.taggedRelease=$version -X github.com/ipfs/kubo.CurrentCommit=$commit" \
      ./cmd/ipfs >>"$log" 2>&1 || { rm -f "$bin.tmp.$$"; exit 14; }
    mv -f "$bin.tmp.$$" "$bin" || exit 15
  ) || rc=$?
  case "$rc" in
    0) ;;
    11) _svc_err "could not download github.com/ipfs/kubo@$version from the Go module proxy ($(go env GOPROXY))." \
          "Check network access to the proxy and GOPROXY, or pin another version with CYXWIZ_KUBO_VERSION." ;;
    12) _svc_err "the downloaded kubo $version does not have the pinned module hash: refusing to build it." \
          "If you changed the version on purpose, update CYXWIZ_KUBO_SUM_* in scripts/install.sh." ;;
    13) _svc_err "$(tail -1 "$log"). Install a newer Go, or pin an older kubo with CYXWIZ_KUBO_VERSION." ;;
    15) _svc_err "preparing the kubo build in $CYXWIZ_GO_DIR failed (permissions, disk space, or an unexpected module layout)." \
          "Fix it or set CYXWIZ_GO_DIR to a writable directory, then re-run." ;;
    *) _svc_err "building kubo $version failed (exit $rc)." \
          "Fix the cause shown in the log (disk space, proxy access), then re-run; the module cache is kept." ;;
  esac
  if [ "$rc" -ne 0 ]; then
    _svc_tail "$log"
    return 1
  fi
  if [ "$("$bin" version --number 2>/dev/null || true)" != "${version#v}" ]; then
    _svc_err "the kubo build at $bin does not report version ${version#v}; delete it and re-run."
    return 1
  fi
  KUBO_BUILD_SECONDS=$(( $(date +%s) - started ))
  _svc_note "kubo $version ready at $bin (${KUBO_BUILD_SECONDS} s)"
}
