/**
 * The result model: findings and the versioned Report. The zod schemas here are the single
 * source of the Report's TypeScript types and of `schema/report.schema.json`, the JSON contract
 * that `validate --json` prints and CI pipelines parse.
 */
import { z } from 'zod';
import { EXIT } from './exit.ts';
import { SHELLS } from '../quote.ts';
import { ACTION_KEY_PATTERN, DISRUPTIONS, RUNS_ON_PATTERN, SCRIPT_PARAM_PATTERN, SH_SYSTEMS } from './action.ts';

export const FINDING_STATUSES = ['pass', 'warn', 'fail', 'skipped', 'error', 'waived'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

// SHELLS lives with the quoting (src/quote.ts, util layer), which cannot import the engine.
export { SHELLS, type Shell } from '../quote.ts';
export {
  ACTION_KEY_PATTERN,
  DISRUPTIONS,
  RUNS_ON_PATTERN,
  SH_SYSTEMS,
  actionKey,
  psParam,
  shParam,
  shVariable,
  type Disruption,
  type ShSystem,
} from './action.ts';

export const CommandSchema = z
  .object({
    shell: z.enum(SHELLS),
    command: z.string().min(1),
    runOn: z
      .string()
      .optional()
      .describe('Where to run it: "each node", "the domain controller", "the storage appliance"...'),
  })
  .strict();

export const RemediationStepSchema = z
  .object({
    text: z.string().min(1),
    commands: z.array(CommandSchema).optional(),
  })
  .strict();

export const ActionDependencySchema = z
  .object({
    key: z.string().regex(ACTION_KEY_PATTERN),
    why: z.string().min(1).describe('One line of rationale for the order'),
  })
  .strict();

export const ScriptParamSchema = z
  .object({
    name: z.string().regex(SCRIPT_PARAM_PATTERN).describe('PascalCase; sh spells it in upper snake case'),
    description: z.string().min(1),
    default: z.string().optional().describe('Absent: the user must give it'),
    secret: z.boolean().optional().describe('Never written into the script: asked for or read from the environment'),
  })
  .strict()
  .refine((p) => !(p.secret === true && p.default !== undefined), { message: 'a secret has no default' });

export const ActionScriptSchema = z
  .object({
    params: z.array(ScriptParamSchema).optional(),
    powershell: z
      .object({
        test: z.string().min(1).describe('An expression that is $true when the action is already done'),
        apply: z.string().min(1),
        legacy: z.string().min(1).optional().describe('What Windows Server 2008 R2 needs instead (netdom, dsacls)'),
      })
      .strict()
      .optional(),
    sh: z
      .object({
        system: z.enum(SH_SYSTEMS),
        test: z.string().min(1).describe('A command that exits 0 when the action is already done'),
        apply: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => s.powershell !== undefined || s.sh !== undefined, { message: 'a powershell or an sh fragment' });

export const ActionSchema = z
  .object({
    key: z
      .string()
      .regex(ACTION_KEY_PATTERN)
      .describe('Stable key: the same action found by several checks has one key (rename-node:hv01)'),
    title: z.string().min(1),
    runsOn: z.string().regex(RUNS_ON_PATTERN).describe('dc, node:<name>, storage or this-machine'),
    steps: z.array(RemediationStepSchema).min(1).describe('What to do, with the commands per shell'),
    restart: z.boolean().describe('True when the machine it runs on must restart'),
    reversible: z.boolean().describe('False when it cannot be undone (a functional level)'),
    disruption: z.enum(DISRUPTIONS),
    dependsOn: z.array(ActionDependencySchema).optional().describe('Actions to do first, each with why'),
    script: ActionScriptSchema.optional().describe('What `clusterprobe fix` writes: an idempotent test and the change'),
  })
  .strict();

export const RemediationSchema = z
  .object({
    summary: z.string().min(1),
    steps: z.array(RemediationStepSchema),
    actions: z
      .array(ActionSchema)
      .optional()
      .describe("The actions that resolve the finding, gathered into the report's plan"),
  })
  .strict();

export const PlannedActionSchema = ActionSchema.extend({
  dependsOn: z.array(ActionDependencySchema).describe('Only actions of this plan, all of them earlier in it'),
  resolves: z
    .array(
      z
        .object({
          finding: z.number().int().nonnegative().describe("Index of the finding in this report's findings"),
          checkId: z.string(),
          subject: z.string().optional(),
        })
        .strict(),
    )
    .min(1)
    .describe('The findings this action resolves'),
}).strict();

export const PlanSchema = z
  .object({
    actions: z.array(PlannedActionSchema).describe('Distinct actions in the order to apply them'),
    error: z
      .string()
      .optional()
      .describe('Why no order could be given (a dependency cycle among the actions checks contributed)'),
  })
  .strict();

export const WaiverAppliedSchema = z
  .object({
    check: z.string(),
    subject: z.string().optional(),
    justification: z.string(),
    expires: z.string(),
    /** The status the finding had before the waiver applied. */
    originalStatus: z.enum(['warn', 'fail']),
  })
  .strict();

export const FindingSchema = z
  .object({
    checkId: z.string(),
    area: z.string(),
    status: z.enum(FINDING_STATUSES),
    messageId: z.string(),
    subject: z.string().optional(),
    message: z.string(),
    data: z.record(z.string(), z.unknown()),
    evidence: z.record(z.string(), z.unknown()).optional(),
    remediation: RemediationSchema.optional(),
    docs: z.string().optional(),
    waiver: WaiverAppliedSchema.optional(),
  })
  .strict();

export const SummarySchema = z
  .object(
    Object.fromEntries(FINDING_STATUSES.map((s) => [s, z.number().int().nonnegative()])) as Record<
      FindingStatus,
      z.ZodNumber
    >,
  )
  .strict();

/** How one finding compares with the baseline run (validate/report --baseline). */
export const CHANGES = ['new', 'fixed', 'regressed', 'changed', 'unchanged', 'gone'] as const;
export type Change = (typeof CHANGES)[number];

export const DiffEntrySchema = z
  .object({
    change: z
      .enum(CHANGES)
      .describe(
        'new: no finding with this check id and subject before; fixed: a problem before, passing now; regressed: worse than before (pass -> warn/fail/error, warn -> fail/error); changed: another status that is neither (fail -> warn, anything <-> skipped); unchanged: the same status; gone: a finding of a check that ran again but no longer reports this subject',
      ),
    checkId: z.string(),
    subject: z.string().optional(),
    messageId: z.string(),
    status: z.enum(FINDING_STATUSES).optional().describe('Now (absent for gone)'),
    previousStatus: z.enum(FINDING_STATUSES).optional().describe('In the baseline (absent for new)'),
    previousMessageId: z.string().optional(),
    finding: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("Index of the finding in this report's findings (absent for gone)"),
  })
  .strict();

export const DiffSchema = z
  .object({
    baseline: z
      .object({ startedAt: z.string(), toolVersion: z.string(), verdict: z.string() })
      .strict()
      .describe('The run compared with'),
    counts: z
      .object(
        Object.fromEntries(CHANGES.map((c) => [c, z.number().int().nonnegative()])) as Record<Change, z.ZodNumber>,
      )
      .strict(),
    entries: z.array(DiffEntrySchema),
  })
  .strict();

export const ReportSchema = z
  .object({
    schemaVersion: z.literal(1),
    tool: z.object({ name: z.literal('clusterprobe'), version: z.string() }).strict(),
    startedAt: z.string().describe('ISO 8601 time the run started'),
    durationMs: z.number().nonnegative(),
    verdict: z.enum(['pass', 'warn', 'fail', 'error', 'cancelled']).describe('The worst outcome of the run'),
    cancelled: z.boolean().describe('True when the run was interrupted (Ctrl-C) before every check finished'),
    offline: z.boolean().describe('True when facts came from a saved facts file (--from-facts), not from the network'),
    cluster: z
      .object({
        name: z.string().optional(),
        windowsVersion: z.string().optional(),
        nodes: z.array(z.string()),
        domain: z.string().optional(),
        portals: z.array(z.string()),
      })
      .strict(),
    summary: SummarySchema,
    findings: z.array(FindingSchema),
    plan: PlanSchema.optional().describe(
      'The distinct actions that resolve the findings, in order (absent in reports made before it existed)',
    ),
    diff: DiffSchema.optional().describe(
      'Present with --baseline: each finding against the baseline run, keyed by check id and subject',
    ),
  })
  .strict();

export type Command = z.infer<typeof CommandSchema>;
export type RemediationStep = z.infer<typeof RemediationStepSchema>;
export type Remediation = z.infer<typeof RemediationSchema>;
export type Action = z.infer<typeof ActionSchema>;
/**
 * A value the fix script asks for at its top. Without `default` the user must give it. A secret
 * is never written into a script: PowerShell takes it as a `[PSCredential]` parameter (prompted
 * for when the action runs and none was given), sh from the environment or a hidden prompt.
 */
export type ScriptParam = z.infer<typeof ScriptParamSchema>;
/**
 * The script form of an action, which `clusterprobe fix` writes (ARCHITECTURE.md, "The plan").
 * `test` says whether the action is already done: a PowerShell expression that is `$true` then,
 * an sh command that exits 0 then; it only reads. `apply` makes the change. Both refer to the
 * parameters by `psParam` / `shParam` (src/engine/action.ts) and quote every other value with
 * src/quote.ts. `legacy` names what Windows Server 2008 R2 needs instead (its PowerShell 2.0
 * lacks the cmdlets: netdom, dsacls).
 */
export type ActionScript = z.infer<typeof ActionScriptSchema>;
export type ActionDependency = z.infer<typeof ActionDependencySchema>;
export type PlannedAction = z.infer<typeof PlannedActionSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type Finding = z.infer<typeof FindingSchema>;
export type Summary = z.infer<typeof SummarySchema>;
export type Report = z.infer<typeof ReportSchema>;
export type Verdict = Report['verdict'];
export type Diff = z.infer<typeof DiffSchema>;
export type DiffEntry = z.infer<typeof DiffEntrySchema>;

export function summarise(findings: readonly Finding[]): Summary {
  const summary = Object.fromEntries(FINDING_STATUSES.map((s) => [s, 0])) as Summary;
  for (const f of findings) summary[f.status] += 1;
  return summary;
}

export function verdictOf(summary: Summary, cancelled: boolean): Verdict {
  if (cancelled) return 'cancelled';
  if (summary.error > 0) return 'error';
  if (summary.fail > 0) return 'fail';
  if (summary.warn > 0) return 'warn';
  return 'pass';
}

/**
 * The messages of `error` findings the engine records because clusterprobe or a plugin is at fault,
 * not the cluster (see ENGINE_MESSAGES in ./runner.ts). `engineTimeout` is not one: a server that
 * does not answer in time is the environment.
 */
export const INTERNAL_ERROR_MESSAGES: ReadonlySet<string> = new Set([
  'engineThrew',
  'engineNoFindings',
  'engineUndeclaredMessage',
  'engineUndeclaredFact',
  'engineBadFinding',
  'engineProbeEscaped',
  'engineEscapeUnattributed',
  'engineCheckEscaped',
  'engineRunEscaped',
]);

/** True for an `error` finding that reports a bug in clusterprobe or a plugin. */
export function isInternalError(finding: Pick<Finding, 'status' | 'messageId'>): boolean {
  return finding.status === 'error' && INTERNAL_ERROR_MESSAGES.has(finding.messageId);
}

/**
 * The exit code of a run: 130 interrupted; 1 when a finding reports a bug in clusterprobe or a
 * plugin (never for what the environment did); 3 for a failure or an error the environment caused
 * (a check that could not complete); 4 for warnings with `--fail-on warn`; 0 otherwise.
 */
export function exitCodeFor(
  report: Pick<Report, 'summary' | 'cancelled' | 'findings'>,
  failOn: 'warn' | 'fail',
): number {
  if (report.cancelled) return EXIT.interrupted;
  if (report.findings.some(isInternalError)) return EXIT.internal;
  if (report.summary.fail > 0 || report.summary.error > 0) return EXIT.fail;
  if (failOn === 'warn' && report.summary.warn > 0) return EXIT.warn;
  return EXIT.pass;
}
