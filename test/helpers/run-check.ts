/**
 * Runs one check through the real engine (runner, fact store, cleanups, secret store) on offline
 * facts, the way `validate --from-facts` does, and returns what it reported.
 */
import assert from 'node:assert/strict';
import { runChecks } from '../../src/engine/runner.ts';
import { FactStore } from '../../src/engine/facts.ts';
import { Cleanups } from '../../src/engine/cleanup.ts';
import { SecretStore } from '../../src/config/secrets.ts';
import type { Check } from '../../src/engine/contract.ts';
import type { Finding, Shell } from '../../src/engine/report.ts';
import type { ClusterSpec, Waiver } from '../../src/config/schema.ts';

export interface RunCheckOptions {
  readonly now?: Date;
  readonly waivers?: readonly Waiver[];
}

/** A fixed instant, so that checks reading `ctx.now` give the same findings on every run. */
export const DEFAULT_NOW = new Date('2026-06-15T12:00:00Z');

export async function runCheck(check: Check, facts: Readonly<Record<string, unknown>>, options: RunCheckOptions = {}): Promise<Finding[]> {
  const controller = new AbortController();
  const cleanups = new Cleanups();
  const spec = (facts.spec ?? { nodes: [] }) as ClusterSpec;
  const store = new FactStore({
    spec,
    probes: new Map(),
    secrets: new SecretStore({ baseDir: process.cwd() }),
    signal: controller.signal,
    cleanups,
    offline: facts,
  });
  try {
    return await runChecks({
      checks: [check],
      facts: store,
      cleanups,
      concurrency: 1,
      timeoutMs: 5000,
      signal: controller.signal,
      now: options.now ?? DEFAULT_NOW,
      waivers: options.waivers ?? [],
    });
  } finally {
    await cleanups.runAll();
  }
}

/** The spec fact for a list of node names and an optional cluster name. */
export function specFact(nodeNames: readonly string[], clusterName?: string): ClusterSpec {
  return {
    nodes: nodeNames.map((name) => ({ name })),
    ...(clusterName !== undefined ? { cluster: { name: clusterName } } : {}),
  };
}

/** What a test expects of one finding; `data` lists only the keys it cares about. */
export interface ExpectedFinding {
  readonly status: Finding['status'];
  readonly messageId: string;
  readonly subject?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Compares findings, in order, on status, messageId, subject and the data keys given (never wording). */
export function assertFindings(actual: readonly Finding[], expected: readonly ExpectedFinding[]): void {
  const shape = (f: Finding | ExpectedFinding, keys: readonly string[]) => ({
    status: f.status,
    messageId: f.messageId,
    subject: f.subject,
    data: Object.fromEntries(keys.map((k) => [k, f.data?.[k]])),
  });
  assert.deepEqual(
    actual.map((f, i) => shape(f, Object.keys(expected[i]?.data ?? {}))),
    expected.map((e) => shape(e, Object.keys(e.data ?? {}))),
  );
}

/** Every remediation command of a finding, in order. */
export function commandsOf(finding: Finding | undefined, shell?: Shell): string[] {
  return (finding?.remediation?.steps ?? []).flatMap((s) => (s.commands ?? []).filter((c) => shell === undefined || c.shell === shell).map((c) => c.command));
}
