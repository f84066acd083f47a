/**
 * Reading a Report saved by `validate --json` back (`report --from`, `--baseline`). It lives in the
 * engine beside the Report schema; src/config gives it the positioned YAML/JSON loader.
 */
import { UsageError, describeValue } from '../errors.ts';
import {
  REPORT_MAX_BYTES,
  displayName,
  fileKind,
  looseParse,
  parseAndValidate,
  readCappedText,
} from '../config/load.ts';
import { ReportSchema, type Report } from './report.ts';

/**
 * A Report saved by `validate --json` (for `report --from` and `--baseline`). JSON.parse and the
 * schema first (fast for thousands of findings). A file that is not a report at all (a cluster
 * spec, a facts file, a waivers file, anything else) gets one line saying what it is and which
 * command takes it; one that means to be a report and is broken gets the positioned parser's
 * file:line:col and key.
 */
export async function loadReport(file: string, what = 'report'): Promise<Report> {
  const text = await readCappedText(file, what, REPORT_MAX_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // not JSON: a YAML spec or waivers file is recognised below, a broken report placed
  }
  if (value !== undefined) {
    const parsed = ReportSchema.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  const notReport = whatInstead(value, text, file, what);
  if (notReport !== undefined) throw new UsageError(notReport);
  // A report has thousands of findings: the lines-and-punctuation cap is a spec's, not a report's.
  return parseAndValidate(text, file, ReportSchema, { maxMarks: Number.POSITIVE_INFINITY });
}

const REPORT_KEYS = ['schemaVersion', 'findings'] as const;

/**
 * Why `file` is not a report, in one line, when it is plainly something else; undefined when it
 * looks like a report (it has schemaVersion or findings), so that its problems get placed.
 */
function whatInstead(json: unknown, text: string, file: string, what: string): string | undefined {
  const shown = displayName(file);
  const saveOne =
    what === 'report'
      ? `save one with: clusterprobe validate --config cluster.yaml --json > run.json`
      : `--baseline takes a report saved earlier with: clusterprobe validate --config cluster.yaml --json > previous.json`;
  let value = json;
  let yamlProblem: string | undefined;
  if (value === undefined) ({ value, yamlProblem } = looseParse(text, Number.POSITIVE_INFINITY));
  const kind = fileKind(value);
  const object =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  if (kind === 'facts') {
    return `${shown} is a facts file (written by --save-facts), not a report: re-evaluate it with clusterprobe validate --from-facts ${shown}${what === 'report' ? ' (add --json > run.json to save a report)' : ''}`;
  }
  if (kind === 'report') return undefined;
  if (kind === 'spec')
    return `${shown} is a cluster spec, not a report: run clusterprobe validate --config ${shown}${what === 'report' ? '' : `; ${saveOne}`}`;
  if (kind === 'waivers')
    return `${shown} is a waivers file, not a report: pass it to clusterprobe validate --waivers ${shown}`;
  // A report is JSON (validate --json): a broken one still starts with `{`. A text that only quotes
  // one (a README, an e-mail) is something else, said in one line rather than its YAML complaints.
  if (value === undefined && text.trimStart().startsWith('{') && /"(schemaVersion|findings)"\s*:/.test(text))
    return undefined;
  const found =
    text.trim() === ''
      ? 'it is empty'
      : value === undefined
        ? `it is neither JSON nor YAML (${yamlProblem ?? 'unreadable'})`
        : object
          ? `no ${REPORT_KEYS.join('/')}`
          : `it holds ${describeValue(value)}, not an object with ${REPORT_KEYS.join('/')}`;
  return `${shown} is not a clusterprobe report: ${found}; ${saveOne}`;
}
