/**
 * Colour decision for the terminal renderer. chalk (via supports-color) honours FORCE_COLOR but
 * not NO_COLOR, so NO_COLOR (https://no-color.org: any non-empty value) is applied here first.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '' || force === 'true' || force === '1') return 1;
    if (force === '2' || force === '3') return Number(force) as 2 | 3;
    return 0; // FORCE_COLOR=0 or false
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : 2;
}

export function chalkFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env) });
}
