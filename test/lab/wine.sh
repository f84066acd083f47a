#!/bin/sh
# Runs a Windows program under Wine by hand, the way test/lab/wine.ts does for the smoke test:
#   sh test/lab/wine.sh dist-bin/clusterprobe-win-x64.exe checks list --json
# - a private prefix, kept between runs: $CLUSTERPROBE_WINEPREFIX, default
#   ${TMPDIR:-/tmp}/clusterprobe-wineprefix-<uid> (made on first use, ~10-25 s, ~700 MB;
#   remove it with: rm -rf <prefix>), set to Windows 10 (Node refuses the default Windows 7);
# - stdout and stderr go to files first, then to this script's stdout and stderr: Node under Wine
#   fails with "Error: open EBADF" when they are pipes. So output appears when the program ends.
# Exits with the program's exit code. Needs Debian's wine64 (/usr/lib/wine/wine64).
set -eu
if [ "$#" -eq 0 ]; then
  echo "usage: sh test/lab/wine.sh PROGRAM.exe [ARG...]" >&2
  exit 2
fi
wine=/usr/lib/wine/wine64
if [ ! -x "$wine" ]; then
  echo "wine.sh: $wine is missing: apt-get install wine64" >&2
  exit 2
fi
WINEPREFIX=${CLUSTERPROBE_WINEPREFIX:-${TMPDIR:-/tmp}/clusterprobe-wineprefix-$(id -u)}
WINEDEBUG=-all
export WINEPREFIX WINEDEBUG
# The marker, not system.reg: Wine writes the registry files only when its wineserver exits.
if [ ! -f "$WINEPREFIX/.clusterprobe-ready" ]; then
  echo "wine.sh: making the Wine prefix $WINEPREFIX (once)" >&2
  WINEDLLOVERRIDES='mscoree,mshtml=' "$wine" wineboot --init >/dev/null 2>&1
  "$wine" winecfg /v win10 >/dev/null 2>&1
  touch "$WINEPREFIX/.clusterprobe-ready"
fi
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
code=0
"$wine" "$@" </dev/null >"$out" 2>"$err" || code=$?
cat "$out"
cat "$err" >&2
exit "$code"
