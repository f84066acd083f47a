/**
 * Text key=value pairs (RFC 7143 section 6): UTF-8, each pair terminated by a NUL, in login and
 * text PDUs. Parsing is total: malformed pairs are reported as typed errors, lengths are bounded.
 */
import { IscsiProtocolError } from './errors.ts';

/** RFC 7143 6.1: keys up to 63 bytes; values up to 255 bytes except some (CHAP up to 8192 hex chars). */
const MAX_KEY = 63;
const MAX_VALUE = 16384;
/** A reply carrying more pairs than this is not a reply we can use. */
const MAX_PAIRS = 4096;

export type TextPairs = [key: string, value: string][];

export function encodeText(pairs: readonly (readonly [string, string])[]): Uint8Array {
  return new TextEncoder().encode(pairs.map(([k, v]) => `${k}=${v}\0`).join(''));
}

export function parseText(data: Uint8Array): TextPairs {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  const pairs: TextPairs = [];
  for (const item of text.split('\0')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new IscsiProtocolError(`malformed text key-value pair "${item.slice(0, 40)}" (no key=value)`);
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (key.length > MAX_KEY || !/^[A-Za-z0-9.:\-+@_[\]]+$/.test(key))
      throw new IscsiProtocolError(`malformed text key "${key.slice(0, 40)}"`);
    if (value.length > MAX_VALUE)
      throw new IscsiProtocolError(`text value of ${key} is ${value.length} bytes, over the limit of ${MAX_VALUE}`);
    pairs.push([key, value]);
    if (pairs.length > MAX_PAIRS) throw new IscsiProtocolError(`more than ${MAX_PAIRS} text key-value pairs`);
  }
  return pairs;
}
