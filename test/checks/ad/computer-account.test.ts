import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/ad/computer-account.ts';
import { assertFindings, commandsOf, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';
import { adFacts, computer, node, prestaged } from './facts.ts';

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const OU = 'OU=HyperV,DC=lab,DC=example,DC=test';

const cases: readonly Case[] = [
  {
    name: 'one enabled object per node passes, naming the DN and operating system',
    facts: adFacts(),
    expected: [
      {
        status: 'pass',
        messageId: 'present',
        subject: 'hv01',
        data: { dn: `CN=hv01,${OU}`, operatingSystem: 'Windows Server 2008 R2 Enterprise' },
      },
      { status: 'pass', messageId: 'present', subject: 'hv02', data: { dn: `CN=hv02,${OU}` } },
    ],
  },
  {
    name: "a prestaged object without dNSHostName is the node's",
    facts: adFacts({ computers: [computer('hv01', { dNSHostName: null, operatingSystem: null }), computer('hv02')] }),
    expected: [
      {
        status: 'pass',
        messageId: 'present',
        subject: 'hv01',
        data: { operatingSystem: 'no operatingSystem recorded' },
      },
      { status: 'pass', messageId: 'present', subject: 'hv02' },
    ],
  },
  {
    name: 'a node without any object is missing',
    facts: adFacts({ computers: [computer('hv01')] }),
    expected: [
      { status: 'pass', messageId: 'present', subject: 'hv01' },
      {
        status: 'fail',
        messageId: 'missing',
        subject: 'hv02',
        data: { account: 'HV02$', fqdn: 'hv02.lab.example.test', domain: 'lab.example.test' },
      },
    ],
  },
  {
    name: 'a disabled object fails with its userAccountControl',
    facts: adFacts({ computers: [computer('hv01'), computer('hv02', { enabled: false, userAccountControl: 4098 })] }),
    expected: [
      { status: 'pass', messageId: 'present', subject: 'hv01' },
      {
        status: 'fail',
        messageId: 'disabled',
        subject: 'hv02',
        data: { dn: `CN=hv02,${OU}`, userAccountControl: 4098 },
      },
    ],
  },
  {
    name: "a second object claiming the node's DNS name is a duplicate; each DN is named",
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02'),
        computer('hv02-old', {
          sAMAccountName: 'HV02-OLD$',
          dNSHostName: 'hv02.lab.example.test',
          dn: 'CN=hv02-old,CN=Computers,DC=lab,DC=example,DC=test',
        }),
      ],
    }),
    expected: [
      { status: 'pass', messageId: 'present', subject: 'hv01' },
      {
        status: 'fail',
        messageId: 'duplicates',
        subject: 'hv02',
        data: { count: 2, dns: [`CN=hv02,${OU}`, 'CN=hv02-old,CN=Computers,DC=lab,DC=example,DC=test'] },
      },
    ],
  },
  {
    name: "the node's account name held by another computer: nameTaken, with the holder",
    facts: adFacts({
      computers: [
        computer('hv01'),
        computer('hv02', { dNSHostName: 'printsrv.lab.example.test', whenCreated: '20190301000000.0Z' }),
      ],
    }),
    expected: [
      { status: 'pass', messageId: 'present', subject: 'hv01' },
      {
        status: 'fail',
        messageId: 'nameTaken',
        subject: 'hv02',
        data: { dn: `CN=hv02,${OU}`, holderDnsHostName: 'printsrv.lab.example.test', whenCreated: '20190301000000.0Z' },
      },
    ],
  },
  {
    name: 'the review lab: -01A joined (HYPERVHOSTNODE-$), -01B not: -01B finds its name taken by -01A',
    facts: adFacts({
      nodes: [node('HYPERVHOSTNODE-01A'), node('HYPERVHOSTNODE-01B')],
      computers: [computer('HYPERVHOSTNODE-01A')],
    }),
    expected: [
      { status: 'pass', messageId: 'present', subject: 'HYPERVHOSTNODE-01A' },
      {
        status: 'fail',
        messageId: 'nameTaken',
        subject: 'HYPERVHOSTNODE-01B',
        data: { account: 'HYPERVHOSTNODE-$', holderDnsHostName: 'hypervhostnode-01a.lab.example.test' },
      },
    ],
  },
  {
    name: "a same-named object with another cn and no dNSHostName is not the node's",
    facts: adFacts({ nodes: [node('hv01')], computers: [computer('hv01', { cn: 'OLDPRINTER', dNSHostName: null })] }),
    expected: [{ status: 'fail', messageId: 'nameTaken', subject: 'hv01' }],
  },
  {
    name: 'prestaged under the 18-character name (New-ADComputer -Name, samba-tool computer add): found by name, not missing',
    facts: adFacts({
      nodes: [node('CONTOSO-HV-NODE-A1')],
      cluster: undefined,
      computers: [prestaged('CONTOSO-HV-NODE-A1')],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedByName',
        subject: 'CONTOSO-HV-NODE-A1',
        data: {
          dn: `CN=CONTOSO-HV-NODE-A1,${OU}`,
          objectAccount: 'CONTOSO-HV-NODE-A1$',
          objectAccountLength: 18,
          account: 'CONTOSO-HV-NODE$',
          matchedBy: 'name',
          matchedOn: 'cn',
          sharedWith: [],
          holder: null,
          rename: true,
          suggested: 'CONTOSO-HV-N-A1',
          enabled: false,
        },
      },
    ],
  },
  {
    name: 'a 15-character-or-shorter host whose object has its cn but another account name: give it the host name, no rename',
    facts: adFacts({
      nodes: [node('hv07')],
      cluster: undefined,
      computers: [computer('hv07', { sAMAccountName: 'OLDHV07$', dNSHostName: null })],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedByName',
        subject: 'hv07',
        data: { objectAccount: 'OLDHV07$', account: 'HV07$', rename: false, suggested: 'HV07' },
      },
    ],
  },
  {
    name: 'found by the whole name as account name (a 20-character sAMAccountName, another cn)',
    facts: adFacts({
      nodes: [node('NORTHWND-HV-NODE-C1')],
      cluster: undefined,
      computers: [prestaged('NORTHWND-HV-NODE-C1', { cn: 'PRESTAGED-C19', dn: `CN=PRESTAGED-C19,${OU}` })],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedByName',
        subject: 'NORTHWND-HV-NODE-C1',
        data: {
          dn: `CN=PRESTAGED-C19,${OU}`,
          objectAccount: 'NORTHWND-HV-NODE-C1$',
          objectAccountLength: 19,
          account: 'NORTHWND-HV-NOD$',
          matchedOn: 'sAMAccountName',
        },
      },
    ],
  },
  {
    name: 'two nodes prestaged under names sharing their first 15 characters: both found, each names the other and gets its own name',
    facts: adFacts({
      nodes: [node('HYPERVHOSTNODE-01A'), node('HYPERVHOSTNODE-01B')],
      cluster: undefined,
      computers: [prestaged('HYPERVHOSTNODE-01A'), prestaged('HYPERVHOSTNODE-01B')],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedByNameShared',
        subject: 'HYPERVHOSTNODE-01A',
        data: {
          dn: `CN=HYPERVHOSTNODE-01A,${OU}`,
          account: 'HYPERVHOSTNODE-$',
          sharedWith: ['HYPERVHOSTNODE-01B'],
          rename: true,
          suggested: 'HYPERVHOSTN-01A',
        },
      },
      {
        status: 'fail',
        messageId: 'prestagedByNameShared',
        subject: 'HYPERVHOSTNODE-01B',
        data: {
          dn: `CN=HYPERVHOSTNODE-01B,${OU}`,
          account: 'HYPERVHOSTNODE-$',
          sharedWith: ['HYPERVHOSTNODE-01A'],
          rename: true,
          suggested: 'HYPERVHOSTN-01B',
        },
      },
    ],
  },
  {
    name: 'prestaged by name while another computer holds the account Windows will look for: the holder is named',
    facts: adFacts({
      nodes: [node('CONTOSO-HV-NODE-A1')],
      cluster: undefined,
      computers: [
        prestaged('CONTOSO-HV-NODE-A1'),
        computer('CONTOSO-HV-NODE', { dNSHostName: 'oldbox.lab.example.test' }),
      ],
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedByNameTaken',
        subject: 'CONTOSO-HV-NODE-A1',
        data: { holder: `CN=CONTOSO-HV-NODE,${OU}`, rename: true, suggested: 'CONTOSO-HV-N-A1' },
      },
    ],
  },
  {
    name: "an object with the node's name as cn but another host's dNSHostName is not found by name",
    facts: adFacts({
      nodes: [node('hv01')],
      cluster: undefined,
      computers: [computer('hv01', { sAMAccountName: 'PRINTSRV$', dNSHostName: 'printsrv.lab.example.test' })],
    }),
    expected: [{ status: 'fail', messageId: 'missing', subject: 'hv01' }],
  },
  {
    name: 'joined (found by account): a leftover object prestaged under the whole name does not change the finding',
    facts: adFacts({
      nodes: [node('CONTOSO-HV-NODE-A1')],
      cluster: undefined,
      computers: [
        computer('CONTOSO-HV-NODE-A1'),
        prestaged('CONTOSO-HV-NODE-A1', { dn: `CN=CONTOSO-HV-NODE-A1,CN=Computers,DC=lab,DC=example,DC=test` }),
      ],
    }),
    expected: [
      {
        status: 'pass',
        messageId: 'present',
        subject: 'CONTOSO-HV-NODE-A1',
        data: { dn: `CN=CONTOSO-HV-NODE-A1,${OU}` },
      },
    ],
  },
  {
    name: 'no activeDirectory section, no directory, no nodes',
    facts: { 'ad.directory': null, spec: { nodes: [] } },
    expected: [{ status: 'skipped', messageId: 'notConfigured' }],
  },
  {
    name: 'the directory was not read',
    facts: adFacts({ connection: undefined, computers: undefined }),
    expected: [{ status: 'skipped', messageId: 'noDirectory', data: { reason: 'not connected' } }],
  },
  {
    name: 'a read error is passed on',
    facts: adFacts({ computers: undefined, readError: 'size limit exceeded' }),
    expected: [{ status: 'skipped', messageId: 'noDirectory', data: { reason: 'size limit exceeded' } }],
  },
  {
    name: 'no nodes',
    facts: adFacts({ nodes: [] }),
    expected: [{ status: 'skipped', messageId: 'noNodes' }],
  },
];

describe('ad.computer.account', () => {
  for (const c of cases) it(c.name, async () => assertFindings(await runCheck(check, c.facts), c.expected));
});

test('missing: Add-Computer into the OU the probe found, netdom join and prestaging for 2008 R2', async () => {
  const facts = adFacts({
    computers: [computer('hv01')],
    ou: { dn: OU, source: 'nodes', exists: true, objectClass: ['organizationalUnit'] },
  });
  const [, f] = await runCheck(check, facts);
  const commands = commandsOf(f).join('\n');
  assert.match(
    commands,
    /Add-Computer -DomainName 'lab\.example\.test' -OUPath 'OU=HyperV,DC=lab,DC=example,DC=test' -Credential \(Get-Credential\); Restart-Computer/,
  );
  assert.match(
    commands,
    /netdom join "hv02" \/domain:"lab\.example\.test" \/ou:"OU=HyperV,DC=lab,DC=example,DC=test" \/userd:"admin@lab\.example\.test" \/passwordd:\* \/reboot:30/,
  );
  assert.match(
    commands,
    /New-ADComputer -Name 'hv02' -SamAccountName 'HV02' -DNSHostName 'hv02\.lab\.example\.test' -Path 'OU=HyperV,DC=lab,DC=example,DC=test' -Enabled \$true/,
  );
  assert.match(
    commands,
    /samba-tool computer add 'HV02' --computerou='OU=HyperV,DC=lab,DC=example,DC=test' && samba-tool user enable 'HV02\$'/,
  );
});

test('missing on Windows Server 2016: Add-Computer -Restart, no netdom; no OU known: no -OUPath', async () => {
  const facts = {
    ...adFacts({ computers: [computer('hv01')] }),
    spec: {
      nodes: [],
      cluster: { name: 'HVCLUSTER01', windowsVersion: '2016' },
      activeDirectory: { domain: 'lab.example.test' },
    },
  };
  const [, f] = await runCheck(check, facts);
  assert.deepEqual(commandsOf(f, 'cmd'), []);
  assert.equal(
    commandsOf(f, 'powershell')[0],
    "Add-Computer -DomainName 'lab.example.test' -Credential (Get-Credential) -Restart",
  );
});

test('disabled: Enable-ADAccount on the DN, dsmod and samba-tool', async () => {
  const [, f] = await runCheck(
    check,
    adFacts({ computers: [computer('hv01'), computer('hv02', { enabled: false, userAccountControl: 4098 })] }),
  );
  assert.deepEqual(commandsOf(f), [
    `Enable-ADAccount -Identity 'CN=hv02,${OU}'`,
    `dsmod computer "CN=hv02,${OU}" -disabled no`,
    "samba-tool user enable 'HV02$'",
  ]);
});

test("duplicates: keep the object with the node's account name, check and remove the others", async () => {
  const stale = 'CN=hv02-old,CN=Computers,DC=lab,DC=example,DC=test';
  const [, f] = await runCheck(
    check,
    adFacts({
      computers: [
        computer('hv01'),
        computer('hv02'),
        computer('hv02-old', { sAMAccountName: 'HV02-OLD$', dNSHostName: 'hv02.lab.example.test', dn: stale }),
      ],
    }),
  );
  const commands = commandsOf(f);
  assert.ok(
    commands.includes(
      `Get-ADComputer -Identity '${stale}' -Properties LastLogonDate,whenCreated,OperatingSystem,dNSHostName,Description`,
    ),
  );
  assert.ok(commands.includes(`Remove-ADComputer -Identity '${stale}'`));
  assert.ok(commands.includes("samba-tool computer delete 'HV02-OLD'"));
  assert.ok(!commands.some((c) => c.includes(`CN=hv02,${OU}`)), 'the object in use is kept');
  assert.deepEqual(f!.evidence?.objects && (f!.evidence.objects as { dn: string }[]).map((o) => o.dn), [
    `CN=hv02,${OU}`,
    stale,
  ]);
});

test('prestagedByName: rename to a unique name and give the object that account and cn (Set-ADComputer | Rename-ADObject, ldbmodify), or keep the name with the truncated account', async () => {
  const dn = `CN=CONTOSO-HV-NODE-A1,${OU}`;
  const facts = {
    ...adFacts({
      nodes: [node('CONTOSO-HV-NODE-A1')],
      cluster: undefined,
      computers: [prestaged('CONTOSO-HV-NODE-A1')],
    }),
    spec: {
      nodes: [],
      cluster: { name: 'C1', windowsVersion: '2019' },
      activeDirectory: { domain: 'lab.example.test' },
    },
  };
  const [f] = await runCheck(check, facts);
  assert.deepEqual(commandsOf(f), [
    "Rename-Computer -NewName 'CONTOSO-HV-N-A1' -Restart",
    `Set-ADComputer -Identity '${dn}' -SamAccountName 'CONTOSO-HV-N-A1$' -PassThru | Rename-ADObject -NewName 'CONTOSO-HV-N-A1'`,
    `printf 'dn: %s\\nchangetype: modify\\nreplace: sAMAccountName\\nsAMAccountName: %s\\n\\ndn: %s\\nchangetype: modrdn\\nnewrdn: %s\\ndeleteoldrdn: 1\\n' '${dn}' 'CONTOSO-HV-N-A1$' '${dn}' 'CN=CONTOSO-HV-N-A1' | ldbmodify -H /var/lib/samba/private/sam.ldb`,
    `Set-ADComputer -Identity '${dn}' -SamAccountName 'CONTOSO-HV-NODE$'`,
    `printf 'dn: %s\\nchangetype: modify\\nreplace: sAMAccountName\\nsAMAccountName: %s\\n' '${dn}' 'CONTOSO-HV-NODE$' | ldbmodify -H /var/lib/samba/private/sam.ldb`,
  ]);
  // Windows Server 2008 R2: PowerShell 2.0 has no Rename-Computer.
  const [legacy] = await runCheck(
    check,
    adFacts({ nodes: [node('CONTOSO-HV-NODE-A1')], cluster: undefined, computers: [prestaged('CONTOSO-HV-NODE-A1')] }),
  );
  assert.equal(
    commandsOf(legacy)[0],
    "$null = (Get-WmiObject -Class Win32_ComputerSystem).Rename('CONTOSO-HV-N-A1'); Restart-Computer",
  );
});

test('prestagedByNameShared: no "keep the name" option, since the nodes would still share one account', async () => {
  const [a] = await runCheck(
    check,
    adFacts({
      nodes: [node('HYPERVHOSTNODE-01A'), node('HYPERVHOSTNODE-01B')],
      cluster: undefined,
      computers: [prestaged('HYPERVHOSTNODE-01A'), prestaged('HYPERVHOSTNODE-01B')],
    }),
  );
  assert.ok(!commandsOf(a).some((c) => c.includes("'HYPERVHOSTNODE-$'")), commandsOf(a).join('\n'));
  assert.ok(
    commandsOf(a, 'powershell').includes(
      `Set-ADComputer -Identity 'CN=HYPERVHOSTNODE-01A,${OU}' -SamAccountName 'HYPERVHOSTN-01A$' -PassThru | Rename-ADObject -NewName 'HYPERVHOSTN-01A'`,
    ),
  );
});

test('prestagedByName: a DN from the directory with quotes, $() and backslashes stays one quoted argument in every command', async () => {
  const dn = "CN=hv07,OU=R&D's \\, $(calc) `x,DC=lab,DC=example,DC=test";
  const [f] = await runCheck(
    check,
    adFacts({
      nodes: [node('hv07')],
      cluster: undefined,
      computers: [computer('hv07', { dn, sAMAccountName: 'OLDHV07$', dNSHostName: null })],
    }),
  );
  const commands = commandsOf(f);
  assert.deepEqual(commands, [
    `Set-ADComputer -Identity 'CN=hv07,OU=R&D''s \\, $(calc) \`x,DC=lab,DC=example,DC=test' -SamAccountName 'HV07$'`,
    `printf 'dn: %s\\nchangetype: modify\\nreplace: sAMAccountName\\nsAMAccountName: %s\\n' 'CN=hv07,OU=R&D'\\''s \\, $(calc) \`x,DC=lab,DC=example,DC=test' 'HV07$' | ldbmodify -H /var/lib/samba/private/sam.ldb`,
  ]);
});
