/**
 * The hand-written PowerShell recordings of test/fixtures/powershell/ad/ (see its README), read
 * back as clusterprobe reads a real PowerShell's output, and turned into ad.directory facts the
 * way src/ad/probe.ts does on the PowerShell path (its I/O given: discovery and DNS records).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENVELOPE_MARKER, parseEnvelope, PowerShellError, type PsScript } from '../../src/windows/powershell.ts';
import {
  adDirectoryScript,
  adSecurityScript,
  failureOf,
  powerShellFacts,
  type PsRun,
} from '../../src/windows/ad-facts.ts';
import { nodeNames, targetsOf } from '../../src/ad/probe.ts';
import type { ClusterSpec } from '../../src/config/schema.ts';
import type { AdFacts } from '../../src/facts/index.ts';

export const AD_RECORDINGS = fileURLToPath(new URL('../fixtures/powershell/ad/', import.meta.url));

export interface Recording {
  readonly case: string;
  readonly shape?: string;
  readonly json?: string;
  readonly stdout?: string;
}

export function recording(script: string, name: string): Recording {
  const all = JSON.parse(readFileSync(`${AD_RECORDINGS}${script}.json`, 'utf8')) as Recording[];
  const r = all.find((c) => c.case === name);
  assert.ok(r, `no recording ${name} of ${script}`);
  return r;
}

/** The value the session returns for a recorded case; throws PowerShellError as the session would. */
export function replay<T>(script: PsScript<T>, name: string): T {
  const r = recording(script.name, name);
  return parseEnvelope(script, `${r.stdout ?? ''}${r.json !== undefined ? `${ENVELOPE_MARKER}${r.json}\n` : ''}`, '')
    .value;
}

/** A recorded case as the probe's run outcome (value, or classified failure). */
export function replayRun<T>(script: PsScript<T>, name: string): PsRun<T> {
  try {
    return { ok: true, value: replay(script, name), ms: 1 };
  } catch (err) {
    if (!(err instanceof PowerShellError)) throw err;
    return { ok: false, failure: failureOf(err) };
  }
}

/** ad.directory facts from a recorded case, as collectThroughPowerShell assembles them. */
export function powerShellAdFacts(
  name: string,
  spec: ClusterSpec,
  io: Pick<AdFacts, 'discovery' | 'dns' | 'dnsServers'>,
  executable = 'powershell',
): AdFacts {
  const ad = spec.activeDirectory!;
  const names = nodeNames(spec);
  const directory = replayRun(adDirectoryScript, name);
  const target =
    directory.ok && directory.value.dc && !directory.value.readError
      ? targetsOf(ad, names, directory.value.computers)
      : undefined;
  const security = target && (target.ouDn || target.cno) ? replayRun(adSecurityScript, name) : undefined;
  return {
    domain: ad.domain.toLowerCase(),
    discovery: io.discovery,
    nodes: names.nodes,
    ...(names.cluster ? { cluster: names.cluster } : {}),
    ...powerShellFacts({ executable, directory, ...(target ? { target } : {}), ...(security ? { security } : {}) }),
    dns: io.dns,
    dnsServers: io.dnsServers,
  };
}
