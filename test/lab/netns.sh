#!/bin/sh
# Runs its arguments inside a private network namespace with only `lo` (up), so the lab's
# servers (tgt, later Samba) and the tests that talk to them cannot collide with another run on
# the machine or reach any other address.
#   1. `unshare -n` (root, or CAP_SYS_ADMIN),
#   2. `unshare -rn` (an unprivileged user namespace maps the caller to root inside),
#   3. otherwise the command runs directly, with a note on stderr: the lab only uses 127.0.0.1.
# Already inside a namespace made by this script (CLUSTERPROBE_NETNS=1): run directly.
# Note: the network namespace isolates ports, not files (/run/tgtd/socket.N is shared).
set -eu
if [ "$#" -eq 0 ]; then
  echo "usage: sh test/lab/netns.sh COMMAND [ARG...]" >&2
  exit 2
fi

if [ "${CLUSTERPROBE_NETNS:-}" = 1 ]; then
  exec "$@"
fi

# Inside the namespace: bring loopback up, then replace the shell with the command.
inner='ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null || exit 97; exec "$@"'

try_unshare() {
  # A probe first, so that a failure of the command itself is never mistaken for a missing
  # namespace and the command never runs twice.
  unshare "$@" sh -c "$inner" netns-probe true >/dev/null 2>&1
}

if command -v unshare >/dev/null 2>&1; then
  if try_unshare -n; then
    CLUSTERPROBE_NETNS=1 exec unshare -n sh -c "$inner" netns "$@"
  fi
  if try_unshare -rn; then
    CLUSTERPROBE_NETNS=1 exec unshare -rn sh -c "$inner" netns "$@"
  fi
fi

echo "netns.sh: no private network namespace here (unshare -n and -rn both failed); running directly, lab traffic stays on 127.0.0.1" >&2
exec "$@"
