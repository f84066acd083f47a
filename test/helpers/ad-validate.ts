/**
 * `validate --only 'ad.*' --json` through the built CLI against a Samba lab (test/lab/samba.ts),
 * bound as a given account, for the integration tests that read the AD checks' findings.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempFiles } from './cli.ts';
import type { SambaLab } from '../lab/samba.ts';
import type { Finding, Report } from '../../src/engine/report.ts';

export interface AdRun {
  readonly code: number | null;
  readonly report: Report;
  readonly stderr: string;
  /** The findings of one check, as [status, messageId, subject]. */
  of(checkId: string): [string, string, string | undefined][];
  /** The finding of this check with this messageId (and subject, when given); fails the test when absent. */
  find(checkId: string, messageId: string, subject?: string): Finding;
}

export interface BindAs {
  readonly user: string;
  readonly password: string;
  /** activeDirectory.ou */
  readonly ou?: string;
}

/** Runs validate on `lines` (cluster: and nodes:) plus an activeDirectory section for `lab`. */
export async function validateAd(lab: SambaLab, lines: readonly string[], as: BindAs): Promise<AdRun> {
  const text = [
    ...lines,
    'activeDirectory:',
    `  domain: ${lab.domain}`,
    `  dnsServers: [${lab.dnsServer}]`,
    `  tls: { caFile: ${lab.caFile} }`,
    `  bind: { user: ${as.user}, password: env:CP_AD_PASSWORD }`,
    ...(as.ou ? [`  ou: "${as.ou}"`] : []),
  ].join('\n');
  const dir = await tempFiles({ 'cluster.yaml': text });
  const r = await runCli(['validate', '--config', join(dir, 'cluster.yaml'), '--only', 'ad.*', '--json'], {
    env: { CP_AD_PASSWORD: as.password },
  });
  assert.ok(!r.stdout.includes(as.password) && !r.stderr.includes(as.password), 'the password is never printed');
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`no JSON report (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  return {
    code: r.code,
    report,
    stderr: r.stderr,
    of: (id) => report.findings.filter((f) => f.checkId === id).map((f) => [f.status, f.messageId, f.subject]),
    find: (id, messageId, subject) => {
      const f = report.findings.find(
        (x) => x.checkId === id && x.messageId === messageId && (subject === undefined || x.subject === subject),
      );
      assert.ok(
        f,
        `${id} ${messageId} ${subject ?? ''} in ${JSON.stringify(report.findings.map((x) => [x.checkId, x.messageId, x.subject]))}`,
      );
      return f;
    },
  };
}
