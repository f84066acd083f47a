import type { Check } from '../../src/engine/contract.ts';
import { parsePortal } from '../../src/facts/portal.ts';
import { localDisks, strongestIdentifier } from '../../src/facts/lun-identity.ts';
import { placeholder, shQuote } from '../../src/quote.ts';
import type { InventoryLun } from '../../src/facts/index.ts';

const messages = {
  unique: '{disk} has the identifier {identifier} ({kind}), unique among the disks seen',
  multipath: '{disk} is one disk reached through {count} paths ({portals}): identifier {identifier}',
  localNaa:
    '{disk} has only a locally assigned NAA identifier ({identifier}): not guaranteed unique beyond this storage system',
  noIdentifier:
    '{disk} reports no NAA, EUI-64 or SCSI name identifier in VPD page 0x83: Windows validation requires one',
  duplicateId: 'The identifier {identifier} is reported by {count} different disks: {disks}',
  noDisks: 'No candidate disk was read: nothing to identify',
} as const;

const NO_IDENTIFIER_FIX = {
  summary: 'Make the LUN report a device identifier',
  steps: [
    {
      text: 'Update the target software or storage firmware to a release that reports an NAA or EUI-64 designator in VPD page 0x83 (Windows Server failover clustering requires one).',
    },
  ],
};
const LOCAL_NAA_FIX = {
  summary: 'Prefer a registered identifier',
  steps: [
    {
      text: 'A locally assigned NAA is only unique within one storage system; if the cluster sees more than one system, make sure no two share identifiers, or update to firmware that reports a registered NAA (type 5 or 6) or EUI-64.',
    },
  ],
};

interface Disk {
  readonly portal: string;
  readonly target: string;
  readonly lun: InventoryLun;
}

const check = {
  meta: {
    id: 'storage.lun.identity',
    title: 'Every candidate disk has a unique device identifier',
    area: 'storage',
    description:
      'VPD page 0x83 of each disk LUN must carry an NAA, EUI-64 or SCSI name designator for the logical unit; a locally assigned NAA (type 3) alone warns. The same identifier on disks that are not the same disk fails (two tgt hosts derive identical ones from target id and LUN); the same target and LUN reached through several portals is recognised as one disk (multipath), and so are local devices (storage.devices) with one identifier.',
    why: 'Windows identifies cluster disks by their VPD 0x83 identifier: validation fails without one, and two disks with the same identifier are taken for one, which corrupts data when both are written. tgt derives its identifiers from the target id and LUN number, so two tgt hosts easily collide.',
    docs: 'docs/checks/storage.lun.identity.md',
    severity: 'fail',
    facts: ['storage.inventory'],
    messages,
    remediations: [
      'Give the LUN a unique identifier on the storage (tgt: --params scsi_id=...,scsi_sn=... on the logical unit; arrays: a unique serial or NAA per volume).',
      'Update the target software or firmware to one that reports NAA or EUI-64 designators.',
    ],
  },
  async run(ctx) {
    const facts = await ctx.fact('storage.inventory');
    const disks: Disk[] = [];
    for (const portal of facts.portals) {
      for (const target of portal.targets) {
        const reader = target.logins.find((l) => l.status === 'ok' && l.luns);
        for (const lun of reader?.luns ?? [])
          if (lun.deviceType === 0) disks.push({ portal: portal.portal, target: target.name, lun });
      }
    }
    // One disk = one (target, LUN): reaching it through several portals is multipath.
    const byDisk = Map.groupBy(disks, (d) => `${d.target}\u0000${d.lun.lun}`);
    const idOwners = new Map<string, string[]>();
    for (const paths of byDisk.values()) {
      const id = strongestIdentifier(paths[0]!.lun);
      if (id)
        idOwners.set(id.identifier, [
          ...(idOwners.get(id.identifier) ?? []),
          `${paths[0]!.target} LUN ${paths[0]!.lun.lun}`,
        ]);
    }
    for (const paths of byDisk.values()) {
      const { target, lun } = paths[0]!;
      const subject = `${target} LUN ${lun.lun}`;
      const id = strongestIdentifier(lun);
      const evidence = {
        designators: lun.designators,
        vendor: lun.vendor,
        product: lun.product,
        portals: paths.map((p) => p.portal),
      };
      const host = parsePortal(paths[0]!.portal).host;
      if (!id) {
        ctx.report({
          status: 'fail',
          messageId: 'noIdentifier',
          subject,
          data: { disk: subject, target, lun: lun.lun },
          evidence,
          remediation: NO_IDENTIFIER_FIX,
        });
        continue;
      }
      const owners = idOwners.get(id.identifier) ?? [];
      const data = { disk: subject, target, lun: lun.lun, identifier: id.identifier, kind: id.kind };
      if (owners.length > 1) {
        ctx.report({
          status: 'fail',
          messageId: 'duplicateId',
          subject,
          data: { ...data, count: owners.length, disks: owners.join(', ') },
          evidence,
          remediation: {
            summary: `Give ${subject} an identifier of its own`,
            steps: [
              {
                text: 'tgt derives the identifier from the target id and LUN; set explicit, unique values on the logical unit (pick values unique across all your storage hosts):',
                commands: [
                  {
                    shell: 'sh',
                    command: `tgtadm --lld iscsi --op update --mode logicalunit --tid ${placeholder('tid', 'sh')} --lun ${lun.lun} --params ${shQuote('scsi_id=<unique-id>,scsi_sn=<unique-serial>')}`,
                    runOn: host,
                  },
                ],
              },
              {
                text: 'Other storage: give each volume its own serial number / NAA identifier (never clone a volume together with its identity onto a second array that the same cluster sees).',
              },
            ],
          },
        });
      } else if (id.local) {
        ctx.report({ status: 'warn', messageId: 'localNaa', subject, data, evidence, remediation: LOCAL_NAA_FIX });
      } else if (paths.length > 1) {
        ctx.report({
          status: 'pass',
          messageId: 'multipath',
          subject,
          data: { ...data, count: paths.length, portals: paths.map((p) => p.portal).join(', ') },
          evidence,
        });
      } else {
        ctx.report({ status: 'pass', messageId: 'unique', subject, data, evidence });
      }
    }
    // Local devices (storage.devices): nodes with one identifier are paths to one disk, so a
    // duplicate cannot be told from multipath there; the identifier itself is still checked.
    const local = localDisks(facts.devices ?? []);
    for (const disk of local) {
      const subject = disk.paths.join(' + ');
      const id = strongestIdentifier(disk.lun);
      const evidence = {
        designators: disk.lun.designators,
        vendor: disk.lun.vendor,
        product: disk.lun.product,
        paths: disk.paths,
      };
      if (!id)
        ctx.report({
          status: 'fail',
          messageId: 'noIdentifier',
          subject,
          data: { disk: subject, device: disk.paths[0] },
          evidence,
          remediation: NO_IDENTIFIER_FIX,
        });
      else {
        const data = { disk: subject, device: disk.paths[0], identifier: id.identifier, kind: id.kind };
        if (id.local)
          ctx.report({ status: 'warn', messageId: 'localNaa', subject, data, evidence, remediation: LOCAL_NAA_FIX });
        else if (disk.paths.length > 1)
          ctx.report({
            status: 'pass',
            messageId: 'multipath',
            subject,
            data: { ...data, count: disk.paths.length, portals: disk.paths.join(', ') },
            evidence,
          });
        else ctx.report({ status: 'pass', messageId: 'unique', subject, data, evidence });
      }
    }
    if (byDisk.size === 0 && local.length === 0) ctx.report({ status: 'skipped', messageId: 'noDisks' });
  },
} satisfies Check;

export default check;
