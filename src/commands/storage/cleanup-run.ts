/** The body of `clusterprobe storage cleanup`, loaded only when it runs. */
import { dirname, resolve } from 'node:path';
import { loadSpec } from '../../config/load.ts';
import { SecretStore, type Prompter } from '../../config/secrets.ts';
import { UsageError } from '../../engine/errors.ts';
import { EXIT } from '../../engine/exit.ts';
import { IscsiSession, randomIsid } from '../../iscsi/session.ts';
import { sendTargets } from '../../iscsi/discovery.ts';
import { ScsiDevice } from '../../scsi/device.ts';
import { nodeIdentities } from '../../storage/probe.ts';
import { isClusterprobeKey, keyHex, makeKey, removeOurKeys } from '../../storage/keys.ts';
import { toInventoryError } from '../../iscsi/inventory.ts';
import type { Output, RunResult } from '../run-types.ts';

/** What `storage cleanup` runs with: its flags as plain values, and where the listing goes. */
export interface CleanupOptions {
  /** The spec: its portals, targets, LUNs and nodes. */
  readonly config?: string | undefined;
  /** Only list the keys of ours that would be removed. */
  readonly dryRun: boolean;
  /** --json: no listing (the command prints the result as JSON). */
  readonly json: boolean;
  readonly stdout: Output;
  /** Asks for `prompt` secrets (CHAP); without it such a secret is an error. */
  readonly prompt?: Prompter | undefined;
  /** Hands the command a scrubber for its messages once secrets may have been resolved. */
  onSecrets?(scrub: (text: string) => string): void;
}

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

/** What the command prints with --json. */
export interface CleanupResult {
  readonly dryRun: boolean;
  readonly luns: CleanupLun[];
}

/** What `storage cleanup` ends with; exit 3 when a key of ours is left or a disk could not be read. */
export interface CleanupRunResult extends RunResult {
  readonly cleanup: CleanupResult;
}

/** A LUN (or a whole portal or target, `lun` -1) that could not be read: nothing found, nothing removed. */
function unreadLun(portal: string, target: string, lun: number, err: unknown): CleanupLun {
  return { portal, target, lun, found: [], left: [], foreign: [], error: toInventoryError(err).message };
}

export async function runCleanup(options: CleanupOptions): Promise<CleanupRunResult> {
  if (!options.config)
    throw new UsageError('storage cleanup needs --config cluster.yaml (its portals, targets and nodes)');
  const file = resolve(options.config);
  const { spec } = await loadSpec(file);
  const secrets = new SecretStore({ baseDir: dirname(file), ...(options.prompt ? { prompt: options.prompt } : {}) });
  options.onSecrets?.((t) => secrets.scrub(t));
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
      luns.push(unreadLun(config.portal, '-', -1, err));
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
        luns.push(unreadLun(config.portal, target, -1, err));
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
              ours.length === 0 || options.dryRun ? ours : await removeOurKeys(device, ours, makeKey(run, 0xfd));
            luns.push({
              portal: config.portal,
              target,
              lun: entry.lun,
              found: ours.map(keyHex),
              left: left.map(keyHex),
              foreign,
            });
          } catch (err) {
            luns.push(unreadLun(config.portal, target, entry.lun, err));
          }
        }
      } finally {
        await session.logout().catch(() => session.close());
      }
    }
  }
  const result: CleanupResult = { dryRun: options.dryRun, luns };
  if (!options.json) {
    for (const l of luns) {
      // target '-': the portal itself failed (no target read yet), and its error names the portal.
      const where = l.target === '-' ? l.portal : `${l.portal} ${l.target}${l.lun >= 0 ? ` LUN ${l.lun}` : ''}`;
      const error = l.error === undefined ? undefined : secrets.scrub(l.error);
      if (error !== undefined)
        options.stdout.write(`${l.target === '-' && error.startsWith(`${where}: `) ? error : `${where}: ${error}`}\n`);
      else if (l.found.length === 0)
        options.stdout.write(
          `${where}: no key of clusterprobe's${l.foreign.length ? ` (${l.foreign.length} other key(s), untouched)` : ''}\n`,
        );
      else
        options.stdout.write(
          `${where}: ${options.dryRun ? 'would remove' : 'found'} ${l.found.join(', ')}${options.dryRun ? '' : l.left.length ? `; STILL THERE: ${l.left.join(', ')}` : '; removed'}\n`,
        );
    }
  }
  const failed = luns.some((l) => l.error !== undefined || (!options.dryRun && l.left.length > 0));
  return { exitCode: failed ? EXIT.fail : EXIT.pass, cleanup: result };
}
