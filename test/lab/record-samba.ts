/**
 * Records real bytes from a Samba AD DC for a security-descriptor parser's unit tests, into
 * test/fixtures/samba/: nTSecurityDescriptor of OUs read with the SD flags control
 * (1.2.840.113556.1.4.801), tokenGroups of users, objectSid of every principal involved and the
 * computer class's schemaIDGUID, each as a .bin file, described in index.json. Everything is read
 * with ldap-utils' ldapsearch (not this project's LDAP code), so the fixtures stay independent.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node test/lab/record-samba.ts [--out DIR]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  COMPUTER_CLASS_GUID,
  guidToString,
  ldifValues,
  parseLdif,
  sidToString,
  startSamba,
  type BindAs,
  type SambaLab,
} from './samba.ts';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/samba/', import.meta.url));

/** SD flags control values: BER SEQUENCE { INTEGER flags } (MS-ADTS 3.1.1.3.4.1.11). */
const SD_FLAGS = {
  dacl: { flags: 4, ber: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x04]) },
  ownerGroupDacl: { flags: 7, ber: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]) },
} as const;

const USERS = {
  plain: { sam: 'fxplain', password: 'Fx-plain-pass-1' },
  granted: { sam: 'fxgranted', password: 'Fx-granted-pass-1' },
  denied: { sam: 'fxdenied', password: 'Fx-denied-pass-1' },
} as const;
const GROUP = 'FxClusterAdmins';

interface FixtureMeta {
  kind: 'nTSecurityDescriptor' | 'tokenGroups' | 'objectSid' | 'schemaIDGUID';
  description: string;
  /** The ldapsearch command that produced it (password file instead of the password). */
  command: string;
  [fact: string]: unknown;
}

interface FixtureFile extends FixtureMeta {
  file: string;
  bytes: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function readOne(
  lab: SambaLab,
  base: string,
  attr: string,
  extra: string[],
  as?: BindAs,
): Promise<{ values: Buffer[]; command: string }> {
  const args = ['-b', base, '-s', 'base', ...extra, '(objectClass=*)', attr];
  const entries = parseLdif(await lab.ldapsearch(args, as));
  const values = ldifValues(entries[0], attr);
  if (values.length === 0) throw new Error(`${attr} of ${base} came back empty`);
  const who = as ? as.bindDn : lab.adminUpn;
  const command = [
    'ldapsearch',
    '-H',
    'ldaps://<dc>',
    '-x',
    '-D',
    who,
    '-y',
    '<password file>',
    '-LLL',
    '-o',
    'ldif-wrap=no',
    ...args,
  ]
    .map((a) => (/[\s()*!=]/.test(a) ? `'${a}'` : a))
    .join(' ');
  return { values, command };
}

export async function record(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const lab = await startSamba({ functionLevel: '2008_R2' });
  try {
    const ouDefault = await lab.addOu('OU=Default,OU=Fixtures');
    const ouGranted = await lab.addOu('OU=Granted,OU=Fixtures');
    const ouDenied = await lab.addOu('OU=Denied,OU=Fixtures');
    for (const u of Object.values(USERS)) await lab.addUser(u.sam, u.password, { ou: 'OU=Fixtures' });
    await lab.addGroup(GROUP, [USERS.granted.sam, USERS.denied.sam], { ou: 'OU=Fixtures' });
    const sids: Record<string, string> = {};
    for (const sam of [...Object.values(USERS).map((u) => u.sam), GROUP]) sids[sam] = await lab.sidOf(sam);
    const grantAce = await lab.grantCreateComputer(USERS.granted.sam, ouGranted);
    // OU=Denied: the group may create computers, one of its members is denied explicitly.
    const groupAce = await lab.grantCreateComputer(GROUP, ouDenied);
    const denyAce = await lab.denyCreateComputer(USERS.denied.sam, ouDenied);

    const index: FixtureFile[] = [];
    const save = async (file: string, bytes: Buffer, meta: FixtureMeta) => {
      await writeFile(join(outDir, file), bytes);
      index.push({ ...meta, file, bytes: bytes.length });
    };
    const bind = (u: { sam: string; password: string }): BindAs => ({
      bindDn: `${u.sam}@${lab.domain}`,
      password: u.password,
    });
    const sdControl = (f: (typeof SD_FLAGS)[keyof typeof SD_FLAGS]) => [
      '-E',
      `1.2.840.113556.1.4.801=::${f.ber.toString('base64')}`,
    ];

    const sds: {
      file: string;
      ou: string;
      flags: keyof typeof SD_FLAGS;
      as?: { sam: string; password: string };
      description: string;
      facts: Record<string, unknown>;
    }[] = [
      {
        file: 'sd-ou-default-dacl.bin',
        ou: ouDefault,
        flags: 'dacl',
        description: 'a freshly created OU, DACL only (SD flags 4), read by the admin',
        facts: { grants: [] },
      },
      {
        file: 'sd-ou-default-dacl-as-plain-user.bin',
        ou: ouDefault,
        flags: 'dacl',
        as: USERS.plain,
        description: 'the same OU, DACL only, read by a non-admin user',
        facts: { grants: [] },
      },
      {
        file: 'sd-ou-default-owner-group-dacl.bin',
        ou: ouDefault,
        flags: 'ownerGroupDacl',
        description: 'the same OU with owner, group and DACL (SD flags 7)',
        facts: { grants: [] },
      },
      {
        file: 'sd-ou-granted-dacl.bin',
        ou: ouGranted,
        flags: 'dacl',
        description: 'an OU after "Create Computer objects" was delegated to fxgranted',
        facts: {
          grants: [
            {
              sddl: grantAce,
              aceType: 'ACCESS_ALLOWED_OBJECT_ACE',
              mask: 1,
              right: 'ADS_RIGHT_DS_CREATE_CHILD',
              objectType: COMPUTER_CLASS_GUID,
              trustee: sids[USERS.granted.sam],
              trusteeSam: USERS.granted.sam,
            },
          ],
        },
      },
      {
        file: 'sd-ou-granted-owner-group-dacl.bin',
        ou: ouGranted,
        flags: 'ownerGroupDacl',
        description: 'the granted OU with owner, group and DACL',
        facts: {
          grants: [
            {
              sddl: grantAce,
              aceType: 'ACCESS_ALLOWED_OBJECT_ACE',
              mask: 1,
              objectType: COMPUTER_CLASS_GUID,
              trustee: sids[USERS.granted.sam],
            },
          ],
        },
      },
      {
        file: 'sd-ou-denied-dacl.bin',
        ou: ouDenied,
        flags: 'dacl',
        description: `an OU where group ${GROUP} may create computers but its member fxdenied is denied explicitly`,
        facts: {
          grants: [
            {
              sddl: groupAce,
              aceType: 'ACCESS_ALLOWED_OBJECT_ACE',
              mask: 1,
              objectType: COMPUTER_CLASS_GUID,
              trustee: sids[GROUP],
              trusteeSam: GROUP,
            },
          ],
          denies: [
            {
              sddl: denyAce,
              aceType: 'ACCESS_DENIED_OBJECT_ACE',
              mask: 1,
              objectType: COMPUTER_CLASS_GUID,
              trustee: sids[USERS.denied.sam],
              trusteeSam: USERS.denied.sam,
            },
          ],
          note: 'explicit deny ACEs come before explicit allow ACEs in canonical order; fxdenied is a member of the group, fxgranted too (and may create here through the group)',
        },
      },
    ];
    for (const s of sds) {
      const { values, command } = await readOne(
        lab,
        s.ou,
        'nTSecurityDescriptor',
        sdControl(SD_FLAGS[s.flags]),
        s.as && bind(s.as),
      );
      await save(s.file, values[0] as Buffer, {
        kind: 'nTSecurityDescriptor',
        description: s.description,
        command,
        dn: s.ou,
        sdFlags: SD_FLAGS[s.flags].flags,
        sddlAfterward: await lab.sddl(s.ou),
        ...s.facts,
      });
    }

    for (const [role, u] of Object.entries(USERS)) {
      const dn = await lab.dnOf(u.sam);
      const { values, command } = await readOne(lab, dn, 'tokenGroups', [], bind(u));
      const all = Buffer.concat(values.map((v) => Buffer.concat([Buffer.from([v.length]), v])));
      await save(`tokengroups-${role}.bin`, all, {
        kind: 'tokenGroups',
        description: `tokenGroups of ${u.sam} read by itself (base search on its own DN); the file is each SID prefixed with its length in one byte`,
        command,
        dn,
        user: u.sam,
        userSid: sids[u.sam],
        sids: values.map(sidToString),
        containsGroup: role === 'plain' ? null : sids[GROUP],
      });
    }

    for (const sam of Object.keys(sids)) {
      const dn = await lab.dnOf(sam);
      const { values, command } = await readOne(lab, dn, 'objectSid', []);
      await save(`objectsid-${sam.toLowerCase()}.bin`, values[0] as Buffer, {
        kind: 'objectSid',
        description: `objectSid of ${sam}`,
        command,
        dn,
        sam,
        sid: sids[sam],
      });
    }

    const schemaDn = `CN=Computer,CN=Schema,CN=Configuration,${lab.baseDn}`;
    const { values: guid, command: guidCommand } = await readOne(lab, schemaDn, 'schemaIDGUID', []);
    const guidText = guidToString(guid[0] as Buffer);
    if (guidText !== COMPUTER_CLASS_GUID)
      throw new Error(`schemaIDGUID of the computer class is ${guidText}, expected ${COMPUTER_CLASS_GUID}`);
    await save('schemaidguid-computer.bin', guid[0] as Buffer, {
      kind: 'schemaIDGUID',
      description: 'schemaIDGUID of the computer class (16 bytes, first three fields little-endian)',
      command: guidCommand,
      dn: schemaDn,
      guid: guidText,
    });

    const samba = execFileSync('samba', ['--version'], { encoding: 'utf8' }).trim();
    const ldapsearch = execFileSync('sh', ['-c', 'ldapsearch -VV 2>&1 | head -1'], { encoding: 'utf8' }).trim();
    await writeFile(
      join(outDir, 'index.json'),
      `${JSON.stringify(
        {
          recordedWith: { samba, ldapsearch, functionLevel: lab.functionLevel, domain: lab.domain, baseDn: lab.baseDn },
          domainSid: (sids[GROUP] ?? '').replace(/-\d+$/, ''),
          principals: sids,
          computerClassGuid: COMPUTER_CLASS_GUID,
          files: index,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await lab.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = arg('--out') ?? FIXTURE_DIR;
  await record(out);
  console.log(`recorded into ${out}`);
}
