/**
 * The commands' run functions called directly, as a library would: plain options in, a result
 * out, output on in-memory streams. No process globals: the exit code stays unset, no stop-signal
 * handler is left (or ever installed by the run), nothing is written to the real stdout. And no
 * run imports a command module back (the command loads its run lazily; an import back was a cycle).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import ts from 'typescript';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { runValidate, type ValidateOptions } from '../../src/commands/validate-run.ts';
import { runReport } from '../../src/commands/report-run.ts';
import { runCleanup } from '../../src/commands/storage/cleanup-run.ts';
import { EXIT } from '../../src/engine/exit.ts';
import { ReportSchema } from '../../src/engine/report.ts';

/** A stream that keeps what is written to it. */
class Memory extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
  get plain(): string {
    return stripVTControlCharacters(this.text);
  }
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const listeners = () => STOP_SIGNALS.map((s) => process.listenerCount(s));

// One node name NetBIOS truncates (config.netbios.name fails), one that is fine.
const SPEC = ['nodes:', '  - { name: HYPERVHOSTNODE-01A }', '  - { name: hv02 }'].join('\n');

function options(overrides: Partial<ValidateOptions>): ValidateOptions & { stdout: Memory; stderr: Memory } {
  return {
    only: ['config.*'],
    skip: [],
    plugins: [],
    failOn: 'fail',
    concurrency: 4,
    timeoutSeconds: 30,
    verbose: false,
    allowInUse: false,
    debug: false,
    json: false,
    version: '0.0.0-test',
    stdout: new Memory(),
    stderr: new Memory(),
    ...overrides,
  } as ValidateOptions & { stdout: Memory; stderr: Memory };
}

test('runValidate: --save-facts then --from-facts style options, in-memory streams; the result carries the report and exit code, no process global is touched', async () => {
  const dir = await tempDir();
  const spec = join(dir, 'cluster.yaml');
  const facts = join(dir, 'facts.json');
  await writeFile(spec, SPEC);
  const before = listeners();
  const events: string[] = [];
  const hooks: Partial<ValidateOptions> = {
    checksStarting: (pending) => {
      events.push('starting');
      // The run installs no handler of its own: the command's hook is the only way in.
      assert.deepEqual(listeners(), before);
      assert.deepEqual(pending(), []);
    },
    checksDone: ({ escapes, cleanup }) => {
      events.push('done');
      assert.deepEqual(escapes, []);
      assert.deepEqual(cleanup, []);
    },
    onSecrets: (scrub) => {
      events.push('secrets');
      assert.equal(scrub('nothing secret'), 'nothing secret');
    },
  };

  const saved = options({ config: spec, saveFacts: facts, ...hooks });
  const first = await runValidate(saved);
  assert.deepEqual(events, ['secrets', 'starting', 'done']);
  assert.equal(first.exitCode, EXIT.fail);
  assert.equal(first.report.verdict, 'fail');
  assert.deepEqual(first.afterRun, []);
  assert.equal(first.escaped, false);
  const truncated = first.report.findings.find((f) => f.checkId === 'config.netbios.name' && f.status === 'fail');
  assert.ok(truncated, JSON.stringify(first.report.findings.map((f) => [f.checkId, f.status])));
  assert.match(truncated.message, /HYPERVHOSTNODE-01A/);
  // The terminal report went to the stream given, with the failing name in it.
  assert.match(saved.stdout.plain, /config\.netbios\.name/);
  assert.match(saved.stdout.plain, /HYPERVHOSTNODE-01A/);
  // Progress (not a terminal: plain lines) went to the stderr given.
  assert.match(saved.stderr.plain, /config\.netbios\.name/);
  assert.ok(JSON.parse(await readFile(facts, 'utf8')).facts.spec, 'the facts file holds the spec');

  // Offline, from the saved facts alone: the same findings, nothing probed.
  const offline = options({ fromFacts: facts });
  const second = await runValidate(offline);
  assert.equal(second.exitCode, EXIT.fail);
  assert.deepEqual(
    second.report.findings.map((f) => [f.checkId, f.subject, f.status, f.message]),
    first.report.findings.map((f) => [f.checkId, f.subject, f.status, f.message]),
  );
  assert.match(offline.stdout.plain, /HYPERVHOSTNODE-01A/);

  // --json: nothing on either stream, the report is the caller's to print.
  const json = options({ fromFacts: facts, json: true });
  const third = await runValidate(json);
  assert.equal(third.exitCode, EXIT.fail);
  assert.equal(json.stdout.text, '');
  assert.equal(json.stderr.text, '');

  // --fail-on warn leaves a failure at 3; passing checks only is 0.
  const passing = options({ fromFacts: facts, only: ['config.nodes.*'] });
  assert.equal((await runValidate(passing)).exitCode, EXIT.pass, passing.stdout.plain);

  assert.equal(process.exitCode, undefined);
  assert.deepEqual(listeners(), before);
});

test('runValidate: a stop through the AbortSignal (Ctrl-C, as the command passes it on) ends it as cancelled with exit 130 in the result, and no handler is installed', async () => {
  const dir = await tempDir();
  const spec = join(dir, 'cluster.yaml');
  await writeFile(spec, SPEC);
  const before = listeners();
  const controller = new AbortController();
  controller.abort(new Error('interrupted'));
  const stopped = options({ config: spec, signal: controller.signal });
  const result = await runValidate(stopped);
  assert.equal(result.report.cancelled, true);
  assert.equal(result.exitCode, EXIT.interrupted);
  assert.equal(process.exitCode, undefined);
  assert.deepEqual(listeners(), before);
});

test('runValidate: usage errors are thrown (the command prints them, exit 2), before anything runs', async () => {
  const dir = await tempDir();
  let started = false;
  await assert.rejects(
    runValidate(
      options({
        config: join(dir, 'x.yaml'),
        saveFacts: join(dir, 'f.json'),
        fromFacts: join(dir, 'g.json'),
        checksStarting: () => (started = true),
      }),
    ),
    (err: Error & { exitCode?: number }) => err.exitCode === EXIT.usage && /exclude each other/.test(err.message),
  );
  await writeFile(join(dir, 'cluster.yaml'), SPEC);
  await assert.rejects(
    runValidate(options({ config: join(dir, 'cluster.yaml'), junit: join(dir, 'missing', 'out.xml') })),
    (err: Error & { exitCode?: number }) => err.exitCode === EXIT.usage && /--junit .*does not exist/.test(err.message),
  );
  assert.equal(started, false);
  assert.equal(process.exitCode, undefined);
});

test('runReport renders a saved report to the stream given and returns it with exit 0; --html writes the file', async () => {
  const dir = await tempDir();
  const spec = join(dir, 'cluster.yaml');
  await writeFile(spec, SPEC);
  const { report } = await runValidate(options({ config: spec, json: true }));
  const saved = join(dir, 'run.json');
  await writeFile(saved, JSON.stringify(report));
  const stdout = new Memory();
  const html = join(dir, 'run.html');
  const result = await runReport({ from: saved, html, verbose: false, json: false, stdout });
  assert.equal(result.exitCode, EXIT.pass);
  assert.deepEqual(ReportSchema.parse(result.report).findings, report.findings);
  assert.match(stripVTControlCharacters(stdout.text), /config\.netbios\.name/);
  assert.match(await readFile(html, 'utf8'), /HYPERVHOSTNODE-01A/);
  const quiet = new Memory();
  await runReport({ from: saved, verbose: false, json: true, stdout: quiet });
  assert.equal(quiet.text, '');
  assert.equal(process.exitCode, undefined);
});

test('no module imports a command module but the command index (type-only imports included): a run importing its command back was a cycle', async () => {
  const commands = join(ROOT, 'src/commands');
  const index = await readFile(join(commands, 'index.ts'), 'utf8');
  const commandFiles = ts
    .preProcessFile(index, true, true)
    .importedFiles.map((i) => resolve(commands, i.fileName))
    .filter((f) => f.endsWith('.ts'));
  assert.ok(commandFiles.length >= 7, String(commandFiles));
  const offenders: string[] = [];
  const { glob } = await import('node:fs/promises');
  for await (const file of glob('src/**/*.ts', { cwd: ROOT })) {
    const path = join(ROOT, file);
    if (path === join(commands, 'index.ts')) continue;
    const imports = ts.preProcessFile(await readFile(path, 'utf8'), true, true).importedFiles;
    for (const { fileName } of imports) {
      if (fileName.startsWith('.') && commandFiles.includes(resolve(dirname(path), fileName)))
        offenders.push(`${file} imports ${relative(ROOT, resolve(dirname(path), fileName))}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('runCleanup: a portal nobody listens on is one line naming it once (not "PORTAL -: PORTAL: ..."), exit 3; the JSON keeps target "-"', async () => {
  const dir = await tempDir();
  const spec = join(dir, 'cluster.yaml');
  // Port 1 on loopback: refused at once, in the test namespace as anywhere.
  await writeFile(
    spec,
    ['nodes:', '  - { name: hv01 }', 'storage:', '  iscsi:', '    - portal: 127.0.0.1:1'].join('\n'),
  );
  const stdout = new Memory();
  const r = await runCleanup({ config: spec, dryRun: true, json: false, stdout });
  assert.equal(r.exitCode, EXIT.fail);
  assert.match(stdout.text, /^127\.0\.0\.1:1: connect failed: connection refused[^\n]*\n$/);
  assert.deepEqual(
    r.cleanup.luns.map((l) => [l.portal, l.target, l.lun]),
    [['127.0.0.1:1', '-', -1]],
  );
});
