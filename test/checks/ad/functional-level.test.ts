import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import check, { FUNCTIONAL_LEVELS, levelName } from '../../../checks/ad/functional-level.ts';
import { assertFindings, commandsOf, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';
import type { Finding } from '../../../src/engine/report.ts';
import { adFacts } from './facts.ts';
import type { AdFacts } from '../../../src/facts/index.ts';

const DOMAIN = 'lab.example.test';
const DOMAIN_DN = 'DC=lab,DC=example,DC=test';
const PDC = `(Get-ADDomain -Identity '${DOMAIN}').PDCEmulator`;

type RootDse = Record<string, unknown>;
type Head = NonNullable<AdFacts['domainHead']>;

/**
 * The facts with rootDSE attributes replaced (undefined removes one) and the domain head's
 * fields replaced (null: the head was not read).
 */
function facts(root: RootDse, head: Partial<Head> | null = {}, over: Partial<AdFacts> = {}) {
  const base = adFacts()['ad.directory'];
  const rootDse = Object.fromEntries(
    Object.entries({ ...base.rootDse, rootDomainNamingContext: DOMAIN_DN, ...root }).filter(([, v]) => v !== undefined),
  ) as AdFacts['rootDse'];
  return adFacts({ rootDse, domainHead: head === null ? undefined : { ...base.domainHead!, ...head }, ...over });
}

/** A consistent directory: the same domain level in the rootDSE and on the head. */
function at(domain: number, forest = domain, nTMixedDomain = 0) {
  return facts(
    {
      domainFunctionality: String(domain),
      forestFunctionality: String(forest),
      domainControllerFunctionality: String(Math.max(domain, 4)),
    },
    { msDSBehaviorVersion: domain, nTMixedDomain },
  );
}

// ---------------------------------------------------------------------------------------------
// Every messageId the check declares must be reached (checked last).

const reached = new Set<string>();

async function run(f: Readonly<Record<string, unknown>>): Promise<Finding[]> {
  const findings = await runCheck(check, f);
  for (const x of findings) reached.add(x.messageId);
  return findings;
}

test('the level table is the one in MS-ADTS 6.1.4.3 / PROTOCOL-NOTES: 0..7 and 10, 2019 and 2022 adding none', () => {
  assert.deepEqual(Object.fromEntries(Object.entries(FUNCTIONAL_LEVELS).map(([n, l]) => [n, l.name])), {
    0: 'Windows 2000',
    1: 'Windows Server 2003 interim',
    2: 'Windows Server 2003',
    3: 'Windows Server 2008',
    4: 'Windows Server 2008 R2',
    5: 'Windows Server 2012',
    6: 'Windows Server 2012 R2',
    7: 'Windows Server 2016',
    10: 'Windows Server 2025',
  });
  // ADDomainMode / ADForestMode enum names, and samba-tool's --domain-level choices.
  assert.deepEqual(
    Object.values(FUNCTIONAL_LEVELS).map((l) => [l.domainMode, l.forestMode]),
    [
      ['Windows2000Domain', 'Windows2000Forest'],
      ['Windows2003InterimDomain', 'Windows2003InterimForest'],
      ['Windows2003Domain', 'Windows2003Forest'],
      ['Windows2008Domain', 'Windows2008Forest'],
      ['Windows2008R2Domain', 'Windows2008R2Forest'],
      ['Windows2012Domain', 'Windows2012Forest'],
      ['Windows2012R2Domain', 'Windows2012R2Forest'],
      ['Windows2016Domain', 'Windows2016Forest'],
      ['Windows2025Domain', 'Windows2025Forest'],
    ],
  );
  assert.deepEqual(
    Object.values(FUNCTIONAL_LEVELS).map((l) => l.samba ?? null),
    [null, null, '2003', '2008', '2008_R2', '2012', '2012_R2', '2016', null],
  );
  assert.deepEqual(
    [levelName(0, 1), levelName(0, 0), levelName(0), levelName(8), levelName(9)],
    ['Windows 2000 mixed', 'Windows 2000 native', 'Windows 2000', 'unknown level 8', 'unknown level 9'],
  );
});

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const passing: [number, string][] = [
  [2, 'Windows Server 2003'],
  [3, 'Windows Server 2008'],
  [4, 'Windows Server 2008 R2'],
  [5, 'Windows Server 2012'],
  [6, 'Windows Server 2012 R2'],
  [7, 'Windows Server 2016'],
  [10, 'Windows Server 2025'],
];

const cases: readonly Case[] = [
  ...passing.map(
    ([level, name]): Case => ({
      name: `level ${level} (${name}), native: levels, with names and numbers`,
      facts: at(level),
      expected: [
        {
          status: 'pass',
          messageId: 'levels',
          subject: DOMAIN,
          data: {
            domain: DOMAIN,
            domainLevel: level,
            domainLevelName: name,
            forestLevel: level,
            forestLevelName: name,
            nTMixedDomain: 0,
          },
        },
      ],
    }),
  ),
  {
    name: 'a forest below the domain (2008 R2 domain, 2003 forest): levels, each named',
    facts: at(4, 2),
    expected: [
      {
        status: 'pass',
        messageId: 'levels',
        subject: DOMAIN,
        data: {
          domainLevel: 4,
          domainLevelName: 'Windows Server 2008 R2',
          forestLevel: 2,
          forestLevelName: 'Windows Server 2003',
          dcLevel: 4,
          dcLevelName: 'Windows Server 2008 R2',
        },
      },
    ],
  },
  {
    name: 'a level newer than this table (11): levels, named as unknown',
    facts: at(11),
    expected: [
      {
        status: 'pass',
        messageId: 'levels',
        subject: DOMAIN,
        data: { domainLevel: 11, domainLevelName: 'unknown level 11' },
      },
    ],
  },
  {
    name: 'cluster.windowsVersion is carried into the data',
    facts: {
      ...at(4),
      spec: {
        nodes: [],
        cluster: { name: 'HVCLUSTER01', windowsVersion: '2008R2' },
        activeDirectory: { domain: DOMAIN },
      },
    },
    expected: [
      {
        status: 'pass',
        messageId: 'levels',
        subject: DOMAIN,
        data: { windowsVersion: '2008R2', nodesOs: 'Windows Server 2008 R2 nodes' },
      },
    ],
  },

  // Mixed mode and legacy levels.
  {
    name: 'Windows 2000 mixed (level 0, nTMixedDomain=1): mixedMode',
    facts: at(0, 0, 1),
    expected: [
      {
        status: 'fail',
        messageId: 'mixedMode',
        subject: DOMAIN,
        data: {
          domain: DOMAIN,
          domainLevel: 0,
          domainLevelName: 'Windows 2000 mixed',
          forestLevel: 0,
          forestLevelName: 'Windows 2000',
          nTMixedDomain: 1,
        },
      },
    ],
  },
  {
    name: "the review's lab: level 2 (Windows Server 2003) yet nTMixedDomain=1: mixedMode",
    facts: at(2, 2, 1),
    expected: [
      {
        status: 'fail',
        messageId: 'mixedMode',
        subject: DOMAIN,
        data: { domainLevel: 2, domainLevelName: 'Windows Server 2003', nTMixedDomain: 1 },
      },
    ],
  },
  {
    name: 'interim (level 1) in mixed mode: mixedMode',
    facts: at(1, 1, 1),
    expected: [
      {
        status: 'fail',
        messageId: 'mixedMode',
        subject: DOMAIN,
        data: { domainLevel: 1, domainLevelName: 'Windows Server 2003 interim', forestLevel: 1 },
      },
    ],
  },
  {
    name: 'mixed mode with the level unreadable: still mixedMode (nTMixedDomain=1 is enough)',
    facts: facts(
      { domainFunctionality: undefined, forestFunctionality: undefined },
      { msDSBehaviorVersion: null, nTMixedDomain: 1 },
    ),
    expected: [
      {
        status: 'fail',
        messageId: 'mixedMode',
        subject: DOMAIN,
        data: { domainLevel: 0, domainLevelName: 'Windows 2000 mixed', forestLevel: '?', nTMixedDomain: 1 },
      },
    ],
  },
  {
    name: 'Windows 2000 native (level 0, nTMixedDomain=0): legacyLevel, admitting Windows 2000 DCs',
    facts: at(0, 0, 0),
    expected: [
      {
        status: 'warn',
        messageId: 'legacyLevel',
        subject: DOMAIN,
        data: {
          domainLevel: 0,
          domainLevelName: 'Windows 2000 native',
          forestLevel: 0,
          lowest: 'domain level Windows 2000 native',
          admits: 'Windows 2000 domain controllers',
        },
      },
    ],
  },
  {
    name: 'interim (level 1), native: legacyLevel at the interim level',
    facts: at(1, 1, 0),
    expected: [
      {
        status: 'warn',
        messageId: 'legacyLevel',
        subject: DOMAIN,
        data: {
          domainLevel: 1,
          domainLevelName: 'Windows Server 2003 interim',
          lowest: 'domain level Windows Server 2003 interim',
        },
      },
    ],
  },
  {
    name: 'a 2003 domain in a Windows 2000 forest: legacyLevel naming the forest',
    facts: at(2, 0),
    expected: [
      {
        status: 'warn',
        messageId: 'legacyLevel',
        subject: DOMAIN,
        data: {
          domainLevel: 2,
          forestLevel: 0,
          forestLevelName: 'Windows 2000',
          lowest: 'forest level Windows 2000',
          admits: 'Windows 2000 domain controllers',
        },
      },
    ],
  },
  {
    name: 'a 2008 R2 domain in an interim forest: legacyLevel naming the forest',
    facts: at(4, 1),
    expected: [
      {
        status: 'warn',
        messageId: 'legacyLevel',
        subject: DOMAIN,
        data: { domainLevel: 4, forestLevel: 1, lowest: 'forest level Windows Server 2003 interim' },
      },
    ],
  },
  {
    name: 'no msDS-Behavior-Version on a head that was read, no domainFunctionality: level 0 (absent means 0), native: legacyLevel',
    facts: facts(
      { domainFunctionality: undefined, forestFunctionality: '0' },
      { msDSBehaviorVersion: null, nTMixedDomain: 0 },
    ),
    expected: [
      {
        status: 'warn',
        messageId: 'legacyLevel',
        subject: DOMAIN,
        data: { domainLevel: 0, domainLevelName: 'Windows 2000 native' },
      },
    ],
  },

  // The rootDSE and the domain head disagree.
  {
    name: "rootDSE says 2008 R2, the head says 2008: the rootDSE level, the head's in the data",
    facts: facts({ domainFunctionality: '4' }, { msDSBehaviorVersion: 3 }),
    expected: [{ status: 'pass', messageId: 'levels', subject: DOMAIN, data: { domainLevel: 4, headLevel: 3 } }],
  },
  {
    name: 'rootDSE says 2003, the head has no msDS-Behavior-Version (0): the rootDSE level, headLevel 0',
    facts: facts(
      { domainFunctionality: '2', forestFunctionality: '2' },
      { msDSBehaviorVersion: null, nTMixedDomain: 0 },
    ),
    expected: [{ status: 'pass', messageId: 'levels', subject: DOMAIN, data: { domainLevel: 2, headLevel: 0 } }],
  },
  {
    name: 'they agree: no headLevel in the data',
    facts: at(4),
    expected: [
      { status: 'pass', messageId: 'levels', subject: DOMAIN, data: { domainLevel: 4, headLevel: undefined } },
    ],
  },
  {
    name: 'rootDSE says 0 but the head says mixed mode: mixedMode',
    facts: facts({ domainFunctionality: '0', forestFunctionality: '0' }, { msDSBehaviorVersion: 0, nTMixedDomain: 1 }),
    expected: [{ status: 'fail', messageId: 'mixedMode', subject: DOMAIN }],
  },

  // What could not be read.
  {
    name: 'no level anywhere and no head: unreadable',
    facts: facts({ domainFunctionality: undefined, forestFunctionality: undefined }, null),
    expected: [{ status: 'warn', messageId: 'unreadable', subject: DOMAIN, data: { domain: DOMAIN } }],
  },
  {
    name: 'rootDSE level 0, the head not read (nTMixedDomain unknown): unreadable',
    facts: facts({ domainFunctionality: '0', forestFunctionality: '0' }, null, { readError: 'connection reset' }),
    expected: [{ status: 'warn', messageId: 'unreadable', subject: DOMAIN }],
  },
  {
    name: 'the head returned nothing (every field null), no rootDSE levels: unreadable',
    facts: facts(
      { domainFunctionality: undefined, forestFunctionality: undefined },
      { msDSBehaviorVersion: null, nTMixedDomain: null, machineAccountQuota: null },
    ),
    expected: [{ status: 'warn', messageId: 'unreadable', subject: DOMAIN }],
  },
  {
    name: 'rootDSE level 2008 R2, the head not read: levels (from 2003 on nTMixedDomain is 0)',
    facts: facts({}, null, { readError: 'connection reset' }),
    expected: [{ status: 'pass', messageId: 'levels', subject: DOMAIN, data: { domainLevel: 4, nTMixedDomain: null } }],
  },

  // Garbage: never a crash.
  {
    name: 'garbage rootDSE levels fall back to the head',
    facts: facts(
      { domainFunctionality: 'garbage', forestFunctionality: '-1', domainControllerFunctionality: '' },
      { msDSBehaviorVersion: 4, nTMixedDomain: 0 },
    ),
    expected: [
      {
        status: 'pass',
        messageId: 'levels',
        subject: DOMAIN,
        data: { domainLevel: 4, forestLevel: '?', forestLevelName: 'unknown', dcLevel: null, dcLevelName: null },
      },
    ],
  },
  ...['4 ', ' 4', '+4', '0x4', '4.0', '', '4;3', '٤'].map(
    (value): Case => ({
      name: `domainFunctionality ${JSON.stringify(value)} is not a level: the head's is used`,
      facts: facts({ domainFunctionality: value }, { msDSBehaviorVersion: 3 }),
      expected: [
        { status: 'pass', messageId: 'levels', subject: DOMAIN, data: { domainLevel: 3, headLevel: undefined } },
      ],
    }),
  ),
  {
    name: 'garbage rootDSE levels and no head: unreadable',
    facts: facts(
      {
        domainFunctionality: 'x',
        forestFunctionality: 'y',
        defaultNamingContext: [],
        rootDomainNamingContext: 'not a DN',
      },
      null,
    ),
    expected: [{ status: 'warn', messageId: 'unreadable', subject: DOMAIN }],
  },
  {
    name: 'multi-valued rootDSE levels: the first value',
    facts: facts({ domainFunctionality: ['3', '4'], forestFunctionality: ['3'] }, { msDSBehaviorVersion: 3 }),
    expected: [{ status: 'pass', messageId: 'levels', subject: DOMAIN, data: { domainLevel: 3, forestLevel: 3 } }],
  },
  {
    name: 'non-string values (facts edited by hand): numbers read, objects, null and empty arrays ignored',
    facts: facts(
      {
        domainFunctionality: 7,
        forestFunctionality: { level: 7 },
        domainControllerFunctionality: null,
        defaultNamingContext: 42,
      },
      { msDSBehaviorVersion: 7 },
    ),
    expected: [
      {
        status: 'pass',
        messageId: 'levels',
        subject: DOMAIN,
        data: { domainLevel: 7, forestLevel: '?', dcLevel: null },
      },
    ],
  },
  {
    name: 'garbage rootDSE in mixed mode: mixedMode, the fix built without a forest root',
    facts: facts(
      {
        domainFunctionality: 'x',
        forestFunctionality: [],
        defaultNamingContext: ['a', 'b'],
        rootDomainNamingContext: '',
      },
      { msDSBehaviorVersion: 0, nTMixedDomain: 1 },
    ),
    expected: [{ status: 'fail', messageId: 'mixedMode', subject: DOMAIN, data: { domainLevel: 0 } }],
  },

  // Nothing read.
  {
    name: 'not connected (no rootDSE, no head): notRead',
    facts: adFacts({ connection: undefined, rootDse: undefined, domainHead: undefined, computers: undefined }),
    expected: [{ status: 'skipped', messageId: 'notRead', subject: DOMAIN }],
  },
  {
    name: 'no activeDirectory section: notConfigured',
    facts: { 'ad.directory': null, spec: { nodes: [] } },
    expected: [{ status: 'skipped', messageId: 'notConfigured' }],
  },
];

describe('ad.domain.functional-level', () => {
  for (const c of cases) it(c.name, async () => assertFindings(await run(c.facts), c.expected));
});

// ---------------------------------------------------------------------------------------------
// Remediation commands.

const SET_DOMAIN_2003 = `Set-ADDomainMode -Identity '${DOMAIN}' -DomainMode Windows2003Domain -Server ${PDC}`;

test('mixed mode at level 0: Set-ADDomainMode and samba-tool raise to 2003, the forest raised too', async () => {
  const [f] = await run(
    facts(
      { domainFunctionality: '0', forestFunctionality: '0', rootDomainNamingContext: 'DC=example,DC=test' },
      { msDSBehaviorVersion: 0, nTMixedDomain: 1 },
    ),
  );
  const commands = commandsOf(f);
  assert.ok(commands.includes(SET_DOMAIN_2003), commands.join('\n'));
  assert.ok(
    commands.includes("Set-ADForestMode -Identity 'example.test' -ForestMode Windows2003Forest"),
    'the forest root from rootDomainNamingContext',
  );
  assert.ok(commands.includes('samba-tool domain level raise --domain-level=2003 --forest-level=2003'));
  assert.ok(commands.includes('samba-tool domain level show'));
  assert.ok(!commands.some((c) => c.startsWith('Set-ADObject')), 'level 0 has no inconsistency to patch');
});

test('mixed mode at level 2 (inconsistent): also Set-ADObject nTMixedDomain=0 on the PDC emulator; no forest raise', async () => {
  const commands = commandsOf((await run(at(2, 2, 1)))[0]);
  assert.ok(commands.includes(SET_DOMAIN_2003));
  assert.ok(commands.includes(`Set-ADObject -Identity '${DOMAIN_DN}' -Replace @{nTMixedDomain=0} -Server ${PDC}`));
  // samba-tool accepts the same domain level while nTMixedDomain is 1, and clears it.
  assert.ok(commands.includes('samba-tool domain level raise --domain-level=2003'));
  assert.ok(!commands.some((c) => c.startsWith('Set-ADForestMode')));
});

test('Windows 2000 native: the same raise, to 2003, domain and forest', async () => {
  const commands = commandsOf((await run(at(0, 0, 0)))[0]);
  assert.ok(commands.includes(SET_DOMAIN_2003));
  assert.ok(commands.includes(`Set-ADForestMode -Identity '${DOMAIN}' -ForestMode Windows2003Forest`));
  assert.ok(commands.includes('samba-tool domain level raise --domain-level=2003 --forest-level=2003'));
});

test('only the forest is low: raise the forest alone (samba-tool refuses a domain level equal to the current one)', async () => {
  for (const domain of [2, 4]) {
    const commands = commandsOf((await run(at(domain, 0)))[0]);
    assert.ok(
      commands.includes(`Set-ADForestMode -Identity '${DOMAIN}' -ForestMode Windows2003Forest`),
      commands.join('\n'),
    );
    assert.ok(commands.includes('samba-tool domain level raise --forest-level=2003'), commands.join('\n'));
    assert.ok(
      !commands.some((c) => c.startsWith('Set-ADDomainMode') || c.includes('--domain-level')),
      `domain level ${domain} is left alone: ${commands.join('\n')}`,
    );
  }
});

// ---------------------------------------------------------------------------------------------
// The action's script form (what `clusterprobe fix` writes).

function scriptOf(f: Finding | undefined) {
  const action = f?.remediation?.actions?.[0];
  assert.ok(action?.script, `an action with a script form: ${JSON.stringify(f?.remediation?.actions)}`);
  return { key: action.key, ...action.script };
}

test('script form of leaving mixed mode at 2003 (the demo): PowerShell on the PDC emulator, samba-tool raise guarded by level show and nTMixedDomain', async () => {
  const s = scriptOf((await run(at(2, 2, 1)))[0]);
  assert.equal(s.key, 'raise-domain-mode');
  assert.deepEqual(
    s.params?.map((p) => [p.name, p.secret ?? false]),
    [['DomainCredential', true]],
  );
  const pdc = `$pdc = (Get-ADDomain -Identity '${DOMAIN}' -Credential $DomainCredential).PDCEmulator`;
  assert.ok(s.powershell!.test.startsWith(pdc), s.powershell!.test);
  assert.ok(
    s.powershell!.test.includes(
      `Get-ADObject -Identity '${DOMAIN_DN}' -Properties 'msDS-Behavior-Version', 'nTMixedDomain' -Server $pdc`,
    ),
  );
  assert.ok(s.powershell!.test.endsWith("([int]$d.'msDS-Behavior-Version' -ge 2) -and ([int]$d.nTMixedDomain -eq 0)"));
  assert.ok(!/Set-|Move-|Rename-/.test(s.powershell!.test), 'the test only reads');
  assert.ok(
    s.powershell!.apply.includes(
      `Set-ADDomainMode -Identity '${DOMAIN}' -DomainMode Windows2003Domain -Server $pdc -Credential $DomainCredential -Confirm:$false`,
    ),
  );
  assert.ok(s.powershell!.apply.includes(`Set-ADObject -Identity '${DOMAIN_DN}' -Replace @{ nTMixedDomain = 0 }`));
  assert.ok(!s.powershell!.apply.includes('Set-ADForestMode'), 'the forest is at 2003 already');
  assert.equal(s.sh?.system, 'samba');
  assert.ok(
    s.sh!.test.includes(
      "grep -Eqx 'Domain function level: \\(Windows\\) (2003|2008|2008 R2|2012|2012 R2|higher than 2012 R2)'",
    ),
    s.sh!.test,
  );
  assert.ok(
    s.sh!.test.includes(`-s base -b '${DOMAIN_DN}' nTMixedDomain`) &&
      s.sh!.test.includes("grep -qx 'nTMixedDomain: 0'"),
  );
  assert.ok(!s.sh!.test.includes('raise'), 'the test only reads');
  assert.match(s.sh!.apply, /^if ! \{ .* \}; then samba-tool domain level raise --domain-level=2003; fi$/m);
  assert.ok(!s.sh!.apply.includes('--forest-level'));
});

test('script form when only the forest is low: raise-forest-mode, the forest alone in both shells', async () => {
  const s = scriptOf((await run(at(4, 0)))[0]);
  assert.equal(s.key, 'raise-forest-mode');
  assert.ok(
    s.powershell!.test.endsWith(
      `([int](Get-ADForest -Identity '${DOMAIN}' -Server $pdc -Credential $DomainCredential).ForestMode -ge 2)`,
    ),
  );
  assert.ok(
    s.powershell!.apply.includes(`Set-ADForestMode -Identity '${DOMAIN}' -ForestMode Windows2003Forest -Server $pdc`),
  );
  assert.ok(!s.powershell!.apply.includes('Set-ADDomainMode') && !s.powershell!.apply.includes('nTMixedDomain'));
  assert.ok(s.sh!.test.startsWith("samba-tool domain level show 2>/dev/null | grep -Eqx 'Forest function level: "));
  assert.equal(s.sh!.apply, `if ! ${s.sh!.test}; then samba-tool domain level raise --forest-level=2003; fi`);
});

test('script form at a level Samba cannot raise to (a mixed 2025 domain): PowerShell only', async () => {
  const s = scriptOf((await run(at(10, 10, 1)))[0]);
  assert.ok(s.powershell!.test.includes("([int]$d.'msDS-Behavior-Version' -ge 10)"), s.powershell!.test);
  assert.ok(s.powershell!.apply.includes("if ([int]$d.'msDS-Behavior-Version' -lt 10) { Set-ADDomainMode"));
  assert.ok(s.powershell!.apply.includes('-DomainMode Windows2025Domain'));
  assert.equal(s.sh, undefined, 'samba-tool names no level above 2012 R2');
});

test('the unreadable warning says how to read the levels by hand', async () => {
  const [f] = await run(facts({ domainFunctionality: undefined, forestFunctionality: undefined }, null));
  assert.deepEqual(commandsOf(f), [
    `Get-ADDomain -Identity '${DOMAIN}' | Select-Object DomainMode; Get-ADForest | Select-Object ForestMode`,
    'samba-tool domain level show',
  ]);
  assert.match(String(f!.data.missing), /nTMixedDomain/);
});

test('a pass has no remediation; the evidence keeps the raw values', async () => {
  const [f] = await run(facts({ domainFunctionality: 'garbage' }, { msDSBehaviorVersion: 4 }));
  assert.equal(f!.remediation, undefined);
  assert.deepEqual((f!.evidence as { rootDse: unknown }).rootDse, {
    domainFunctionality: 'garbage',
    forestFunctionality: '4',
    domainControllerFunctionality: '4',
  });
});

test('every messageId the check declares is reached by a test above', () => {
  assert.deepEqual([...reached].sort(), Object.keys(check.meta.messages).sort());
});
