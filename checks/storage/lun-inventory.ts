import type { Check } from '../../src/engine/contract.ts';
import { formatBytes, primaryIdentifier } from '../../src/facts/lun-identity.ts';
import { placeholder, shQuote } from '../../src/quote.ts';
import type { InventoryLun } from '../../src/facts/index.ts';
import { replaceLunAction, targetSoftwareOf, type TargetSoftware } from './lib/target-actions.ts';

/** INQUIRY VERSION 5 is SPC-3, the first with the persistent reservations Windows needs. */
const SPC3 = 5;

const messages = {
  disk: '{disk} is a disk of {size} ({vendor} {product}), SPC version {version}: a candidate cluster disk',
  oldSpc:
    '{disk} claims SPC version {version} (below SPC-3): persistent reservations as Windows uses them may be missing',
  notDisk: '{disk} is a {deviceTypeName}, not a disk: listed, not a candidate cluster disk',
  listedNotDisk:
    '{disk} is named in luns: as a cluster disk, but it is a {deviceTypeName}: a failover cluster uses only disks (and storage.pr.support says what it lacks)',
  unreadable: '{disk} could not be read: {error}',
  deviceUnreadable: 'The local device {disk} could not be read through sg3_utils: {error}',
  deviceNotLinux:
    "The local device {disk} was not read: {error}. Run clusterprobe on the Linux host that has it, or name the disk's iSCSI portal under storage.iscsi",
  noLogin: 'No node identity could log in to {target}: its LUNs could not be listed (see storage.target.login)',
} as const;

/** `{ actions }` when there are any, else nothing: a remediation without actions has no field. */
function actionsOf<T>(actions: T[]): { actions?: T[] } {
  return actions.length > 0 ? { actions } : {};
}

const check = {
  meta: {
    id: 'storage.lun.inventory',
    title: 'The LUNs of each target, and which are candidate cluster disks',
    area: 'storage',
    description:
      'Each LUN of each target, read through the first node identity that can log in, and each local device of storage.devices, read through sg3_utils: device type (only disks are candidates; a controller, CD or tape LUN is listed and set aside, and fails when luns: names it as a cluster disk), INQUIRY version (below SPC-3 warns), capacity, vendor and product.',
    why: 'Only disk LUNs can be cluster disks, and Windows Server 2008 and later need SCSI-3 persistent reservations, which came with SPC-3. Listing every LUN shows at a glance what the storage offers the cluster.',
    docs: 'docs/checks/storage.lun.inventory.md',
    severity: 'fail',
    facts: ['storage.inventory'],
    messages,
    remediations: [
      'A LUN named in luns: that is not a disk: recreate it as a disk LUN (tgtadm --device-type disk, a targetcli block backstore), or take it out of luns:.',
      'A local device that cannot be read: install sg3-utils, run as root (or a member of the disk group), check the path.',
      'For a LUN below SPC-3: update the storage firmware or target software to a release with SPC-3 persistent reservations, or present the disk from a target that has them.',
    ],
  },
  async run(ctx) {
    const facts = await ctx.fact('storage.inventory');
    let reported = 0;
    const report = (
      disk: string,
      where: Record<string, unknown>,
      lun: InventoryLun,
      readAs: string,
      listed = false,
      software?: TargetSoftware,
    ) => {
      const data = {
        disk,
        ...where,
        lun: lun.lun,
        deviceType: lun.deviceType,
        deviceTypeName: lun.deviceTypeName,
        vendor: lun.vendor ?? '?',
        product: lun.product ?? '?',
        version: lun.version,
        size: formatBytes(lun.sizeBytes),
        sizeBytes: lun.sizeBytes,
        identifier: primaryIdentifier(lun),
        error: lun.error?.message,
      };
      const evidence = {
        readAs,
        inquiry: {
          deviceType: lun.deviceType,
          vendor: lun.vendor,
          product: lun.product,
          revision: lun.revision,
          version: lun.version,
        },
        sizeBytes: lun.sizeBytes,
        blockSize: lun.blockSize,
        designators: lun.designators,
      };
      reported += 1;
      if (lun.error && lun.deviceType < 0) {
        ctx.report({
          status: 'warn',
          messageId: 'unreadable',
          subject: disk,
          data,
          evidence,
          remediation: {
            summary: `Check ${disk} on the storage`,
            steps: [
              { text: 'The LUN answered REPORT LUNS but not INQUIRY; check its backing store on the storage system.' },
            ],
          },
        });
      } else if (lun.deviceType !== 0 && listed) {
        const host = typeof where.portal === 'string' ? where.portal.replace(/:\d+$/, '') : 'the storage system';
        ctx.report({
          status: 'fail',
          messageId: 'listedNotDisk',
          subject: disk,
          data,
          evidence,
          remediation: {
            summary: `Present ${disk} as a disk, or take it out of luns:`,
            steps: [
              {
                text: `Failover clustering takes only disk LUNs (peripheral device type 0); a ${lun.deviceTypeName} cannot hold a cluster disk or a Cluster Shared Volume. Recreate it as a disk on the target, on storage with SCSI-3 persistent reservations:`,
                commands: [
                  {
                    shell: 'sh',
                    command: `tgtadm --lld iscsi --op delete --mode logicalunit --tid ${placeholder('tid', 'sh')} --lun ${lun.lun} && tgtadm --lld iscsi --op new --mode logicalunit --tid ${placeholder('tid', 'sh')} --lun ${lun.lun} --device-type disk --backing-store ${placeholder('file-or-device', 'sh')}`,
                    runOn: `${host} (tgt)`,
                  },
                  {
                    shell: 'sh',
                    command: `targetcli /backstores/block create csv${lun.lun} ${placeholder('device', 'sh')} && targetcli ${shQuote(`/iscsi/${where.target ?? '<target>'}/tpg1/luns`)} create /backstores/block/csv${lun.lun}`,
                    runOn: `${host} (LIO)`,
                  },
                ],
              },
              { text: 'Or remove it from storage.iscsi[].luns if it is not meant as a cluster disk.' },
            ],
            ...actionsOf(typeof where.target === 'string' ? replaceLunAction(where.target, lun.lun, software) : []),
          },
        });
      } else if (lun.deviceType !== 0) {
        ctx.report({ status: 'skipped', messageId: 'notDisk', subject: disk, data, evidence });
      } else if (lun.version < SPC3) {
        ctx.report({
          status: 'warn',
          messageId: 'oldSpc',
          subject: disk,
          data,
          evidence,
          remediation: {
            summary: `Present ${disk} from a target with SPC-3 persistent reservations`,
            steps: [
              {
                text: 'Update the storage firmware or target software to a release that implements SPC-3 (persistent reservations); storage.pr.support tests it directly.',
              },
            ],
          },
        });
      } else {
        ctx.report({ status: 'pass', messageId: 'disk', subject: disk, data, evidence });
      }
    };
    for (const portal of facts.portals) {
      for (const target of portal.targets) {
        const reader = target.logins.find((l) => l.status === 'ok' && l.luns);
        if (!reader) {
          ctx.report({ status: 'skipped', messageId: 'noLogin', subject: target.name, data: { target: target.name } });
          reported += 1;
          continue;
        }
        for (const lun of reader.luns!)
          report(
            `${target.name} LUN ${lun.lun}`,
            { target: target.name, portal: portal.portal },
            lun,
            reader.initiator,
            target.listedLuns?.includes(lun.lun) ?? false,
            targetSoftwareOf(reader.luns!),
          );
      }
    }
    for (const device of facts.devices ?? []) {
      if (device.lun) {
        report(device.path, { device: device.path }, device.lun, `${device.path} (sg3_utils)`);
        continue;
      }
      reported += 1;
      if (device.status === 'notLinux') {
        ctx.report({
          status: 'skipped',
          messageId: 'deviceNotLinux',
          subject: device.path,
          data: {
            disk: device.path,
            device: device.path,
            status: device.status,
            error: device.message ?? device.status,
          },
        });
        continue;
      }
      ctx.report({
        status: 'fail',
        messageId: 'deviceUnreadable',
        subject: device.path,
        data: { disk: device.path, device: device.path, status: device.status, error: device.message ?? device.status },
        evidence: { status: device.status, message: device.message },
        remediation: {
          summary: `Make ${device.path} readable through sg3_utils, or remove it from storage.devices`,
          steps: [
            { text: device.remedy ?? 'Check that the path names a SCSI disk on this host.' },
            {
              text: 'See what the host has and whether the tools can read it:',
              commands: [{ shell: 'sh', command: `lsblk -S && sg_inq ${shQuote(device.path)}`, runOn: 'this host' }],
            },
          ],
        },
      });
    }
    if (reported === 0) ctx.report({ status: 'skipped', messageId: 'noLogin', data: { target: 'any target' } });
  },
} satisfies Check;

export default check;
