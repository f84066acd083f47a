/**
 * The plan's storage actions (ARCHITECTURE.md, "The plan"), shared by the storage checks that find
 * the same fix: `replace-lun:<target>:<lun>` (storage.lun.inventory and storage.pr.support find a
 * LUN that is not a disk) and `target-acl:<target>:<initiator>` (storage.target.login). Their sh
 * form drives the target software the LUNs' INQUIRY names, and only where that is certain.
 */
import type { Action, ActionScript, RemediationStep } from '../../../src/engine/report.ts';
import { actionKey, shParam, shVariable } from '../../../src/engine/action.ts';
import { placeholder, shQuote } from '../../../src/quote.ts';
import { fnv1a } from '../../shared/lib/script-params.ts';

/** The target software an sh fragment can drive: tgt (tgtadm) or LIO (targetcli). */
export type TargetSoftware = 'tgt' | 'lio';

/** What INQUIRY says of one LUN; `deviceType` where the fact has it. */
export interface InquiryOf {
  readonly vendor: string | null;
  readonly product: string | null;
  readonly deviceType?: number;
}

/** tgt's emulations other than a disk (mmc, ssc, smc): the products its INQUIRY names them by. */
const TGT_NOT_DISK_PRODUCTS = /^VIRTUAL-(CDROM|TAPE|CHANGER)\b/;

/**
 * The target software the LUNs of one target come from, when INQUIRY makes it certain, else
 * undefined. LIO answers vendor "LIO-ORG". tgt and IET (the target inside OpenFiler) both answer
 * "IET", but IET presents only disks: a LUN answering "IET" that is not a disk (tgt's LUN 0
 * controller, its CD, tape and changer emulations) is tgt. An "IET" disk alone could be either.
 */
export function targetSoftwareOf(luns: readonly InquiryOf[]): TargetSoftware | undefined {
  const vendor = (l: InquiryOf) => (l.vendor ?? '').trim().toUpperCase();
  if (luns.some((l) => vendor(l) === 'LIO-ORG')) return 'lio';
  const tgt = luns.some(
    (l) =>
      vendor(l) === 'IET' &&
      ((l.deviceType !== undefined && l.deviceType !== 0) ||
        TGT_NOT_DISK_PRODUCTS.test((l.product ?? '').trim().toUpperCase())),
  );
  return tgt ? 'tgt' : undefined;
}

/**
 * The software whose form an ACL action gets. As targetSoftwareOf, and also for a target whose
 * LUNs are all "IET" disks, which is tgt or IET (OpenFiler): an ACL fix is the same on both, only
 * the tool differs, and the tgt form is safe on either host: where tgtadm is missing the fix
 * script skips the action (saying where to run it), and a tgt that does not serve the target
 * stops the action, naming the target, before any change. IET's own list (/etc/initiators.allow)
 * stays in the steps.
 */
export function aclSoftwareOf(luns: readonly InquiryOf[]): TargetSoftware | undefined {
  const known = targetSoftwareOf(luns);
  if (known !== undefined) return known;
  const iet = luns.length > 0 && luns.every((l) => (l.vendor ?? '').trim().toUpperCase() === 'IET');
  return iet ? 'tgt' : undefined;
}

const TGT_SHOW = 'tgtadm --lld iscsi --mode target --op show';

/**
 * sh that sets `cp_tid` to the tid of the tgt target named `target` (tgt numbers targets; the
 * name is what the facts know), and stops, saying so, when this tgt has no such target.
 */
function tgtTid(target: string): string {
  return [
    `cp_tid=$(${TGT_SHOW} | CP_IQN=${shQuote(target)} awk '$1 == "Target" && $3 == ENVIRON["CP_IQN"] { sub(/:$/, "", $2); print $2; exit }')`,
    `if [ -z "$cp_tid" ]; then echo ${shQuote(`tgt on this host has no target named ${target}`)} >&2; false; fi`,
  ].join('\n');
}

/**
 * The script parameter naming the backing store of one LUN: per target and LUN, since names are
 * global to a script (`LunBackingStoreLun2T5c0a4f1e` for LUN 2 of one target). The target is
 * named by a hash of its name, not by its words: a parameter name is code, not a quoted value.
 */
export function backingStoreParam(target: string, lun: number): string {
  // Over the lower-cased name: target names compare case-insensitively.
  return `LunBackingStoreLun${lun}T${fnv1a(target.toLowerCase())}`;
}

/** The script of replace-lun on tgt: delete the LUN if it is there, create it again as a disk. */
function tgtReplaceLunScript(target: string, lun: number): ActionScript {
  const param = backingStoreParam(target, lun);
  // The LUN's "Type:" in tgt's listing (disk, cd/dvd, tape...), printed once; nothing when there is no such LUN.
  const lunType = `${TGT_SHOW} | CP_IQN=${shQuote(target)} CP_LUN=${lun} awk '$1 == "Target" { t = ($3 == ENVIRON["CP_IQN"]); l = 0 } t && $1 == "LUN:" { l = ($2 == ENVIRON["CP_LUN"]) } t && l && $1 == "Type:" { print $2; exit }'`;
  return {
    params: [
      {
        name: param,
        description: `The file or block device on the tgt host that LUN ${lun} of ${target} is to present as a disk (it must exist; its contents become the disk's)`,
      },
    ],
    sh: {
      system: 'tgt',
      test: `${lunType} | grep -qx disk`,
      apply: [
        // Checked before the LUN is deleted: a missing backing store leaves the target as it was.
        `if [ ! -e ${shParam(param)} ]; then echo "no such file or device for LUN ${lun}: $${shVariable(param)}" >&2; false; fi`,
        tgtTid(target),
        // Apply is idempotent by itself too: a LUN that is a disk already is left alone.
        `cp_type=$(${lunType})`,
        'if [ "$cp_type" != disk ]; then',
        `  if [ -n "$cp_type" ]; then tgtadm --lld iscsi --mode logicalunit --op delete --tid "$cp_tid" --lun ${lun}; fi`,
        `  tgtadm --lld iscsi --mode logicalunit --op new --tid "$cp_tid" --lun ${lun} --device-type disk --backing-store ${shParam(param)}`,
        'fi',
      ].join('\n'),
    },
  };
}

/**
 * `replace-lun:<target>:<lun>`: present a LUN that is not a disk (a CD, a tape...) as a disk.
 * Contributed, with the same descriptor, by storage.lun.inventory (listedNotDisk) and by
 * storage.pr.support (notImplemented) for the same LUN, so that the plan has one action resolving
 * both. Only where the target is certainly tgt (see targetSoftwareOf): there the change is certain
 * and scripted; elsewhere the findings keep their steps and contribute no action.
 */
export function replaceLunAction(target: string, lun: number, software: TargetSoftware | undefined): Action[] {
  if (software !== 'tgt' || !Number.isInteger(lun) || lun < 0) return [];
  const tid = placeholder('tid', 'sh');
  const steps: RemediationStep[] = [
    {
      text: `On the tgt host, as root: delete LUN ${lun} of ${target} and create it again as a disk on a file or block device you name (a new, empty one for a new cluster disk). The old backing file is left as it was. The nodes logged in see the LUN change type: rescan their disks afterwards (Update-HostStorageCache).`,
      commands: [
        {
          shell: 'sh',
          command: `tgtadm --lld iscsi --op delete --mode logicalunit --tid ${tid} --lun ${lun} && tgtadm --lld iscsi --op new --mode logicalunit --tid ${tid} --lun ${lun} --device-type disk --backing-store ${placeholder('file-or-device', 'sh')}   # find <tid> with: ${TGT_SHOW}`,
          runOn: 'the tgt host',
        },
      ],
    },
  ];
  return [
    {
      key: actionKey('replace-lun', `${target}:${lun}`),
      title: `Present LUN ${lun} of ${target} as a disk`,
      runsOn: 'storage',
      steps,
      restart: false,
      // Only the LUN's presentation changes: it can be created again as it was, on its old file.
      reversible: true,
      // It is not a cluster disk yet (that is the finding): no cluster or node loses anything.
      disruption: 'none',
      script: tgtReplaceLunScript(target, lun),
    },
  ];
}

/** The script of target-acl on tgt or LIO. */
function aclScript(target: string, initiator: string, software: TargetSoftware): ActionScript {
  if (software === 'tgt') {
    const test = `${TGT_SHOW} | CP_IQN=${shQuote(target)} CP_INITIATOR=${shQuote(initiator)} awk '$1 == "Target" { t = ($3 == ENVIRON["CP_IQN"]); acl = 0 } $NF == "information:" { acl = t && $1 == "ACL" } acl && $1 == ENVIRON["CP_INITIATOR"] { found = 1 } END { exit !found }'`;
    return {
      sh: {
        system: 'tgt',
        test,
        apply: [
          tgtTid(target),
          // tgt refuses to bind a name twice: bind only a name not bound yet.
          `if ! ${test}; then`,
          `  tgtadm --lld iscsi --mode target --op bind --tid "$cp_tid" --initiator-name ${shQuote(initiator)}`,
          'fi',
        ].join('\n'),
      },
    };
  }
  const acls = shQuote(`/iscsi/${target}/tpg1/acls`);
  return {
    sh: {
      system: 'targetcli',
      test: `targetcli ls ${acls} 1 2>/dev/null | CP_INITIATOR=${shQuote(initiator)} awk '$1 == "o-" && $2 == ENVIRON["CP_INITIATOR"] { found = 1 } END { exit !found }'`,
      apply: `targetcli ${acls} create ${shQuote(initiator)}\ntargetcli saveconfig`,
    },
  };
}

/**
 * `target-acl:<target>:<initiator>`: allow a node's initiator on a target that refuses it while
 * letting another node in (storage.target.login, aclMissing: the access list is certainly the
 * cause). Scripted for tgt and LIO when the LUNs the other node read say which it is.
 */
export function targetAclAction(
  target: string,
  initiator: string,
  software: TargetSoftware | undefined,
  steps: readonly RemediationStep[],
): Action {
  return {
    key: actionKey('target-acl', `${target}:${initiator}`),
    title: `Allow ${initiator} on ${target}`,
    runsOn: 'storage',
    steps: [...steps],
    restart: false,
    reversible: true,
    disruption: 'none',
    ...(software !== undefined ? { script: aclScript(target, initiator, software) } : {}),
  };
}
