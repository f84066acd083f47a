/** The schemas of the `storage.inventory` (StorageFacts) and `storage.pr` (PrFacts) facts. */
import { z } from 'zod';
import type { StorageFacts } from '../storage.ts';
import { PR_SEQUENCE_STEP_IDS, PR_STEP_IDS, type PrFacts } from '../pr.ts';
import type { Agrees } from './agree.ts';
import { SecretProblemSchema } from './common.ts';

const InventoryLunSchema = z.object({
  lun: z.number(),
  deviceType: z.number(),
  deviceTypeName: z.string(),
  vendor: z.string().nullable(),
  product: z.string().nullable(),
  revision: z.string().nullable(),
  version: z.number(),
  sizeBytes: z.number().nullable(),
  blockSize: z.number().nullable(),
  designators: z.array(
    z.object({
      type: z.string(),
      naa: z.number().optional(),
      value: z.string(),
      association: z.string(),
      codeSet: z.string(),
    }),
  ),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

const LoginStatusSchema = z.enum([
  'ok',
  'auth-failed',
  'not-authorized',
  'not-found',
  'timeout',
  'refused',
  'negotiation',
  'error',
]);

const ChapModeSchema = z.enum(['none', 'chap', 'mutual-chap']);

const LoginFactSchema = z.object({
  node: z.string(),
  initiator: z.string(),
  derived: z.boolean(),
  source: z.literal('windows').optional(),
  status: LoginStatusSchema,
  statusClass: z.number().optional(),
  statusDetail: z.number().optional(),
  message: z.string().optional(),
  negotiation: z.enum(['mutualChap', 'other']).optional(),
  chap: ChapModeSchema,
  luns: z.array(InventoryLunSchema).optional(),
});

const PortalFactSchema = z.object({
  portal: z.string(),
  reach: z.object({
    status: z.enum(['ok', 'refused', 'timeout', 'dns', 'unreachable', 'error']),
    code: z.string().optional(),
    message: z.string().optional(),
    ms: z.number().optional(),
  }),
  discovery: z.array(
    z.object({
      initiator: z.string(),
      status: LoginStatusSchema,
      message: z.string().optional(),
      targets: z.array(z.string()),
    }),
  ),
  targets: z.array(
    z.object({
      name: z.string(),
      configured: z.boolean(),
      listedFor: z.array(z.string()),
      listedLuns: z.array(z.number()).optional(),
      logins: z.array(LoginFactSchema),
    }),
  ),
  chap: ChapModeSchema,
  chapUser: z.string().optional(),
  secretError: z.string().optional(),
  secretProblem: SecretProblemSchema.optional(),
});

/** `storage.inventory`: each node's initiator name, and what each portal and target showed it. */
export const StorageFactsSchema = z.object({
  identities: z.array(
    z.object({
      node: z.string(),
      initiator: z.string(),
      derived: z.boolean(),
      source: z.literal('windows').optional(),
    }),
  ),
  portals: z.array(PortalFactSchema),
  devices: z
    .array(
      z.object({
        path: z.string(),
        status: z.enum(['ok', 'toolMissing', 'deviceFailed', 'notLinux', 'error']),
        message: z.string().optional(),
        remedy: z.string().optional(),
        lun: InventoryLunSchema.optional(),
      }),
    )
    .optional(),
});

const PrStepSchema = z.object({
  step: z.enum(PR_STEP_IDS),
  by: z.enum(['A', 'B']),
  command: z.string(),
  ok: z.boolean(),
  expected: z.string(),
  got: z.string(),
  sense: z
    .object({
      senseKey: z.number().optional(),
      asc: z.number().optional(),
      ascq: z.number().optional(),
      name: z.string().optional(),
    })
    .optional(),
});

/** `storage.pr`: the persistent-reservation sequence on each candidate disk. */
export const PrFactsSchema = z.object({
  run: z.string(),
  disks: z.array(
    z.object({
      portal: z.string(),
      target: z.string(),
      lun: z.number(),
      devices: z.array(z.string()).optional(),
      vendor: z.string().nullable(),
      product: z.string().nullable(),
      outcome: z.enum([
        'supported',
        'singlePath',
        'inUse',
        'notImplemented',
        'stepFailed',
        'keysLeft',
        'noSecondNode',
        'sessionFailed',
      ]),
      failedStep: z.enum(PR_SEQUENCE_STEP_IDS).optional(),
      interrupted: z.boolean().optional(),
      steps: z.array(PrStepSchema),
      keysBefore: z.array(z.object({ key: z.string(), ours: z.boolean() })),
      keysLeft: z.array(z.string()),
      capabilities: z.record(z.string(), z.unknown()).optional(),
      readFullStatus: z.enum(['supported', 'notSupported']).optional(),
      scsi2: z.enum(['supported', 'notSupported', 'unknown']).optional(),
      identities: z.object({ A: z.string(), B: z.string().optional() }),
      message: z.string().optional(),
    }),
  ),
});

// Drift between these schemas and StorageFacts (src/facts/storage.ts) or PrFacts
// (src/facts/pr.ts) is a type error here.
const _storageAgrees: Agrees<z.output<typeof StorageFactsSchema>, StorageFacts> = true;
const _prAgrees: Agrees<z.output<typeof PrFactsSchema>, PrFacts> = true;
