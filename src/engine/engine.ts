/**
 * One preflight run: facts, checks, waivers, and the Report. The command layer supplies the
 * inputs and renders the result; everything here is testable without a terminal.
 */
import type { ClusterSpec, Waiver } from '../config/schema.ts';
import type { SecretStore } from '../config/secrets.ts';
import type { Check, Probe } from './contract.ts';
import { Cleanups, type CleanupOutcome } from './cleanup.ts';
import { FactStore } from './facts.ts';
import { applyWaivers, runChecks, type ProgressListener } from './runner.ts';
import { summarise, verdictOf, type Report } from './report.ts';

export interface RunInput {
  readonly spec: ClusterSpec;
  readonly checks: readonly Check[];
  readonly probes: ReadonlyMap<string, Probe>;
  readonly secrets: SecretStore;
  readonly waivers: readonly Waiver[];
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly toolVersion: string;
  /** Facts from `--from-facts`: evaluation only, no probe runs. */
  readonly offlineFacts?: Readonly<Record<string, unknown>>;
  readonly progress?: ProgressListener;
  /** Shared with the caller so that Ctrl-C handling can await the same cleanups. */
  readonly cleanups?: Cleanups;
  readonly now?: Date;
}

export interface RunOutput {
  readonly report: Report;
  /** Every fact gathered, secrets scrubbed: what `--save-facts` writes. */
  readonly facts: Record<string, unknown>;
  readonly cleanup: readonly CleanupOutcome[];
  readonly probeRuns: ReadonlyMap<string, number>;
}

export async function runPreflight(input: RunInput): Promise<RunOutput> {
  const now = input.now ?? new Date();
  const cleanups = input.cleanups ?? new Cleanups();
  const facts = new FactStore({
    spec: input.spec,
    probes: input.probes,
    secrets: input.secrets,
    signal: input.signal,
    cleanups,
    ...(input.offlineFacts ? { offline: input.offlineFacts } : {}),
    ...(input.progress?.factProgress ? { onProgress: (fact: string, message: string) => input.progress?.factProgress?.(fact, message) } : {}),
  });
  let findings;
  let cleanup: CleanupOutcome[];
  try {
    findings = await runChecks({
      checks: input.checks,
      facts,
      cleanups,
      concurrency: input.concurrency,
      timeoutMs: input.timeoutMs,
      signal: input.signal,
      now,
      waivers: input.waivers,
      ...(input.progress ? { progress: input.progress } : {}),
    });
  } finally {
    // Cleanups run on every path out of the run, before anything is rendered.
    cleanup = await cleanups.runAll();
  }
  const waived = applyWaivers(findings, input.waivers, now);
  const cancelled = input.signal.aborted;
  const summary = summarise(waived);
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'clusterprobe', version: input.toolVersion },
    startedAt: now.toISOString(),
    durationMs: Date.now() - now.getTime(),
    verdict: verdictOf(summary, cancelled),
    cancelled,
    offline: input.offlineFacts !== undefined,
    cluster: {
      ...(input.spec.cluster?.name !== undefined ? { name: input.spec.cluster.name } : {}),
      ...(input.spec.cluster?.windowsVersion !== undefined ? { windowsVersion: input.spec.cluster.windowsVersion } : {}),
      nodes: input.spec.nodes.map((n) => n.name),
      ...(input.spec.activeDirectory?.domain !== undefined ? { domain: input.spec.activeDirectory.domain } : {}),
      portals: (input.spec.storage?.iscsi ?? []).map((p) => p.portal),
    },
    summary,
    findings: waived,
  };
  return { report: input.secrets.scrubDeep(report), facts: facts.snapshot(), cleanup, probeRuns: facts.probeRuns };
}
