/**
 * Start-up: `checks list` and `checks explain` show check metadata, so they load no protocol
 * client (no LDAP, no PowerShell, no iSCSI or SCSI code, no probe), and `--version` loads no
 * oclif. Each runs through the built CLI with a hook that records every module it loads
 * (test/helpers/module-log.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, ROOT, runWrapped, tempDir, tempFiles } from '../helpers/cli.ts';

const HOOK = pathToFileURL(join(ROOT, 'test/helpers/module-log.ts')).href;
const DIST = pathToFileURL(join(ROOT, 'dist')).href;

/** What a listing must not load: [URL part, what it is]. */
const PROTOCOL_CLIENTS: [string, string][] = [
  ['/node_modules/ldapts/', 'the LDAP client'],
  ['/node_modules/node-powershell/', 'the PowerShell client'],
  ['/node_modules/child-shell/', "node-powershell's process layer"],
  [`${DIST}/src/scsi/`, 'the SCSI layer'],
  [`${DIST}/src/iscsi/`, 'the iSCSI initiator'],
  [`${DIST}/src/storage/`, 'the storage probes'],
  [`${DIST}/src/ad/`, 'the Active Directory client and probe'],
  [`${DIST}/src/windows/`, 'the Windows runner and probe'],
];

/** Runs the CLI with the module recorder; the URLs it loaded, in order. */
async function modulesOf(args: string[], exit: 'zero' | 'any' = 'zero'): Promise<string[]> {
  const log = join(await tempDir(), 'modules.txt');
  const r = await runWrapped([process.execPath, '--import', HOOK, BIN, ...args], {
    env: { CLUSTERPROBE_MODULE_LOG: log },
  });
  if (exit === 'zero') assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return (await readFile(log, 'utf8')).split('\n').filter((line) => line.length > 0);
}

/** The protocol clients among `urls`, one line each: what it is, how many modules, the first one. */
function protocolClients(urls: readonly string[]): string[] {
  return PROTOCOL_CLIENTS.flatMap(([part, what]) => {
    const hits = urls.filter((url) => url.includes(part));
    return hits.length ? [`${what}: ${hits.length} module(s), first ${hits[0]}`] : [];
  });
}

for (const args of [
  ['checks', 'list'],
  ['checks', 'list', '--json'],
  ['checks', 'list', 'storage.*', '--config', 'examples/review-lab.yaml'],
  ['checks', 'explain', 'storage.pr.support'],
  ['checks', 'explain', 'ad.connect', '--json'],
  ['checks', 'explain', 'nodes.reachable'],
]) {
  test(`${args.join(' ')} loads no protocol client`, async () => {
    const urls = await modulesOf(args);
    // The recorder saw the checks themselves: an empty or broken log would prove nothing.
    assert.ok(urls.includes(`${DIST}/checks/index.js`), `the log lacks checks/index.js:\n${urls.join('\n')}`);
    assert.deepEqual(protocolClients(urls), []);
    // Without a spec to read, no YAML parser and no zod either: a check's module does not pull
    // in the runner, and the check contract is validated without a schema library.
    if (!args.includes('--config'))
      assert.deepEqual(
        urls.filter((url) => url.includes('/node_modules/yaml/') || url.includes('/node_modules/zod/')),
        [],
      );
  });
}

test('the recorder sees a protocol client where one is loaded: validate of the nodes checks', async () => {
  // Without PowerShell the nodes probe only says so, but it is loaded to collect its fact.
  const dir = await tempFiles({ 'cluster.yaml': 'cluster: { name: C1 }\nnodes:\n  - name: HV01\n  - name: HV02\n' });
  const urls = await modulesOf(['validate', '--config', join(dir, 'cluster.yaml'), '--only', 'nodes.*'], 'any');
  assert.ok(
    protocolClients(urls).some((line) => line.startsWith('the Windows runner and probe:')),
    `validate collected the nodes fact without loading its probe?\n${urls.join('\n')}`,
  );
});

test("--version prints oclif's own line without loading oclif", async () => {
  const log = join(await tempDir(), 'modules.txt');
  const ours = await runWrapped([process.execPath, '--import', HOOK, BIN, '--version'], {
    env: { CLUSTERPROBE_MODULE_LOG: log },
  });
  assert.equal(ours.code, 0, ours.stderr);
  const urls = (await readFile(log, 'utf8')).split('\n').filter((line) => line.length > 0);
  assert.deepEqual(
    urls.filter((url) => url.includes('/node_modules/')),
    [],
    'bin/run.js answers --version itself',
  );
  // What oclif prints when it answers (Config#userAgent), for the same package.json.
  const theirs = await runWrapped(
    [
      process.execPath,
      '--input-type=module',
      '-e',
      `import { execute } from '@oclif/core'; await execute({ dir: ${JSON.stringify(pathToFileURL(BIN).href)}, args: ['--version'] });`,
    ],
    {},
  );
  assert.equal(theirs.code, 0, theirs.stderr);
  assert.match(theirs.stdout, /^clusterprobe\/\d+\.\d+\.\d+\S* \S+-\S+ node-v\d+\.\d+\.\d+\n$/);
  assert.equal(ours.stdout, theirs.stdout);
});
