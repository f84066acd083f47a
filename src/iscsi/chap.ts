/**
 * CHAP for iSCSI (RFC 7143 section 12.1.3, RFC 1994): MD5 only (CHAP_A=5). The response is
 * MD5(identifier byte || secret || challenge). Binary values are hex (`0x...`) or base64 (`0b...`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IscsiNegotiationError } from './errors.ts';

export const CHAP_MD5 = '5';
/** Challenges longer than this are refused (istgt sends 1024 bytes; RFC 7143 allows more but nobody needs it). */
const MAX_CHALLENGE = 8192;

export function decodeBinary(value: string, key: string): Uint8Array {
  if (/^0[xX][0-9a-fA-F]+$/.test(value)) {
    const hex = value.slice(2);
    if (hex.length / 2 > MAX_CHALLENGE) throw new IscsiNegotiationError(`${key} is longer than ${MAX_CHALLENGE} bytes`);
    return Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
  }
  if (/^0[bB][A-Za-z0-9+/=]+$/.test(value)) {
    const bytes = Uint8Array.from(Buffer.from(value.slice(2), 'base64'));
    if (bytes.length > MAX_CHALLENGE) throw new IscsiNegotiationError(`${key} is longer than ${MAX_CHALLENGE} bytes`);
    return bytes;
  }
  throw new IscsiNegotiationError(`${key} is not a hex (0x...) or base64 (0b...) value`);
}

export function encodeHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

export function chapResponse(identifier: number, secret: Uint8Array, challenge: Uint8Array): Uint8Array {
  return Uint8Array.from(
    createHash('md5')
      .update(Uint8Array.of(identifier & 0xff))
      .update(secret)
      .update(challenge)
      .digest(),
  );
}

export interface MutualChallenge {
  readonly identifier: number;
  readonly challenge: Uint8Array;
}

export function newMutualChallenge(): MutualChallenge {
  return { identifier: randomBytes(1)[0]!, challenge: Uint8Array.from(randomBytes(16)) };
}

/** Verifies the target's answer to our challenge in mutual CHAP. */
export function verifyTargetResponse(mine: MutualChallenge, secret: Uint8Array, response: Uint8Array): boolean {
  const expected = chapResponse(mine.identifier, secret, mine.challenge);
  return expected.length === response.length && timingSafeEqual(expected, response);
}
