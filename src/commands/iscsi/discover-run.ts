/** The body of `clusterprobe iscsi discover`, loaded only when it runs. */
import { SecretStore, type Prompter } from '../../config/secrets.ts';
import { SECRET_REF_PATTERN } from '../../config/secret-ref.ts';
import { UsageError } from '../../engine/errors.ts';
import { EXIT } from '../../engine/exit.ts';
import { inventory, defaultInitiatorName, type Inventory } from '../../iscsi/inventory.ts';
import { parsePortal } from '../../iscsi/connection.ts';
import type { Output, RunResult } from '../run-types.ts';

/** What `iscsi discover` runs with: its flags as plain values, and where the listing goes. */
export interface DiscoverOptions {
  /** HOST[:PORT]. */
  readonly portal: string;
  /** The initiator name to log in as; default: {@link defaultInitiatorName}. */
  readonly initiator?: string | undefined;
  /** Only this target. */
  readonly target?: string | undefined;
  readonly chapUser?: string | undefined;
  /** Where the CHAP secret is: a secret reference (env:VAR, file:PATH, prompt), never the secret. */
  readonly chapSecret?: string | undefined;
  /** Time limit for each step, in seconds. */
  readonly timeoutSeconds: number;
  /** --json: no terminal listing (the command prints the inventory as JSON). */
  readonly json: boolean;
  readonly stdout: Output;
  /** Asks for a `prompt` secret; without it such a secret is an error. */
  readonly prompt?: Prompter | undefined;
  /** Hands the command a scrubber for its messages once the secret may have been resolved. */
  onSecrets?(scrub: (text: string) => string): void;
}

/** What `iscsi discover` ends with: the inventory (secrets scrubbed); exit 3 when something could not be read. */
export interface DiscoverResult extends RunResult {
  readonly inventory: Inventory;
}

export async function runDiscover(options: DiscoverOptions): Promise<DiscoverResult> {
  try {
    parsePortal(options.portal);
  } catch (err) {
    throw new UsageError(`--portal ${options.portal}: ${(err as Error).message}`);
  }
  const secretRef = options.chapSecret;
  if (secretRef !== undefined && !SECRET_REF_PATTERN.test(secretRef)) {
    // Never echo it: it may be the secret itself, typed where a reference belongs.
    throw new UsageError(
      '--chap-secret takes a reference, not the secret: env:VAR, file:PATH or prompt (a secret in argv is visible to every user of this machine)',
    );
  }
  const secrets = new SecretStore({ baseDir: process.cwd(), ...(options.prompt ? { prompt: options.prompt } : {}) });
  options.onSecrets?.((t) => secrets.scrub(t));
  const chapUser = options.chapUser;
  const chap =
    chapUser !== undefined && secretRef !== undefined
      ? { user: chapUser, secret: Buffer.from((await secrets.resolve(secretRef, '--chap-secret')).reveal()) }
      : undefined;
  const seconds = options.timeoutSeconds * 1000;
  const result = secrets.scrubDeep(
    await inventory({
      portal: options.portal,
      initiatorName: options.initiator ?? defaultInitiatorName(),
      ...(chap ? { chap } : {}),
      ...(options.target ? { target: options.target } : {}),
      timeouts: { connectMs: seconds, loginMs: seconds, commandMs: seconds, logoutMs: seconds },
    }),
  );
  if (!options.json) {
    const [{ chalkFor }, { renderInventory }] = await Promise.all([
      import('../../report/color.ts'),
      import('../../report/inventory.ts'),
    ]);
    options.stdout.write(secrets.scrub(renderInventory(result, chalkFor(options.stdout))));
  }
  const failed =
    result.error !== undefined ||
    result.targets.some((t) => t.error !== undefined || t.luns.some((l) => l.error !== undefined));
  return { exitCode: failed ? EXIT.fail : EXIT.pass, inventory: result };
}
