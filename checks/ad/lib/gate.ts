/**
 * The gate every ad.* check passes first: the `ad.directory` fact, or the skipped finding when the
 * spec has no activeDirectory section. One place, so the ten checks cannot drift apart.
 */
import type { CheckContext } from '../../../src/engine/contract.ts';
import type { AdFacts } from '../../../src/ad/probe.ts';

/** The message of the gate's finding; a check spreads it into its meta.messages. */
export const AD_GATE_MESSAGES = {
  notConfigured: 'The spec has no activeDirectory section: nothing to check',
} as const;

/** The directory's facts, or undefined after reporting `notConfigured` (skipped) when AD is not in the spec. */
export async function adFactsOrSkip(ctx: CheckContext): Promise<AdFacts | undefined> {
  // typed by FactMap after merge
  const facts = (await ctx.fact('ad.directory')) as AdFacts | null;
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

/**
 * The computer objects read, or undefined after reporting `noDirectory` (skipped, with the read
 * error as the reason) when the directory was not read: ad.connect reports why.
 */
export function adComputersOrSkip(ctx: CheckContext, facts: AdFacts): NonNullable<AdFacts['computers']> | undefined {
  if (facts.computers) return facts.computers;
  ctx.report({ status: 'skipped', messageId: 'noDirectory', data: { reason: facts.readError ?? 'not connected' } });
  return undefined;
}
