import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/ad/netbios-collision.ts';
import type { Finding } from '../../../src/engine/report.ts';
import { dnsIncompatibleCharacters, nameProblems, netbiosName } from '../../../src/netbios.ts';
import { assertFindings, commandsOf, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';
import { adFacts, computer, node, prestaged } from './facts.ts';
import type { AdFacts } from '../../../src/facts/index.ts';

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const DOMAIN = 'lab.example.test';
const OU = 'OU=HyperV,DC=lab,DC=example,DC=test';
const REVIEW = [node('HYPERVHOSTNODE-01A'), node('HYPERVHOSTNODE-01B')];
const PRINTSRV = 'CN=PRINTSRV-OLD,CN=Computers,DC=lab,DC=example,DC=test';

/** The review lab: -01A joined first (its account is HYPERVHOSTNODE-$), -01B not yet. */
const review = (over: Partial<AdFacts> = {}) =>
  adFacts({ nodes: REVIEW, computers: [computer('HYPERVHOSTNODE-01A')], ...over });

/** A disabled computer object (ACCOUNTDISABLE set). */
const disabled = { enabled: false, userAccountControl: 4098 } as const;

const cases: readonly Case[] = [
  {
    name: 'nothing collides: pass unique, the cluster name counted, no prestaged CNO',
    facts: adFacts(),
    expected: [
      {
        status: 'pass',
        messageId: 'unique',
        subject: DOMAIN,
        data: { domain: DOMAIN, count: 3, netbiosNames: ['HV01', 'HV02', 'HVCLUSTER01'], prestagedCno: null },
      },
    ],
  },
  {
    name: 'no cluster name: the nodes alone',
    facts: adFacts({ cluster: undefined }),
    expected: [
      { status: 'pass', messageId: 'unique', subject: DOMAIN, data: { count: 2, netbiosNames: ['HV01', 'HV02'] } },
    ],
  },
  {
    name: "the node's own object is not a collision, nor is its prestaged object without dNSHostName (cn = host name)",
    facts: adFacts({ computers: [computer('hv01'), computer('hv02', { dNSHostName: null })] }),
    expected: [{ status: 'pass', messageId: 'unique', subject: DOMAIN }],
  },
  {
    name: "a prestaged object whose cn is the NetBIOS name is the node's own",
    facts: adFacts({
      nodes: [node('HYPERVHOSTNODE-01A')],
      computers: [computer('HYPERVHOSTNODE-01A', { cn: 'HYPERVHOSTNODE-', dNSHostName: null })],
    }),
    expected: [{ status: 'pass', messageId: 'unique', subject: DOMAIN }],
  },
  {
    name: 'the review: HYPERVHOSTNODE-01A and -01B (18 characters, same first 15) collide; -01A holds the account',
    facts: review(),
    expected: [
      {
        status: 'fail',
        messageId: 'namesCollide',
        subject: 'HYPERVHOSTNODE-',
        data: {
          netbiosName: 'HYPERVHOSTNODE-',
          count: 2,
          hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'],
          accountHolders: [`CN=HYPERVHOSTNODE-01A,${OU}`],
        },
      },
    ],
  },
  {
    name: 'the review before any join: the collision, no account holder',
    facts: review({ computers: [] }),
    expected: [
      {
        status: 'fail',
        messageId: 'namesCollide',
        subject: 'HYPERVHOSTNODE-',
        data: { count: 2, hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'], accountHolders: [] },
      },
    ],
  },
  {
    name: 'a long cluster name colliding with a long node name',
    facts: adFacts({
      nodes: [node('HYPERVHOSTNODE-01A'), node('hv02')],
      cluster: node('HYPERVHOSTNODE-CL'),
      computers: [computer('hv02')],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'namesCollide',
        subject: 'HYPERVHOSTNODE-',
        data: { count: 2, hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-CL'] },
      },
    ],
  },
  {
    name: "a node's NetBIOS name held by another computer (another dNSHostName): objectCollision naming its DN",
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02', {
          dn: PRINTSRV,
          cn: 'PRINTSRV-OLD',
          dNSHostName: 'printsrv.lab.example.test',
          whenCreated: '20190301000000.0Z',
        }),
      ],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'objectCollision',
        subject: 'hv02',
        data: {
          node: 'hv02',
          netbiosName: 'HV02',
          dn: PRINTSRV,
          dnsHostName: 'printsrv.lab.example.test',
          whenCreated: '20190301000000.0Z',
          enabled: true,
        },
      },
    ],
  },
  {
    name: 'held by an object without dNSHostName and with another cn: objectCollision',
    facts: adFacts({ computers: [computer('hv01'), computer('hv02', { cn: 'OLDPRINTER', dNSHostName: null })] }),
    expected: [
      {
        status: 'fail',
        messageId: 'objectCollision',
        subject: 'hv02',
        data: { dn: `CN=hv02,${OU}`, dnsHostName: '-', cn: 'OLDPRINTER' },
      },
    ],
  },
  {
    name: "the node's own object next to a foreign holder of its account name: only the foreign one collides",
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02', { sAMAccountName: 'HV02-NEW$' }),
        computer('hv02', { dn: PRINTSRV, dNSHostName: 'printsrv.lab.example.test' }),
      ],
    }),
    expected: [{ status: 'fail', messageId: 'objectCollision', subject: 'hv02', data: { dn: PRINTSRV } }],
  },
  {
    name: 'the review with HYPERVHOSTNODE-$ held by a stale computer: the collision, and each node collides with that object',
    facts: review({
      computers: [
        computer('HYPERVHOSTNODE-01A', { dn: PRINTSRV, dNSHostName: 'printsrv.lab.example.test', cn: 'PRINTSRV-OLD' }),
      ],
    }),
    expected: [
      { status: 'fail', messageId: 'namesCollide', subject: 'HYPERVHOSTNODE-', data: { accountHolders: [PRINTSRV] } },
      {
        status: 'fail',
        messageId: 'objectCollision',
        subject: 'HYPERVHOSTNODE-01A',
        data: { netbiosName: 'HYPERVHOSTNODE-', dn: PRINTSRV },
      },
      {
        status: 'fail',
        messageId: 'objectCollision',
        subject: 'HYPERVHOSTNODE-01B',
        data: { netbiosName: 'HYPERVHOSTNODE-', dn: PRINTSRV },
      },
    ],
  },
  {
    name: 'two nodes prestaged under their whole names, sharing the first 15 characters: the collision names both objects',
    facts: adFacts({ nodes: REVIEW, computers: [prestaged('HYPERVHOSTNODE-01A'), prestaged('HYPERVHOSTNODE-01B')] }),
    expected: [
      {
        status: 'fail',
        messageId: 'namesCollide',
        subject: 'HYPERVHOSTNODE-',
        data: {
          hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'],
          accountHolders: [],
          prestagedByName: [
            { host: 'HYPERVHOSTNODE-01A', dn: `CN=HYPERVHOSTNODE-01A,${OU}`, sAMAccountName: 'HYPERVHOSTNODE-01A$' },
            { host: 'HYPERVHOSTNODE-01B', dn: `CN=HYPERVHOSTNODE-01B,${OU}`, sAMAccountName: 'HYPERVHOSTNODE-01B$' },
          ],
          suggestions: { 'HYPERVHOSTNODE-01A': 'HYPERVHOSTN-01A', 'HYPERVHOSTNODE-01B': 'HYPERVHOSTN-01B' },
        },
      },
    ],
  },
  {
    name: 'the cluster name taken by an enabled computer: clusterNameInUse',
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02'),
        computer('HVCLUSTER01', { dNSHostName: 'hvcluster01.lab.example.test' }),
      ],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'clusterNameInUse',
        subject: 'HVCLUSTER01',
        data: { name: 'HVCLUSTER01', netbiosName: 'HVCLUSTER01', dn: `CN=HVCLUSTER01,${OU}`, enabled: true },
      },
    ],
  },
  {
    name: "the cluster's FQDN claimed by a computer with another account name: clusterNameInUse",
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02'),
        computer('OLDCLUSTER', { dNSHostName: 'hvcluster01.lab.example.test' }),
      ],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'clusterNameInUse',
        subject: 'HVCLUSTER01',
        data: { dn: `CN=OLDCLUSTER,${OU}`, dnsHostName: 'hvcluster01.lab.example.test' },
      },
    ],
  },
  {
    name: "a disabled object with the cluster's account name but another host's dNSHostName is not a prestaged CNO",
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02'),
        computer('HVCLUSTER01', { ...disabled, dNSHostName: 'fileserver.lab.example.test' }),
      ],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'clusterNameInUse',
        subject: 'HVCLUSTER01',
        data: { enabled: false, dnsHostName: 'fileserver.lab.example.test' },
      },
    ],
  },
  {
    name: 'a disabled prestaged CNO is not a collision: pass unique naming it',
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02'),
        computer('HVCLUSTER01', { ...disabled, dNSHostName: null, operatingSystem: null }),
      ],
    }),
    expected: [
      {
        status: 'pass',
        messageId: 'unique',
        subject: DOMAIN,
        data: { count: 3, prestagedCno: `CN=HVCLUSTER01,${OU}` },
      },
    ],
  },
  {
    name: "a disabled prestaged CNO that already carries the cluster's dNSHostName is prestaged too",
    facts: adFacts({ computers: [computer('hv01'), computer('hv02'), computer('HVCLUSTER01', { ...disabled })] }),
    expected: [
      { status: 'pass', messageId: 'unique', subject: DOMAIN, data: { prestagedCno: `CN=HVCLUSTER01,${OU}` } },
    ],
  },
  {
    name: 'the directory was not read: skipped',
    facts: adFacts({ computers: undefined, connection: undefined }),
    expected: [{ status: 'skipped', messageId: 'noDirectory', data: { reason: 'not connected' } }],
  },
  {
    name: 'a read error is passed on',
    facts: adFacts({ computers: undefined, readError: 'size limit exceeded' }),
    expected: [{ status: 'skipped', messageId: 'noDirectory', data: { reason: 'size limit exceeded' } }],
  },
  {
    name: 'no activeDirectory section',
    facts: { 'ad.directory': null, spec: { nodes: [] } },
    expected: [{ status: 'skipped', messageId: 'notConfigured' }],
  },
];

describe('ad.netbios.collision', () => {
  for (const c of cases) it(c.name, async () => assertFindings(await runCheck(check, c.facts), c.expected));

  it('every declared messageId is reached by a case', async () => {
    const reached = new Set<string>();
    for (const c of cases) for (const f of await runCheck(check, c.facts)) reached.add(f.messageId);
    assert.deepEqual([...reached].sort(), Object.keys(check.meta.messages).sort());
  });
});

function directory(facts: { 'ad.directory': AdFacts }): AdFacts {
  return facts['ad.directory'];
}

/**
 * A suggested name is valid and DNS-safe, its NetBIOS name is no account in the directory and
 * none of the names that stay (`keep`).
 */
function assertGoodSuggestion(suggested: unknown, facts: AdFacts, keep: readonly string[]): string {
  assert.equal(typeof suggested, 'string');
  const s = suggested as string;
  assert.deepEqual(nameProblems(s), [], s);
  assert.deepEqual(dnsIncompatibleCharacters(s), [], s);
  const accounts = (facts.computers ?? []).map((c) => c.sAMAccountName.replace(/\$$/, '').toUpperCase());
  assert.ok(
    !accounts.includes(netbiosName(s)),
    `${s} is the account name of a computer object: ${accounts.join(', ')}`,
  );
  assert.ok(!keep.map(netbiosName).includes(netbiosName(s)), `${s} collides with ${keep.join(', ')}`);
  return s;
}

function suggestionsOf(f: Finding | undefined): Record<string, string> {
  const s = f?.data.suggestions;
  assert.ok(s !== null && typeof s === 'object', 'namesCollide carries suggestions');
  return s as Record<string, string>;
}

test('the review: both nodes get a valid, unique suggestion and Rename-Computer / netdom renamecomputer', async () => {
  const facts = review();
  const [f] = await runCheck(check, facts);
  const suggestions = suggestionsOf(f);
  assert.deepEqual(Object.keys(suggestions), ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']);
  const a = assertGoodSuggestion(suggestions['HYPERVHOSTNODE-01A'], directory(facts), ['HVCLUSTER01']);
  const b = assertGoodSuggestion(suggestions['HYPERVHOSTNODE-01B'], directory(facts), ['HVCLUSTER01']);
  assert.notEqual(netbiosName(a), netbiosName(b));
  assert.ok(a.endsWith('-01A') && b.endsWith('-01B'), `${a} ${b}`);
  const commands = commandsOf(f);
  for (const [host, s] of [
    ['HYPERVHOSTNODE-01A', a],
    ['HYPERVHOSTNODE-01B', b],
  ] as const) {
    assert.ok(
      commands.includes(`Rename-Computer -NewName '${s}' -DomainCredential (Get-Credential) -Restart`),
      JSON.stringify(commands),
    );
    assert.ok(
      commands.some((c) => c.startsWith(`netdom renamecomputer "${host}" /newname:"${s}" `)),
      JSON.stringify(commands),
    );
    assert.ok(commands.includes(`Get-ADComputer -LDAPFilter '(sAMAccountName=${netbiosName(s)}$)'`));
  }
  const runOn = f!
    .remediation!.steps.flatMap((s) => s.commands ?? [])
    .filter((c) => c.command.startsWith('Rename-Computer '))
    .map((c) => c.runOn);
  assert.deepEqual(runOn, ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']);
});

test("the review: no suggestion takes an account name the directory holds, a stranger's or another node's", async () => {
  // HYPERVHOSTN-01A$ belongs to an unrelated computer; hv03 was renamed and still has the
  // account HYPERVHOSTN-01B$ (ad.netbios.name reports that): neither name is free in the domain.
  const computers = [
    computer('HYPERVHOSTNODE-01A'),
    computer('HYPERVHOSTN-01A', { dn: 'CN=HYPERVHOSTN-01A,CN=Computers,DC=lab,DC=example,DC=test' }),
    computer('hv03', { sAMAccountName: 'HYPERVHOSTN-01B$' }),
  ];
  const facts = adFacts({ nodes: [...REVIEW, node('hv03')], computers });
  const findings = await runCheck(check, facts);
  assertFindings(findings, [
    {
      status: 'fail',
      messageId: 'namesCollide',
      subject: 'HYPERVHOSTNODE-',
      data: { hosts: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'] },
    },
  ]);
  const suggestions = suggestionsOf(findings[0]);
  const a = assertGoodSuggestion(suggestions['HYPERVHOSTNODE-01A'], directory(facts), ['hv03', 'HVCLUSTER01']);
  const b = assertGoodSuggestion(suggestions['HYPERVHOSTNODE-01B'], directory(facts), ['hv03', 'HVCLUSTER01']);
  assert.notEqual(netbiosName(a), netbiosName(b));
});

test('objectCollision: remove the stale object by its DN, or rename the node to a free name', async () => {
  const facts = adFacts({
    computers: [
      computer('hv01'),
      computer('hv02', { dn: PRINTSRV, cn: 'PRINTSRV-OLD', dNSHostName: 'printsrv.lab.example.test' }),
      computer('HV02-2', { dn: 'CN=HV02-2,CN=Computers,DC=lab,DC=example,DC=test' }),
    ],
  });
  const [f] = await runCheck(check, facts);
  assert.equal(f!.messageId, 'objectCollision');
  const suggested = assertGoodSuggestion(f!.data.suggested, directory(facts), ['hv01', 'HVCLUSTER01']);
  const commands = commandsOf(f);
  assert.ok(
    commands.includes(
      `Get-ADComputer -Identity '${PRINTSRV}' -Properties LastLogonDate,whenCreated,OperatingSystem,dNSHostName,Description`,
    ),
    JSON.stringify(commands),
  );
  assert.ok(commands.includes(`Remove-ADComputer -Identity '${PRINTSRV}'`));
  assert.ok(commands.includes("samba-tool computer delete 'HV02'"));
  assert.ok(commands.includes(`Rename-Computer -NewName '${suggested}' -DomainCredential (Get-Credential) -Restart`));
  assert.ok(commands.some((c) => c.startsWith(`netdom renamecomputer "hv02" /newname:"${suggested}" `)));
});

test('clusterNameInUse: disable it if it is a prestaged CNO, remove it if stale, or New-Cluster under a free name', async () => {
  const cno = `CN=HVCLUSTER01,${OU}`;
  const facts = adFacts({
    computers: [
      computer('hv01'),
      computer('hv02'),
      computer('HVCLUSTER01'),
      computer('HVCLUSTER01-2', { dn: 'CN=HVCLUSTER01-2,CN=Computers,DC=lab,DC=example,DC=test' }),
    ],
  });
  const [f] = await runCheck(check, facts);
  assert.equal(f!.messageId, 'clusterNameInUse');
  const suggested = assertGoodSuggestion(f!.data.suggested, directory(facts), ['hv01', 'hv02']);
  const commands = commandsOf(f);
  assert.ok(commands.includes(`Disable-ADAccount -Identity '${cno}'`), JSON.stringify(commands));
  assert.ok(commands.includes("samba-tool user disable 'HVCLUSTER01$'"));
  assert.ok(commands.includes(`Remove-ADComputer -Identity '${cno}'`));
  assert.ok(commands.includes(`Import-Module FailoverClusters; New-Cluster -Name '${suggested}' -Node 'hv01','hv02'`));
});

test('a long cluster name in use: the suggested cluster name is valid and free too', async () => {
  const facts = adFacts({
    cluster: node('HYPERV-CLUSTER-PROD'),
    computers: [
      computer('hv01'),
      computer('hv02'),
      computer('HYPERV-CLUSTER-PROD'),
      computer('HYPERV-CLU-PROD', { dn: 'CN=HYPERV-CLU-PROD,CN=Computers,DC=lab,DC=example,DC=test' }),
    ],
  });
  const [f] = await runCheck(check, facts);
  assertFindings(
    [f!],
    [
      {
        status: 'fail',
        messageId: 'clusterNameInUse',
        subject: 'HYPERV-CLUSTER-PROD',
        data: { netbiosName: 'HYPERV-CLUSTER-' },
      },
    ],
  );
  assertGoodSuggestion(f!.data.suggested, directory(facts), ['hv01', 'hv02']);
});

test('renames in one run stay unique: a collision, a foreign holder and a taken cluster name', async () => {
  const facts = adFacts({
    nodes: [...REVIEW, node('hv03')],
    computers: [
      computer('HYPERVHOSTNODE-01A'),
      computer('hv03', { dn: PRINTSRV, dNSHostName: 'printsrv.lab.example.test' }),
      computer('HVCLUSTER01'),
    ],
  });
  const findings = await runCheck(check, facts);
  assert.deepEqual(
    findings.map((f) => [f.messageId, f.subject]),
    [
      ['namesCollide', 'HYPERVHOSTNODE-'],
      ['objectCollision', 'hv03'],
      ['clusterNameInUse', 'HVCLUSTER01'],
    ],
  );
  const [collide, object, cluster] = findings;
  const all = [...Object.values(suggestionsOf(collide)), object!.data.suggested, cluster!.data.suggested].map((s) =>
    assertGoodSuggestion(s, directory(facts), []),
  );
  assert.equal(new Set(all.map(netbiosName)).size, all.length, JSON.stringify(all));
});

test("namesCollide with prestaged objects: each renamed node's object gets the new account name and cn", async () => {
  const [f] = await runCheck(
    check,
    adFacts({ nodes: REVIEW, computers: [prestaged('HYPERVHOSTNODE-01A'), prestaged('HYPERVHOSTNODE-01B')] }),
  );
  const commands = commandsOf(f, 'powershell');
  for (const [from, to] of [
    ['HYPERVHOSTNODE-01A', 'HYPERVHOSTN-01A'],
    ['HYPERVHOSTNODE-01B', 'HYPERVHOSTN-01B'],
  ]) {
    assert.ok(
      commands.includes(
        `Set-ADComputer -Identity 'CN=${from},${OU}' -SamAccountName '${to}$' -PassThru | Rename-ADObject -NewName '${to}'`,
      ),
      commands.join('\n'),
    );
  }
});
