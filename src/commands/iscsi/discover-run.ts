/** The body of `clusterprobe iscsi discover`, loaded only when it runs. */
import { SecretStore } from '../../config/secrets.ts';
import { SECRET_REF_PATTERN } from '../../config/secret-ref.ts';
import { terminalPrompter } from '../../config/prompt.ts';
import { UsageError } from '../../engine/errors.ts';
import { EXIT } from '../../engine/exit.ts';
import { inventory, defaultInitiatorName, type Inventory } from '../../iscsi/inventory.ts';
import { parsePortal } from '../../iscsi/connection.ts';
import type { DiscoverFlags } from './discover.ts';

export interface DiscoverContext {
  readonly json: boolean;
  setScrub(scrub: (text: string) => string): void;
}

export async function runDiscover(flags: DiscoverFlags, ctx: DiscoverContext): Promise<Inventory> {
  try {
    parsePortal(flags.portal);
  } catch (err) {
    throw new UsageError(`--portal ${flags.portal}: ${(err as Error).message}`);
  }
  const secretRef = flags['chap-secret'];
  if (secretRef !== undefined && !SECRET_REF_PATTERN.test(secretRef)) {
    // Never echo it: it may be the secret itself, typed where a reference belongs.
    throw new UsageError(
      '--chap-secret takes a reference, not the secret: env:VAR, file:PATH or prompt (a secret in argv is visible to every user of this machine)',
    );
  }
  const prompt = terminalPrompter();
  const secrets = new SecretStore({ baseDir: process.cwd(), ...(prompt ? { prompt } : {}) });
  ctx.setScrub((t) => secrets.scrub(t));
  const chapUser = flags['chap-user'];
  const chap =
    chapUser !== undefined && secretRef !== undefined
      ? { user: chapUser, secret: Buffer.from((await secrets.resolve(secretRef, '--chap-secret')).reveal()) }
      : undefined;
  const seconds = flags.timeout * 1000;
  const result = secrets.scrubDeep(
    await inventory({
      portal: flags.portal,
      initiatorName: flags.initiator ?? defaultInitiatorName(),
      ...(chap ? { chap } : {}),
      ...(flags.target ? { target: flags.target } : {}),
      timeouts: { connectMs: seconds, loginMs: seconds, commandMs: seconds, logoutMs: seconds },
    }),
  );
  if (!ctx.json) {
    const [{ chalkFor }, { renderInventory }] = await Promise.all([
      import('../../report/color.ts'),
      import('../../report/inventory.ts'),
    ]);
    process.stdout.write(secrets.scrub(renderInventory(result, chalkFor(process.stdout))));
  }
  const failed =
    result.error !== undefined ||
    result.targets.some((t) => t.error !== undefined || t.luns.some((l) => l.error !== undefined));
  process.exitCode = failed ? EXIT.fail : EXIT.pass;
  return result;
}
