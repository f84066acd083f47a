/** The schema of the `nodes.facts` fact (NodesFact): what each node said over PowerShell. */
import { z } from 'zod';
import { WINDOWS_VERSIONS } from '../../config/schema.ts';
import type { NodesFact } from '../nodes.ts';
import type { Agrees } from './agree.ts';
import { WindowsErrorCodeSchema } from './common.ts';

const NodeErrorSchema = z.object({
  code: WindowsErrorCodeSchema,
  cause: z.string(),
  message: z.string().optional(),
  fullyQualifiedErrorId: z.string().optional(),
  exceptionType: z.string().optional(),
});

const NodeFactsSchema = z.object({
  computerName: z.string(),
  psVersion: z.string().nullable(),
  os: z
    .object({
      caption: z.string(),
      version: z.string(),
      buildNumber: z.string(),
      ubr: z.number().nullable(),
      build: z.string(),
      release: z.enum(WINDOWS_VERSIONS).nullable(),
      sku: z.number().nullable(),
      skuName: z.string().nullable(),
      editionId: z.string().nullable(),
      edition: z.string(),
      installationType: z.string().nullable(),
      servicePack: z.number().nullable(),
      lastBootUpTime: z.string().nullable(),
    })
    .nullable(),
  features: z.array(z.object({ name: z.string(), installed: z.boolean(), state: z.string() })).nullable(),
  processors: z.array(
    z.object({
      manufacturer: z.string(),
      vendor: z.enum(['Intel', 'AMD', 'other']),
      name: z.string(),
      cores: z.number().nullable(),
      logicalProcessors: z.number().nullable(),
    }),
  ),
  iscsi: z
    .object({
      iqn: z.string().nullable(),
      source: z.enum(['Get-InitiatorPort', 'MSiSCSIInitiator_MethodClass']).nullable(),
      service: z.string().nullable(),
    })
    .nullable(),
  adapters: z.array(
    z.object({
      name: z.string(),
      description: z.string().nullable(),
      speedBps: z.number().nullable(),
      mac: z.string().nullable(),
    }),
  ),
  pendingReboot: z
    .object({
      indicators: z.array(
        z.enum(['componentBasedServicing', 'windowsUpdate', 'fileRenameOperations', 'computerRename']),
      ),
      fileRenameEntries: z.number(),
      activeComputerName: z.string().nullable(),
      pendingComputerName: z.string().nullable(),
    })
    .nullable(),
  domain: z
    .object({
      partOfDomain: z.boolean().nullable(),
      domain: z.string().nullable(),
      role: z.number().nullable(),
      roleName: z.string().nullable(),
      dnsHostName: z.string().nullable(),
    })
    .nullable(),
  problems: z.array(z.object({ section: z.string(), message: z.string(), id: z.string() })),
});

/** `nodes.facts`: each node's OS, features, CPUs, iSCSI initiator, adapters, reboot state and domain. */
export const NodesFactSchema = z.object({
  status: z.enum(['ok', 'skipped', 'failed']),
  skipped: z.object({ code: z.enum(['notWindows', 'noPowerShell']), reason: z.string() }).optional(),
  failure: NodeErrorSchema.optional(),
  executable: z.string().optional(),
  ms: z.number().optional(),
  noise: z.string().optional(),
  nodes: z.array(
    z.object({
      node: z.string(),
      computerName: z.string(),
      status: z.union([z.literal('ok'), WindowsErrorCodeSchema]),
      facts: NodeFactsSchema.optional(),
      error: NodeErrorSchema.optional(),
      remoteErrors: z.array(NodeErrorSchema).optional(),
    }),
  ),
  unmatched: z.array(NodeErrorSchema).optional(),
});

// Drift between NodesFactSchema and NodesFact (src/facts/nodes.ts) is a type error here.
const _agrees: Agrees<z.output<typeof NodesFactSchema>, NodesFact> = true;
