import type { Check } from '../../src/engine/contract.ts';
import type { StorageFacts } from '../../src/storage/probe.ts';
import { formatBytes, primaryIdentifier } from '../../src/report/inventory.ts';

/** INQUIRY VERSION 5 is SPC-3, the first with the persistent reservations Windows needs. */
const SPC3 = 5;

const messages = {
  disk: 'LUN {lun} of {target} is a disk of {size} ({vendor} {product}), SPC version {version}: a candidate cluster disk',
  oldSpc: 'LUN {lun} of {target} claims SPC version {version} (below SPC-3): persistent reservations as Windows uses them may be missing',
  notDisk: 'LUN {lun} of {target} is a {deviceTypeName}, not a disk: listed, not a candidate cluster disk',
  unreadable: 'LUN {lun} of {target} could not be read: {error}',
  noLogin: 'No node identity could log in to {target}: its LUNs could not be listed (see storage.target.login)',
} as const;

const check = {
  meta: {
    id: 'storage.lun.inventory',
    title: 'The LUNs of each target, and which are candidate cluster disks',
    area: 'storage',
    description: 'Each LUN of each target, read through the first node identity that can log in: device type (only disks are candidates; a controller, CD or tape LUN is listed and set aside), INQUIRY version (below SPC-3 warns), capacity, vendor and product.',
    why: 'Only disk LUNs can be cluster disks, and Windows Server 2008 and later need SCSI-3 persistent reservations, which came with SPC-3. Listing every LUN shows at a glance what the storage offers the cluster.',
    docs: 'docs/checks/storage.lun.inventory.md',
    severity: 'fail',
    facts: ['storage.inventory'],
    messages,
    remediations: ['For a LUN below SPC-3: update the storage firmware or target software to a release with SPC-3 persistent reservations, or present the disk from a target that has them.'],
  },
  async run(ctx) {
    const facts = await ctx.fact<StorageFacts>('storage.inventory');
    let reported = 0;
    for (const portal of facts.portals) {
      for (const target of portal.targets) {
        const reader = target.logins.find((l) => l.status === 'ok' && l.luns);
        if (!reader) {
          ctx.report({ status: 'skipped', messageId: 'noLogin', subject: target.name, data: { target: target.name } });
          reported += 1;
          continue;
        }
        for (const lun of reader.luns!) {
          const subject = `${target.name} LUN ${lun.lun}`;
          const data = { target: target.name, lun: lun.lun, portal: portal.portal, deviceType: lun.deviceType, deviceTypeName: lun.deviceTypeName, vendor: lun.vendor ?? '?', product: lun.product ?? '?', version: lun.version, size: formatBytes(lun.sizeBytes), sizeBytes: lun.sizeBytes, identifier: primaryIdentifier(lun), error: lun.error?.message };
          const evidence = { readAs: reader.initiator, inquiry: { deviceType: lun.deviceType, vendor: lun.vendor, product: lun.product, revision: lun.revision, version: lun.version }, sizeBytes: lun.sizeBytes, blockSize: lun.blockSize, designators: lun.designators };
          reported += 1;
          if (lun.error && lun.deviceType < 0) {
            ctx.report({ status: 'warn', messageId: 'unreadable', subject, data, evidence, remediation: { summary: `Check LUN ${lun.lun} on the storage`, steps: [{ text: 'The LUN answered REPORT LUNS but not INQUIRY; check its backing store on the storage system.' }] } });
          } else if (lun.deviceType !== 0) {
            ctx.report({ status: 'skipped', messageId: 'notDisk', subject, data, evidence });
          } else if (lun.version < SPC3) {
            ctx.report({
              status: 'warn',
              messageId: 'oldSpc',
              subject,
              data,
              evidence,
              remediation: { summary: `Present LUN ${lun.lun} from a target with SPC-3 persistent reservations`, steps: [{ text: 'Update the storage firmware or target software to a release that implements SPC-3 (persistent reservations); storage.pr.support tests it directly.' }] },
            });
          } else {
            ctx.report({ status: 'pass', messageId: 'disk', subject, data, evidence });
          }
        }
      }
    }
    if (reported === 0) ctx.report({ status: 'skipped', messageId: 'noLogin', data: { target: 'any target' } });
  },
} satisfies Check;

export default check;
