/**
 * The entry point of the bundle (`dist-bin/clusterprobe-cli.cjs`) and of the single executables
 * made from it (`npm run package`, scripts/package.ts): what bin/run.js does, without a package
 * on disk. oclif gets package.json and the command index in memory: it reads no package.json,
 * scans no directory and imports no file (a single executable can load only built-in modules).
 */
import { dirname, resolve } from 'node:path';
import type { Interfaces } from '@oclif/core';
import { inExecutable, setPackageRoot } from './assets.ts';
import { versionLine } from './version-line.ts';

/**
 * Runs the CLI. `pjson` is package.json as the bundle embeds it; `entryFile` the bundle's own
 * path (in an executable, the executable's).
 */
export async function main(pjson: Interfaces.PJSON, entryFile: string): Promise<void> {
  // A reader that closes the pipe early is not a fault (see bin/run.js).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
  }
  const version = versionLine(pjson, process.argv.slice(2));
  if (version !== undefined) {
    process.stdout.write(`${version}\n`);
    return;
  }
  // Loaded only now, so that --version does without them (esbuild keeps a dynamic import lazy).
  const [{ execute, Plugin }, { COMMANDS }] = await Promise.all([import('@oclif/core'), import('./index.ts')]);
  const root = dirname(entryFile);
  // The bundle is dist-bin/clusterprobe-cli.cjs: the docs and schemas are in the package above it.
  if (!inExecutable()) setPackageRoot(resolve(root, '..'));
  const plugin = new Plugin({ root, isRoot: true, pjson, ignoreManifest: true });
  // The explicit strategy would import() oclif.commands.target; handing over the index it
  // exports keeps everything in this one script.
  (plugin as unknown as { commandCache: typeof COMMANDS }).commandCache = COMMANDS;
  await plugin.load();
  // Not awaited, as in bin/run.js: a stdout the reader closed never drains.
  void execute({ loadOptions: { root, pjson, plugins: new Map([[plugin.name, plugin]]) } });
}
