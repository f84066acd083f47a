/** The schema of the `ad.directory` fact (AdFacts). */
import { z } from 'zod';
import type { AdFacts } from '../ad.ts';
import type { Agrees } from './agree.ts';
import {
  PsErrorRecordSchema,
  ResolverFailureSchema,
  SecretProblemSchema,
  WindowsErrorCodeSchema,
} from './common.ts';

const AdErrorCodeSchema = z.enum([
  'dnsFailed',
  'refused',
  'timeout',
  'unreachable',
  'untrustedCertificate',
  'nameMismatch',
  'tlsFailed',
  'strongAuthRequired',
  'invalidCredentials',
  'connectionLost',
  'protocol',
  'error',
]);

const AdAttemptSchema = z.object({
  server: z.string(),
  status: z.union([z.literal('ok'), AdErrorCodeSchema]),
  step: z.enum(['discovery', 'connect', 'tls', 'starttls', 'bind', 'search']).optional(),
  message: z.string().optional(),
  resultCode: z.number().optional(),
  dataCode: z.string().optional(),
  certificate: z
    .object({ subject: z.string().optional(), altNames: z.string().optional(), issuer: z.string().optional() })
    .optional(),
  ms: z.number(),
  windows: z
    .object({
      code: WindowsErrorCodeSchema,
      cause: z.string(),
      fullyQualifiedErrorId: z.string(),
      exceptionType: z.string(),
    })
    .optional(),
  resolver: ResolverFailureSchema.optional(),
});

const DiscoveredDcSchema = z.object({
  host: z.string(),
  port: z.number(),
  priority: z.number(),
  weight: z.number(),
  addresses: z.array(z.string()),
  reachable: z
    .object({
      port: z.number(),
      status: z.enum(['ok', 'refused', 'timeout', 'unreachable', 'noAddress', 'error']),
      ms: z.number().optional(),
      message: z.string().optional(),
    })
    .optional(),
});

const ComputerObjectSchema = z.object({
  dn: z.string(),
  sAMAccountName: z.string(),
  dNSHostName: z.string().nullable(),
  cn: z.string(),
  userAccountControl: z.number(),
  enabled: z.boolean(),
  objectSid: z.string().nullable(),
  operatingSystem: z.string().nullable(),
  whenCreated: z.string().nullable(),
});

const NodeNameSchema = z.object({ name: z.string(), fqdn: z.string(), netbios: z.string() });

const OuFactSchema = z.object({
  dn: z.string(),
  source: z.enum(['config', 'nodes']),
  exists: z.boolean(),
  objectClass: z.array(z.string()),
  securityDescriptor: z.string().optional(),
  error: z.string().optional(),
});

/** `ad.directory`: what the AD probe read over LDAP or through the ActiveDirectory module. */
export const AdFactsSchema = z.object({
  domain: z.string(),
  source: z.literal('powershell').optional(),
  powershell: z
    .object({
      executable: z.string(),
      failure: z
        .object({
          script: z.string(),
          code: WindowsErrorCodeSchema,
          cause: z.string(),
          module: z.string().optional(),
          record: PsErrorRecordSchema.optional(),
        })
        .optional(),
    })
    .optional(),
  discovery: z.object({
    source: z.enum(['config', 'srv']),
    status: z.enum(['ok', 'failed']),
    message: z.string().optional(),
    dcs: z.array(DiscoveredDcSchema),
    dnsServers: z.array(z.string()).optional(),
    resolverFailure: ResolverFailureSchema.optional(),
  }),
  attempts: z.array(AdAttemptSchema),
  connection: z
    .object({
      server: z.string(),
      tlsMode: z.string(),
      boundAs: z.string().nullable(),
      insecure: z.boolean(),
      dnsHostName: z.string().nullable(),
    })
    .optional(),
  rootDse: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  localTime: z.string().optional(),
  domainHead: z
    .object({
      dn: z.string(),
      msDSBehaviorVersion: z.number().nullable(),
      nTMixedDomain: z.number().nullable(),
      machineAccountQuota: z.number().nullable(),
    })
    .optional(),
  nodes: z.array(NodeNameSchema),
  cluster: NodeNameSchema.optional(),
  computers: z.array(ComputerObjectSchema).optional(),
  bindIdentity: z
    .union([
      z.object({ dn: z.string(), sid: z.string().nullable(), tokenGroups: z.array(z.string()) }),
      z.object({ error: z.string() }),
    ])
    .optional(),
  ou: OuFactSchema.optional(),
  cnoSecurityDescriptor: z.string().optional(),
  dns: z.array(
    z.object({
      node: z.string(),
      fqdn: z.string(),
      addresses: z.array(z.string()),
      error: z.string().optional(),
      resolverFailure: ResolverFailureSchema.optional(),
    }),
  ),
  dnsServers: z.array(z.string()),
  dnsSource: z.enum(['config', 'system', 'dc']).optional(),
  operations: z.number(),
  readError: z.string().optional(),
  setupError: z
    .object({ key: z.string(), message: z.string(), secret: SecretProblemSchema.optional() })
    .optional(),
});

// Drift between AdFactsSchema and AdFacts (src/facts/ad.ts) is a type error here.
const _agrees: Agrees<z.output<typeof AdFactsSchema>, AdFacts> = true;

/** The `ad.directory` fact as --save-facts writes it: null when the spec has no activeDirectory. */
export const AdDirectoryFactSchema = AdFactsSchema.nullable();

// The fact's type in FactMap (src/facts/index.ts) is AdFacts | null: the null must load too.
const _factAgrees: Agrees<z.output<typeof AdDirectoryFactSchema>, AdFacts | null> = true;
