/**
 * The cluster spec (`cluster.yaml`), DESIGN.md "The cluster spec". The zod schema is the one
 * source of the TypeScript types, of validation with positioned errors, and of
 * `schema/cluster-spec.schema.json` for editor completion. Keys keep their meaning; new keys
 * may be added.
 */
import { z } from 'zod';
import { SECRET_REF_PATTERN } from './secret-ref.ts';
import { describeValue } from '../errors.ts';
import {
  MAX_NODES,
  dnProblem,
  dnsNameProblem,
  fqdnProblem,
  dnsServerProblem,
  hostNameProblem,
  hostProblem,
  iqnProblem,
  ldapUrlProblem,
  portalProblem,
  type Problem,
} from './validators.ts';

export const WINDOWS_VERSIONS = ['2008R2', '2012', '2012R2', '2016', '2019', '2022', '2025'] as const;
export type WindowsVersion = (typeof WINDOWS_VERSIONS)[number];
export const CLUSTER_ROLES = ['hyperv', 'general'] as const;
export type ClusterRole = (typeof CLUSTER_ROLES)[number];

export { SECRET_REF_PATTERN };

/** Marks a schema position as holding a secret: errors there never quote the value. */
export const SECRET_META = {
  secret: true,
  description: 'A secret reference: env:NAME, file:PATH or prompt. Never a literal secret.',
};

export { MAX_NODES };

/**
 * A string judged by one of the shared validators (validators.ts), whose sentence is the error.
 * `pattern` is a looser regular expression for editors reading the JSON Schema; the validator
 * is the rule.
 */
function shaped(typeError: string, problem: (value: string) => Problem, pattern: RegExp, description?: string) {
  return z
    .string({ error: typeError })
    .superRefine((value, ctx) => {
      const p = problem(value);
      if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
    })
    .meta({ pattern: pattern.source, ...(description ? { description } : {}) });
}

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOST_LABEL_PATTERN = new RegExp(`^${LABEL}$`);
const DNS_NAME_PATTERN = new RegExp(`^(?=.{1,254}$)${LABEL}(?:\\.${LABEL})*\\.?$`);
const IQN_PATTERN =
  /^(?:[iI][qQ][nN]\.\d{4}-(?:0[1-9]|1[0-2])\.[A-Za-z0-9][A-Za-z0-9.-]*(?::[A-Za-z0-9.:-]+)?|[eE][uU][iI]\.[0-9A-Fa-f]{16}|[nN][aA][aA]\.(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{32}))$/;
const HOST_PORT_PATTERN =
  /^(?:\[[0-9A-Fa-f:.]+\](?::\d{1,5})?|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9_.-]+(?::\d{1,5})?)$/;

/**
 * Why a string is not a secret reference. An `env:` or `file:` the user wrote is a reference gone
 * wrong, not a literal secret: it is told what the name or path needs. The value is shown only
 * when it is such a reference with a name-like word (letters, digits, _ . -, 64 at most): anything
 * else (a $, a !, a space...) may be the secret itself.
 */
function secretRefProblem(value: string): string {
  if (value === 'env:')
    return 'env: needs the name of an environment variable after it (env:NAME, letters, digits and _)';
  if (value === 'file:') return 'file: needs the path of the file holding the secret after it (file:PATH)';
  if (value.startsWith('env:')) {
    const ref = /^env:[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : 'env:NAME';
    return `${ref}: an environment variable name is letters, digits and _ (not starting with a digit)`;
  }
  return 'a literal secret is not accepted here (it would sit in a file that gets shared); write env:NAME, file:PATH or prompt instead, and keep the value out of the config';
}

const secretRef = z
  .string({ error: 'expected a secret reference (env:NAME, file:PATH or prompt)' })
  .regex(SECRET_REF_PATTERN, { error: (issue) => secretRefProblem(String(issue.input)) })
  .meta(SECRET_META);

/**
 * A node's host name: one RFC 1123 label (validators.ts says which characters, and why the
 * underscore stays). NetBIOS rules (15 characters, not only digits) are not a load error: the
 * `config.netbios.*` checks report them with their fix, because a name Windows truncates is
 * exactly what the preflight exists to find.
 */
const nodeName = shaped(
  'expected a host name (letters, digits and hyphens, e.g. hv01)',
  (v) => hostNameProblem(v, 'node'),
  HOST_LABEL_PATTERN,
  'Host name of the node (letters, digits and hyphens, at most 63 characters); its NetBIOS name derives from it (first 15 characters, upper-cased).',
);

const clusterName = shaped(
  'expected a host name (letters, digits and hyphens, e.g. HVCLUSTER01)',
  (v) => hostNameProblem(v, 'cluster'),
  HOST_LABEL_PATTERN,
  'The cluster name object (CNO) to be created: a host name, e.g. HVCLUSTER01.',
);

const fqdn = shaped(
  'expected a DNS name such as hv01.lab.example.test',
  fqdnProblem,
  new RegExp(`${DNS_NAME_PATTERN.source}|^[0-9A-Fa-f:.]+$`),
  "The node's DNS name, e.g. hv01.lab.example.test (or the IP address to reach it by).",
);

const iqn = shaped(
  'expected an iSCSI name such as iqn.1991-05.com.microsoft:hv01.lab.example.test',
  iqnProblem,
  IQN_PATTERN,
);

const portal = shaped(
  'expected a portal HOST[:PORT], e.g. 10.0.0.20:3260',
  portalProblem,
  HOST_PORT_PATTERN,
  'HOST[:PORT] of the iSCSI portal (port 1..65535, 3260 when absent; IPv6 in brackets: [fd00::20]:3260).',
);

const isoDate = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD', abort: true })
  // Date.parse rolls 2026-02-30 over to March 2 instead of refusing it: require a round trip.
  .refine(
    (s) => {
      const ms = Date.parse(`${s}T00:00:00Z`);
      return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === s;
    },
    { error: 'expected a real calendar date' },
  );

/**
 * The error of a mapping position given something else (a string, a list): what belongs there,
 * with an example. Other issues of the mapping (unknown keys) keep their own wording.
 */
function mappingError(expected: string) {
  return (issue: { code?: string; input?: unknown }) =>
    issue.code === 'invalid_type'
      ? `${expected}; got ${issue.input === undefined ? 'nothing (the key is missing)' : describeValue(issue.input)}`
      : undefined;
}

export const WaiverSchema = z.strictObject(
  {
    check: z
      .string({ error: 'expected a check id or glob' })
      .min(1)
      .describe('Check id or glob, e.g. ad.ou.same or storage.*'),
    subject: z
      .string({ error: 'expected the subject the waiver covers' })
      .optional()
      .describe('The finding subject (node, LUN...); absent: every subject'),
    justification: z
      .string({ error: 'expected a justification' })
      .min(3, { error: 'expected a justification (why, and the ticket)' }),
    expires: isoDate.describe('Last day the waiver applies (inclusive, UTC)'),
  },
  {
    error: mappingError(
      'expected a waiver mapping such as { check: storage.pr.preempt, justification: CHG-1234, expires: 2026-12-31 }',
    ),
  },
);

/** A list of waivers, the spec's `waivers:` or a --waivers file. */
function waiverList() {
  return z.array(WaiverSchema, {
    error: mappingError(
      'expected a list of waivers, e.g. - { check: storage.pr.preempt, justification: CHG-1234, expires: 2026-12-31 }',
    ),
  });
}

export const ClusterSpecSchema = z
  .strictObject(
    {
      $schema: z.string().optional(),
      cluster: z
        .strictObject({
          name: clusterName.optional(),
          windowsVersion: z
            .preprocess(
              (v) => (typeof v === 'number' ? String(v) : v),
              z.enum(WINDOWS_VERSIONS, { error: `expected one of ${WINDOWS_VERSIONS.join(', ')}` }),
            )
            .optional(),
          role: z
            .enum(CLUSTER_ROLES, { error: `expected one of ${CLUSTER_ROLES.join(', ')}` })
            .optional()
            .describe(
              'What the cluster is for: hyperv (the default: Hyper-V hosts that live-migrate VMs; nodes.features also requires Hyper-V and nodes.cpu.vendor applies) or general (other clustered roles: Failover-Clustering only).',
            ),
        })
        .optional(),
      nodes: z
        .array(
          z.strictObject(
            {
              name: nodeName,
              fqdn: fqdn.optional(),
              iqn: iqn
                .optional()
                .meta({ description: "The node's iSCSI initiator name; derived from the FQDN when absent." }),
            },
            { error: mappingError('expected a node mapping such as { name: hv01 }') },
          ),
          {
            error: (issue) =>
              issue.input === undefined
                ? 'expected a list of at least one node (nodes: [{ name: hv01 }]): without nodes there is nothing to check, and a spec this empty is likely the wrong file; got nothing (the key is missing)'
                : 'expected a list of nodes (nodes: [{ name: hv01 }])',
          },
        )
        .min(1, { error: 'expected at least one node (nodes: [{ name: hv01 }]); got an empty list' })
        .max(MAX_NODES, {
          error: (issue) =>
            `a failover cluster has at most ${MAX_NODES} nodes; got ${String((issue.input as unknown[]).length)}`,
        })
        .describe(`The cluster's nodes: 1 to ${MAX_NODES}.`),
      activeDirectory: z
        .strictObject({
          domain: shaped(
            'expected a DNS name such as lab.example.test',
            (v) => dnsNameProblem(v, 'e.g. lab.example.test'),
            DNS_NAME_PATTERN,
            'DNS name of the domain, e.g. lab.example.test',
          ),
          servers: z
            .array(
              shaped(
                'expected an LDAP URL such as ldaps://dc1.lab.example.test',
                ldapUrlProblem,
                /^ldaps?:\/\/[^\s/]+\/?$/,
              ),
            )
            .optional(),
          dnsServers: z
            .array(
              shaped(
                'expected a DNS server address such as 10.0.0.10 or 10.0.0.10:53',
                dnsServerProblem,
                HOST_PORT_PATTERN,
                'IP[:PORT] of a DNS server; IPv6 with a port in brackets: [fd00::10]:53',
              ),
            )
            .optional(),
          tls: z
            .strictObject({
              caFile: z.string().optional(),
              startTls: z.boolean().optional(),
              serverName: shaped(
                'expected the name in the DC certificate, e.g. dc1.lab.example.test',
                (v) => hostProblem(v, 'e.g. dc1.lab.example.test, or the IP address the certificate names'),
                new RegExp(`${DNS_NAME_PATTERN.source}|^[0-9A-Fa-f:.]+$`),
              ).optional(),
              insecureSkipVerify: z.boolean().optional(),
            })
            .optional(),
          bind: z
            .strictObject({
              user: z.string({ error: 'expected a user principal name such as admin@lab.example.test' }).min(1),
              password: secretRef,
            })
            .optional(),
          ou: shaped(
            'expected a distinguished name such as OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test',
            dnProblem,
            /^[A-Za-z0-9.-]+=/,
            'Distinguished name of the OU where the cluster belongs.',
          ).optional(),
        })
        .optional(),
      storage: z
        .strictObject({
          iscsi: z
            .array(
              z.strictObject({
                portal,
                targets: z.array(iqn).optional(),
                luns: z.array(z.number({ error: 'expected a LUN number' }).int().min(0).max(16383)).optional(),
                chap: z
                  .strictObject({
                    user: z.string().min(1),
                    secret: secretRef,
                    mutualUser: z.string().optional(),
                    mutualSecret: secretRef.optional(),
                  })
                  .optional(),
              }),
            )
            .default([]),
          devices: z
            .array(
              z.string({ error: 'expected a device path such as /dev/sdb' }).regex(/^\/dev\/\S+$/, {
                error: 'expected an absolute device path under /dev, such as /dev/sdb or /dev/disk/by-id/wwn-0x...',
              }),
            )
            .optional()
            .describe(
              'Linux only: local SCSI devices (paths of the same disk through different initiators count as two nodes) probed through sg3_utils (sg_persist, sg_inq, sg_readcap).',
            ),
          allowInUse: z
            .boolean()
            .default(false)
            .describe('Touch LUNs that already hold registrations (never by default).'),
        })
        .optional(),
      windows: z
        .strictObject({
          powershell: z
            .string()
            .min(1)
            .optional()
            .describe(
              'The PowerShell to run the nodes.* checks and (without activeDirectory.bind) the AD reads with: powershell (Windows PowerShell 5.1), pwsh, or a path. Default on Windows: powershell; elsewhere the Windows path is skipped unless this (or CLUSTERPROBE_POWERSHELL) names one.',
            ),
          timeoutSeconds: z
            .number()
            .int()
            .min(5)
            .max(3600)
            .optional()
            .describe(
              'Limit for each PowerShell run (Invoke-Command on every node at once counts as one). Default 60, below the 120 s every check gets (--timeout), so that a hung PowerShell is reported as such.',
            ),
        })
        .optional(),
      plugins: z
        .array(z.string().min(1))
        .optional()
        .describe('Plugin check modules: a path (relative to this file) or an installed npm package name.'),
      waivers: waiverList().optional(),
    },
    {
      error: mappingError(
        'expected the cluster spec, a mapping with nodes: (clusterprobe init --example writes a commented one)',
      ),
    },
  )
  .describe('clusterprobe cluster spec');

export type ClusterSpec = z.output<typeof ClusterSpecSchema>;
export type Waiver = z.output<typeof WaiverSchema>;
export const WaiversFileSchema = z.union([waiverList(), z.strictObject({ waivers: waiverList() })]);
