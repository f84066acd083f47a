import type { Check } from '../../src/engine/contract.ts';
import type { RemediationStep } from '../../src/engine/report.ts';
import { parsePortal } from '../../src/facts/portal.ts';
import { placeholder, shQuote } from '../../src/quote.ts';
import { replaceLunAction, targetSoftwareOf } from './lib/target-actions.ts';
import { PR_SEQUENCE_STEP_IDS, type PrDiskFact, type PrSequenceStepId } from '../../src/facts/index.ts';

const messages = {
  supported: '{disk} passes the failover-cluster persistent reservation sequence ({steps} steps, as {A} and {B})',
  singlePath:
    '{disk}: register, reserve and release work through its only path ({A}); the takeover by a second node (PREEMPT) needs a second path to the same disk',
  inUse: '{disk} already holds registrations ({keys}): it belongs to someone, so it was left untouched',
  notImplemented:
    '{disk} ({vendor} {product}) does not implement SCSI-3 persistent reservations: {command} is "invalid command operation code"',
  scsi2Only:
    '{disk} supports only SCSI-2 RESERVE/RELEASE (REPORT SUPPORTED OPERATION CODES): what Windows Server 2003 clusters used; 2008 and later ignore it',
  registerFailed: '{disk}: registering a key failed ({got}): the disk cannot take part in a cluster',
  reserveFailed: '{disk}: RESERVE type 5 (Write Exclusive, Registrants Only) failed ({got})',
  reservationWrong: '{disk}: the reservation seen is wrong ({got}, expected {expected})',
  preemptFailed: '{disk}: the second node could not preempt the first ({got}): failover would not take the disk over',
  releaseFailed: '{disk}: RELEASE failed ({got})',
  unregisterFailed: '{disk}: removing a registration failed ({got})',
  readKeysFailed: '{disk}: PERSISTENT RESERVE IN failed ({got})',
  interrupted: '{disk}: the sequence was interrupted at {step}; its keys were removed',
  keysLeft: '{disk}: keys of this run are still registered after cleanup: {keys}',
  noSecondNode: '{disk}: fewer than two node identities can log in, so the two-node sequence cannot run',
  sessionFailed: '{disk}: no session for the sequence: {got}',
  noDisks: 'No candidate disk to test',
} as const;

/**
 * The message of the sequence step a disk failed at. A switch over every step id, checked by the
 * compiler: a step added to PR_SEQUENCE_STEP_IDS without a message here does not compile.
 */
export function stepMessage(step: PrSequenceStepId): keyof typeof messages {
  switch (step) {
    case 'readKeysBefore':
      return 'readKeysFailed';
    case 'registerA':
    case 'registerB':
      return 'registerFailed';
    case 'reserveA':
      return 'reserveFailed';
    case 'readReservationB':
    case 'readReservationA':
    case 'readKeysAfterPreempt':
    case 'readReservationAfterPreempt':
      return 'reservationWrong';
    case 'preemptB':
      return 'preemptFailed';
    case 'releaseA':
    case 'releaseB':
      return 'releaseFailed';
    case 'unregisterA':
    case 'unregisterB':
      return 'unregisterFailed';
    default:
      return unknownStep(step);
  }
}

/** A step id outside the union: only from a facts file this version did not write. */
function unknownStep(step: never): never {
  throw new Error(
    `storage.pr names a step this version does not know: ${JSON.stringify(step)} (expected one of ${PR_SEQUENCE_STEP_IDS.join(', ')})`,
  );
}

/** The step a stepFailed disk failed at: the probe always names it. */
function failedStepOf(d: PrDiskFact): PrSequenceStepId {
  if (d.failedStep === undefined)
    throw new Error(`storage.pr: disk ${d.target} LUN ${d.lun} failed (stepFailed) but names no failedStep`);
  return d.failedStep;
}

/** What to do when a LUN has no SCSI-3 PR, by the target software its INQUIRY names. */
export function vendorRemediation(
  disk: Pick<PrDiskFact, 'vendor' | 'product' | 'portal' | 'target' | 'lun'>,
): RemediationStep[] {
  const host = disk.portal === 'local' ? 'the storage system' : parsePortal(disk.portal).host;
  const vendor = (disk.vendor ?? '').trim().toUpperCase();
  if (vendor === 'IET') {
    return [
      {
        text: 'INQUIRY says "IET": the iSCSI Enterprise Target (the target inside OpenFiler) implements only SCSI-2 RESERVE/RELEASE in its releases; Windows Server 2008 and later need SCSI-3 persistent reservations. tgt reports "IET" too, but implements them on disk LUNs: a CD, tape or passthrough LUN will not do.',
      },
      {
        text: 'Move the cluster LUNs to a target with SCSI-3 PR, e.g. LIO on Linux:',
        commands: [
          {
            shell: 'sh',
            command: `targetcli /backstores/fileio create csv1 /srv/csv1.img 100G && targetcli /iscsi create ${shQuote(disk.target)}`,
            runOn: `${host} or its replacement`,
          },
        ],
      },
      {
        text: `Or tgt with a disk LUN in place of LUN ${disk.lun} (when the target is tgt, which answers "IET" too: delete the LUN, then create it again as a disk):`,
        commands: [
          {
            shell: 'sh',
            command: `tgtadm --lld iscsi --op delete --mode logicalunit --tid ${placeholder('tid', 'sh')} --lun ${disk.lun} && tgtadm --lld iscsi --op new --mode logicalunit --tid ${placeholder('tid', 'sh')} --lun ${disk.lun} --device-type disk --backing-store ${placeholder('file-or-device', 'sh')}`,
            runOn: host,
          },
        ],
      },
    ];
  }
  if (vendor === 'LIO-ORG') {
    return [
      {
        text: 'LIO: persistent reservations are off for this backstore (emulate_pr=0). Turn them on (with no initiator logged in):',
        commands: [
          {
            shell: 'sh',
            command: `targetcli ${shQuote('/backstores/<type>/<name>')} set attribute emulate_pr=1`,
            runOn: host,
          },
        ],
      },
    ];
  }
  if (vendor === 'MSFT') {
    return [
      {
        text: 'Windows iSCSI Target: SCSI-3 PR is supported from iSCSI Software Target 3.3 and the Windows Server 2012 iSCSI Target Server on. Update the target (Install-WindowsFeature FS-iSCSITarget-Server on Windows Server 2012 or later) and move the virtual disk there.',
        commands: [
          {
            shell: 'powershell',
            command: 'Install-WindowsFeature FS-iSCSITarget-Server',
            runOn: 'the new target server',
          },
        ],
      },
    ];
  }
  if (vendor === 'SUN' || vendor === 'ORACLE') {
    return [
      {
        text: 'COMSTAR (stmf) implements SCSI-3 PR for disk LUs; check the LU is a disk LU and not behind a proxy, and that the target is COMSTAR, not the legacy iscsitgt:',
        commands: [{ shell: 'sh', command: 'stmfadm list-lu -v', runOn: host }],
      },
    ];
  }
  return [
    {
      text: `The storage (${disk.vendor ?? 'unknown vendor'} ${disk.product ?? ''}) rejects PERSISTENT RESERVE commands on this LUN. On arrays this is usually a per-host setting: set the host type / persona of the nodes to the Windows failover-cluster one, or enable "SCSI-3 persistent reservation" on the volume.`,
    },
    {
      text: 'If no such setting exists, update the array firmware to a release with SCSI-3 persistent reservations, or present the cluster disks from a target that has them.',
    },
  ];
}

/**
 * The plan's action for a disk without PR, where the fix is certain: a LUN of tgt that is not a
 * disk (its CD, tape or changer emulation) is recreated as a disk, the same action
 * storage.lun.inventory contributes for it. An IET disk, LIO, arrays and local devices: none.
 */
function replaceLunActions(d: PrDiskFact): { actions?: ReturnType<typeof replaceLunAction> } {
  if (d.devices !== undefined || d.portal === 'local') return {};
  const actions = replaceLunAction(d.target, d.lun, targetSoftwareOf([{ vendor: d.vendor, product: d.product }]));
  return actions.length > 0 ? { actions } : {};
}

const check = {
  meta: {
    id: 'storage.pr.support',
    title: 'Candidate disks support the persistent reservations a failover cluster uses',
    area: 'storage',
    description:
      "On each candidate disk, as two node identities in their own sessions (local devices: two paths through sg3_utils): READ KEYS (any registration not ours: left alone, inUse), REPORT CAPABILITIES (recorded), A and B REGISTER AND IGNORE EXISTING KEY, A RESERVE type 5, B READ RESERVATION (holder A, type 5), B PREEMPT A, A's key gone and B holding, B RELEASE, both unregister, and a final READ KEYS proving none of our keys is left. READ FULL STATUS is recorded (optional, informational). Where PR is not implemented, REPORT SUPPORTED OPERATION CODES tells whether only SCSI-2 RESERVE works (never sent). Every step is evidence; the first failing one names the finding.",
    why: 'Failover clustering (Windows Server 2008 and later) arbitrates disk ownership with SCSI-3 persistent reservations; a disk without them fails validation, and Microsoft\'s wizard says only that the disk "does not support Persistent Reservation" and to contact the vendor. The review\'s OpenFiler/IET appliance was exactly this.',
    docs: 'docs/checks/storage.pr.support.md',
    severity: 'fail',
    facts: ['storage.pr'],
    messages,
    remediations: [
      'IET/OpenFiler: move the LUNs to a target with SCSI-3 PR (LIO, tgt, Windows iSCSI Target Server 2012+).',
      'LIO: set attribute emulate_pr=1 on the backstore.',
      "Arrays: set the nodes' host type to the Windows cluster persona or enable SCSI-3 PR on the volume; update firmware.",
      'Keys left behind: remove them from the node that registered them (clusterprobe re-runs clean up the same I_T nexus).',
      'Local devices with one path: list a second path to the disk, or test it through its iSCSI portal.',
    ],
  },
  async run(ctx) {
    const facts = await ctx.fact('storage.pr');
    if (facts.disks.length === 0) {
      ctx.report({ status: 'skipped', messageId: 'noDisks' });
      return;
    }
    for (const d of facts.disks) {
      const subject = d.devices ? d.devices.join(' + ') : `${d.target} LUN ${d.lun}`;
      const failed = d.steps.find((s) => !s.ok && s.step !== 'readKeysFinal');
      const data = {
        disk: subject,
        target: d.target,
        lun: d.lun,
        portal: d.portal,
        vendor: d.vendor ?? '?',
        product: d.product ?? '?',
        A: d.identities.A,
        B: d.identities.B ?? '-',
        steps: d.steps.length,
        run: facts.run,
        step: d.failedStep,
        got: failed?.got ?? d.message,
        expected: failed?.expected,
        command: failed?.command,
        keys: (d.outcome === 'inUse'
          ? d.keysBefore.map((k) => `${k.key}${k.ours ? ' (clusterprobe, earlier run)' : ''}`)
          : d.keysLeft
        ).join(', '),
      };
      const evidence = {
        steps: d.steps,
        keysBefore: d.keysBefore,
        keysLeft: d.keysLeft,
        capabilities: d.capabilities,
        readFullStatus: d.readFullStatus,
        scsi2: d.scsi2,
        run: facts.run,
        identities: d.identities,
        ...(d.devices ? { devices: d.devices } : {}),
      };
      switch (d.outcome) {
        case 'supported':
          ctx.report({ status: 'pass', messageId: 'supported', subject, data, evidence });
          break;
        case 'singlePath':
          ctx.report({
            status: 'warn',
            messageId: 'singlePath',
            subject,
            data,
            evidence,
            remediation: {
              summary: `Test ${subject} with a second initiator`,
              steps: [
                {
                  text: 'List a second path to the same disk under storage.devices (another multipath member of it, reached through a different HBA or iSCSI session: `multipath -ll` shows them), so a second I_T nexus can preempt the first.',
                  commands: [{ shell: 'sh', command: 'multipath -ll', runOn: 'this host' }],
                },
                {
                  text: 'Or test the disk through its iSCSI portal (storage.iscsi), where clusterprobe logs in as each node identity.',
                },
              ],
            },
          });
          break;
        case 'inUse':
          ctx.report({ status: 'skipped', messageId: 'inUse', subject, data, evidence });
          break;
        case 'noSecondNode':
          ctx.report({ status: 'skipped', messageId: 'noSecondNode', subject, data, evidence });
          break;
        case 'notImplemented':
          ctx.report({
            status: 'fail',
            messageId: 'notImplemented',
            subject,
            data,
            evidence,
            remediation: {
              summary: `Give ${subject} SCSI-3 persistent reservations`,
              steps: vendorRemediation(d),
              ...replaceLunActions(d),
            },
          });
          if (d.scsi2 === 'supported') {
            ctx.report({
              status: 'warn',
              messageId: 'scsi2Only',
              subject,
              data,
              evidence,
              remediation: {
                summary: 'SCSI-2 reservations do not make a Windows Server 2008+ cluster disk',
                steps: [
                  {
                    text: 'RESERVE(6)/RELEASE(6) is what Windows Server 2003 clusters arbitrated with; Windows Server 2008 and later require SCSI-3 persistent reservations and fail validation without them. Do not plan around it: give the disk SCSI-3 PR (see the notImplemented finding for this disk).',
                  },
                ],
              },
            });
          }
          break;
        case 'sessionFailed':
          ctx.report({
            status: 'fail',
            messageId: 'sessionFailed',
            subject,
            data,
            evidence,
            remediation: {
              summary: 'Fix the login first',
              steps: [
                { text: 'See storage.target.login for this target: the sequence needs two node identities logged in.' },
              ],
            },
          });
          break;
        default: {
          if (d.outcome === 'stepFailed' || d.outcome === 'keysLeft') {
            const interrupted = d.interrupted === true;
            const messageId =
              d.outcome === 'keysLeft' ? 'keysLeft' : interrupted ? 'interrupted' : stepMessage(failedStepOf(d));
            if (messageId !== 'keysLeft') {
              ctx.report({
                status: interrupted ? 'skipped' : 'fail',
                messageId,
                subject,
                data,
                evidence,
                ...(interrupted
                  ? {}
                  : {
                      remediation: {
                        summary: `${subject} does not behave as a cluster disk must`,
                        steps: [
                          {
                            text: `Step "${d.failedStep}" (${failed?.command ?? ''}) expected ${failed?.expected ?? ''} and got ${failed?.got ?? d.message ?? ''}. The evidence lists every step with its sense data.`,
                          },
                          ...vendorRemediation(d),
                        ],
                      },
                    }),
              });
            }
          }
        }
      }
      if (d.keysLeft.length > 0) {
        ctx.report({
          status: 'fail',
          messageId: 'keysLeft',
          subject,
          data: { ...data, keys: d.keysLeft.join(', ') },
          evidence,
          remediation: {
            summary: `Remove clusterprobe's keys from ${subject}`,
            steps: [
              {
                text: `Run clusterprobe again from this machine: it reconnects with the same node identities and removes keys of the form 0x435052... (${d.keysLeft.join(', ')}). Never CLEAR a disk that other hosts use.`,
              },
              {
                text: "On tgt, keys whose session is gone stay registered until the target restarts or the key is preempted by a registered initiator; the cluster's own registration will preempt them when it first reserves the disk.",
              },
            ],
          },
        });
      }
    }
  },
} satisfies Check;

export default check;
