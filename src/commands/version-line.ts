/**
 * What `clusterprobe --version` prints, without loading oclif (which alone takes longer than the
 * rest of Node's start-up), for bin/run.js and the bundle: oclif's own line,
 * `<name>/<version> <platform>-<arch> node-<node version>` (Config's userAgent in @oclif/core), for
 * `--version` as the first argument, as oclif reads it. Undefined where oclif's answer could
 * differ: under WSL it says `wsl` for the platform, after a check for Docker, so oclif answers there.
 * Imports only Node's built-ins: it is loaded before anything else.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';

export function versionLine(pkg: { name: string; version: string }, args: readonly string[]): string | undefined {
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
  const arch = process.arch === 'ia32' ? 'x86' : process.arch;
  return `${pkg.name}/${pkg.version} ${process.platform}-${arch} node-${process.version}`;
}
