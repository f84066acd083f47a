/** The body of `clusterprobe storage cleanup`, loaded only when it runs. */
import { dirname, resolve } from 'node:path';
import { loadSpec } from '../../config/load.ts';
import { SecretStore } from '../../config/secrets.ts';
import { terminalPrompter } from '../../config/prompt.ts';
import { UsageError } from '../../engine/errors.ts';
import { EXIT } from '../../engine/exit.ts';
import { IscsiSession, randomIsid } from '../../iscsi/session.ts';
import { sendTargets } from '../../iscsi/discovery.ts';
import { ScsiDevice } from '../../scsi/device.ts';
import { nodeIdentities } from '../../storage/probe.ts';
import { isClusterprobeKey, keyHex, makeKey, removeOurKeys } from '../../storage/keys.ts';
import { toInventoryError } from '../../iscsi/inventory.ts';
import type { CleanupFlags } from './cleanup.ts';

export interface CleanupLun {
  readonly portal: string;
  readonly target: string;
  readonly lun: number;
  /** Keys of ours found (hex). */
  readonly found: string[];
  /** Keys of ours still there afterwards. */
  readonly left: string[];
  /** Other keys seen, untouched. */
  readonly foreign: string[];
  readonly error?: string;
}

export interface CleanupResult {
  readonly dryRun: boolean;
  readonly luns: CleanupLun[];
}

export async function runCleanup(
  flags: CleanupFlags,
  ctx: { json: boolean; setScrub(s: (t: string) => string): void },
): Promise<CleanupResult> {
  if (!flags.config)
    throw new UsageError('storage cleanup needs --config cluster.yaml (its portals, targets and nodes)');
  const file = resolve(flags.config);
  const { spec } = await loadSpec(file);
  const prompt = terminalPrompter();
  const secrets = new SecretStore({ baseDir: dirname(file), ...(prompt ? { prompt } : {}) });
  ctx.setScrub((t) => secrets.scrub(t));
  const identity = nodeIdentities(spec)[0];
  const initiatorName = identity?.initiator ?? 'iqn.2026-11.invalid.clusterprobe:cleanup';
  const luns: CleanupLun[] = [];
  const run = Date.now() & 0xffffffff;
  for (const [index, config] of (spec.storage?.iscsi ?? []).entries()) {
    const chap = config.chap
      ? {
          user: config.chap.user,
          secret: Buffer.from(
            (await secrets.resolve(config.chap.secret, `storage.iscsi[${index}].chap.secret`)).reveal(),
          ),
        }
      : undefined;
    let targets: string[];
    try {
      targets =
        config.targets ??
        (await sendTargets({ portal: config.portal, initiatorName, ...(chap ? { chap } : {}) })).map((t) => t.name);
    } catch (err) {
      luns.push({
        portal: config.portal,
        target: '-',
        lun: -1,
        found: [],
        left: [],
        foreign: [],
        error: toInventoryError(err).message,
      });
      continue;
    }
    for (const target of targets) {
      let session: IscsiSession;
      try {
        session = await IscsiSession.open({
          portal: config.portal,
          initiatorName,
          targetName: target,
          isid: randomIsid(0xc1),
          ...(chap ? { chap } : {}),
        });
      } catch (err) {
        luns.push({
          portal: config.portal,
          target,
          lun: -1,
          found: [],
          left: [],
          foreign: [],
          error: toInventoryError(err).message,
        });
        continue;
      }
      try {
        const report = await new ScsiDevice(session, 0).reportLuns();
        for (const entry of report.luns) {
          if (entry.lun === undefined || (config.luns && !config.luns.includes(entry.lun))) continue;
          const device = new ScsiDevice(session, entry.lun);
          try {
            if ((await device.inquiry()).peripheralDeviceType !== 0) continue;
            const keys = (await device.prReadKeys()).keys;
            const ours = keys.filter(isClusterprobeKey);
            const foreign = keys.filter((k) => !isClusterprobeKey(k)).map(keyHex);
            const left =
              ours.length === 0 || flags['dry-run'] ? ours : await removeOurKeys(device, ours, makeKey(run, 0xfd));
            luns.push({
              portal: config.portal,
              target,
              lun: entry.lun,
              found: ours.map(keyHex),
              left: left.map(keyHex),
              foreign,
            });
          } catch (err) {
            luns.push({
              portal: config.portal,
              target,
              lun: entry.lun,
              found: [],
              left: [],
              foreign: [],
              error: toInventoryError(err).message,
            });
          }
        }
      } finally {
        await session.logout().catch(() => session.close());
      }
    }
  }
  const result: CleanupResult = { dryRun: flags['dry-run'], luns };
  if (!ctx.json) {
    for (const l of luns) {
      const where = `${l.portal} ${l.target}${l.lun >= 0 ? ` LUN ${l.lun}` : ''}`;
      if (l.error) process.stdout.write(`${where}: ${secrets.scrub(l.error)}\n`);
      else if (l.found.length === 0)
        process.stdout.write(
          `${where}: no key of clusterprobe's${l.foreign.length ? ` (${l.foreign.length} other key(s), untouched)` : ''}\n`,
        );
      else
        process.stdout.write(
          `${where}: ${flags['dry-run'] ? 'would remove' : 'found'} ${l.found.join(', ')}${flags['dry-run'] ? '' : l.left.length ? `; STILL THERE: ${l.left.join(', ')}` : '; removed'}\n`,
        );
    }
  }
  process.exitCode = luns.some((l) => l.error !== undefined || (!flags['dry-run'] && l.left.length > 0))
    ? EXIT.fail
    : EXIT.pass;
  return result;
}
