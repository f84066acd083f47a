/**
 * Schemas of shapes several facts share: a secret reference that gave no value, a DNS resolver
 * failure, a classified Windows error and a PowerShell error record.
 */
import { z } from 'zod';

/** SecretProblem (src/config/secrets.ts): which reference gave no value and why, never a value. */
export const SecretProblemSchema = z.object({
  key: z.string(),
  ref: z.string(),
  reason: z.enum(['unset', 'unreadable', 'empty', 'noTerminal', 'nothingEntered', 'notReference']),
  variable: z.string().optional(),
  path: z.string().optional(),
  errno: z.string().optional(),
});

/** DnsErrorCode (src/ad/dns.ts). */
export const DnsErrorCodeSchema = z.enum([
  'ENOTFOUND',
  'ENODATA',
  'ETIMEOUT',
  'ESERVFAIL',
  'EREFUSED',
  'EBADRESP',
  'ETRUNCATED',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ESOCKET',
]);

/** ResolverFailure (src/ad/resolver.ts). */
export const ResolverFailureSchema = z.object({
  source: z.enum(['config', 'system', 'dc']),
  servers: z.array(z.string()),
  code: DnsErrorCodeSchema,
  failures: z.array(z.object({ server: z.string(), code: DnsErrorCodeSchema, detail: z.string() })),
});

/** WindowsErrorCode (src/windows/errors.ts). */
export const WindowsErrorCodeSchema = z.enum([
  'accessDenied',
  'unreachable',
  'dnsFailed',
  'authFailed',
  'moduleMissing',
  'commandMissing',
  'timeout',
  'noPowerShell',
  'badOutput',
  'processExited',
  'other',
]);

/** PsErrorRecord (src/windows/powershell.ts). */
export const PsErrorRecordSchema = z.object({
  message: z.string(),
  fullyQualifiedErrorId: z.string(),
  category: z.string(),
  exceptionType: z.string(),
  computerName: z.string().optional(),
  targetObject: z.string().optional(),
});
