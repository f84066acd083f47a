import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/ad/ou-placement.ts';
import { assertFindings, commandsOf, runCheck } from '../../helpers/run-check.ts';
import { adFacts, computer, node, prestaged } from './facts.ts';
import type { AdFacts } from '../../../src/facts/index.ts';
import type { Action, Finding } from '../../../src/engine/report.ts';
import { spawnSync } from 'node:child_process';

const BASE = 'DC=lab,DC=example,DC=test';
const HYPERV = `OU=HyperV,${BASE}`;
const COMPUTERS = `CN=Computers,${BASE}`;

function inOu(name: string, parent: string) {
  return computer(name, { dn: `CN=${name},${parent}` });
}

function withOu(over: Partial<AdFacts>, ou?: string) {
  const f = adFacts(over);
  return ou ? { ...f, spec: { ...(f.spec as object), activeDirectory: { domain: 'lab.example.test', ou } } } : f;
}

test('all nodes in one OU: pass naming it', async () => {
  const findings = await runCheck(check, adFacts());
  assertFindings(findings, [{ status: 'pass', messageId: 'sameOu', subject: HYPERV, data: { count: 2, ou: HYPERV } }]);
});

test('the review: nodes split between OU=HyperV and CN=Computers, each misplaced node named with its Move-ADObject', async () => {
  const nodes = [node('hv01'), node('hv02'), node('hv03')];
  const computers = [inOu('hv01', HYPERV), inOu('hv02', HYPERV), inOu('hv03', COMPUTERS)];
  const findings = await runCheck(check, adFacts({ nodes, computers }));
  assertFindings(findings, [
    {
      status: 'fail',
      messageId: 'inContainer',
      subject: 'hv03',
      data: { current: COMPUTERS, target: HYPERV, dn: `CN=hv03,${COMPUTERS}` },
    },
  ]);
  assert.deepEqual(
    commandsOf(findings[0], 'powershell')[0],
    `Move-ADObject -Identity 'CN=hv03,${COMPUTERS}' -TargetPath '${HYPERV}'`,
  );
  assert.deepEqual(commandsOf(findings[0], 'sh'), [`samba-tool computer move 'HV03' '${HYPERV}'`]);
});

test('two OUs: the minority node fails, naming where it is and where the others are', async () => {
  const other = `OU=Servers,${BASE}`;
  const nodes = [node('hv01'), node('hv02'), node('hv03')];
  const computers = [inOu('hv01', other), inOu('hv02', HYPERV), inOu('hv03', HYPERV)];
  const findings = await runCheck(check, adFacts({ nodes, computers }));
  assertFindings(findings, [
    {
      status: 'fail',
      messageId: 'differentOu',
      subject: 'hv01',
      data: { current: other, target: HYPERV, others: 'hv02, hv03 are' },
    },
  ]);
});

test("an even split: the first node's OU is the target, and the step says so", async () => {
  const other = `OU=Servers,${BASE}`;
  const findings = await runCheck(check, adFacts({ computers: [inOu('hv01', other), inOu('hv02', HYPERV)] }));
  assertFindings(findings, [{ status: 'fail', messageId: 'differentOu', subject: 'hv02', data: { target: other } }]);
  assert.match(JSON.stringify(findings[0]!.remediation), /split evenly/);
});

test('a configured OU: every node outside it fails, even when they agree with each other', async () => {
  const configured = `OU=Cluster,OU=Servers,${BASE}`;
  const findings = await runCheck(
    check,
    withOu(
      { ou: { dn: configured, source: 'config', exists: true, objectClass: ['top', 'organizationalUnit'] } },
      configured,
    ),
  );
  assertFindings(findings, [
    { status: 'fail', messageId: 'notInConfiguredOu', subject: 'hv01', data: { current: HYPERV, target: configured } },
    { status: 'fail', messageId: 'notInConfiguredOu', subject: 'hv02', data: { current: HYPERV, target: configured } },
  ]);
  const ok = await runCheck(
    check,
    withOu(
      { computers: [inOu('hv01', configured), inOu('hv02', configured)] },
      'ou=cluster, ou=Servers,dc=lab,dc=example,dc=test',
    ),
  );
  assertFindings(ok, [{ status: 'pass', messageId: 'sameOu', subject: configured, data: { ou: configured } }]);
});

test('a configured OU that does not exist fails first, with the command creating it', async () => {
  const configured = `OU=Cluster,${BASE}`;
  const findings = await runCheck(
    check,
    withOu({ ou: { dn: configured, source: 'config', exists: false, objectClass: [] } }, configured),
  );
  assert.deepEqual(
    findings.map((f) => [f.status, f.messageId]),
    [
      ['fail', 'configuredOuMissing'],
      ['fail', 'notInConfiguredOu'],
      ['fail', 'notInConfiguredOu'],
    ],
  );
  assert.deepEqual(commandsOf(findings[0], 'powershell'), [`New-ADOrganizationalUnit -Name 'Cluster' -Path '${BASE}'`]);
});

test('every node in CN=Computers: each fails, with a new OU suggested', async () => {
  const findings = await runCheck(check, adFacts({ computers: [inOu('hv01', COMPUTERS), inOu('hv02', COMPUTERS)] }));
  assertFindings(findings, [
    { status: 'fail', messageId: 'inContainer', subject: 'hv01', data: { target: `OU=Clusters,${BASE}` } },
    { status: 'fail', messageId: 'inContainer', subject: 'hv02', data: { target: `OU=Clusters,${BASE}` } },
  ]);
  assert.match(commandsOf(findings[0], 'powershell')[0]!, /^New-ADOrganizationalUnit -Name 'Clusters'/);
});

test('nodes matched by dNSHostName; a node without a computer object is skipped here, saying so', async () => {
  const nodes = [node('hv01'), node('hv02'), node('hv03')];
  const computers = [computer('hv01', { sAMAccountName: 'OLDNAME$' }), computer('hv02')];
  const findings = await runCheck(check, adFacts({ nodes, computers }));
  assertFindings(findings, [
    { status: 'skipped', messageId: 'noComputerObject', subject: 'hv03' },
    { status: 'pass', messageId: 'sameOu', subject: HYPERV, data: { count: 2 } },
  ]);
  const none = await runCheck(check, adFacts({ computers: [] }));
  assert.deepEqual(
    none.map((f) => f.messageId),
    ['noComputerObject', 'noComputerObject', 'noNodeObjects'],
  );
});

test('a DN with an escaped comma and a quote is kept whole and quoted for PowerShell', async () => {
  const odd = `OU=O'Brien\\, Labs,${BASE}`;
  const findings = await runCheck(
    check,
    adFacts({
      nodes: [node('hv01'), node('hv02'), node('hv03')],
      computers: [inOu('hv01', HYPERV), inOu('hv02', HYPERV), inOu('hv03', odd)],
    }),
  );
  assertFindings(findings, [{ status: 'fail', messageId: 'differentOu', subject: 'hv03', data: { current: odd } }]);
  assert.equal(
    commandsOf(findings[0], 'powershell')[0],
    `Move-ADObject -Identity 'CN=hv03,OU=O''Brien\\, Labs,${BASE}' -TargetPath '${HYPERV}'`,
  );
});

test('not connected, and no activeDirectory section: skipped', async () => {
  const off = await runCheck(check, adFacts({ connection: undefined, computers: undefined }));
  assert.deepEqual([off[0]!.status, off[0]!.messageId], ['skipped', 'notConnected']);
  const none = await runCheck(check, { 'ad.directory': null, spec: { nodes: [] } });
  assert.deepEqual([none[0]!.status, none[0]!.messageId], ['skipped', 'notConfigured']);
});

test("another host's object holding a node's account name places nothing: the node is unplaced, the majority stays right", async () => {
  const old = `OU=Old,${BASE}`;
  const stale = computer('hv01', { dn: `CN=hv01,${old}`, dNSHostName: 'hv01.other.test' });
  const findings = await runCheck(
    check,
    adFacts({ nodes: [node('hv01'), node('hv02')], computers: [stale, inOu('hv02', HYPERV)] }),
  );
  assertFindings(findings, [
    { status: 'skipped', messageId: 'noComputerObject', subject: 'hv01' },
    { status: 'pass', messageId: 'sameOu', subject: HYPERV, data: { count: 1 } },
  ]);
});

test('a tie between OUs names the first node listed that is in an OU, not one in a container', async () => {
  const a = `OU=A,${BASE}`;
  const nodes = [node('hv01'), node('hv02'), node('hv03')];
  const computers = [inOu('hv01', COMPUTERS), inOu('hv02', a), inOu('hv03', HYPERV)];
  const findings = await runCheck(check, adFacts({ nodes, computers }));
  const texts = findings
    .flatMap((f) => f.remediation?.steps.map((s) => s.text) ?? [])
    .filter((t) => t.includes('split evenly'));
  assert.ok(texts.length > 0);
  for (const t of texts) assert.match(t, /because hv02, the first node listed that is in an OU/);
});

test('nodes prestaged under their whole names (found by name, not by account) are placed, not skipped, and say so', async () => {
  const nodes = [node('CONTOSO-HV-NODE-A1'), node('CONTOSO-HV-NODE-B2'), node('hv03')];
  const computers = [
    prestaged('CONTOSO-HV-NODE-A1'),
    prestaged('CONTOSO-HV-NODE-B2', { dn: `CN=CONTOSO-HV-NODE-B2,${COMPUTERS}` }),
    inOu('hv03', HYPERV),
  ];
  const findings = await runCheck(check, adFacts({ nodes, computers }));
  assertFindings(findings, [
    {
      status: 'fail',
      messageId: 'inContainer',
      subject: 'CONTOSO-HV-NODE-B2',
      data: { dn: `CN=CONTOSO-HV-NODE-B2,${COMPUTERS}`, matchedBy: 'name', target: HYPERV },
    },
  ]);
  assert.equal(
    commandsOf(findings[0], 'powershell')[0],
    `Move-ADObject -Identity 'CN=CONTOSO-HV-NODE-B2,${COMPUTERS}' -TargetPath '${HYPERV}'`,
  );
  const placement = findings[0]!.evidence?.placement as { node: string; matchedBy: string }[];
  assert.deepEqual(
    placement.map((p) => [p.node, p.matchedBy]),
    [
      ['CONTOSO-HV-NODE-A1', 'name'],
      ['CONTOSO-HV-NODE-B2', 'name'],
      ['hv03', 'account'],
    ],
  );

  const same = await runCheck(
    check,
    adFacts({
      nodes: nodes.slice(0, 2),
      computers: [prestaged('CONTOSO-HV-NODE-A1'), prestaged('CONTOSO-HV-NODE-B2')],
    }),
  );
  assertFindings(same, [
    {
      status: 'pass',
      messageId: 'sameOu',
      subject: HYPERV,
      data: { count: 2, matchedByName: ['CONTOSO-HV-NODE-A1', 'CONTOSO-HV-NODE-B2'] },
    },
  ]);
});

// ---------------------------------------------------------------------------------------------
// The action's script form (what `clusterprobe fix` writes).

function moveScript(findings: readonly Finding[], key: string): NonNullable<Action['script']> {
  const action = findings.flatMap((f) => f.remediation?.actions ?? []).find((a) => a.key === key);
  assert.ok(action?.script, `${key} has a script form`);
  return action.script;
}

test('script form of the demo move (HV03 out of CN=Computers): found by objectSid, Move-ADObject / samba-tool computer move', async () => {
  const nodes = [node('hv01'), node('hv03')];
  const hv03 = inOu('hv03', COMPUTERS);
  const findings = await runCheck(check, adFacts({ nodes, computers: [inOu('hv01', HYPERV), hv03] }));
  const s = moveScript(findings, 'move-ou:hv03');
  assert.deepEqual(
    s.params?.map((p) => p.name),
    ['DomainCredential'],
    'not renamed: no NewName parameter',
  );
  const find = `Get-ADComputer -Identity '${hv03.objectSid}' -Server $pdc -Credential $DomainCredential`;
  assert.ok(s.powershell!.test.includes(`$c = try { ${find} } catch { $null }`), s.powershell!.test);
  assert.ok(s.powershell!.test.endsWith(`-eq '${HYPERV}')`));
  assert.ok(!s.powershell!.test.includes('Move-ADObject'), 'the test only reads');
  assert.ok(
    s.powershell!.apply.endsWith(
      `Move-ADObject -Identity $c -TargetPath '${HYPERV}' -Server $pdc -Credential $DomainCredential`,
    ),
  );
  assert.equal(s.sh?.system, 'samba');
  assert.equal(s.sh!.apply, `samba-tool computer move 'HV03$' '${HYPERV}'`);
  assert.equal(
    s.sh!.test,
    `samba-tool computer show 'HV03$' --attributes=objectSid 2>/dev/null | grep -Eicx -e 'dn: CN=([^,\\\\]|\\\\.)+,OU=HyperV,DC=lab,DC=example,DC=test' -e 'objectSid: ${hv03.objectSid}' | grep -qx 2`,
  );
});

test('script form of moving a node that the plan renames first: the rename’s own NewName parameter, then the current name', async () => {
  const long = 'HYPERVHOSTNODE-01A';
  const nodes = [node('hv01'), node(long)];
  const computers = [inOu('hv01', HYPERV), inOu(long, COMPUTERS)];
  const findings = await runCheck(check, adFacts({ nodes, computers }));
  const s = moveScript(findings, 'move-ou:hypervhostnode-01a');
  assert.deepEqual(s.params?.[0], {
    name: 'NewNameHypervhostnode01a',
    description: `The new name of ${long} (at most 15 characters, not taken by another computer in the domain)`,
    default: 'HYPERVHOSTN-01A',
  });
  assert.match(
    s.sh!.apply,
    /^if samba-tool computer show "\$NEW_NAME_HYPERVHOSTNODE01A" --attributes=objectSid 2>\/dev\/null \| grep -qixF 'objectSid: [^']+'; then samba-tool computer move "\$NEW_NAME_HYPERVHOSTNODE01A" '[^']+'; else samba-tool computer move 'HYPERVHOSTNODE-\$' '[^']+'; fi$/,
  );
  assert.ok(s.sh!.test.startsWith('samba-tool computer show "$NEW_NAME_HYPERVHOSTNODE01A" '));
  assert.ok(s.sh!.test.includes(" || samba-tool computer show 'HYPERVHOSTNODE-$' "));
});

test('script form without objectSid (no SID read): by the new name, else the current account', async () => {
  const long = 'HYPERVHOSTNODE-01A';
  const nodes = [node('hv01'), node(long)];
  const computers = [inOu('hv01', HYPERV), computer(long, { dn: `CN=${long},${COMPUTERS}`, objectSid: null })];
  const s = moveScript(await runCheck(check, adFacts({ nodes, computers })), 'move-ou:hypervhostnode-01a');
  assert.ok(
    s.powershell!.apply.includes(
      "$c = try { Get-ADComputer -Identity ($NewNameHypervhostnode01a + '$') -Server $pdc -Credential $DomainCredential } catch { Get-ADComputer -Identity 'HYPERVHOSTNODE-$' -Server $pdc -Credential $DomainCredential }",
    ),
    s.powershell!.apply,
  );
  assert.ok(s.sh!.apply.startsWith('if samba-tool computer show "$NEW_NAME_HYPERVHOSTNODE01A" >/dev/null 2>&1; then'));
});

test('script form when no node is in an OU: the suggested OU is created first', async () => {
  const nodes = [node('hv01'), node('hv02')];
  const computers = [inOu('hv01', COMPUTERS), inOu('hv02', COMPUTERS)];
  const s = moveScript(await runCheck(check, adFacts({ nodes, computers })), 'move-ou:hv01');
  const ou = `OU=Clusters,${BASE}`;
  assert.ok(
    s.powershell!.apply.includes(
      `catch { New-ADOrganizationalUnit -Name 'Clusters' -Path '${BASE}' -Server $pdc -Credential $DomainCredential }`,
    ),
  );
  assert.ok(s.sh!.apply.startsWith(`samba-tool ou listobjects '${ou}' >/dev/null 2>&1 || samba-tool ou add '${ou}'\n`));
});

test('script form: the tests find the parent of a DN whose cn holds an escaped comma (PowerShell -replace, grep -E)', async () => {
  const odd = 'CN=hv03\\, old,CN=Computers,DC=lab,DC=example,DC=test';
  const target = 'OU=Hyper\\,V,DC=lab,DC=example,DC=test';
  const nodes = [node('hv01'), node('hv03')];
  const computers = [inOu('hv01', target), computer('hv03', { dn: odd })];
  const s = moveScript(await runCheck(check, adFacts({ nodes, computers })), 'move-ou:hv03');
  // The PowerShell -replace pattern (a .NET regex; this one reads the same in JavaScript).
  const ps = /-replace '([^']+)', ''/.exec(s.powershell!.test)![1]!;
  assert.equal(`CN=hv03\\, old,${target}`.replace(new RegExp(ps), ''), target);
  // The sh pattern, through the real grep, on the line `samba-tool computer show` prints.
  const pattern = /-e '(dn: [^']+)'/.exec(s.sh!.test)![1]!;
  const grep = (line: string) =>
    spawnSync('grep', ['-Eicx', '-e', pattern], { input: `${line}\n`, encoding: 'utf8' }).stdout.trim();
  assert.equal(grep(`dn: CN=hv03\\, old,${target}`), '1');
  assert.equal(grep(`dn: CN=hv03\\, old,OU=Other,${target}`), '0', 'a child OU of the target is not the target');
  assert.equal(grep(`dn: CN=hv03\\, old,CN=Computers,DC=lab,DC=example,DC=test`), '0');
});
