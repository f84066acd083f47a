import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import check from '../../../checks/ad/cno-readiness.ts';
import { assertFindings, commandsOf, runCheck, type ExpectedFinding } from '../../helpers/run-check.ts';
import { le32, sdBase64, sidBytes, type AceSpec } from '../../helpers/sd-builder.ts';
import { ACE_FLAGS, ACE_TYPE, ADS_RIGHTS, DS_FULL_CONTROL, SCHEMA_GUIDS } from '../../../src/facts/ad-security/sd.ts';
import { sidString } from '../../../src/ad/probe.ts';
import type { Finding } from '../../../src/engine/report.ts';
import { adFacts, computer, DOMAIN_SID } from './facts.ts';
import { mulberry32 } from '../../helpers/prng.ts';
import type { AdFacts, OuFact } from '../../../src/facts/index.ts';

const BASE = 'DC=lab,DC=example,DC=test';
const OU = `OU=HyperV,${BASE}`;
const COMPUTERS = `CN=Computers,${BASE}`;
const CLUSTER = 'HVCLUSTER01';
const CNO_DN = `CN=${CLUSTER},${OU}`;
const ADMIN = 'admin@lab.example.test';
const USER_SID = `${DOMAIN_SID}-1105`;
const GROUP_SID = `${DOMAIN_SID}-1106`;
const OTHER_SID = `${DOMAIN_SID}-1107`;
const AUTHENTICATED_USERS = 'S-1-5-11';
const COMPUTER = SCHEMA_GUIDS.computer;

const {
  ACCESS_ALLOWED: A,
  ACCESS_DENIED: D,
  ACCESS_ALLOWED_OBJECT: OA,
  ACCESS_DENIED_OBJECT: OD,
  ACCESS_ALLOWED_CALLBACK,
} = ACE_TYPE;
const { CONTAINER_INHERIT_ACE: CI, INHERIT_ONLY_ACE: IO, INHERITED_ACE: ID } = ACE_FLAGS;
const CC = ADS_RIGHTS.ADS_RIGHT_DS_CREATE_CHILD;
const RP = ADS_RIGHTS.ADS_RIGHT_DS_READ_PROP;
/** What Samba's default OU DACL gives Authenticated Users: RPLCLORC. */
const READ_GENERIC = 0x20094;

const CREATE_COMPUTER_FOR_USER: AceSpec = { type: OA, mask: CC, objectType: COMPUTER, sid: USER_SID };
const READ_FOR_AUTHENTICATED_USERS: AceSpec = { type: A, mask: READ_GENERIC, sid: AUTHENTICATED_USERS };
/** A conditional ACE: its body is opaque to clusterprobe (mask, SID, then the "artx" condition). */
const CALLBACK_ACE: AceSpec = {
  type: ACCESS_ALLOWED_CALLBACK,
  body: [...le32(CC), ...sidBytes(USER_SID), 0x61, 0x72, 0x74, 0x78],
};

// ---------------------------------------------------------------------------------------------
// Facts.

type Facts = ReturnType<typeof adFacts>;

function ouFact(dacl: AceSpec[] | 'null' | undefined, over: Partial<OuFact> = {}): OuFact {
  return {
    dn: OU,
    source: 'nodes',
    exists: true,
    objectClass: ['top', 'organizationalUnit'],
    securityDescriptor: sdBase64({ dacl }),
    ...over,
  };
}

/** A prestaged cluster name object: disabled, no DNS name or operating system yet. */
function cno(over: Parameters<typeof computer>[1] = {}) {
  return computer(CLUSTER, {
    dn: CNO_DN,
    dNSHostName: null,
    operatingSystem: null,
    userAccountControl: 4098,
    enabled: false,
    ...over,
  });
}

/** The base case: bound as admin@, whose token holds GROUP_SID; the OU delegates to the account. */
function cnoFacts(over: Partial<AdFacts> = {}): Facts {
  return adFacts({
    bindIdentity: { dn: `CN=admin,CN=Users,${BASE}`, sid: USER_SID, tokenGroups: [GROUP_SID, `${DOMAIN_SID}-513`] },
    ou: ouFact([CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS]),
    ...over,
  });
}

function withOuAces(...dacl: AceSpec[]): Facts {
  return cnoFacts({ ou: ouFact(dacl) });
}

function prestaged(dacl: AceSpec[] | undefined, over: Partial<AdFacts> = {}): Facts {
  const base = cnoFacts()['ad.directory'];
  return cnoFacts({
    computers: [...base.computers!, cno()],
    ...(dacl ? { cnoSecurityDescriptor: sdBase64({ dacl }) } : {}),
    ...over,
  });
}

// Samba: real bytes recorded by test/lab/record-samba.ts (test/fixtures/samba/README.md).

interface SambaIndex {
  domainSid: string;
  files: { file: string; kind: string; dn: string }[];
}

const SAMBA = new URL('../../fixtures/samba/', import.meta.url);
const samba = JSON.parse(readFileSync(new URL('index.json', SAMBA), 'utf8')) as SambaIndex;
const sambaFile = (file: string) => readFileSync(new URL(file, SAMBA));

/** An OU descriptor as the probe keeps it: the nTSecurityDescriptor value in base64. */
function sambaOu(file: string, over: Partial<OuFact> = {}): OuFact {
  const meta = samba.files.find((f) => f.file === file);
  assert.ok(meta, file);
  return {
    dn: meta.dn,
    source: 'config',
    exists: true,
    objectClass: ['top', 'organizationalUnit'],
    securityDescriptor: sambaFile(file).toString('base64'),
    ...over,
  };
}

/** A recorded user's bind identity, decoded from the recorded bytes with the probe's own sidString. */
function sambaIdentity(role: 'plain' | 'granted' | 'denied'): {
  user: string;
  identity: NonNullable<AdFacts['bindIdentity']>;
} {
  const sam = `fx${role}`;
  const sid = sidString(sambaFile(`objectsid-${sam}.bin`));
  const packed = sambaFile(`tokengroups-${role}.bin`);
  const tokenGroups: string[] = [];
  for (let at = 0; at < packed.length; at += 1 + packed[at]!)
    tokenGroups.push(sidString(packed.subarray(at + 1, at + 1 + packed[at]!))!);
  return { user: `${sam}@lab.example.test`, identity: { dn: `CN=${sam},OU=Fixtures,${BASE}`, sid, tokenGroups } };
}

function sambaFacts(role: 'plain' | 'granted' | 'denied', ouFile: string, over: Partial<AdFacts> = {}): Facts {
  const { user, identity } = sambaIdentity(role);
  const facts = adFacts({ bindIdentity: identity, ou: sambaOu(ouFile), ...over });
  return {
    ...facts,
    'ad.directory': { ...facts['ad.directory'], connection: { ...facts['ad.directory'].connection!, boundAs: user } },
  };
}

const sambaOuDn = (file: string) => samba.files.find((f) => f.file === file)!.dn;
const sambaSid = (rid: number) => `${samba.domainSid}-${rid}`;

// ---------------------------------------------------------------------------------------------
// Every messageId the check declares must be reached by some test below (checked last).

const reached = new Set<string>();

async function run(facts: Readonly<Record<string, unknown>>): Promise<Finding[]> {
  const findings = await runCheck(check, facts);
  for (const f of findings) reached.add(f.messageId);
  return findings;
}

interface Case {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly expected: readonly ExpectedFinding[];
}

const free = { cluster: CLUSTER, ou: OU, user: ADMIN };
const cnoData = { cluster: CLUSTER, dn: CNO_DN, user: ADMIN };

const cases: readonly Case[] = [
  // The cluster name is free: may the account create it?
  {
    name: 'free, and the OU delegates Create Computer objects to the account: canCreate',
    facts: cnoFacts(),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: { ...free, ouSource: 'nodes' } }],
  },
  {
    name: 'allowed through a group in tokenGroups',
    facts: withOuAces({ type: OA, mask: CC, objectType: COMPUTER, sid: GROUP_SID }, READ_FOR_AUTHENTICATED_USERS),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: free }],
  },
  {
    name: 'allowed by an inherited ACE',
    facts: withOuAces(READ_FOR_AUTHENTICATED_USERS, {
      type: OA,
      flags: CI | ID,
      mask: CC,
      objectType: COMPUTER,
      sid: GROUP_SID,
    }),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: free }],
  },
  {
    name: 'allowed by an object ACE without an object type (every class)',
    facts: withOuAces({ type: OA, mask: CC, sid: USER_SID }, READ_FOR_AUTHENTICATED_USERS),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: free }],
  },
  {
    name: 'allowed by a plain ACE granting Create Child and Read Property',
    facts: withOuAces({ type: A, mask: CC | RP, sid: USER_SID }),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: free }],
  },
  {
    name: 'allowed by Full Control (GENERIC_ALL) to a group',
    facts: withOuAces({ type: A, mask: ADS_RIGHTS.GENERIC_ALL, sid: GROUP_SID }),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: free }],
  },
  {
    name: 'allowed by a NULL DACL (everything is)',
    facts: cnoFacts({ ou: ouFact('null') }),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: free }],
  },
  {
    name: 'the configured OU is named with its source',
    facts: cnoFacts({ ou: ouFact([CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS], { source: 'config' }) }),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: { ou: OU, ouSource: 'config' } }],
  },
  {
    name: 'no ACE grants Create Child: cannotCreate, Create Computer objects missing',
    facts: withOuAces(READ_FOR_AUTHENTICATED_USERS),
    expected: [
      {
        status: 'fail',
        messageId: 'cannotCreate',
        subject: CLUSTER,
        data: { ...free, missing: 'Create Computer objects' },
      },
    ],
  },
  {
    name: 'Create Child granted for another class (user) only: cannotCreate',
    facts: withOuAces(
      { type: OA, mask: CC, objectType: SCHEMA_GUIDS.user, sid: USER_SID },
      READ_FOR_AUTHENTICATED_USERS,
    ),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { missing: 'Create Computer objects' } },
    ],
  },
  {
    name: 'Create Child granted to a SID outside the token: cannotCreate',
    facts: withOuAces({ type: OA, mask: CC, objectType: COMPUTER, sid: OTHER_SID }, READ_FOR_AUTHENTICATED_USERS),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { missing: 'Create Computer objects' } },
    ],
  },
  {
    name: 'an inherit-only grant does not apply to the OU itself: cannotCreate',
    facts: withOuAces(
      { type: OA, flags: CI | IO, mask: CC, objectType: COMPUTER, sid: USER_SID },
      READ_FOR_AUTHENTICATED_USERS,
    ),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { missing: 'Create Computer objects' } },
    ],
  },
  {
    name: 'a deny ACE before the allow wins: cannotCreate',
    facts: withOuAces(
      { type: OD, mask: CC, objectType: COMPUTER, sid: USER_SID },
      { type: OA, mask: CC, objectType: COMPUTER, sid: GROUP_SID },
      READ_FOR_AUTHENTICATED_USERS,
    ),
    expected: [
      {
        status: 'fail',
        messageId: 'cannotCreate',
        subject: CLUSTER,
        data: { ...free, missing: 'Create Computer objects' },
      },
    ],
  },
  {
    name: 'an allow before a deny keeps the right: canCreate',
    facts: withOuAces(
      CREATE_COMPUTER_FOR_USER,
      { type: OD, mask: CC, objectType: COMPUTER, sid: GROUP_SID },
      READ_FOR_AUTHENTICATED_USERS,
    ),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER }],
  },
  {
    name: 'Read All Properties missing: cannotCreate naming only it',
    facts: withOuAces(CREATE_COMPUTER_FOR_USER),
    expected: [
      {
        status: 'fail',
        messageId: 'cannotCreate',
        subject: CLUSTER,
        data: { ...free, missing: 'Read All Properties' },
      },
    ],
  },
  {
    name: 'a property-specific Read Property is not Read All Properties',
    facts: withOuAces(CREATE_COMPUTER_FOR_USER, {
      type: OA,
      mask: RP,
      objectType: '4c164200-20c0-11d0-a768-00aa006e0529',
      sid: USER_SID,
    }),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { missing: 'Read All Properties' } },
    ],
  },
  {
    name: 'an empty DACL: both rights missing',
    facts: withOuAces(),
    expected: [
      {
        status: 'fail',
        messageId: 'cannotCreate',
        subject: CLUSTER,
        data: { missing: 'Create Computer objects and Read All Properties' },
      },
    ],
  },

  // Real descriptors and tokenGroups recorded from Samba.
  {
    name: 'Samba OU=Granted, fxgranted (an explicit object ACE for the user): canCreate',
    facts: sambaFacts('granted', 'sd-ou-granted-dacl.bin'),
    expected: [
      {
        status: 'pass',
        messageId: 'canCreate',
        subject: CLUSTER,
        data: { user: 'fxgranted@lab.example.test', ou: sambaOuDn('sd-ou-granted-dacl.bin'), ouSource: 'config' },
      },
    ],
  },
  {
    name: 'Samba OU=Granted read with owner and group too (SD flags 7), fxgranted: canCreate',
    facts: sambaFacts('granted', 'sd-ou-granted-owner-group-dacl.bin'),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER }],
  },
  {
    name: 'Samba OU=Denied, fxgranted (allowed through FxClusterAdmins in its tokenGroups): canCreate',
    facts: sambaFacts('granted', 'sd-ou-denied-dacl.bin'),
    expected: [
      { status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: { user: 'fxgranted@lab.example.test' } },
    ],
  },
  {
    name: "Samba OU=Denied, fxdenied (denied explicitly, before the group's allow): cannotCreate",
    facts: sambaFacts('denied', 'sd-ou-denied-dacl.bin'),
    expected: [
      {
        status: 'fail',
        messageId: 'cannotCreate',
        subject: CLUSTER,
        data: { user: 'fxdenied@lab.example.test', missing: 'Create Computer objects' },
      },
    ],
  },
  {
    name: 'Samba OU=Granted, fxplain: cannotCreate',
    facts: sambaFacts('plain', 'sd-ou-granted-dacl.bin'),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { missing: 'Create Computer objects' } },
    ],
  },
  {
    name: "Samba's default OU read by fxplain itself: cannotCreate (Authenticated Users may read all properties, not create)",
    facts: sambaFacts('plain', 'sd-ou-default-dacl-as-plain-user.bin'),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { missing: 'Create Computer objects' } },
    ],
  },

  // The cluster name already exists.
  {
    name: 'prestaged: disabled, the account has Full Control on it',
    facts: prestaged([{ type: A, mask: DS_FULL_CONTROL, sid: USER_SID }]),
    expected: [{ status: 'pass', messageId: 'prestaged', subject: CLUSTER, data: cnoData }],
  },
  {
    name: 'prestaged: Full Control as GENERIC_ALL to a group in the token',
    facts: prestaged([{ type: A, mask: ADS_RIGHTS.GENERIC_ALL, sid: GROUP_SID }]),
    expected: [{ status: 'pass', messageId: 'prestaged', subject: CLUSTER, data: cnoData }],
  },
  {
    name: 'prestaged: the sAMAccountName is matched without regard to case',
    facts: prestaged([{ type: A, mask: DS_FULL_CONTROL, sid: USER_SID }], {
      computers: [cno({ sAMAccountName: 'hvcluster01$' })],
    }),
    expected: [{ status: 'pass', messageId: 'prestaged', subject: CLUSTER }],
  },
  {
    name: 'prestaged, read only: prestagedNoFullControl naming every missing right',
    facts: prestaged([{ type: A, mask: ADS_RIGHTS.GENERIC_READ, sid: USER_SID }]),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedNoFullControl',
        subject: CLUSTER,
        data: {
          ...cnoData,
          missing:
            'Create Child, Delete Child, Validated Write, Write Property, Delete Tree, Control Access, Delete, Modify Permissions, Modify Owner',
        },
      },
    ],
  },
  {
    name: 'prestaged, a deny ACE before Full Control: prestagedNoFullControl naming the denied right',
    facts: prestaged([
      { type: D, mask: ADS_RIGHTS.DELETE, sid: USER_SID },
      { type: A, mask: DS_FULL_CONTROL, sid: USER_SID },
    ]),
    expected: [{ status: 'fail', messageId: 'prestagedNoFullControl', subject: CLUSTER, data: { missing: 'Delete' } }],
  },
  {
    name: 'prestaged, Full Control only for someone else: prestagedNoFullControl',
    facts: prestaged([{ type: A, mask: DS_FULL_CONTROL, sid: OTHER_SID }]),
    expected: [{ status: 'fail', messageId: 'prestagedNoFullControl', subject: CLUSTER }],
  },
  {
    name: 'prestaged with a Samba descriptor, as a Domain Admin (explicit Full Control for DA): prestaged',
    facts: adFacts({
      bindIdentity: {
        dn: `CN=Administrator,CN=Users,${BASE}`,
        sid: sambaSid(500),
        tokenGroups: [sambaSid(512), sambaSid(513), 'S-1-5-32-544'],
      },
      computers: [...adFacts()['ad.directory'].computers!, cno()],
      cnoSecurityDescriptor: sambaFile('sd-ou-default-dacl.bin').toString('base64'),
    }),
    expected: [{ status: 'pass', messageId: 'prestaged', subject: CLUSTER }],
  },
  {
    name: 'prestaged with a Samba descriptor, as fxplain: prestagedNoFullControl',
    facts: sambaFacts('plain', 'sd-ou-default-dacl.bin', {
      computers: [...adFacts()['ad.directory'].computers!, cno()],
      cnoSecurityDescriptor: sambaFile('sd-ou-default-dacl.bin').toString('base64'),
    }),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedNoFullControl',
        subject: CLUSTER,
        data: { user: 'fxplain@lab.example.test' },
      },
    ],
  },
  {
    name: 'prestaged, its descriptor not readable: prestagedUnreadable',
    facts: prestaged(undefined),
    expected: [{ status: 'fail', messageId: 'prestagedUnreadable', subject: CLUSTER, data: cnoData }],
  },
  {
    name: 'an enabled object holds the name: nameTaken, whatever the rights',
    facts: prestaged([{ type: A, mask: DS_FULL_CONTROL, sid: USER_SID }], {
      computers: [
        cno({ enabled: true, userAccountControl: 4096, operatingSystem: 'Windows Server 2008 R2 Enterprise' }),
      ],
    }),
    expected: [{ status: 'fail', messageId: 'nameTaken', subject: CLUSTER, data: cnoData }],
  },
  {
    name: 'an enabled object in CN=Computers holds the name: nameTaken only (no quota warning)',
    facts: cnoFacts({ computers: [computer(CLUSTER, { dn: `CN=${CLUSTER},${COMPUTERS}` })] }),
    expected: [
      { status: 'fail', messageId: 'nameTaken', subject: CLUSTER, data: { dn: `CN=${CLUSTER},${COMPUTERS}` } },
    ],
  },

  // Where the cluster name goes.
  {
    name: 'the OU does not exist: ouMissing',
    facts: cnoFacts({ ou: { dn: `OU=Cluster,${BASE}`, source: 'config', exists: false, objectClass: [] } }),
    expected: [
      {
        status: 'fail',
        messageId: 'ouMissing',
        subject: `OU=Cluster,${BASE}`,
        data: { ou: `OU=Cluster,${BASE}`, cluster: CLUSTER, source: 'config' },
      },
    ],
  },
  {
    name: 'no OU known: noTargetOu',
    facts: cnoFacts({ ou: undefined }),
    expected: [{ status: 'skipped', messageId: 'noTargetOu', subject: CLUSTER, data: { cluster: CLUSTER } }],
  },
  {
    name: "CN=Computers: canCreate, then a machineAccountQuota warning with the domain's quota",
    facts: cnoFacts({
      ou: ouFact([CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS], {
        dn: COMPUTERS,
        objectClass: ['top', 'container'],
      }),
      domainHead: { dn: BASE, msDSBehaviorVersion: 4, nTMixedDomain: 0, machineAccountQuota: 5 },
    }),
    expected: [
      { status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: { ou: COMPUTERS } },
      {
        status: 'warn',
        messageId: 'machineAccountQuota',
        subject: COMPUTERS,
        data: { ou: COMPUTERS, quota: 5, cluster: CLUSTER },
      },
    ],
  },
  {
    name: 'CN=Computers with a quota of 0',
    facts: cnoFacts({
      ou: ouFact([CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS], { dn: COMPUTERS }),
      domainHead: { dn: BASE, msDSBehaviorVersion: 4, nTMixedDomain: 0, machineAccountQuota: 0 },
    }),
    expected: [
      { status: 'pass', messageId: 'canCreate', subject: CLUSTER },
      { status: 'warn', messageId: 'machineAccountQuota', subject: COMPUTERS, data: { quota: 0 } },
    ],
  },
  {
    name: 'CN=Computers, the quota unread: the default 10',
    facts: cnoFacts({
      ou: ouFact([READ_FOR_AUTHENTICATED_USERS], { dn: COMPUTERS }),
      domainHead: { dn: BASE, msDSBehaviorVersion: 4, nTMixedDomain: 0, machineAccountQuota: null },
    }),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { ou: COMPUTERS } },
      { status: 'warn', messageId: 'machineAccountQuota', subject: COMPUTERS, data: { quota: 10 } },
    ],
  },
  {
    name: 'prestaged in CN=Computers: prestaged, then the quota warning for the container it is in',
    facts: prestaged([{ type: A, mask: DS_FULL_CONTROL, sid: USER_SID }], {
      computers: [cno({ dn: `CN=${CLUSTER},${COMPUTERS}` })],
      domainHead: { dn: BASE, msDSBehaviorVersion: 4, nTMixedDomain: 0, machineAccountQuota: 7 },
    }),
    expected: [
      { status: 'pass', messageId: 'prestaged', subject: CLUSTER, data: { dn: `CN=${CLUSTER},${COMPUTERS}` } },
      { status: 'warn', messageId: 'machineAccountQuota', subject: COMPUTERS, data: { ou: COMPUTERS, quota: 7 } },
    ],
  },

  // What the evaluator cannot decide.
  {
    name: 'a conditional ACE before the grant: canCreate, and one conditionalAces warning (not one per right)',
    facts: withOuAces(CALLBACK_ACE, CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS),
    expected: [
      { status: 'pass', messageId: 'canCreate', subject: CLUSTER },
      { status: 'warn', messageId: 'conditionalAces', subject: OU, data: { dn: OU, count: 1 } },
    ],
  },
  {
    name: 'two conditional ACEs with nothing else: cannotCreate, and count 2',
    facts: withOuAces(CALLBACK_ACE, { ...CALLBACK_ACE, type: ACE_TYPE.ACCESS_DENIED_CALLBACK_OBJECT }),
    expected: [
      { status: 'fail', messageId: 'cannotCreate', subject: CLUSTER },
      { status: 'warn', messageId: 'conditionalAces', subject: OU, data: { count: 2 } },
    ],
  },
  {
    name: 'an inherit-only conditional ACE does not apply: no warning',
    facts: withOuAces({ ...CALLBACK_ACE, flags: CI | IO }, CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS),
    expected: [{ status: 'pass', messageId: 'canCreate', subject: CLUSTER }],
  },
  {
    name: 'a conditional ACE on the prestaged object: prestaged, and a conditionalAces warning for it',
    facts: prestaged([CALLBACK_ACE, { type: A, mask: DS_FULL_CONTROL, sid: USER_SID }]),
    expected: [
      { status: 'pass', messageId: 'prestaged', subject: CLUSTER },
      { status: 'warn', messageId: 'conditionalAces', subject: CNO_DN, data: { dn: CNO_DN, count: 1 } },
    ],
  },
  {
    name: 'an OU descriptor cut short: descriptorUnusable (error), not a crash',
    facts: cnoFacts({
      ou: ouFact(undefined, {
        securityDescriptor: sambaFile('sd-ou-granted-dacl.bin').subarray(0, 100).toString('base64'),
      }),
    }),
    expected: [{ status: 'error', messageId: 'descriptorUnusable', subject: OU, data: { dn: OU } }],
  },
  {
    name: 'an OU descriptor that is not base64 at all: descriptorUnusable',
    facts: cnoFacts({ ou: ouFact(undefined, { securityDescriptor: '%%% not a descriptor %%%' }) }),
    expected: [{ status: 'error', messageId: 'descriptorUnusable', subject: OU }],
  },
  {
    name: 'an empty OU descriptor: descriptorUnusable',
    facts: cnoFacts({ ou: ouFact(undefined, { securityDescriptor: '' }) }),
    expected: [{ status: 'error', messageId: 'descriptorUnusable', subject: OU }],
  },
  {
    name: 'an OU descriptor without its DACL (read without the SD flags control): descriptorUnusable, not "everything allowed"',
    facts: cnoFacts({ ou: ouFact(undefined) }),
    expected: [{ status: 'error', messageId: 'descriptorUnusable', subject: OU }],
  },
  {
    name: "the OU's descriptor not returned, with the read error: descriptorUnusable carrying it",
    facts: cnoFacts({
      ou: { dn: OU, source: 'nodes', exists: true, objectClass: [], error: 'insufficientAccessRights' },
    }),
    expected: [
      {
        status: 'error',
        messageId: 'descriptorUnusable',
        subject: OU,
        data: { dn: OU, reason: 'insufficientAccessRights' },
      },
    ],
  },
  {
    name: "the OU's descriptor not returned, no error: descriptorUnusable",
    facts: cnoFacts({ ou: { dn: OU, source: 'nodes', exists: true, objectClass: ['organizationalUnit'] } }),
    expected: [{ status: 'error', messageId: 'descriptorUnusable', subject: OU, data: { dn: OU } }],
  },
  {
    name: 'a malformed descriptor on the prestaged object: descriptorUnusable for it',
    facts: prestaged(undefined, { cnoSecurityDescriptor: Buffer.from([1, 0, 4, 0x80, 0, 0, 0, 0]).toString('base64') }),
    expected: [{ status: 'error', messageId: 'descriptorUnusable', subject: CNO_DN, data: { dn: CNO_DN } }],
  },

  // The account.
  {
    name: 'the bind account was not found: identityUnreadable',
    facts: cnoFacts({ bindIdentity: { error: `no user with userPrincipalName ${ADMIN} was found under ${BASE}` } }),
    expected: [
      {
        status: 'error',
        messageId: 'identityUnreadable',
        subject: ADMIN,
        data: { user: ADMIN, error: `no user with userPrincipalName ${ADMIN} was found under ${BASE}` },
      },
    ],
  },
  {
    name: "the bind account's objectSid could not be read: identityUnreadable",
    facts: cnoFacts({ bindIdentity: { dn: `CN=admin,CN=Users,${BASE}`, sid: null, tokenGroups: [] } }),
    expected: [{ status: 'error', messageId: 'identityUnreadable', subject: ADMIN, data: { user: ADMIN } }],
  },
  {
    name: "the bind account's SID is not a SID (facts edited by hand): identityUnreadable, not a crash",
    facts: cnoFacts({ bindIdentity: { dn: `CN=admin,CN=Users,${BASE}`, sid: 'garbage', tokenGroups: [] } }),
    expected: [{ status: 'error', messageId: 'identityUnreadable', subject: ADMIN, data: { user: ADMIN } }],
  },
  {
    // What sidString in src/ad/probe.ts makes of a revision-2 value: it does not check the revision byte.
    name: 'a tokenGroups SID of revision 2: identityUnreadable, not a crash',
    facts: cnoFacts({ bindIdentity: { dn: `CN=admin,CN=Users,${BASE}`, sid: USER_SID, tokenGroups: ['S-2-5-32'] } }),
    expected: [{ status: 'error', messageId: 'identityUnreadable', subject: ADMIN, data: { user: ADMIN } }],
  },
  {
    name: 'an anonymous bind, no bind account in the spec: anonymous',
    facts: {
      ...cnoFacts({ connection: { ...adFacts()['ad.directory'].connection!, boundAs: null }, bindIdentity: undefined }),
      spec: { nodes: [], activeDirectory: { domain: 'lab.example.test' } },
    },
    expected: [{ status: 'skipped', messageId: 'anonymous', subject: CLUSTER, data: { cluster: CLUSTER } }],
  },
  {
    name: 'bound, but no identity was read: anonymous',
    facts: cnoFacts({ bindIdentity: undefined }),
    expected: [{ status: 'skipped', messageId: 'anonymous', subject: CLUSTER }],
  },

  // Objects found by name (prestaged with another account name).
  {
    name: 'nodes prestaged by name only: their OU is the target, and the finding says they were matched by name',
    facts: cnoFacts({
      computers: [computer('hv01', { sAMAccountName: 'OLDHV01$', dNSHostName: null }), computer('hv02')],
    }),
    expected: [
      {
        status: 'pass',
        messageId: 'canCreate',
        subject: CLUSTER,
        data: { ...free, ouSource: 'nodes', nodesMatchedByName: ['hv01'] },
      },
    ],
  },
  {
    name: 'an object with the cluster name as cn but another account name: prestagedByName (New-Cluster will not use it), and the create rights are still checked',
    facts: cnoFacts({ computers: [computer('hv01'), computer('hv02'), cno({ sAMAccountName: 'HVCLU-OLD$' })] }),
    expected: [
      {
        status: 'fail',
        messageId: 'prestagedByName',
        subject: CLUSTER,
        data: { dn: CNO_DN, account: 'HVCLU-OLD$', expected: `${CLUSTER}$`, matchedBy: 'name', enabled: false },
      },
      { status: 'pass', messageId: 'canCreate', subject: CLUSTER, data: free },
    ],
  },

  // Nothing to check.
  {
    name: 'no cluster.name',
    facts: cnoFacts({ cluster: undefined }),
    expected: [{ status: 'skipped', messageId: 'noClusterName' }],
  },
  {
    name: 'not connected',
    facts: cnoFacts({ connection: undefined, computers: undefined }),
    expected: [{ status: 'skipped', messageId: 'notConnected', data: { error: 'not connected' } }],
  },
  {
    name: 'connected, but the read failed',
    facts: cnoFacts({ computers: undefined, readError: 'size limit exceeded' }),
    expected: [{ status: 'skipped', messageId: 'notConnected', data: { error: 'size limit exceeded' } }],
  },
  {
    name: 'no activeDirectory section',
    facts: { 'ad.directory': null, spec: { nodes: [] } },
    expected: [{ status: 'skipped', messageId: 'notConfigured' }],
  },
];

describe('ad.cno.readiness', () => {
  for (const c of cases) it(c.name, async () => assertFindings(await run(c.facts), c.expected));
});

// ---------------------------------------------------------------------------------------------
// Which ACE decided: the evidence names it (index, SID, inherited), so "via" is really via.

interface AceEvidence {
  index: number;
  sid: string;
  inherited: boolean;
  objectType?: string;
}
type Decisions = { decisions: { outcome: string; reason: string; ace?: AceEvidence }[] };

function deciding(
  f: Finding | undefined,
  which: 'createComputer' | 'readAllProperties' | 'fullControl',
): { outcome: string; reason: string; ace?: AceEvidence }[] {
  return (f?.evidence?.[which] as Decisions | undefined)?.decisions ?? [];
}

test("evidence: the ACE that granted Create Child is the group's, the inherited one, the all-classes one", async () => {
  const [group] = await run(
    withOuAces({ type: OA, mask: CC, objectType: COMPUTER, sid: GROUP_SID }, READ_FOR_AUTHENTICATED_USERS),
  );
  assert.deepEqual(
    deciding(group, 'createComputer').map((d) => [d.outcome, d.ace?.index, d.ace?.sid, d.ace?.objectType]),
    [['granted', 0, GROUP_SID, COMPUTER]],
  );
  assert.deepEqual(
    deciding(group, 'readAllProperties').map((d) => [d.outcome, d.ace?.sid]),
    [['granted', AUTHENTICATED_USERS]],
  );
  assert.ok((group!.evidence!.tokenSids as string[]).some((s) => s.includes(GROUP_SID)));

  const [inherited] = await run(
    withOuAces(READ_FOR_AUTHENTICATED_USERS, {
      type: OA,
      flags: CI | ID,
      mask: CC,
      objectType: COMPUTER,
      sid: GROUP_SID,
    }),
  );
  assert.deepEqual(
    deciding(inherited, 'createComputer').map((d) => [d.ace?.index, d.ace?.inherited]),
    [[1, true]],
  );

  const [allClasses] = await run(withOuAces({ type: OA, mask: CC, sid: USER_SID }, READ_FOR_AUTHENTICATED_USERS));
  assert.deepEqual(
    deciding(allClasses, 'createComputer').map((d) => [d.ace?.index, d.ace?.objectType]),
    [[0, undefined]],
  );

  const [sambaGroup] = await run(sambaFacts('granted', 'sd-ou-denied-dacl.bin'));
  assert.equal(deciding(sambaGroup, 'createComputer')[0]?.ace?.sid, sambaSid(1106), 'FxClusterAdmins');
});

test('evidence: the deny ACE that decided, and no matching ACE when nothing grants', async () => {
  const [deny] = await run(sambaFacts('denied', 'sd-ou-denied-dacl.bin'));
  const { identity } = sambaIdentity('denied');
  assert.deepEqual(
    deciding(deny, 'createComputer').map((d) => [d.outcome, d.reason, d.ace?.sid, d.ace?.inherited]),
    [['denied', 'ace', 'sid' in identity ? identity.sid : undefined, false]],
  );
  const [none] = await run(withOuAces(READ_FOR_AUTHENTICATED_USERS));
  assert.deepEqual(
    deciding(none, 'createComputer').map((d) => [d.outcome, d.reason]),
    [['denied', 'no-matching-ace']],
  );
});

// ---------------------------------------------------------------------------------------------
// Remediation commands.

test('cannotCreate: dsacls and samba-tool dsacl delegate Create Computer objects on the OU to the account, and prestaging is offered', async () => {
  const [f] = await run(withOuAces(READ_FOR_AUTHENTICATED_USERS));
  const commands = commandsOf(f);
  assert.ok(commands.includes(`dsacls "${OU}" /G "${ADMIN}:CC;computer"`), commands.join('\n'));
  assert.ok(
    commands.includes(`samba-tool dsacl set --objectdn='${OU}' --sddl='(OA;;CC;${COMPUTER};;${USER_SID})'`),
    commands.join('\n'),
  );
  assert.ok(
    !commands.some((c) => c.includes(':RP"') || c.includes('(A;;RP;')),
    'Read All Properties is granted already',
  );
  assert.ok(!commands.some((c) => c.includes(' /R ')), 'no deny to remove');
  assert.ok(
    commands.includes(
      `New-ADComputer -Name '${CLUSTER}' -SamAccountName '${CLUSTER}' -Path '${OU}' -Enabled $false -Description 'Failover cluster name object'`,
    ),
  );
  assert.ok(commands.includes(`dsacls "${CNO_DN}" /G "${ADMIN}:GA"`));
  assert.ok(commands.includes(`samba-tool computer add '${CLUSTER}' --computerou='${OU}'`));
});

test('cannotCreate without Read All Properties: only the RP grants', async () => {
  const [f] = await run(withOuAces(CREATE_COMPUTER_FOR_USER));
  const delegation = f!.remediation!.steps.find((s) => s.commands?.some((c) => c.command.startsWith(`dsacls "${OU}"`)));
  assert.deepEqual(
    delegation?.commands?.map((c) => c.command),
    [`dsacls "${OU}" /G "${ADMIN}:RP"`, `samba-tool dsacl set --objectdn='${OU}' --sddl='(A;;RP;;;${USER_SID})'`],
  );
});

test('cannotCreate with both rights missing: both grants, for dsacls and samba-tool', async () => {
  const [f] = await run(withOuAces());
  const commands = commandsOf(f);
  for (const c of [
    `dsacls "${OU}" /G "${ADMIN}:CC;computer"`,
    `dsacls "${OU}" /G "${ADMIN}:RP"`,
    `samba-tool dsacl set --objectdn='${OU}' --sddl='(OA;;CC;${COMPUTER};;${USER_SID})'`,
    `samba-tool dsacl set --objectdn='${OU}' --sddl='(A;;RP;;;${USER_SID})'`,
  ]) {
    assert.ok(commands.includes(c), c);
  }
});

test('a deny of the account itself: the fix removes it first (dsacls /R), naming the OU and the user', async () => {
  const [f] = await run(sambaFacts('denied', 'sd-ou-denied-dacl.bin'));
  const ou = sambaOuDn('sd-ou-denied-dacl.bin');
  const commands = commandsOf(f);
  assert.equal(commands[0], `dsacls "${ou}" /R "fxdenied@lab.example.test"`);
  assert.ok(commands.includes(`dsacls "${ou}" /G "fxdenied@lab.example.test:CC;computer"`));
  assert.ok(
    commands.includes(`samba-tool dsacl set --objectdn='${ou}' --sddl='(OA;;CC;${COMPUTER};;${sambaSid(1105)})'`),
  );
});

test('a deny for a group, or an inherited one for the account: a step names the ACE, but no dsacls /R on this OU', async () => {
  // Explicit ACEs come first in a canonical DACL; here the deny is first on purpose.
  for (const deny of [
    { type: OD, mask: CC, objectType: COMPUTER, sid: GROUP_SID },
    { type: OD, flags: CI | ID, mask: CC, objectType: COMPUTER, sid: USER_SID },
  ]) {
    const [f] = await run(withOuAces(deny, CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS));
    assertFindings(
      [f!],
      [{ status: 'fail', messageId: 'cannotCreate', subject: CLUSTER, data: { missing: 'Create Computer objects' } }],
    );
    assert.ok(!commandsOf(f).some((c) => c.includes(' /R ')), JSON.stringify(deny));
    assert.equal(f!.remediation!.steps.length, 3, 'the deny, the delegation, the prestaging');
  }
});

test('prestagedNoFullControl and prestagedUnreadable: dsacls /G GA and samba-tool dsacl with Full Control on the object', async () => {
  const grant = [
    `dsacls "${CNO_DN}" /G "${ADMIN}:GA"`,
    `samba-tool dsacl set --objectdn='${CNO_DN}' --sddl='(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;${USER_SID})'`,
  ];
  const [readOnly] = await run(prestaged([{ type: A, mask: ADS_RIGHTS.GENERIC_READ, sid: USER_SID }]));
  assert.deepEqual(commandsOf(readOnly), grant);
  const [unreadable] = await run(prestaged(undefined));
  assert.deepEqual(commandsOf(unreadable), grant);
  const [denied] = await run(
    prestaged([
      { type: D, mask: ADS_RIGHTS.DELETE, sid: USER_SID },
      { type: A, mask: DS_FULL_CONTROL, sid: USER_SID },
    ]),
  );
  assert.deepEqual(commandsOf(denied), [`dsacls "${CNO_DN}" /R "${ADMIN}"`, ...grant]);
});

test('nameTaken: Disable-ADAccount and samba-tool user disable for the holder', async () => {
  const [f] = await run(prestaged(undefined, { computers: [cno({ enabled: true, userAccountControl: 4096 })] }));
  assert.deepEqual(commandsOf(f), [`Disable-ADAccount -Identity '${CNO_DN}'`, `samba-tool user disable '${CLUSTER}$'`]);
});

test('machineAccountQuota: the fix delegates Create Computer objects on the container to the cluster name object', async () => {
  const [, f] = await run(
    cnoFacts({ ou: ouFact([CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS], { dn: COMPUTERS }) }),
  );
  const [command] = commandsOf(f, 'powershell');
  assert.match(command!, new RegExp(`^\\$sid = \\(Get-ADComputer -Identity '${CLUSTER}'\\)\\.SID;`));
  assert.ok(
    command!.includes(`'AD:${COMPUTERS}'`) && command!.includes(`'CreateChild', 'Allow', [guid]'${COMPUTER}'`),
    command,
  );
});

test('conditionalAces: dsacls lists the ACL of the object', async () => {
  const [, f] = await run(withOuAces(CALLBACK_ACE, CREATE_COMPUTER_FOR_USER, READ_FOR_AUTHENTICATED_USERS));
  assert.deepEqual(commandsOf(f), [`dsacls "${OU}"`]);
});

test('descriptorUnusable: the decode error is in the evidence (code, structure, offset)', async () => {
  const [f] = await run(
    cnoFacts({
      ou: ouFact(undefined, {
        securityDescriptor: sambaFile('sd-ou-granted-dacl.bin').subarray(0, 100).toString('base64'),
      }),
    }),
  );
  assert.equal(f!.evidence?.code, 'acl-past-buffer');
  assert.equal(f!.evidence?.structure, 'DACL');
  assert.equal(typeof f!.evidence?.offset, 'number');
  const [absent] = await run(cnoFacts({ ou: ouFact(undefined) }));
  assert.equal(absent!.evidence?.control, 0x8000);
});

// ---------------------------------------------------------------------------------------------
// Never a crash: every truncation and seeded mutations of a real descriptor end in a finding the
// check declares, never an engine error.

test("prestagedByName: give the object the cluster's account name (kept disabled), or remove it", async () => {
  const findings = await run(
    cnoFacts({ computers: [computer('hv01'), computer('hv02'), cno({ sAMAccountName: 'HVCLU-OLD$' })] }),
  );
  const commands = commandsOf(findings[0]);
  assert.ok(
    commands.includes(`Set-ADComputer -Identity '${CNO_DN}' -SamAccountName '${CLUSTER}$'`),
    commands.join('\n'),
  );
  assert.ok(commands.includes(`Remove-ADComputer -Identity '${CNO_DN}'`), commands.join('\n'));
});

test(
  'fuzz: truncated and mutated descriptors on the OU and on a prestaged object never crash the check',
  { timeout: 60_000 },
  async () => {
    const declared = new Set(Object.keys(check.meta.messages));
    const bytes = sambaFile('sd-ou-denied-dacl.bin');
    const variants: Buffer[] = [];
    for (let n = 0; n < bytes.length; n += 1) variants.push(bytes.subarray(0, n));
    const rand = mulberry32(0xc0ffee);
    for (let i = 0; i < 400; i += 1) {
      const v = Buffer.from(bytes);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k += 1)
        v[Math.floor(rand() * v.length)] = Math.floor(rand() * 256);
      variants.push(v);
    }
    const { identity, user } = sambaIdentity('denied');
    for (const [i, v] of variants.entries()) {
      const sd = v.toString('base64');
      for (const facts of [
        sambaFacts('denied', 'sd-ou-denied-dacl.bin', {
          ou: sambaOu('sd-ou-denied-dacl.bin', { securityDescriptor: sd }),
        }),
        adFacts({
          bindIdentity: identity,
          computers: [cno()],
          cnoSecurityDescriptor: sd,
          connection: { ...adFacts()['ad.directory'].connection!, boundAs: user },
        }),
      ]) {
        const findings = await runCheck(check, facts);
        for (const f of findings)
          assert.ok(declared.has(f.messageId), `variant ${i}: ${f.status} ${f.messageId} ${f.message}`);
      }
    }
  },
);

test('every messageId the check declares is reached by a test above', () => {
  assert.deepEqual([...reached].sort(), Object.keys(check.meta.messages).sort());
});
