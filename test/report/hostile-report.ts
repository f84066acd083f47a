/**
 * A Report whose every string a server, a config or a user could set carries markup: what an AD
 * attribute or an iSCSI vendor string could hold. Used by the HTML tests, as text and in Chromium.
 */
import type { Report } from '../../src/engine/report.ts';
import { FIXTURE_REPORT } from './fixture-report.ts';

export const PAYLOADS = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=2">',
  '"><svg onload="window.__pwned=3">',
  "'><iframe src=javascript:window.__pwned=4>",
  '</code></pre></details><script>window.__pwned=5</script>',
  '<a href="javascript:window.__pwned=6">click</a>',
  '<style>body{display:none}</style>',
  '<link rel=stylesheet href=https://evil.example/x.css>',
] as const;

const all = PAYLOADS.join(' ');

export const HOSTILE_REPORT: Report = {
  ...FIXTURE_REPORT,
  cluster: {
    name: `HV${PAYLOADS[0]}`,
    windowsVersion: PAYLOADS[1],
    nodes: [PAYLOADS[2], 'hv02'],
    domain: PAYLOADS[3],
    portals: [PAYLOADS[4]],
  },
  findings: [
    ...FIXTURE_REPORT.findings,
    {
      checkId: 'storage.pr.support',
      area: 'storage',
      status: 'fail',
      messageId: 'notImplemented',
      subject: `lun1 ${PAYLOADS[1]}`,
      message: `PR is not implemented ${all}`,
      data: { vendor: PAYLOADS[0] },
      evidence: {
        steps: [
          {
            step: 'reportCapabilities',
            by: 'A',
            command: 'PR IN / REPORT CAPABILITIES',
            ok: false,
            expected: 'GOOD',
            got: `CHECK CONDITION ${PAYLOADS[2]}`,
            sense: { senseKey: 5, asc: 0x20, ascq: 0, name: 'INVALID COMMAND OPERATION CODE' },
          },
          {
            step: 'readKeys',
            by: 'A',
            command: `PR IN / READ KEYS ${PAYLOADS[3]}`,
            ok: true,
            expected: 'GOOD',
            got: 'GOOD',
          },
        ],
        [PAYLOADS[5]]: { nested: [PAYLOADS[6], PAYLOADS[7]] },
        inquiry: { vendor: PAYLOADS[0], product: PAYLOADS[4] },
      },
      remediation: {
        summary: `Fix ${PAYLOADS[0]}`,
        steps: [
          {
            text: `Do ${PAYLOADS[6]}`,
            commands: [{ shell: 'sh', command: `tgtadm ${PAYLOADS[4]}`, runOn: PAYLOADS[7] }],
          },
        ],
      },
      docs: 'https://docs.example.test/pr?a=1&b="2"',
    },
    {
      checkId: 'ad.ou.placement',
      area: `ad${PAYLOADS[5]}`,
      status: 'waived',
      messageId: 'differentOu',
      subject: PAYLOADS[2],
      message: 'x',
      data: {},
      docs: `javascript:alert(1)`,
      waiver: {
        check: 'ad.*',
        subject: PAYLOADS[1],
        justification: PAYLOADS[0],
        expires: '2026-12-31',
        originalStatus: 'fail',
      },
    },
  ],
  // The plan carries them too: in a key, a title, a node name, a step, a command, a subject, a why.
  plan: {
    actions: [
      {
        key: 'rename-node:"><svg/onload=window.__pwned=7>',
        title: `Rename ${PAYLOADS[0]}`,
        runsOn: `node:${PAYLOADS[2]}`,
        steps: [
          {
            text: PAYLOADS[3],
            commands: [{ shell: 'powershell', command: `Rename-Computer ${PAYLOADS[4]}`, runOn: PAYLOADS[5] }],
          },
        ],
        restart: true,
        reversible: false,
        disruption: 'cluster-outage',
        dependsOn: [],
        resolves: [{ finding: 1, checkId: 'config.netbios.name', subject: PAYLOADS[6] }],
      },
      {
        key: 'target-acl:x',
        title: PAYLOADS[7],
        runsOn: 'storage',
        steps: [{ text: 'ACL', commands: [{ shell: 'sh', command: `targetcli ${PAYLOADS[1]}` }] }],
        restart: false,
        reversible: true,
        disruption: 'storage-outage',
        dependsOn: [{ key: 'rename-node:"><svg/onload=window.__pwned=7>', why: PAYLOADS[5] }],
        resolves: [{ finding: 6, checkId: 'storage.pr.support', subject: `lun1 ${PAYLOADS[1]}` }],
      },
    ],
  },
};
