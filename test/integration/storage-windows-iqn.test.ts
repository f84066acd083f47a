/**
 * The initiator name a node reports over PowerShell becomes its storage identity: against a
 * real tgt whose target allows only hv02's real name (not Windows' default derived from the host
 * name), with the FAKE PowerShell (test/fakes/fake-pwsh, replaying the hand-written `feed`
 * recording) as the Windows path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startTgt, type TgtLab } from '../lab/tgt.ts';
import { ROOT, runCli, tempFiles } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const HV01 = 'iqn.1991-05.com.microsoft:hv01.lab.example.test';
const HV02_REAL = 'iqn.2026-11.test:hv02-initiator';
const TARGET = 'iqn.2026-11.test:windows-iqn';
const FAKE = join(ROOT, 'test/fakes/fake-pwsh');
const RECORDINGS = join(ROOT, 'test/fixtures/powershell/nodes');

let lab: TgtLab;

before(async () => {
  lab = await startTgt();
  const tid = await lab.addTarget(TARGET);
  await lab.addLun(tid, 1, { sizeMiB: 8 });
  await lab.bindInitiator(tid, HV01);
  await lab.bindInitiator(tid, HV02_REAL);
});

after(async () => {
  await lab?.stop();
});

async function validate(
  spec: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const dir = await tempFiles({ 'cluster.yaml': spec });
  const r = await runCli(
    ['validate', '--config', join(dir, 'cluster.yaml'), '--only', 'storage.target.login,nodes.initiator.iqn', '--json'],
    {
      env: { CLUSTERPROBE_POWERSHELL: undefined, FAKE_PWSH_CASE: undefined, FAKE_PWSH_RECORDINGS: RECORDINGS, ...env },
    },
  );
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const spec = (iqn2 = '') => `nodes:
  - { name: hv01, fqdn: hv01.lab.example.test, iqn: ${HV01} }
  - { name: hv02, fqdn: hv02.lab.example.test${iqn2 ? `, iqn: ${iqn2}` : ''} }
storage:
  iscsi:
    - portal: ${lab.portal}
      targets: [${TARGET}]
`;
const logins = (r: Report) =>
  r.findings
    .filter((f) => f.checkId === 'storage.target.login')
    .map((f) => [f.subject, f.status, f.messageId, f.data.initiator, f.data.derived]);

test('without the Windows path hv02 logs in as the derived default and the ACL refuses it', async () => {
  const { report, stderr } = await validate(spec(), {});
  assert.deepEqual(
    logins(report),
    [
      [`${TARGET} hv01`, 'pass', 'loggedIn', HV01, false],
      [`${TARGET} hv02`, 'fail', 'aclMissing', 'iqn.1991-05.com.microsoft:hv02.lab.example.test', true],
    ],
    stderr,
  );
});

test('with it, hv02 logs in as the name it reported (not derived), and nodes.initiator.iqn says so', async () => {
  const { code, report, stderr } = await validate(spec(), { CLUSTERPROBE_POWERSHELL: FAKE, FAKE_PWSH_CASE: 'feed' });
  assert.equal(code, 0, stderr);
  assert.deepEqual(logins(report), [
    [`${TARGET} hv01`, 'pass', 'loggedIn', HV01, false],
    [`${TARGET} hv02`, 'pass', 'loggedIn', HV02_REAL, false],
  ]);
  assert.match(
    String(report.findings.find((f) => f.subject === `${TARGET} hv02`)!.data.identityNote),
    /as the node reported it/,
  );
  assert.deepEqual(
    report.findings.filter((f) => f.checkId === 'nodes.initiator.iqn').map((f) => [f.subject, f.messageId, f.data.iqn]),
    [
      ['hv01', 'matchesSpec', HV01],
      ['hv02', 'found', HV02_REAL],
    ],
  );
});

test('every node with nodes[].iqn: PowerShell is not asked by the storage probe', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clusterprobe-iqn-'));
  const log = join(dir, 'commands.log');
  const r = await runCli(
    [
      'validate',
      '--config',
      join(await tempFiles({ 'cluster.yaml': spec(HV02_REAL) }), 'cluster.yaml'),
      '--only',
      'storage.target.login',
      '--json',
    ],
    {
      env: {
        CLUSTERPROBE_POWERSHELL: FAKE,
        FAKE_PWSH_CASE: 'feed',
        FAKE_PWSH_RECORDINGS: RECORDINGS,
        FAKE_PWSH_LOG: log,
      },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  await assert.rejects(readFile(log, 'utf8'), { code: 'ENOENT' }, 'no command reached PowerShell');
});
