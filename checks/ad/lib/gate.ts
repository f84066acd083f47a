/**
 * The gate every ad.* check passes first: the `ad.directory` fact, or the skipped finding when the
 * spec has no activeDirectory section. One place, so the ten checks cannot drift apart.
 */
import type { CheckContext } from '../../../src/engine/contract.ts';
import type { AdFacts } from '../../../src/facts/index.ts';

/** The message of the gate's finding; a check spreads it into its meta.messages. */
export const AD_GATE_MESSAGES = {
  notConfigured: 'The spec has no activeDirectory section: nothing to check',
} as const;

/** The directory's facts, or undefined after reporting `notConfigured` (skipped) when AD is not in the spec. */
export async function adFactsOrSkip(ctx: CheckContext): Promise<AdFacts | undefined> {
  const facts = await ctx.fact('ad.directory');
  if (!facts) {
    ctx.report({ status: 'skipped', messageId: 'notConfigured' });
    return undefined;
  }
  return facts;
}

/** The message of the directory gate (adComputersOrSkip); a check spreads it into its meta.messages. */
export const AD_DIRECTORY_MESSAGES = {
  noDirectory: 'The directory could not be read ({reason}): see ad.connect',
} as const;

/** The directory's facts with the computer objects read. */
export interface AdDirectoryRead {
  readonly facts: AdFacts;
  readonly computers: NonNullable<AdFacts['computers']>;
}

/**
 * The facts and computer objects, or undefined after reporting the gate's finding: `notConfigured`
 * (no activeDirectory section) or `noDirectory` (skipped, the read error as its reason: ad.connect
 * reports why).
 */
export async function adComputersOrSkip(ctx: CheckContext): Promise<AdDirectoryRead | undefined> {
  const facts = await adFactsOrSkip(ctx);
  if (!facts) return undefined;
  if (facts.computers) return { facts, computers: facts.computers };
  ctx.report({ status: 'skipped', messageId: 'noDirectory', data: { reason: facts.readError ?? 'not connected' } });
  return undefined;
}

/** The facts of a directory connected to and read without error. */
export type ConnectedAdFacts = AdFacts & {
  readonly connection: NonNullable<AdFacts['connection']>;
  readonly computers: NonNullable<AdFacts['computers']>;
};

/**
 * As adComputersOrSkip for a check that needs the whole read to have succeeded (connected, no read
 * error): the skipped finding is `notConnected` with the error, worded by the check.
 */
export async function adConnectedOrSkip(
  ctx: CheckContext,
): Promise<{ readonly facts: ConnectedAdFacts; readonly computers: ConnectedAdFacts['computers'] } | undefined> {
  const facts = await adFactsOrSkip(ctx);
  if (!facts) return undefined;
  const { connection, computers } = facts;
  if (connection && facts.readError === undefined && computers)
    return { facts: { ...facts, connection, computers }, computers };
  ctx.report({ status: 'skipped', messageId: 'notConnected', data: { error: facts.readError ?? 'not connected' } });
  return undefined;
}
