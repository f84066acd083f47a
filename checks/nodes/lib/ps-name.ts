import { psQuote } from '../../../src/quote.ts';

/** A name as it can stand in a printed PowerShell command: as is when it is a plain host name, else quoted. */
export function psName(name: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) ? name : psQuote(name);
}
