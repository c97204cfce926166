#!/usr/bin/env bash
# Installs the real control-plane binaries the integration tests start:
# etcd (Debian's etcd-server package) and kube-apiserver plus
# kube-controller-manager built from the k8s.io/kubernetes module pinned in
# hack/tools/go.mod; and Chromium (Debian's chromium package), the browser
# the HTML report's test drives. Idempotent: binaries already in place are
# kept.
#
# Prints the assets directory (for KUBEBUILDER_ASSETS) as its last line.
#   BULKHEAD_ASSETS  where to put the binaries
#                    (default: ~/.cache/bulkhead/assets/<kubernetes version>)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2} $1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$root/hack/tools/go.mod" | head -n 1)
[ -n "$version" ] || { echo "install-test-tools: no k8s.io/kubernetes version in hack/tools/go.mod" >&2; exit 1; }
assets=${BULKHEAD_ASSETS:-${XDG_CACHE_HOME:-$HOME/.cache}/bulkhead/assets/$version}
mkdir -p "$assets"

log() { echo "install-test-tools: $*" >&2; }

# etcd: Debian ships 3.4 as etcd-server.
if [ ! -x "$assets/etcd" ]; then
	etcd_bin=$(command -v etcd || true)
	if [ -z "$etcd_bin" ]; then
		if [ "$(id -u)" != 0 ]; then
			log "etcd is not installed and this is not root: run 'apt-get install etcd-server' first"
			exit 1
		fi
		log "installing etcd-server from Debian"
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >&2
		# The package starts a system etcd on the default ports where an init
		# system runs; the tests start their own on free ports.
		etcd_bin=$(command -v etcd)
	fi
	ln -sf "$etcd_bin" "$assets/etcd"
fi

# kube-apiserver and kube-controller-manager, built once per version.
missing=()
for b in kube-apiserver kube-controller-manager; do
	[ -x "$assets/$b" ] || missing+=("k8s.io/kubernetes/cmd/$b")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "building ${missing[*]} $version (about 10 minutes on 2 cores the first time)"
	tmp=$(mktemp -d "$assets/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	minor=$(echo "$version" | cut -d. -f2)
	ldflags=""
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags="$ldflags -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
	done
	(cd "$root/hack/tools" && go build -ldflags "$ldflags" -o "$tmp/" "${missing[@]}") >&2
	mv "$tmp"/* "$assets/"
fi

# chromium: the headless browser of the HTML report's test, linked beside
# the control plane (make test sets BULKHEAD_CHROMIUM to it).
if [ ! -x "$assets/chromium" ]; then
	chromium_bin=$(command -v chromium || true)
	if [ -z "$chromium_bin" ]; then
		if [ "$(id -u)" != 0 ]; then
			log "chromium is not installed and this is not root: run 'apt-get install chromium' first"
			exit 1
		fi
		log "installing chromium from Debian"
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
		chromium_bin=$(command -v chromium)
	fi
	ln -sf "$chromium_bin" "$assets/chromium"
fi

for b in etcd kube-apiserver kube-controller-manager chromium; do
	[ -x "$assets/$b" ] || { log "$assets/$b missing after install"; exit 1; }
done
echo "$assets"
