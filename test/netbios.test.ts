import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NETBIOS_FORBIDDEN,
  NETBIOS_MAX,
  dnsIncompatibleCharacters,
  nameProblems,
  netbiosName,
  suggestNames,
  type NameProblem,
} from '../src/netbios.ts';
import { mulberry32 as prng } from './helpers/prng.ts';

describe('nameProblems', () => {
  const cases: readonly { name: string; expected: readonly NameProblem[] }[] = [
    { name: 'ABCDEFGHIJKLMNO', expected: [] },
    { name: 'ABCDEFGHIJKLMNOP', expected: [{ kind: 'tooLong', length: 16 }] },
    { name: 'HYPERVHOSTNODE-01A', expected: [{ kind: 'tooLong', length: 18 }] },
    { name: 'hv01', expected: [] },
    { name: 'hv_01', expected: [] },
    { name: 'hv.01', expected: [] },
    { name: 'hv01.', expected: [] },
    { name: 'A', expected: [] },
    { name: 'hv1', expected: [] },
    ...NETBIOS_FORBIDDEN.map((c) => ({
      name: `hv${c}01`,
      expected: [{ kind: 'forbiddenCharacters', characters: [c] }] as const,
    })),
    { name: 'a|b\\c', expected: [{ kind: 'forbiddenCharacters', characters: ['\\', '|'] }] },
    { name: '12345', expected: [{ kind: 'allDigits' }] },
    { name: '0', expected: [{ kind: 'allDigits' }] },
    { name: '1234567890123456', expected: [{ kind: 'tooLong', length: 16 }, { kind: 'allDigits' }] },
    { name: '.hv01', expected: [{ kind: 'leadingPeriod' }] },
    { name: '.hv:01', expected: [{ kind: 'forbiddenCharacters', characters: [':'] }, { kind: 'leadingPeriod' }] },
    { name: '', expected: [{ kind: 'empty' }] },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.name)} -> ${c.expected.map((p) => p.kind).join(', ') || 'valid'}`, () => {
      assert.deepEqual(nameProblems(c.name), c.expected);
    });
  }

  it('covers every forbidden character', () => {
    assert.deepEqual([...NETBIOS_FORBIDDEN].sort(), ['"', '*', '/', ':', '<', '>', '?', '\\', '|'].sort());
    assert.equal(NETBIOS_MAX, 15);
  });
});

describe('netbiosName', () => {
  const cases = [
    { host: 'hv01', expected: 'HV01' },
    { host: 'HYPERVHOSTNODE-01A', expected: 'HYPERVHOSTNODE-' },
    { host: 'hypervhostnode-01b', expected: 'HYPERVHOSTNODE-' },
    { host: 'abcdefghijklmno', expected: 'ABCDEFGHIJKLMNO' },
    { host: 'abcdefghijklmnop', expected: 'ABCDEFGHIJKLMNO' },
    { host: '', expected: '' },
  ] as const;
  for (const c of cases) {
    it(`${JSON.stringify(c.host)} -> ${JSON.stringify(c.expected)}`, () => {
      assert.equal(netbiosName(c.host), c.expected);
    });
  }
});

describe('dnsIncompatibleCharacters', () => {
  const cases = [
    { name: 'hv-01', expected: [] },
    { name: 'HV01', expected: [] },
    { name: 'hv_01', expected: ['_'] },
    { name: 'hv 01', expected: [' '] },
    { name: 'a_b_c', expected: ['_'] },
    { name: 'a_b c.d', expected: ['_', ' ', '.'] },
    { name: 'hvé01', expected: ['é'] },
    // Forbidden characters are nameProblems' business, not reported twice.
    { name: 'hv:01', expected: [] },
    { name: 'hv/01_', expected: ['_'] },
  ] as const;
  for (const c of cases) {
    it(`${JSON.stringify(c.name)} -> ${JSON.stringify(c.expected)}`, () => {
      assert.deepEqual(dnsIncompatibleCharacters(c.name), c.expected);
    });
  }
});

function needsChange(name: string, all: readonly string[]): boolean {
  const collides =
    name.length > NETBIOS_MAX && all.some((other) => other !== name && netbiosName(other) === netbiosName(name));
  return nameProblems(name).length > 0 || dnsIncompatibleCharacters(name).length > 0 || collides;
}

/**
 * The contract of suggestNames, checked as properties: names that need a change get exactly one
 * suggestion, every suggestion is a valid DNS-safe NetBIOS name, and after renaming every name
 * has its own NetBIOS name. `names` must be distinct case-insensitively (two spellings of one
 * name are a duplicate, a different check).
 */
function assertSuggestionContract(names: readonly string[], suggestions: ReadonlyMap<string, string>): void {
  const context = `names: ${JSON.stringify(names)}, suggestions: ${JSON.stringify([...suggestions])}`;
  for (const name of names) {
    assert.equal(
      suggestions.has(name),
      needsChange(name, names),
      `${JSON.stringify(name)} should ${needsChange(name, names) ? '' : 'not '}get a suggestion; ${context}`,
    );
  }
  for (const [name, suggested] of suggestions) {
    assert.ok(names.includes(name), `suggestion for a name not given: ${JSON.stringify(name)}; ${context}`);
    assert.deepEqual(
      nameProblems(suggested),
      [],
      `${JSON.stringify(suggested)} is not a valid NetBIOS name; ${context}`,
    );
    assert.deepEqual(
      dnsIncompatibleCharacters(suggested),
      [],
      `${JSON.stringify(suggested)} is not DNS-safe; ${context}`,
    );
    assert.ok(
      suggested.length <= NETBIOS_MAX,
      `${JSON.stringify(suggested)} is longer than ${NETBIOS_MAX}; ${context}`,
    );
    assert.match(suggested, /^[A-Za-z0-9-]+$/, context);
  }
  const after = names.map((n) => netbiosName(suggestions.get(n) ?? n));
  assert.equal(
    new Set(after).size,
    after.length,
    `NetBIOS names after renaming are not unique: ${JSON.stringify(after)}; ${context}`,
  );
}

describe('suggestNames', () => {
  it('leaves valid, distinct names alone', () => {
    const names = ['hv01', 'hv02', 'HVCLUSTER01', 'ABCDEFGHIJKLMNO'];
    const suggestions = suggestNames(names);
    assert.equal(suggestions.size, 0);
  });

  it('HYPERVHOSTNODE-01A and -01B get distinct suggestions that keep their tails', () => {
    const names = ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'];
    const suggestions = suggestNames(names);
    assertSuggestionContract(names, suggestions);
    const a = suggestions.get('HYPERVHOSTNODE-01A');
    const b = suggestions.get('HYPERVHOSTNODE-01B');
    assert.ok(a !== undefined && b !== undefined);
    assert.notEqual(netbiosName(a), netbiosName(b));
    assert.ok(a.endsWith('-01A'), a);
    assert.ok(b.endsWith('-01B'), b);
    assert.ok(a.startsWith('HYPERVHOST'), a);
  });

  it('never suggests a name that an existing valid name already has', () => {
    const names = ['HYPERVHOSTN-01A', 'HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B'];
    const suggestions = suggestNames(names);
    assertSuggestionContract(names, suggestions);
    assert.equal(suggestions.has('HYPERVHOSTN-01A'), false);
    for (const suggested of suggestions.values()) assert.notEqual(netbiosName(suggested), 'HYPERVHOSTN-01A');
  });

  it('never suggests an existing name, whatever its case', () => {
    const names = ['hypervhostn-01a', 'HYPERVHOSTNODE-01A', 'hv_01', 'hv01', 'HV012'];
    const suggestions = suggestNames(names);
    assertSuggestionContract(names, suggestions);
    const existing = new Set(names.filter((n) => !suggestions.has(n)).map(netbiosName));
    for (const suggested of suggestions.values()) assert.ok(!existing.has(netbiosName(suggested)), suggested);
  });

  it('renames only the long name when a valid 15-character name owns the truncation', () => {
    const names = ['CLUSTER01NODE01', 'CLUSTER01NODE01A'];
    const suggestions = suggestNames(names);
    assertSuggestionContract(names, suggestions);
    assert.deepEqual([...suggestions.keys()], ['CLUSTER01NODE01A']);
  });

  const invalid = [
    { why: 'forbidden character', names: ['hv:01'] },
    { why: 'every forbidden character', names: ['h\\v/0:1*?"<>|'] },
    { why: 'only digits', names: ['12345'] },
    { why: 'a long run of digits', names: ['12345678901234567890'] },
    { why: 'leading period', names: ['.hv01'] },
    { why: 'empty', names: [''] },
    { why: 'nothing usable', names: ['___', '...', '::'] },
    { why: 'DNS-incompatible underscore', names: ['hv_01', 'hv01'] },
    { why: 'space and accent', names: ['hv é 01'] },
    { why: 'leading hyphen after cleaning', names: ['_-hv01'] },
    { why: 'three-way collision', names: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'HYPERVHOSTNODE-01C'] },
    { why: 'collision without a dash tail', names: ['ABCDEFGHIJKLMNOPQ', 'ABCDEFGHIJKLMNOPR', 'ABCDEFGHIJKLMNO2'] },
    { why: 'collision where the tail is long', names: ['SERVER-HYPERVISOR01', 'SERVER-HYPERVISOR02'] },
    { why: 'suggestions that would collide after cleaning', names: ['hv_01', 'hv 01', 'hv.01', 'hv01'] },
  ] as const;
  for (const c of invalid) {
    it(`suggests valid, unique names: ${c.why}`, () => {
      assertSuggestionContract(c.names, suggestNames(c.names));
    });
  }

  it('gives a name listed twice a single suggestion', () => {
    const suggestions = suggestNames(['hv:01', 'hv:01']);
    assert.equal(suggestions.size, 1);
    assert.deepEqual(nameProblems(suggestions.get('hv:01') ?? ''), []);
  });
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789------_. é\\/:*?"<>|';

function generator(seed: number) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = (chars: string) => chars[int(chars.length)] ?? '';
  const choose = (options: readonly string[]) => options[int(options.length)] ?? '';
  const word = (max: number) => Array.from({ length: int(max + 1) }, () => pick(ALPHABET)).join('');
  const digits = (max: number) => Array.from({ length: 1 + int(max) }, () => pick('0123456789')).join('');
  const name = (prefix: string): string => {
    switch (int(6)) {
      case 0:
        return word(20);
      case 1:
        return digits(18);
      case 2:
        return `${prefix}${word(4)}`;
      case 3:
        return `${prefix}-${digits(2)}${pick('ABCDEFGH')}`;
      case 4:
        return `${prefix.slice(0, 11)}-${digits(2)}${pick('ABCDEFGH')}`;
      default:
        return `${prefix}${digits(3)}`;
    }
  };
  /** A set of 1 to 8 names, distinct case-insensitively, many sharing a prefix so that they collide. */
  const nameSet = (): string[] => {
    const prefix = choose(['HYPERVHOSTNODE', 'hv', 'CLUSTERNODE0', 'SQL-FCI-NODE', 'x', word(16)]);
    const out = new Map<string, string>();
    const count = 1 + int(8);
    for (let i = 0; i < count; i += 1) {
      const n = name(prefix);
      out.set(n.toLowerCase(), n);
    }
    return [...out.values()];
  };
  return { nameSet, name };
}

describe('suggestNames: properties over generated names', () => {
  const SEED = 0xc1057e4;

  it('every suggestion is valid and NetBIOS names are unique after renaming (300 generated sets)', () => {
    const gen = generator(SEED);
    let renamed = 0;
    for (let i = 0; i < 300; i += 1) {
      const names = gen.nameSet();
      const suggestions = suggestNames(names);
      renamed += suggestions.size;
      assertSuggestionContract(names, suggestions);
    }
    // The generator is meant to produce plenty of names that need a change.
    assert.ok(renamed > 300, `only ${renamed} renames: the generator no longer exercises suggestNames`);
  });

  it('stays valid and unique with several hundred colliding names in one set', () => {
    const gen = generator(SEED + 1);
    const byLower = new Map<string, string>();
    while (byLower.size < 400) {
      const n = gen.name('HYPERVHOSTNODE');
      byLower.set(n.toLowerCase(), n);
    }
    const names = [...byLower.values()];
    assertSuggestionContract(names, suggestNames(names));
  });

  it('is deterministic', () => {
    const names = generator(SEED + 2).nameSet();
    assert.deepEqual([...suggestNames(names)], [...suggestNames(names)]);
  });
});
