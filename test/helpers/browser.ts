/// <reference lib="dom" />
// The callbacks passed to page.evaluate() run in the page: they need the DOM's types. The build
// (tsconfig.build.json: src and checks only) never sees this, so src cannot come to rely on them.
/**
 * Headless Chromium from Debian (/usr/bin/chromium, installed by scripts/bootstrap.sh) through
 * playwright-core, for the HTML report's tests and benchmark. The flags keep it off the network
 * (the machines here have none) and work as root.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CLUSTERPROBE_CHROMIUM ?? '/usr/bin/chromium';

/** A reason to skip browser tests, or false when Chromium is there. */
export const NO_CHROMIUM: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: run sh scripts/bootstrap.sh as root (Debian package chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
    ],
    timeout: 60_000,
  });
}
