/**
 * The public API for plugin authors and programmatic use. Plugins need none of it at run time
 * (a check is a plain object); the types help editors and type-checkers.
 */
export type {
  Check,
  CheckMeta,
  CheckContext,
  FindingInput,
  Probe,
  ProbeContext,
  PluginExports,
  ReportableStatus,
} from './engine/contract.ts';
export type { Finding, FindingStatus, Report, Remediation, RemediationStep, Command, Shell } from './engine/report.ts';
export type { ClusterSpec, Waiver } from './config/schema.ts';
// The built-in facts by name (this also types ctx.fact: src/facts fills the engine's BuiltinFacts).
export type { FactMap, FactName, AdFacts, NodesFact, PrFacts, StorageFacts } from './facts/index.ts';
export { runPreflight } from './engine/engine.ts';
export { renderTerminal } from './report/terminal.ts';
export { renderJunit } from './report/junit.ts';
