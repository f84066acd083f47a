/**
 * Hostile variants of a check test's facts: the names that come from the spec (node and cluster
 * names, the domain, portals, IQNs, the bind user) and from the directory or a target (DNs, OU
 * names, account names, target names) get a payload appended wherever they appear, so that a
 * check that pastes one of them into a command unquoted is caught by the syntax validator or by
 * the marker check (test/helpers/shell-syntax.ts).
 */

/** The recognisable part of the payload: it must stay inside a quoted string. */
export const MARKER = 'cpwn';

/**
 * Appended to every seed: quote characters PowerShell knows (' ‘ ’ " “ ”), `$(...)`, `$name`, a
 * backtick, `;`, a space, and what cmd and sh treat as operators. The marker comes early, so that
 * it survives a NetBIOS cut to 15 characters.
 */
export const PAYLOAD = `'$(${MARKER})\u2018\u2019"\u201C\u201D\`;$${MARKER} x&|<>`;

/** Paths whose `name`s are not names of things in the cluster (features, CPUs, adapters...). */
const NOT_NAMES =
  /(^|\.)(features|processors|adapters|os|problems|attempts|discovery|rootDse|evidence|dns|waivers)(\.|$)/;
const LABEL = /^[A-Za-z][A-Za-z0-9_-]{1,62}$/;
/** Parts of names too common to be a seed of their own: they would hit words everywhere. */
const COMMON = new Set([
  'test',
  'example',
  'com',
  'org',
  'net',
  'local',
  'microsoft',
  'iqn',
  'tpg1',
  'computers',
  'users',
  'builtin',
  'administrator',
  'admin',
  'domain',
  'dc',
]);

function addSeed(seeds: Set<string>, value: string | undefined): void {
  if (value !== undefined && LABEL.test(value) && !COMMON.has(value.toLowerCase())) seeds.add(value);
}

function firstLabel(host: string): string | undefined {
  return host.replace(/^[a-z]+:\/\//i, '').split(/[.:/]/)[0];
}

/** The names of the cluster's things found in the facts (see the module comment). */
export function seedsOf(facts: unknown): string[] {
  const seeds = new Set<string>();
  const walk = (v: unknown, path: string, key: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, path, key));
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, k);
      return;
    }
    if (typeof v !== 'string' || NOT_NAMES.test(path)) return;
    switch (key) {
      case 'name':
      case 'node':
      case 'cn':
      case 'netbios':
        addSeed(seeds, v);
        break;
      case 'computerName':
      case 'fqdn':
      case 'dNSHostName':
      case 'dnsHostName':
      case 'domain':
      case 'host':
        addSeed(seeds, firstLabel(v));
        break;
      case 'sAMAccountName':
        addSeed(seeds, v.replace(/\$$/, ''));
        break;
      case 'dn':
      case 'ou':
      case 'distinguishedName':
        for (const m of v.matchAll(/(?:^|,)(?:OU|CN)=([^,]+)/gi)) addSeed(seeds, m[1]!.replace(/\s+/g, '-'));
        for (const m of v.matchAll(/(?:^|,)OU=([^,]+)/gi)) seeds.add(m[1]!);
        break;
      case 'portal':
        addSeed(seeds, v.split(':')[0]?.split('.')[0]);
        if (/^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(v)) seeds.add(v.split(':')[0]!);
        break;
      case 'user':
      case 'mutualUser':
      case 'boundAs':
        addSeed(seeds, v.split('@')[0]?.split('\\').pop());
        break;
      case 'initiator':
      case 'iqn':
      case 'target':
        addSeed(seeds, v.split(':').pop()?.split('.')[0]);
        break;
    }
    if (/^(iqn|eui|naa)\./.test(v) && (path.includes('targets') || key === 'targets'))
      addSeed(seeds, v.split(':').pop()?.split('.')[0]);
  };
  walk(facts, '', '');
  return [...seeds].sort((a, b) => b.length - a.length);
}

function mutate(v: unknown, re: RegExp): unknown {
  if (typeof v === 'string') return v.replace(re, (m) => m + PAYLOAD);
  if (Array.isArray(v)) return v.map((x) => mutate(x, re));
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(re, (m) => m + PAYLOAD), mutate(x, re)]));
  return v;
}

/** One hostile variant: what was mutated, and the facts. */
export interface HostileVariant {
  readonly name: string;
  readonly facts: Readonly<Record<string, unknown>>;
}

/**
 * Three variants: the spec's names hostile (the directory and targets as they were), the
 * directory's and targets' names hostile (the spec as it was), and both at once (consistent).
 * None when the facts name nothing.
 */
export function hostileVariants(facts: Readonly<Record<string, unknown>>): HostileVariant[] {
  const seeds = seedsOf(facts);
  if (seeds.length === 0) return [];
  const escaped = seeds.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(?<![A-Za-z0-9])(?:${escaped.join('|')})(?![A-Za-z0-9])`, 'gi');
  const only = (pick: (key: string) => boolean) =>
    Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, pick(k) ? mutate(v, re) : v]));
  return [
    { name: 'hostile spec names', facts: only((k) => k === 'spec') },
    { name: 'hostile directory and target names', facts: only((k) => k !== 'spec') },
    { name: 'hostile names everywhere', facts: only(() => true) },
  ];
}
