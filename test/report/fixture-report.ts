/** A fixed Report covering every status, used by the renderer golden tests. */
import type { Report } from '../../src/engine/report.ts';

export const FIXTURE_REPORT: Report = {
  schemaVersion: 1,
  tool: { name: 'clusterprobe', version: '9.9.9' },
  startedAt: '2026-11-25T10:00:00.000Z',
  durationMs: 1234,
  verdict: 'fail',
  cancelled: false,
  offline: false,
  cluster: { name: 'HVCLUSTER01', windowsVersion: '2008R2', nodes: ['hv01', 'hv02'], domain: 'lab.example.test', portals: ['10.0.0.20:3260'] },
  summary: { pass: 1, warn: 1, fail: 1, skipped: 1, error: 1, waived: 1 },
  findings: [
    { checkId: 'config.netbios.name', area: 'config', status: 'pass', messageId: 'valid', subject: 'hv01', message: 'node name "hv01" is valid', data: {}, evidence: { length: 4 }, docs: 'docs/checks/config.netbios.name.md' },
    {
      checkId: 'config.netbios.name', area: 'config', status: 'fail', messageId: 'tooLong', subject: 'HYPERVHOSTNODE-01A',
      message: 'node name "HYPERVHOSTNODE-01A" is 18 characters long', data: { length: 18 },
      evidence: { length: 18, netbiosName: 'HYPERVHOSTNODE-', problems: [{ kind: 'tooLong' }] },
      remediation: { summary: 'Rename it', steps: [{ text: 'Rename & restart <now>', commands: [{ shell: 'powershell', command: 'Rename-Computer -NewName HYPERVHOSTN-01A -Restart', runOn: 'HYPERVHOSTNODE-01A' }] }, { text: 'Update the spec.' }] },
      docs: 'docs/checks/config.netbios.name.md',
    },
    { checkId: 'storage.pr.support', area: 'storage', status: 'warn', messageId: 'tmvZero', subject: 'lun1', message: 'TMV=0: "type mask" not valid', data: {}, evidence: { raw: 'line1\nline2' } },
    { checkId: 'storage.pr.support', area: 'storage', status: 'error', messageId: 'engineThrew', message: 'internal error: <boom> & "quotes"\u0001', data: {} },
    { checkId: 'ad.ou.same', area: 'ad', status: 'skipped', messageId: 'engineCancelled', message: 'interrupted', data: {} },
    { checkId: 'ad.ou.same', area: 'ad', status: 'waived', messageId: 'differentOu', subject: 'hv03', message: 'hv03 is in another OU', data: {}, waiver: { check: 'ad.ou.same', subject: 'hv03', justification: 'moving, ticket 4711', expires: '2026-12-31', originalStatus: 'fail' } },
  ],
};
