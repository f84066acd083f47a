/**
 * The files clusterprobe reads at run time (the JSON Schemas, the checks' documentation, the
 * example spec), by their path in the package. Inside a single executable (Node SEA, built by
 * `npm run package`) they are SEA assets under the same names; otherwise they are read from the
 * package root, found from this file (src/commands/ or dist/src/commands/) or, in the bundle,
 * set by its entry point.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAsset, isSea } from 'node:sea';

/** The path of a run-time file inside the package, which is also its SEA asset key. */
export type AssetName = `schema/${string}.json` | `docs/checks/${string}.md` | 'examples/review-lab.yaml';

let root: string | undefined;

/** Whether this process is a single executable (the assets are inside it, not on disk). */
export function inExecutable(): boolean {
  return isSea();
}

/** Sets the package root (the bundle's entry point: the directory above dist-bin/). */
export function setPackageRoot(dir: string): void {
  root = dir;
}

/** The package root on disk (the directory of clusterprobe's package.json); undefined in an executable. */
export function packageRoot(): string | undefined {
  if (inExecutable()) return undefined;
  if (root !== undefined) return root;
  // src/commands/assets.ts is two levels below the root, dist/src/commands/assets.js three.
  for (const up of ['../../', '../../../']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
  }
  return undefined;
}

/**
 * The file of an asset on disk, for a reference to it (the spec's `$schema` comment), or
 * undefined when there is none: inside an executable, or a package that lacks it.
 */
export function assetFile(name: AssetName): string | undefined {
  const dir = packageRoot();
  if (dir === undefined) return undefined;
  const file = join(dir, ...name.split('/'));
  return existsSync(file) ? file : undefined;
}

/** The text of an asset; throws an Error naming it when this installation lacks it. */
export function readAsset(name: AssetName): string {
  if (inExecutable()) {
    try {
      return getAsset(name, 'utf8');
    } catch (err) {
      throw new Error(`this executable holds no ${name} (${(err as Error).message})`, { cause: err });
    }
  }
  const file = assetFile(name);
  if (file === undefined) throw new Error(`this installation of clusterprobe has no ${name}`);
  return readFileSync(file, 'utf8');
}
