/**
 * The ActiveDirectory-module path (src/windows/ad-facts.ts): what its scripts send (no input ever
 * as code), how their output is read in the shapes Windows PowerShell 5.1 and pwsh 7 print
 * (test/fixtures/powershell/ad/: hand-written recordings, not captured from Windows), how the
 * module's errors are classified, and how the two runs become AdFacts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  buildCommand,
  ENVELOPE_MARKER,
  parseEnvelope,
  PowerShellError,
  PowerShellSession,
  PsOutputError,
  type PsScript,
} from '../../src/windows/powershell.ts';
import { classifyFailure } from '../../src/windows/errors.ts';
import { windowsFix } from '../../checks/shared/lib/windows-fix.ts';
import {
  adDirectoryScript,
  adSecurityScript,
  classifyAdRecord,
  generalizedTime,
  isNotFound,
  powerShellFacts,
  readDirectory,
  readSecurity,
  type PsDirectory,
  type PsRun,
  type PsSecurity,
} from '../../src/windows/ad-facts.ts';
import { computerFilter, nodeMatch, nodeNames, powerShellParams, targetsOf } from '../../src/ad/probe.ts';
import { decodeSecurityDescriptor } from '../../src/facts/ad-security/sd.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { ComputerObject } from '../../src/facts/index.ts';

const RECORDINGS = fileURLToPath(new URL('../fixtures/powershell/ad/', import.meta.url));
const SAMBA = new URL('../fixtures/samba/', import.meta.url);
const FAKE = fileURLToPath(new URL('../fakes/fake-pwsh', import.meta.url));
const samba = JSON.parse(readFileSync(new URL('index.json', SAMBA), 'utf8')) as {
  domainSid: string;
  principals: Record<string, string>;
  files: { file: string; sids?: string[] }[];
};

interface Recording {
  readonly case: string;
  readonly shape?: string;
  readonly json?: string;
  readonly stdout?: string;
}

const recordings = (script: string): Recording[] =>
  JSON.parse(readFileSync(`${RECORDINGS}${script}.json`, 'utf8')) as Recording[];
const recording = (script: string, name: string): Recording => {
  const r = recordings(script).find((c) => c.case === name);
  assert.ok(r, `${script} ${name}`);
  return r;
};
/** What the fake prints for a case, read back as the session would. */
function replay<T>(script: PsScript<T>, name: string): T {
  const r = recording(script.name, name);
  return parseEnvelope(script, `${r.stdout ?? ''}${r.json !== undefined ? `${ENVELOPE_MARKER}${r.json}\n` : ''}`, '')
    .value;
}
function failure(script: PsScript<unknown>, name: string): PowerShellError {
  try {
    replay(script, name);
  } catch (err) {
    assert.ok(err instanceof PowerShellError, String(err));
    return err;
  }
  assert.fail(`${name} parsed`);
}

const HOSTILE = [
  "x'; Remove-Item C:\\ -Recurse; '",
  '$(calc)',
  '`"; Stop-Computer; "',
  "O'Neil & <Sons>",
  '@{a=1}',
  '\u2019; iex \u2018x',
  '\r\nStop-Computer',
  '${env:PATH}',
];

test('no input becomes code: hostile domain, node names, servers and OU travel only inside the base64 payload', () => {
  const spec: ClusterSpec = {
    nodes: HOSTILE.map((name) => ({ name })),
    cluster: { name: HOSTILE[1]! },
    activeDirectory: { domain: 'lab.example.test', ou: HOSTILE[0]! },
  };
  const names = nodeNames(spec);
  const params = {
    ...powerShellParams({ domain: HOSTILE[0]!, servers: ['ldaps://dc1.lab.example.test'] }, names),
    servers: HOSTILE,
  };
  assert.equal(
    params.filter,
    computerFilter([...names.nodes, names.cluster!]),
    "the LDAP path's filter, one for every name",
  );
  const commands = [
    buildCommand(adDirectoryScript, params),
    buildCommand(adSecurityScript, { server: HOSTILE[2], ou: HOSTILE[0], cno: HOSTILE[3] }),
  ];
  for (const command of commands) {
    for (const value of [...HOSTILE, params.filter])
      assert.ok(!command.includes(value), `${JSON.stringify(value)} is in the command`);
    const payload = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(command)![1]!;
    assert.ok(JSON.parse(Buffer.from(payload, 'base64').toString('utf8')), 'the payload decodes');
  }
  const decoded = JSON.parse(
    Buffer.from(/FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(commands[0]!)![1]!, 'base64').toString('utf8'),
  );
  assert.deepEqual(decoded, params, 'and comes back exactly');
  // Outside the payload the command text never depends on the inputs.
  for (const script of [adDirectoryScript, adSecurityScript] as PsScript<unknown>[]) {
    const code = (p: unknown) =>
      buildCommand(script, p).replace(/FromBase64String\('[A-Za-z0-9+/=]*'\)/, "FromBase64String('')");
    const reference = code({});
    fc.assert(
      fc.property(
        fc.record({
          domain: fc.string(),
          servers: fc.array(fc.string()),
          filter: fc.string(),
          ou: fc.string(),
          cno: fc.string(),
        }),
        (p) => code(p) === reference,
      ),
      { numRuns: 200 },
    );
  }
});

test('one filter, both paths: a node is looked up by its NetBIOS account, its whole name as account, its dNSHostName and its cn, every value escaped', () => {
  const spec: ClusterSpec = {
    nodes: [{ name: 'CONTOSO-HV-NODE-A1' }, { name: 'hv01' }, { name: 'odd*(x)\\' }],
    cluster: { name: 'HVCLUSTER01' },
    activeDirectory: { domain: 'lab.example.test' },
  };
  const names = nodeNames(spec);
  const filter = computerFilter([...names.nodes, names.cluster!]);
  assert.equal(
    powerShellParams({ domain: 'lab.example.test' }, names).filter,
    filter,
    'the PowerShell path sends the same filter in $p',
  );
  const terms = filter.slice('(&(objectClass=computer)(|'.length, -2).match(/\([^()]*\)/g);
  assert.deepEqual(terms, [
    '(sAMAccountName=CONTOSO-HV-NODE$)',
    '(sAMAccountName=CONTOSO-HV-NODE-A1$)',
    '(dNSHostName=contoso-hv-node-a1.lab.example.test)',
    '(cn=CONTOSO-HV-NODE-A1)',
    '(sAMAccountName=HV01$)',
    '(dNSHostName=hv01.lab.example.test)',
    '(cn=hv01)',
    '(sAMAccountName=ODD\\2a\\28X\\29\\5c$)',
    '(dNSHostName=odd\\2a\\28x\\29\\5c.lab.example.test)',
    '(cn=odd\\2a\\28x\\29\\5c)',
    '(sAMAccountName=HVCLUSTER01$)',
    '(dNSHostName=hvcluster01.lab.example.test)',
    '(cn=HVCLUSTER01)',
  ]);
});

test("an object the filter finds only by name (prestaged, no dNSHostName) is the node's, matched by name, and places the cluster's OU on either path", () => {
  const spec: ClusterSpec = {
    nodes: [{ name: 'CONTOSO-HV-NODE-A1' }, { name: 'NORTHWND-HV-NODE-C1' }, { name: 'hv03' }],
    cluster: { name: 'HVCLUSTER01' },
    activeDirectory: { domain: 'lab.example.test' },
  };
  const names = nodeNames(spec);
  const ou = 'OU=Prestaged,DC=lab,DC=example,DC=test';
  const object = (cn: string, sam: string, over: Partial<ComputerObject> = {}): ComputerObject => ({
    dn: `CN=${cn},${ou}`,
    sAMAccountName: sam,
    dNSHostName: null,
    cn,
    userAccountControl: 4098,
    enabled: false,
    objectSid: null,
    operatingSystem: null,
    whenCreated: null,
    ...over,
  });
  const computers = [
    object('CONTOSO-HV-NODE-A1', 'CONTOSO-HV-NODE-A1$'),
    object('PRESTAGED-C19', 'NORTHWND-HV-NODE-C1$'),
    // Another host's object with hv03 as cn: its dNSHostName says whose it is.
    object('hv03', 'PRINTSRV$', { dNSHostName: 'printsrv.lab.example.test' }),
  ];
  assert.deepEqual(
    names.nodes.map((n) => {
      const m = nodeMatch(n, computers);
      return m && [m.by, m.object.cn];
    }),
    [['name', 'CONTOSO-HV-NODE-A1'], ['name', 'PRESTAGED-C19'], undefined],
  );
  assert.equal(targetsOf({}, names, computers).ouDn, ou);
  // The joined object wins over a leftover prestaged one.
  const joined = object('CONTOSO-HV-NODE', 'CONTOSO-HV-NODE$', {
    dn: 'CN=CONTOSO-HV-NODE,CN=Computers,DC=lab,DC=example,DC=test',
    dNSHostName: 'contoso-hv-node-a1.lab.example.test',
  });
  assert.deepEqual(nodeMatch(names.nodes[0]!, [...computers, joined]), { object: joined, by: 'account' });
});

test('the scripts read their inputs from $p only, fetch every computer in one Get-ADComputer, and import the module first', () => {
  const uses = (body: string) => [...new Set([...body.matchAll(/\$p\.(\w+)/g)].map((m) => m[1]))].sort();
  assert.deepEqual(uses(adDirectoryScript.body), ['domain', 'filter', 'servers']);
  assert.deepEqual(uses(adSecurityScript.body), ['cno', 'ou', 'server']);
  assert.equal(adDirectoryScript.body.match(/Get-ADComputer/g)?.length, 1);
  assert.match(adDirectoryScript.body, /Get-ADComputer [^\n]*-LDAPFilter \$p\.filter /);
  assert.match(adDirectoryScript.body, /Get-ADUser -Server \$dc -Identity \$me\.User\.Value -Properties 'tokenGroups'/);
  assert.match(adDirectoryScript.body, /Get-ADDomainController -Discover -DomainName \$p\.domain -Service ADWS/);
  assert.match(adSecurityScript.body, /GetSecurityDescriptorBinaryForm\(\)/);
  for (const body of [adDirectoryScript.body, adSecurityScript.body]) {
    assert.ok(body.startsWith('$env:ADPS_LoadDefaultDrive = 0\nImport-Module ActiveDirectory -ErrorAction Stop\n'));
    assert.equal((body.match(/\{/g) ?? []).length, (body.match(/\}/g) ?? []).length, 'braces balance');
    assert.equal((body.match(/\(/g) ?? []).length, (body.match(/\)/g) ?? []).length, 'parentheses balance');
  }
});

test('5.1 and pwsh 7 shapes of the same directory read the same; unconverted values (raw) too', () => {
  const healthy = replay(adDirectoryScript, 'healthy-7');
  for (const other of ['healthy-5.1', 'raw-5.1']) assert.deepEqual(replay(adDirectoryScript, other), healthy, other);
  assert.deepEqual(
    replay(adDirectoryScript, 'raw-single-7'),
    replay(adDirectoryScript, 'single-7'),
    'a bare object for one computer, levels as enum names',
  );
  assert.deepEqual(replay(adDirectoryScript, 'review-5.1'), replay(adDirectoryScript, 'review-7'));

  // As the LDAP path keeps them: GeneralizedTime, levels as digits, ISO local time, SIDs as strings.
  assert.equal(healthy.rootDse?.currentTime, '20261125120003.0Z', '13:00:03+01:00 is 12:00:03Z');
  assert.deepEqual(
    [
      healthy.rootDse?.domainFunctionality,
      healthy.rootDse?.forestFunctionality,
      healthy.rootDse?.domainControllerFunctionality,
    ],
    ['4', '4', '4'],
  );
  assert.equal(healthy.localTime, '2026-11-25T12:00:00.482Z');
  assert.deepEqual(healthy.domainHead, {
    dn: 'DC=lab,DC=example,DC=test',
    msDSBehaviorVersion: 4,
    nTMixedDomain: 0,
    machineAccountQuota: 10,
  });
  assert.deepEqual(healthy.computers[0], {
    dn: "CN=HV01,OU=R&D's Hyper-V,OU=Servers,DC=lab,DC=example,DC=test",
    sAMAccountName: 'HV01$',
    dNSHostName: 'hv01.lab.example.test',
    cn: 'HV01',
    userAccountControl: 4096,
    enabled: true,
    objectSid: `${samba.domainSid}-1601`,
    operatingSystem: 'Windows Server 2008 R2 Enterprise',
    whenCreated: '20261101093000.0Z',
  });
  assert.equal(healthy.computers.length, 2);
  assert.deepEqual(healthy.identity, {
    name: 'LAB\\fxgranted',
    sid: samba.principals.fxgranted,
    upn: 'fxgranted@lab.example.test',
    dn: 'CN=fxgranted,OU=Fixtures,DC=lab,DC=example,DC=test',
    tokenGroups: samba.files.find((f) => f.file === 'tokengroups-granted.bin')!.sids,
  });
  assert.equal(replay(adDirectoryScript, 'single-7').computers.length, 1);

  const review = replay(adDirectoryScript, 'review-7');
  assert.deepEqual(
    review.computers.map((c) => [c.cn, c.enabled]),
    [
      ['HYPERVHOSTNODE-01A', true],
      ['HYPERVHOSTNODE-01B', true],
      ['HV03', true],
      ['HV04', false],
      ['HVCLUSTER01', false],
    ],
  );
  assert.deepEqual(
    review.attempts.map((a) => [a.server, a.ok]),
    [
      ['dc0.lab.example.test', false],
      ['dc1.lab.example.test', true],
    ],
  );
  assert.equal(review.attempts[0]!.error?.exceptionType, 'Microsoft.ActiveDirectory.Management.ADServerDownException');
});

test('the security descriptors: base64 and 5.1 byte arrays read the same, and the whole form decodes to the DACL LDAP reads', () => {
  const healthy = replay(adSecurityScript, 'healthy-7');
  for (const other of ['healthy-5.1', 'raw-5.1']) assert.deepEqual(replay(adSecurityScript, other), healthy, other);
  const whole = readFileSync(new URL('sd-ou-granted-owner-group-dacl.bin', SAMBA));
  assert.equal(healthy.ou?.securityDescriptor, whole.toString('base64'));
  assert.deepEqual(healthy.ou?.objectClass, ['organizationalUnit']);
  // GetSecurityDescriptorBinaryForm() gives owner, group and DACL: the same ACEs as the DACL-only read.
  const full = decodeSecurityDescriptor(Buffer.from(healthy.ou!.securityDescriptor!, 'base64'));
  const daclOnly = decodeSecurityDescriptor(readFileSync(new URL('sd-ou-granted-dacl.bin', SAMBA)));
  assert.equal(full.daclState, 'present');
  assert.equal(full.owner, `${samba.domainSid}-512`);
  const aces = (sd: typeof full) => sd.dacl!.aces.map(({ offset: _offset, ...ace }) => ace);
  assert.deepEqual(aces(full), aces(daclOnly));
  const review = replay(adSecurityScript, 'review-5.1');
  assert.deepEqual(review, replay(adSecurityScript, 'review-7'));
  assert.equal(review.cno?.dn, 'CN=HVCLUSTER01,OU=Default,OU=Fixtures,DC=lab,DC=example,DC=test');
  const missing = replay(adSecurityScript, 'ouMissing');
  assert.ok(missing.ou?.error && isNotFound(missing.ou.error));
  assert.equal(missing.ou?.securityDescriptor, null);
});

test('a missing ActiveDirectory module is a classified moduleMissing failure with the RSAT commands (5.1 and 7)', () => {
  for (const name of ['moduleMissing-5.1', 'moduleMissing-7']) {
    const err = failure(adDirectoryScript as PsScript<unknown>, name);
    assert.equal(err.code, 'scriptFailed');
    const w = classifyAdRecord(err.record!);
    assert.deepEqual([w.code, w.module], ['moduleMissing', 'ActiveDirectory']);
    const commands = windowsFix(w)
      .flatMap((s) => s.commands ?? [])
      .map((c) => c.command);
    assert.deepEqual(commands, [
      'Install-WindowsFeature RSAT-AD-PowerShell',
      'Add-WindowsCapability -Online -Name Rsat.ActiveDirectory.DS-LDS.Tools~~~~0.0.1.0',
    ]);
  }
});

test('garbage is badOutput, never a guess: no envelope, a value that is no directory, wrong types, a descriptor that is no bytes', () => {
  for (const [script, name] of [
    [adDirectoryScript, 'garbage'],
    [adDirectoryScript, 'notAnObject'],
    [adDirectoryScript, 'badTypes'],
    [adSecurityScript, 'badDescriptor'],
  ] as const) {
    const err = failure(script as PsScript<unknown>, name);
    assert.equal(err.code, 'badOutput', name);
    assert.equal(classifyFailure(err).code, 'badOutput');
  }
  assert.match(
    failure(adDirectoryScript as PsScript<unknown>, 'badTypes').message,
    /computers\[0\]\.userAccountControl/,
  );
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      for (const script of [adDirectoryScript, adSecurityScript] as PsScript<unknown>[]) {
        try {
          script.parse(value);
        } catch (err) {
          if (!(err instanceof PsOutputError)) throw err;
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('times as LDAP carries them (GeneralizedTime)', () => {
  assert.equal(generalizedTime(Date.UTC(2026, 10, 25, 12, 0, 3)), '20261125120003.0Z');
  assert.equal(generalizedTime(Date.UTC(2026, 10, 25, 12, 0, 3, 45)), '20261125120003.045Z');
});

test("the ActiveDirectory module's errors, classified", () => {
  const rec = (exceptionType: string, message: string, fullyQualifiedErrorId = '') => ({
    message,
    fullyQualifiedErrorId,
    category: '',
    exceptionType,
  });
  const table: [ReturnType<typeof rec>, string][] = [
    [
      rec(
        'Microsoft.ActiveDirectory.Management.ADServerDownException',
        'Unable to contact the server. This may be because this server does not exist, it is currently down, or it does not have the Active Directory Web Services running.',
      ),
      'unreachable',
    ],
    [
      rec('System.Security.Authentication.AuthenticationException', 'The server has rejected the client credentials.'),
      'authFailed',
    ],
    [
      rec('Microsoft.ActiveDirectory.Management.ADException', 'Insufficient access rights to perform the operation'),
      'accessDenied',
    ],
    [rec('System.UnauthorizedAccessException', 'Access is denied'), 'accessDenied'],
    [rec('System.TimeoutException', 'The operation returned because the timeout limit was exceeded.'), 'timeout'],
    [
      rec(
        'System.IO.FileNotFoundException',
        "The specified module 'ActiveDirectory' was not loaded because no valid module file was found in any module directory.",
        'Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand',
      ),
      'moduleMissing',
    ],
    [
      rec(
        'System.ArgumentException',
        'The supplied distinguishedName must belong to one of the following partition(s)',
      ),
      'other',
    ],
  ];
  for (const [r, code] of table) assert.equal(classifyAdRecord(r).code, code, r.message);
  assert.ok(
    isNotFound(
      rec('Microsoft.ActiveDirectory.Management.ADIdentityNotFoundException', 'Cannot find an object with identity'),
    ),
  );
  assert.ok(!isNotFound(table[0]![0]));
});

const ok = <T>(value: T): PsRun<T> => ({ ok: true, value, ms: 5 });

test('into AdFacts: the connection as the logged-in user, the OU, the prestaged cluster name, and every failure as a fact', () => {
  const healthy = powerShellFacts({
    executable: 'powershell.exe',
    directory: ok(replay(adDirectoryScript, 'healthy-7')),
    target: { ouDn: "OU=R&D's Hyper-V,OU=Servers,DC=lab,DC=example,DC=test", ouSource: 'nodes' },
    security: ok(replay(adSecurityScript, 'healthy-7')),
  });
  assert.equal(healthy.source, 'powershell');
  assert.deepEqual(healthy.connection, {
    server: 'dc1.lab.example.test',
    tlsMode: 'kerberos',
    boundAs: 'fxgranted@lab.example.test',
    insecure: false,
    dnsHostName: 'dc1.lab.example.test',
  });
  assert.deepEqual(
    healthy.attempts.map((a) => [a.server, a.status, a.step]),
    [
      ['lab.example.test', 'ok', 'discovery'],
      ['dc1.lab.example.test', 'ok', 'connect'],
    ],
  );
  assert.equal(healthy.operations, 6);
  assert.equal(healthy.ou?.exists, true);
  assert.equal(healthy.ou?.source, 'nodes');
  assert.ok(
    healthy.bindIdentity &&
      'tokenGroups' in healthy.bindIdentity &&
      healthy.bindIdentity.sid === samba.principals.fxgranted,
  );
  assert.equal(healthy.cnoSecurityDescriptor, undefined);

  const review = powerShellFacts({
    executable: 'pwsh',
    directory: ok(replay(adDirectoryScript, 'review-7')),
    target: { ouDn: 'OU=Default,OU=Fixtures,DC=lab,DC=example,DC=test', ouSource: 'nodes' },
    security: ok(replay(adSecurityScript, 'review-7')),
  });
  assert.deepEqual(
    review.attempts.map((a) => [a.server, a.status, a.windows?.code]),
    [
      ['dc0.lab.example.test', 'unreachable', 'unreachable'],
      ['dc1.lab.example.test', 'ok', undefined],
    ],
  );
  assert.equal(
    review.cnoSecurityDescriptor,
    readFileSync(new URL('sd-ou-default-owner-group-dacl.bin', SAMBA)).toString('base64'),
  );

  const missing = powerShellFacts({
    executable: 'pwsh',
    directory: ok(replay(adDirectoryScript, 'ouMissing')),
    target: { ouDn: 'OU=Nope,OU=Servers,DC=lab,DC=example,DC=test', ouSource: 'config' },
    security: ok(replay(adSecurityScript, 'ouMissing')),
  });
  assert.deepEqual(missing.ou, {
    dn: 'OU=Nope,OU=Servers,DC=lab,DC=example,DC=test',
    source: 'config',
    exists: false,
    objectClass: [],
  });
  const unread = powerShellFacts({
    executable: 'pwsh',
    directory: ok(replay(adDirectoryScript, 'healthy-7')),
    target: { ouDn: 'OU=X,DC=lab,DC=example,DC=test', ouSource: 'config' },
    security: {
      ok: false,
      failure: { script: 'ad.security', code: 'timeout', cause: 'ad.security: no answer from PowerShell within 120 s' },
    },
  });
  assert.deepEqual(
    unread.ou,
    {
      dn: 'OU=X,DC=lab,DC=example,DC=test',
      source: 'config',
      exists: true,
      objectClass: [],
      error: 'ad.security: no answer from PowerShell within 120 s',
    },
    'not known to be missing',
  );
  const denied: PsSecurity = {
    ou: {
      dn: 'OU=X,DC=lab,DC=example,DC=test',
      objectClass: [],
      securityDescriptor: null,
      error: {
        message: 'Insufficient access rights to perform the operation',
        fullyQualifiedErrorId:
          'ActiveDirectoryCmdlet:Microsoft.ActiveDirectory.Management.ADException,Microsoft.ActiveDirectory.Management.Commands.GetADObject',
        category: 'NotSpecified',
        exceptionType: 'Microsoft.ActiveDirectory.Management.ADException',
      },
    },
    cno: null,
    operations: 1,
  };
  const refused = powerShellFacts({
    executable: 'pwsh',
    directory: ok(replay(adDirectoryScript, 'healthy-7')),
    target: { ouDn: 'OU=X,DC=lab,DC=example,DC=test', ouSource: 'config' },
    security: ok(denied),
  });
  assert.deepEqual(
    refused.ou,
    {
      dn: 'OU=X,DC=lab,DC=example,DC=test',
      source: 'config',
      exists: true,
      objectClass: [],
      error: 'Insufficient access rights to perform the operation',
    },
    'only "no such object" is missing',
  );

  const noDc = powerShellFacts({ executable: 'pwsh', directory: ok(replay(adDirectoryScript, 'noDc')) });
  assert.equal(noDc.connection, undefined);
  assert.deepEqual(
    noDc.attempts.map((a) => [a.server, a.status, a.step, a.windows?.fullyQualifiedErrorId]),
    [
      [
        'lab.example.test',
        'dnsFailed',
        'discovery',
        'ActiveDirectoryServer:1355,Microsoft.ActiveDirectory.Management.Commands.GetADDomainController',
      ],
    ],
  );
  assert.deepEqual(
    powerShellFacts({ executable: 'pwsh', directory: ok(replay(adDirectoryScript, 'rejected')) }).attempts.map((a) => [
      a.status,
      a.windows?.code,
    ]),
    [['error', 'authFailed']],
  );

  const err = failure(adDirectoryScript as PsScript<unknown>, 'moduleMissing-7');
  const w = classifyAdRecord(err.record!);
  const down = powerShellFacts({
    executable: 'pwsh',
    directory: {
      ok: false,
      failure: { script: 'ad.directory', code: w.code, cause: w.cause, module: w.module!, record: w.record! },
    },
  });
  assert.deepEqual(
    [down.attempts, down.connection, down.operations, down.powershell.failure?.code, down.powershell.failure?.module],
    [[], undefined, 0, 'moduleMissing', 'ActiveDirectory'],
  );

  const readFailed: PsDirectory = {
    ...replay(adDirectoryScript, 'healthy-7'),
    readError: {
      message: 'The server has returned the following error: invalid enumeration context.',
      fullyQualifiedErrorId: 'x',
      category: 'x',
      exceptionType: 'Microsoft.ActiveDirectory.Management.ADException',
    },
  };
  const partial = powerShellFacts({ executable: 'pwsh', directory: ok(readFailed) });
  assert.deepEqual(
    [partial.readError, partial.computers, partial.connection?.server],
    ['The server has returned the following error: invalid enumeration context.', undefined, 'dc1.lab.example.test'],
  );
});

test("through the fake PowerShell's process protocol: both scripts run in one session, a missing module is classified", async () => {
  process.env.FAKE_PWSH_RECORDINGS = RECORDINGS;
  const signal = new AbortController().signal;
  try {
    process.env.FAKE_PWSH_CASE = 'review-5.1';
    const session = await PowerShellSession.open({ executable: FAKE, timeoutMs: 10_000 });
    try {
      const d = await readDirectory(
        session,
        {
          domain: 'lab.example.test',
          servers: ['dc0.lab.example.test', 'dc1.lab.example.test'],
          filter: '(objectClass=computer)',
        },
        signal,
      );
      const s: PsRun<PsSecurity> = await readSecurity(
        session,
        { server: 'dc1.lab.example.test', ou: 'OU=Default,OU=Fixtures,DC=lab,DC=example,DC=test', cno: null },
        signal,
      );
      assert.ok(d.ok && s.ok);
      assert.equal(d.value.computers.length, 5);
      assert.equal(s.value.operations, 2);
    } finally {
      await session.close();
    }
    process.env.FAKE_PWSH_CASE = 'moduleMissing-7';
    const broken = await PowerShellSession.open({ executable: FAKE, timeoutMs: 10_000 });
    try {
      const d = await readDirectory(broken, { domain: 'lab.example.test', servers: [], filter: '(x=1)' }, signal);
      assert.ok(!d.ok);
      assert.deepEqual(
        [d.failure.script, d.failure.code, d.failure.module],
        ['ad.directory', 'moduleMissing', 'ActiveDirectory'],
      );
    } finally {
      await broken.close();
    }
  } finally {
    delete process.env.FAKE_PWSH_CASE;
    delete process.env.FAKE_PWSH_RECORDINGS;
  }
});
