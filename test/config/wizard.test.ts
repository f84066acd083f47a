/**
 * The pure half of `clusterprobe init` (src/commands/init/wizard.ts): each answer's check, the NetBIOS
 * review as a name is typed, the LUN choices, and the spec and its commented YAML, which must
 * load through the project's own loader to exactly the spec the answers describe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import {
  buildSpec,
  checkDcHost,
  checkDnsServer,
  checkDomain,
  checkEnvName,
  checkFqdn,
  checkIqn,
  checkOu,
  checkPem,
  checkPortal,
  checkUpn,
  ldapUrl,
  lunChoices,
  nameHint,
  picksFrom,
  renderSpecYaml,
  reviewName,
  secretRef,
  yamlString,
  type WizardAnswers,
} from '../../src/commands/init/wizard.ts';
import { loadSpec, parseAndValidate } from '../../src/config/load.ts';
import { ClusterSpecSchema } from '../../src/config/schema.ts';
import {
  dnProblem,
  dnsNameProblem,
  dnsServerProblem,
  fqdnProblem,
  hostNameProblem,
  iqnProblem,
  portalProblem,
} from '../../src/config/validators.ts';
import { ConfigError } from '../../src/engine/errors.ts';
import type { InventoryLun } from '../../src/iscsi/inventory.ts';
import { tempDir } from '../helpers/cli.ts';

const META = { tool: 'clusterprobe 0.0.0-test', date: '2026-11-25', file: 'cluster.yaml' };
const CA = readFileSync(new URL('../fixtures/wizard/ca.pem', import.meta.url), 'utf8');

/** What the loader makes of the rendered text. */
function load(answers: WizardAnswers) {
  return parseAndValidate(renderSpecYaml(answers, META), 'cluster.yaml', ClusterSpecSchema);
}

const FULL: WizardAnswers = {
  cluster: { name: 'HVCLUSTER01', windowsVersion: '2012' },
  nodes: [
    { name: 'hv01', fqdn: 'hv01.lab.example.test', iqn: 'iqn.1991-05.com.microsoft:hv01.lab.example.test' },
    { name: 'HYPERVHOSTNODE-01A' },
  ],
  activeDirectory: {
    domain: 'lab.example.test',
    dnsServers: ['10.0.0.10'],
    server: 'dc1.lab.example.test',
    serverSource: 'discovered',
    caFile: './ca.pem',
    startTls: true,
    bindUser: 'clusteradm@lab.example.test',
    password: 'env:CLUSTERPROBE_AD_PASSWORD',
    ou: 'OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test',
  },
  portals: [
    {
      portal: '10.0.0.20:3260',
      chap: { user: 'csvuser', secret: 'file:./chap.secret' },
      picks: [
        {
          target: 'iqn.2026-11.example:csv1',
          luns: [
            { lun: 2, label: 'LUN 2  disk' },
            { lun: 1, label: 'LUN 1  disk' },
          ],
        },
        { target: 'iqn.2026-11.example:csv2', luns: [{ lun: 1 }, { lun: 2 }] },
        { target: 'iqn.2026-11.example:quorum', luns: [{ lun: 3 }] },
      ],
    },
    { portal: 'san2', note: 'not read when this file was written' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Validators

test('answer checks: true for what the spec accepts, the reason otherwise', () => {
  const cases: [string, (v: string) => true | string, string, boolean][] = [
    ['fqdn', checkFqdn, '', true],
    ['fqdn', checkFqdn, 'hv01.lab.example.test', true],
    ['fqdn', checkFqdn, 'not a name', false],
    ['iqn', checkIqn, '', true],
    ['iqn', checkIqn, 'iqn.1991-05.com.microsoft:hv01', true],
    ['iqn', checkIqn, 'hv01', false],
    ['domain', checkDomain, 'lab.example.test', true],
    ['domain', checkDomain, '', false],
    ['domain', checkDomain, 'LAB', false],
    ['domain', checkDomain, 'lab..test', false],
    ['portal', checkPortal, '10.0.0.20', true],
    ['portal', checkPortal, 'san1:3260', true],
    ['portal', checkPortal, '[fd00::20]:3260', true],
    ['portal', checkPortal, 'san1:70000', false],
    ['portal', checkPortal, 'san 1', false],
    ['portal', checkPortal, '', false],
    ['dns', checkDnsServer, '', true],
    ['dns', checkDnsServer, '127.0.0.1', true],
    ['dns', checkDnsServer, '127.0.0.1:5353', true],
    ['dns', checkDnsServer, '::1', true],
    ['dns', checkDnsServer, '[::1]:53', true],
    ['dns', checkDnsServer, 'dns.example.test', false],
    ['dns', checkDnsServer, '127.0.0.1:0', false],
    ['dc', checkDcHost, 'dc1.lab.example.test', true],
    ['dc', checkDcHost, '10.0.0.10', true],
    ['dc', checkDcHost, 'ldaps://dc1', false],
    ['upn', checkUpn, 'clusteradm@lab.example.test', true],
    ['upn', checkUpn, 'LAB\\clusteradm', false],
    ['upn', checkUpn, 'a@b@c', false],
    ['env', checkEnvName, 'CLUSTERPROBE_AD_PASSWORD', true],
    ['env', checkEnvName, '1PASSWORD', false],
    ['env', checkEnvName, 'MY-PW', false],
  ];
  for (const [what, check, value, ok] of cases) {
    const verdict = check(value);
    if (ok) assert.equal(verdict, true, `${what} ${JSON.stringify(value)}: ${String(verdict)}`);
    else assert.equal(typeof verdict, 'string', `${what} ${JSON.stringify(value)} should be refused`);
  }
  assert.match(String(checkDomain('LAB')), /NetBIOS domain name.*lab\.example\.test/);
  assert.match(String(checkFqdn('not a name')), /expected a DNS name/, "the schema's own message");
});

test('an OU is a DN ending in the domain; empty is fine', () => {
  assert.equal(checkOu('', 'lab.example.test'), true);
  assert.equal(checkOu('OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test', 'lab.example.test'), true);
  assert.equal(checkOu('ou=HyperV, dc=lab, dc=example, dc=test', 'lab.example.test'), true);
  assert.match(
    String(checkOu('CN=Computers,DC=lab,DC=example,DC=test', 'lab.example.test')),
    /distinguished name of an OU/,
  );
  assert.match(String(checkOu('OU=HyperV,DC=other,DC=test', 'lab.example.test')), /ends in ,DC=lab,DC=example,DC=test/);
});

test('a CA file must hold a certificate that parses, and no private key', () => {
  assert.equal(checkPem(CA), true);
  assert.equal(checkPem(`# the lab CA\n${CA}\n${CA}`), true, 'a bundle');
  assert.match(String(checkPem('hello\n')), /not a PEM certificate/);
  assert.match(String(checkPem(`${CA}-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n`)), /private key/);
  assert.match(
    String(checkPem('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n')),
    /does not parse/,
  );
});

test('secret references only: env:NAME, file:PATH, prompt; anything else throws', () => {
  assert.equal(secretRef('env', 'CP_PW'), 'env:CP_PW');
  assert.equal(secretRef('file', './pw.txt'), 'file:./pw.txt');
  assert.equal(secretRef('prompt'), 'prompt');
  assert.throws(() => secretRef('env', '1X'), RangeError);
  assert.throws(() => secretRef('file', ''), RangeError);
});

// ---------------------------------------------------------------------------------------------
// NetBIOS names

test('reviewName: each rule, its reason, whether the name can be kept, and the suggestion', () => {
  const fine = reviewName('hv01', ['HVCLUSTER01']);
  assert.deepEqual(fine, { netbios: 'HV01', reasons: [], keepable: true });

  const long = reviewName('HYPERVHOSTNODE-01A', ['HVCLUSTER01']);
  assert.deepEqual([long.netbios, long.keepable, long.suggestion], ['HYPERVHOSTNODE-', true, 'HYPERVHOSTN-01A']);
  assert.match(long.reasons[0]!, /^18 characters: .* truncates it to HYPERVHOSTNODE-$/);

  const clash = reviewName('HYPERVHOSTNODE-01B', ['HVCLUSTER01', 'HYPERVHOSTNODE-01A']);
  assert.equal(clash.reasons.length, 2);
  assert.match(clash.reasons[1]!, /HYPERVHOSTNODE- is the same as HYPERVHOSTNODE-01A's/);
  assert.equal(clash.suggestion, 'HYPERVHOSTN-01B');
  assert.equal(clash.keepable, true, 'the hosts may really be named so: validate reports it');

  // The earlier name was already replaced by its suggestion: the next one must not take it.
  assert.equal(reviewName('HYPERVHOSTNODE-01A', ['HYPERVHOSTN-01A']).suggestion, 'HYPERVHOST2-01A');
  // A suggestion never ends in a hyphen (no host name may): HYPERVHOSTNODE--, shortened, is not HYPERVHOSTNODE-.
  assert.equal(reviewName('HYPERVHOSTNODE--', ['HYPERVHOSTNODE-0']).suggestion, 'HYPERVHOSTNODE');

  const forbidden = reviewName('hv*03', []);
  assert.deepEqual([forbidden.keepable, forbidden.suggestion], [false, 'hv03']);
  assert.match(forbidden.reasons[0]!, /^\* cannot be part/);
  assert.equal(reviewName('1234', []).keepable, false);
  assert.equal(reviewName('1234', []).suggestion, 'N1234');
  assert.equal(reviewName('.hv', []).keepable, false);

  const dup = reviewName('HV01', ['HVCLUSTER01', 'hv01']);
  assert.deepEqual([dup.keepable, dup.suggestion], [false, 'HV02']);
  assert.match(dup.reasons[0]!, /hv01 is already in this cluster/);
  assert.equal(reviewName('HVCLUSTER01', ['HVCLUSTER01']).keepable, false, 'a node named like the cluster');

  const underscore = reviewName('hv_01', []);
  assert.equal(underscore.keepable, true);
  assert.match(underscore.reasons[0]!, /_ is allowed in NetBIOS but not in a DNS host name/);
  assert.equal(underscore.suggestion, 'hv01');
});

test('a name init lets the user keep is one validate loads: the same rule, the same sentence (issue 11)', () => {
  for (const name of ["hv01'x", 'hv 01', 'hv$01', 'hv`01', 'hv01.lab.example.test', '-hv01', 'hv01-', 'hvé01']) {
    const review = reviewName(name, ['HVCLUSTER01']);
    assert.equal(review.keepable, false, `${name} cannot be kept: the loader refuses it`);
    assert.ok(review.reasons.includes(hostNameProblem(name)!), `${name}: ${JSON.stringify(review.reasons)}`);
    assert.ok(
      review.suggestion !== undefined && hostNameProblem(review.suggestion) === undefined,
      `${name} -> ${review.suggestion}`,
    );
  }
  assert.ok(reviewName('hv01.lab.example.test', []).reasons.some((r) => /without its domain.*fqdn/.test(r)));
  assert.equal(
    reviewName('HYPERVHOSTNODE-01A', []).keepable,
    true,
    'too long for NetBIOS, but a host name: validate reports it',
  );
  assert.equal(reviewName('hv_01', []).keepable, true, 'the underscore Windows allows');
  assert.match(nameHint("hv01'x", []), /got a quote/);
  assert.match(String(reviewName("CL'01", [], 'cluster').reasons[0]), /e\.g\. HVCLUSTER01/);
  // The other answers: the loader's validators, word for word.
  assert.equal(checkDnsServer('10.0.0.10:0'), dnsServerProblem('10.0.0.10:0'));
  assert.equal(checkPortal('10.0.0.20:99999'), portalProblem('10.0.0.20:99999'));
  assert.equal(checkIqn('iqn.1991-13.com.microsoft:hv01'), iqnProblem('iqn.1991-13.com.microsoft:hv01'));
  assert.equal(checkFqdn("hv01'x.lab.example.test"), fqdnProblem("hv01'x.lab.example.test"));
  assert.equal(checkOu('HyperV', 'lab.example.test'), dnProblem('HyperV'));
  assert.equal(
    checkDcHost("dc1'.lab.example.test"),
    dnsNameProblem("dc1'.lab.example.test", 'e.g. dc1.lab.example.test, or its IP address'),
  );
});

test('every suggestion is itself a valid, unique, DNS-safe name', () => {
  const name = fc.oneof(
    fc.string({ minLength: 1, maxLength: 24, unit: fc.constantFrom(...'abcHV-_.*:?19 é'.split('')) }),
    fc
      .tuple(
        fc.constantFrom('HYPERVHOSTNODE-', 'HYPERVHOSTN-', 'HV'),
        fc.string({ maxLength: 4, unit: fc.constantFrom(...'01AB*-'.split('')) }),
      )
      .map(([a, b]) => a + b),
  );
  fc.assert(
    fc.property(name, fc.array(name, { maxLength: 5 }), (n, others) => {
      const r = reviewName(n, others);
      if (r.reasons.length === 0) return;
      assert.ok(r.suggestion !== undefined, `no suggestion for ${JSON.stringify(n)}`);
      assert.deepEqual(
        reviewName(r.suggestion, others).reasons,
        [],
        `${JSON.stringify(n)} -> ${JSON.stringify(r.suggestion)} among ${JSON.stringify(others)}`,
      );
    }),
    { numRuns: 2000 },
  );
});

test('the hint shown while a name is typed', () => {
  assert.match(nameHint('', []), /at most 15 characters/);
  assert.equal(nameHint('hv01', []), '✓ NetBIOS name HV01 (4/15)');
  assert.equal(
    nameHint('HYPERVHOSTNODE-01A', []),
    '⚠ 18 characters: a NetBIOS name has at most 15, so Windows truncates it to HYPERVHOSTNODE- (suggested: HYPERVHOSTN-01A)',
  );
  assert.match(nameHint('hv01', ['HV01']), /^⚠ HV01 is already in this cluster \(suggested: hv02\)$/);
});

// ---------------------------------------------------------------------------------------------
// LUNs

function lun(n: number, deviceType: number, extra: Partial<InventoryLun> = {}): InventoryLun {
  return {
    lun: n,
    deviceType,
    deviceTypeName:
      deviceType === 0
        ? 'direct access block device'
        : deviceType === 5
          ? 'CD/DVD device'
          : 'storage array controller device',
    vendor: 'IET',
    product: deviceType === 0 ? 'VIRTUAL-DISK' : 'VIRTUAL-CDROM',
    revision: '0001',
    version: 5,
    sizeBytes: deviceType === 0 ? 64 * 1024 * 1024 : null,
    blockSize: deviceType === 0 ? 512 : null,
    designators: [
      {
        type: 'NAA',
        naa: 6,
        value: `6000000000000000000000000001000${n}`,
        association: 'logical-unit',
        codeSet: 'binary',
      },
    ],
    ...extra,
  };
}

test('LUN choices: disks can be ticked, with size, vendor/product and the NAA id; other LUNs are shown but not selectable', () => {
  const [t1, t2, t3] = ['iqn.2026-11.example:t1', 'iqn.2026-11.example:t2', 'iqn.2026-11.example:t_3'];
  const choices = lunChoices([
    {
      name: t1,
      luns: [
        lun(0, 12),
        lun(1, 0),
        lun(2, 5),
        lun(3, 0, { error: { code: 'ESCSI', message: 'READ CAPACITY failed' } }),
      ],
    },
    { name: t2, luns: [lun(1, 0, { vendor: 'EVIL\n# x: 1', product: null, designators: [] })] },
    { name: t3, luns: [lun(1, 0)] },
  ]);
  assert.deepEqual(
    choices.map((c) => [c.target, c.lun, c.disabled === undefined]),
    [
      [t1, 0, false],
      [t1, 1, true],
      [t1, 2, false],
      [t1, 3, false],
      [t2, 1, true],
      [t3, 1, false],
    ],
  );
  assert.match(
    choices[5]!.disabled!,
    /the target's name cannot go in the spec: .*got "_"/,
    'a name the loader would refuse is not offered',
  );
  assert.equal(
    choices[1]!.label,
    'LUN 1  direct access block device  64.0 MiB  IET VIRTUAL-DISK  naa.60000000000000000000000000010001',
  );
  assert.equal(choices[2]!.disabled, '(not a disk: cannot be a cluster disk)');
  assert.match(choices[3]!.disabled!, /could not be read: READ CAPACITY failed/);
  assert.equal(
    choices[4]!.label,
    'LUN 1  direct access block device  64.0 MiB  EVIL # x: 1  no identifier',
    'what the target sent stays on one line',
  );

  const picks = picksFrom(choices, [
    { target: t1, lun: 1 },
    { target: t1, lun: 2 },
    { target: t2, lun: 1 },
  ]);
  assert.deepEqual(
    picks.map((p) => [p.target, p.luns.map((l) => l.lun)]),
    [
      [t1, [1]],
      [t2, [1]],
    ],
    'a LUN that cannot be ticked is never picked',
  );
});

// ---------------------------------------------------------------------------------------------
// The spec and its YAML

test('buildSpec: the DESIGN.md shape; targets whose ticked LUNs differ get entries of their own', () => {
  const spec = buildSpec(FULL);
  assert.deepEqual(spec.activeDirectory, {
    domain: 'lab.example.test',
    servers: ['ldap://dc1.lab.example.test'],
    dnsServers: ['10.0.0.10'],
    tls: { caFile: './ca.pem', startTls: true },
    bind: { user: 'clusteradm@lab.example.test', password: 'env:CLUSTERPROBE_AD_PASSWORD' },
    ou: 'OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test',
  });
  assert.deepEqual(spec.storage, {
    iscsi: [
      {
        portal: '10.0.0.20:3260',
        targets: ['iqn.2026-11.example:csv1', 'iqn.2026-11.example:csv2'],
        luns: [1, 2],
        chap: { user: 'csvuser', secret: 'file:./chap.secret' },
      },
      {
        portal: '10.0.0.20:3260',
        targets: ['iqn.2026-11.example:quorum'],
        luns: [3],
        chap: { user: 'csvuser', secret: 'file:./chap.secret' },
      },
      { portal: 'san2' },
    ],
    allowInUse: false,
  });
  assert.deepEqual(
    buildSpec({ cluster: FULL.cluster, nodes: FULL.nodes }),
    { cluster: FULL.cluster, nodes: [FULL.nodes[0], FULL.nodes[1]] },
    'no AD, no storage: no keys',
  );
  assert.equal(ldapUrl({ server: 'fd00::10', startTls: false }), 'ldaps://[fd00::10]');
  assert.equal(ldapUrl({ startTls: false }), undefined);
});

test('the YAML loads through the config loader to exactly the spec the answers describe, secrets as references', async () => {
  const text = renderSpecYaml(FULL, META);
  assert.deepEqual(load(FULL), ClusterSpecSchema.parse(buildSpec(FULL)));
  const dir = await tempDir();
  await writeFile(join(dir, 'cluster.yaml'), text);
  const { spec } = await loadSpec(join(dir, 'cluster.yaml'));
  assert.equal(spec.activeDirectory?.bind?.password, 'env:CLUSTERPROBE_AD_PASSWORD');
  assert.equal(spec.storage?.iscsi[0]?.chap?.secret, 'file:./chap.secret');
  assert.equal(spec.cluster?.windowsVersion, '2012', 'a version that looks like a number stays a string');

  for (const password of ['prompt', 'file:../secrets/ad pw.txt', 'env:X']) {
    assert.equal(
      load({ ...FULL, activeDirectory: { ...FULL.activeDirectory!, password } }).activeDirectory?.bind?.password,
      password,
    );
  }
  assert.deepEqual(
    load({ ...FULL, portals: [] }).storage,
    { iscsi: [], allowInUse: false },
    'no portal left: an empty list, still loading',
  );
});

test('the YAML is commented like examples/review-lab.yaml: every key explained, the ticked disks described', () => {
  const text = renderSpecYaml(FULL, { ...META, schemaPath: '../schema/cluster-spec.schema.json' });
  assert.match(text, /^# yaml-language-server: \$schema=\.\.\/schema\/cluster-spec\.schema\.json\n/);
  assert.match(text, /^# {3}clusterprobe validate --config cluster\.yaml$/m);
  for (const key of [
    'name',
    'windowsVersion',
    'domain',
    'servers',
    'dnsServers',
    'caFile',
    'startTls',
    'user',
    'password',
    'ou',
    'portal',
    'targets',
    'luns',
    'secret',
    'allowInUse',
  ]) {
    assert.match(text, new RegExp(`^ *(- )?${key}: .+ # \\S`, 'm'), `${key} has a comment`);
  }
  assert.match(text, /password: env:CLUSTERPROBE_AD_PASSWORD +# env:NAME \| file:PATH \| prompt, never the password/);
  assert.match(text, /servers: \[ldap:\/\/dc1\.lab\.example\.test\] +# picked from the DCs DNS SRV listed/);
  assert.match(
    text,
    /- name: HYPERVHOSTNODE-01A +# 18 characters: .* \(validate reports it\)/,
    'a kept name carries its problem',
  );
  assert.match(
    text,
    /^ +# iqn: not given: .*iqn\.1991-05\.com\.microsoft:hypervhostnode-01a\.lab\.example\.test$/m,
    'Windows derives it from the FQDN the domain implies',
  );
  assert.match(text, /^ +# iqn\.2026-11\.example:csv1 LUN 1 {2}disk$/m);
  assert.match(text, /- portal: san2 +# not read when this file was written/);
  // Comments are comments: the document holds only the spec's keys.
  const doc = parseDocument(text);
  assert.deepEqual(Object.keys(doc.toJS() as object), ['cluster', 'nodes', 'activeDirectory', 'storage']);
});

test('any string the user typed or a target sent round-trips, and nothing in a comment becomes YAML', () => {
  const text = fc.string({
    minLength: 1,
    maxLength: 30,
    unit: fc.constantFrom(...'aZ09 -_:#\'"{}[],&*!|>%@`?\\\n\t\r\u2028é'.split('')),
  });
  // Names and the OU have a shape the loader enforces: half the runs give values of that shape.
  const name = fc.oneof(text, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/));
  const ou = fc.oneof(
    text,
    text.map((t) => `OU=${t},DC=lab,DC=example,DC=test`),
  );
  fc.assert(
    fc.property(name, text, ou, text, text, (name, user, ou, label, chapUser) => {
      const answers: WizardAnswers = {
        cluster: { name, windowsVersion: '2025' },
        nodes: [{ name }, { name: `${name}x` }],
        activeDirectory: {
          domain: 'lab.example.test',
          startTls: false,
          bindUser: user,
          password: 'prompt',
          ou,
          caFile: label,
        },
        portals: [
          {
            portal: 'san1',
            chap: { user: chapUser, secret: 'env:S' },
            picks: [{ target: 'iqn.2026-11.example:t', luns: [{ lun: 1, label }] }],
            note: label,
          },
        ],
      };
      // Every string comes back from the YAML exactly as typed, whatever the loader thinks of it...
      assert.deepEqual(
        parseDocument(renderSpecYaml(answers, META)).toJS(),
        JSON.parse(JSON.stringify(buildSpec(answers))),
      );
      // ...and the loader takes it as it is, or refuses it by the spec's rules (as init would have).
      const shaped =
        hostNameProblem(name, 'cluster') === undefined &&
        hostNameProblem(`${name}x`) === undefined &&
        dnProblem(ou) === undefined;
      if (shaped) assert.deepEqual(load(answers), ClusterSpecSchema.parse(buildSpec(answers)));
      else assert.throws(() => load(answers), ConfigError);
    }),
    { numRuns: 300 },
  );
  for (const s of [
    '2012',
    'yes',
    'null',
    '~',
    '- a',
    '#x',
    'a: b',
    '*x',
    ' lead',
    'trail ',
    'iqn.2026-11.test:disk1',
  ]) {
    const y = yamlString(s);
    assert.equal((parseDocument(`k: ${y}`).toJS() as { k: unknown }).k, s, y);
    assert.deepEqual(parseDocument(`[${yamlString(s, true)}]`).toJS(), [s]);
  }
});
