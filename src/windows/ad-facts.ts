/**
 * Active Directory facts through the ActiveDirectory PowerShell module, as the logged-in user
 * (Windows integrated authentication: Kerberos from a domain-joined host, no password), for a run
 * without activeDirectory.bind on Windows. The facts are the ones src/ad/probe.ts reads over LDAP,
 * in the same shapes, so that the ad.* checks run unchanged on either source.
 *
 * Two script runs, because the second one's targets are chosen from the first one's answer by
 * the same code as on the LDAP path (`targetsOf` in src/ad/probe.ts):
 *
 * - `ad.directory`: Import-Module ActiveDirectory; the DC (each of activeDirectory.servers in
 *   turn, else `Get-ADDomainController -Discover -Service ADWS`); `Get-ADRootDSE` with the local
 *   clock around it; the domain head (`Get-ADObject` on the default naming context); every
 *   computer object naming a node or the cluster (one `Get-ADComputer -LDAPFilter`, the LDAP
 *   path's filter, passed in `$p`); the logged-in user with its tokenGroups (`Get-ADUser` on the
 *   SID of the current Windows identity).
 * - `ad.security`: the target OU's objectClass and nTSecurityDescriptor, and a prestaged cluster
 *   name object's, with `Get-ADObject -Properties nTSecurityDescriptor` (the ActiveDirectorySecurity
 *   that Get-Acl on the AD: drive gives too, but read from the same DC, without the AD: drive).
 *   The descriptor is kept whole (`GetSecurityDescriptorBinaryForm()`: owner, group, DACL): the
 *   checks' parser (src/facts/ad-security/sd.ts) decodes that form as it decodes the DACL-only one LDAP reads.
 *
 * The scripts convert what ConvertTo-Json would print differently in Windows PowerShell 5.1 and
 * pwsh 7 into plain values themselves: SIDs as S-1-... strings, binary values as base64, times as
 * round-trip ISO strings ('o', with their zone), enums as numbers. The parser still accepts the
 * shapes those values take when they reach ConvertTo-Json unconverted (through pwsh 7's Windows
 * PowerShell compatibility session with an older RSAT, which deserialises them): "\/Date(ms)\/"
 * and {value, DisplayHint, DateTime} dates, {BinaryLength, AccountDomainSid, Value} SIDs, byte
 * arrays as numbers, enum names, a bare object for a one-element array and 5.1's {value, Count}
 * array wrapper. Anything else is a PsOutputError (badOutput), never a guess.
 */
import { z } from 'zod';
import type {
  AdAttempt,
  AdErrorCode,
  AdFacts,
  ComputerObject,
  OuFact,
  PowerShellSource,
  PsAdFailure,
} from '../facts/ad.ts';
import {
  PowerShellError,
  PsOutputError,
  type PowerShellSession,
  type PsErrorRecord,
  type PsScript,
} from './powershell.ts';
import { classifyFailure, classifyRecord, type WindowsError, type WindowsErrorCode } from './errors.ts';
import { isPsInvalid, psBytes, psInstant, psInt, psList, psSid, psUnwrap, type PsInvalid } from './ps-json.ts';

import { ADWS_PORT } from '../facts/ad-endpoints.ts';

export { ADWS_PORT } from '../facts/ad-endpoints.ts';

// ---------------------------------------------------------------------------------------------
// The scripts. Constant text: every input is read from $p (see src/windows/powershell.ts).

/** Loads the module without its AD: drive (which would connect to a default DC first). */
const PRELUDE = [
  '$env:ADPS_LoadDefaultDrive = 0',
  'Import-Module ActiveDirectory -ErrorAction Stop',
  'function cpError($e) {',
  "  $type = ''",
  '  if ($e.Exception) { $type = $e.Exception.GetType().FullName }',
  '  @{ message = [string]$e.Exception.Message; fullyQualifiedErrorId = [string]$e.FullyQualifiedErrorId; category = [string]$e.CategoryInfo.Category; exceptionType = $type }',
  '}',
  'function cpMs($since) { [int]([datetime]::UtcNow - $since).TotalMilliseconds }',
];

const DIRECTORY_BODY = [
  ...PRELUDE,
  'function cpTime($t) {',
  '  if ($null -eq $t) { return $null }',
  "  if ($t -is [datetime]) { return $t.ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }",
  '  return [string]$t',
  '}',
  'function cpNumber($v) {',
  '  if ($null -eq $v) { return $null }',
  '  if ($v -is [enum]) { return [int]$v }',
  '  if ($v -is [ValueType]) { return $v }',
  '  return [string]$v',
  '}',
  'function cpSid($s) {',
  '  if ($null -eq $s) { return $null }',
  '  if ($s -is [string]) { return $s }',
  '  if ($null -ne $s.Value) { return [string]$s.Value }',
  '  return [string]$s',
  '}',
  '$ops = 0',
  '$attempts = @()',
  '$servers = @($p.servers | Where-Object { $_ })',
  '$address = $null',
  'if ($servers.Count -eq 0) {',
  '  $t0 = [datetime]::UtcNow',
  '  try {',
  '    $ops++',
  '    $found = Get-ADDomainController -Discover -DomainName $p.domain -Service ADWS',
  '    $servers = @([string]($found.HostName | Select-Object -First 1))',
  '    $address = [string]$found.IPv4Address',
  "    $attempts += @{ server = [string]$p.domain; step = 'discovery'; ok = $true; ms = (cpMs $t0); error = $null }",
  '  } catch {',
  "    $attempts += @{ server = [string]$p.domain; step = 'discovery'; ok = $false; ms = (cpMs $t0); error = (cpError $_) }",
  '  }',
  '}',
  '$dc = $null; $root = $null; $localTime = $null',
  'foreach ($s in $servers) {',
  '  $t0 = [datetime]::UtcNow',
  '  try {',
  '    $ops++',
  '    $root = Get-ADRootDSE -Server $s',
  '    $t1 = [datetime]::UtcNow',
  '    $localTime = $t0.AddTicks([long](($t1 - $t0).Ticks / 2))',
  '    $dc = [string]$s',
  "    $attempts += @{ server = [string]$s; step = 'connect'; ok = $true; ms = (cpMs $t0); error = $null }",
  '    break',
  '  } catch {',
  "    $attempts += @{ server = [string]$s; step = 'connect'; ok = $false; ms = (cpMs $t0); error = (cpError $_) }",
  '  }',
  '}',
  'if ($null -eq $dc) { return @{ attempts = $attempts; dc = $null; operations = $ops } }',
  '$base = [string]$root.defaultNamingContext',
  '$me = [System.Security.Principal.WindowsIdentity]::GetCurrent()',
  '$result = @{',
  '  attempts = $attempts',
  '  dc = @{ host = $dc; address = $address }',
  '  localTime = (cpTime $localTime)',
  '  rootDse = @{',
  '    currentTime = (cpTime $root.currentTime)',
  '    dnsHostName = [string]$root.dnsHostName',
  '    serverName = [string]$root.serverName',
  '    defaultNamingContext = $base',
  '    configurationNamingContext = [string]$root.configurationNamingContext',
  '    schemaNamingContext = [string]$root.schemaNamingContext',
  '    rootDomainNamingContext = [string]$root.rootDomainNamingContext',
  '    domainFunctionality = (cpNumber $root.domainFunctionality)',
  '    forestFunctionality = (cpNumber $root.forestFunctionality)',
  '    domainControllerFunctionality = (cpNumber $root.domainControllerFunctionality)',
  '  }',
  '  domainHead = $null',
  '  computers = @()',
  '  identity = @{ name = [string]$me.Name; sid = [string]$me.User.Value; upn = $null; dn = $null; tokenGroups = @(); error = $null }',
  '  readError = $null',
  '  operations = 0',
  '}',
  'try {',
  '  $ops++',
  "  $head = Get-ADObject -Server $dc -Identity $base -Properties 'msDS-Behavior-Version', 'nTMixedDomain', 'ms-DS-MachineAccountQuota'",
  "  $result.domainHead = @{ dn = $base; msDSBehaviorVersion = (cpNumber $head.'msDS-Behavior-Version'); nTMixedDomain = (cpNumber $head.nTMixedDomain); machineAccountQuota = (cpNumber $head.'ms-DS-MachineAccountQuota') }",
  '  $ops++',
  "  $result.computers = @(Get-ADComputer -Server $dc -SearchBase $base -SearchScope Subtree -LDAPFilter $p.filter -Properties 'sAMAccountName', 'dNSHostName', 'cn', 'userAccountControl', 'objectSid', 'operatingSystem', 'whenCreated' | ForEach-Object {",
  '    @{ dn = [string]$_.DistinguishedName; sAMAccountName = [string]$_.sAMAccountName; dNSHostName = $_.dNSHostName; cn = [string]$_.cn; userAccountControl = (cpNumber $_.userAccountControl); objectSid = (cpSid $_.objectSid); operatingSystem = $_.operatingSystem; whenCreated = (cpTime $_.whenCreated) }',
  '  })',
  '} catch {',
  '  $result.readError = cpError $_',
  '}',
  'try {',
  '  $ops++',
  "  $u = Get-ADUser -Server $dc -Identity $me.User.Value -Properties 'tokenGroups', 'userPrincipalName'",
  '  $result.identity.dn = [string]$u.DistinguishedName',
  '  $result.identity.upn = $u.UserPrincipalName',
  '  $result.identity.sid = cpSid $u.SID',
  '  $result.identity.tokenGroups = @(foreach ($g in $u.tokenGroups) { cpSid $g })',
  '} catch {',
  '  $result.identity.error = cpError $_',
  '}',
  '$result.operations = $ops',
  '$result',
].join('\n');

const SECURITY_BODY = [
  ...PRELUDE,
  'function cpDescriptor($sd) {',
  '  if ($null -eq $sd) { return $null }',
  "  if ($sd.PSObject.Methods['GetSecurityDescriptorBinaryForm']) { return [System.Convert]::ToBase64String($sd.GetSecurityDescriptorBinaryForm()) }",
  '  $sddl = [string]$sd.Sddl',
  "  if ($sddl -eq '') { throw 'the security descriptor came back with neither its binary form nor its SDDL' }",
  '  $raw = New-Object System.Security.AccessControl.RawSecurityDescriptor -ArgumentList $sddl',
  '  $bytes = New-Object byte[] $raw.BinaryLength',
  '  $raw.GetBinaryForm($bytes, 0)',
  '  return [System.Convert]::ToBase64String($bytes)',
  '}',
  'function cpObject($dn) {',
  '  $entry = @{ dn = $dn; objectClass = @(); securityDescriptor = $null; error = $null }',
  '  try {',
  "    $o = Get-ADObject -Server $p.server -Identity $dn -Properties 'objectClass', 'nTSecurityDescriptor'",
  '    $entry.objectClass = @($o.objectClass)',
  '    $entry.securityDescriptor = cpDescriptor $o.nTSecurityDescriptor',
  '  } catch {',
  '    $entry.error = cpError $_',
  '  }',
  '  $entry',
  '}',
  '$ops = 0; $ou = $null; $cno = $null',
  'if ($p.ou) { $ops++; $ou = cpObject ([string]$p.ou) }',
  'if ($p.cno) { $ops++; $cno = cpObject ([string]$p.cno) }',
  '@{ ou = $ou; cno = $cno; operations = $ops }',
].join('\n');

// ---------------------------------------------------------------------------------------------
// Values in every shape ConvertTo-Json gives them: read by src/windows/ps-json.ts (its zone rule
// for times), written here as the LDAP path writes them.

/** As LDAP carries times (GeneralizedTime, RFC 4517 3.3.13): "20261125120000.0Z". */
export function generalizedTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = iso.slice(20, 23) === '000' ? '0' : iso.slice(20, 23);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.${fraction}Z`;
}

function normalised<T>(fn: (v: unknown) => T | PsInvalid) {
  return z.unknown().transform((v, ctx): T => {
    const out = fn(v);
    if (isPsInvalid(out)) {
      ctx.issues.push({ code: 'custom', message: out.message, input: v });
      return z.NEVER;
    }
    return out;
  });
}

const text = z
  .union([z.string(), z.number(), z.null(), z.undefined()])
  .transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));
const integer = normalised(psInt);
const sid = normalised(psSid);
const list = <T extends z.ZodType>(item: T) => z.preprocess(psList, z.array(item));

const record = z.object({ message: text, fullyQualifiedErrorId: text, category: text, exceptionType: text }).transform(
  (r): PsErrorRecord => ({
    message: r.message ?? '(no message)',
    fullyQualifiedErrorId: r.fullyQualifiedErrorId ?? '',
    category: r.category ?? '',
    exceptionType: r.exceptionType ?? '',
  }),
);
const optionalRecord = z.union([record, z.null(), z.undefined()]).transform((v) => v ?? undefined);

/** A time in the form `format` gives it; the text itself when it names no instant (the checks then say they cannot read it). */
const instant = (format: (ms: number) => string) =>
  z.unknown().transform((v): string | null => {
    const ms = psInstant(v);
    if (ms === null) return null;
    if (isPsInvalid(ms)) return typeof psUnwrap(v) === 'string' ? (psUnwrap(v) as string) : JSON.stringify(v);
    return format(ms);
  });
/** As LDAP carries whenCreated and the rootDSE's currentTime. */
const time = instant(generalizedTime);
/** As the LDAP path records the local clock (ISO, UTC). */
const isoTime = instant((ms) => new Date(ms).toISOString());

const computer = z
  .object({
    dn: z.string().min(1),
    sAMAccountName: text,
    dNSHostName: text,
    cn: text,
    userAccountControl: integer,
    objectSid: sid,
    operatingSystem: text,
    whenCreated: time,
  })
  .transform((c): ComputerObject => {
    const uac = c.userAccountControl ?? 0;
    return {
      dn: c.dn,
      sAMAccountName: c.sAMAccountName ?? '',
      dNSHostName: c.dNSHostName?.toLowerCase() ?? null,
      cn: c.cn ?? '',
      userAccountControl: uac,
      enabled: (uac & 0x2) === 0,
      objectSid: c.objectSid,
      operatingSystem: c.operatingSystem,
      whenCreated: c.whenCreated,
    };
  });

const attempt = z.object({
  server: z.string().min(1),
  step: z.enum(['discovery', 'connect']),
  ok: z.boolean(),
  ms: integer.optional(),
  error: optionalRecord.optional(),
});

const ROOT_DSE_NUMBERS = new Set(['domainFunctionality', 'forestFunctionality', 'domainControllerFunctionality']);

/** The rootDSE as the LDAP path keeps it: strings, currentTime as GeneralizedTime, levels as digits. */
const rootDse = z.record(z.string(), z.unknown()).transform((r, ctx) => {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(r)) {
    if (key === 'currentTime') {
      const t = time.parse(raw);
      if (t !== null) out[key] = t;
    } else if (ROOT_DSE_NUMBERS.has(key)) {
      const n = psInt(raw);
      if (isPsInvalid(n))
        ctx.issues.push({ code: 'custom', message: `${key} is not a level: ${JSON.stringify(raw)}`, input: raw });
      else if (n !== null) out[key] = String(n);
    } else {
      const t = text.safeParse(raw);
      if (!t.success) ctx.issues.push({ code: 'custom', message: `${key} is not text`, input: raw });
      else if (t.data !== null) out[key] = t.data;
    }
  }
  return out;
});

const identity = z
  .object({
    name: text.optional(),
    sid: sid.optional(),
    upn: text.optional(),
    dn: text.optional(),
    tokenGroups: list(z.unknown()).optional(),
    error: optionalRecord.optional(),
  })
  .transform((i, ctx) => {
    const groups = (i.tokenGroups ?? []).map(psSid).filter((s) => s !== null);
    if (groups.some(isPsInvalid))
      ctx.issues.push({ code: 'custom', message: 'a tokenGroups value is not a SID', input: i.tokenGroups });
    return {
      name: i.name ?? null,
      sid: i.sid ?? null,
      upn: i.upn ?? null,
      dn: i.dn ?? null,
      tokenGroups: groups as string[],
      ...(i.error ? { error: i.error } : {}),
    };
  });

// Without a DC the script returns only attempts, dc and operations: the rest is optional.
const directory = z.object({
  attempts: list(attempt),
  dc: z
    .union([z.object({ host: z.string().min(1), address: text }), z.null(), z.undefined()])
    .optional()
    .transform((v) => v ?? null),
  localTime: isoTime.optional(),
  rootDse: rootDse.nullish(),
  domainHead: z
    .object({ dn: z.string(), msDSBehaviorVersion: integer, nTMixedDomain: integer, machineAccountQuota: integer })
    .nullish(),
  computers: list(computer)
    .optional()
    .transform((v) => v ?? []),
  identity: identity.nullish(),
  readError: optionalRecord.optional(),
  operations: integer,
});

const descriptor = z
  .object({
    dn: z.string(),
    objectClass: list(z.string())
      .optional()
      .transform((v) => v ?? []),
    securityDescriptor: z.unknown().optional(),
    error: optionalRecord.optional(),
  })
  .transform((d, ctx) => {
    const bytes = psBytes(d.securityDescriptor);
    if (isPsInvalid(bytes))
      ctx.issues.push({
        code: 'custom',
        message: `the security descriptor of ${d.dn} is neither base64 nor bytes`,
        input: d.securityDescriptor,
      });
    return {
      dn: d.dn,
      objectClass: d.objectClass,
      securityDescriptor: bytes && !isPsInvalid(bytes) ? bytes.toString('base64') : null,
      ...(d.error ? { error: d.error } : {}),
    };
  });

const security = z.object({ ou: descriptor.nullish(), cno: descriptor.nullish(), operations: integer });

export type PsDirectory = z.output<typeof directory>;
export type PsSecurity = z.output<typeof security>;
export type PsDescriptor = z.output<typeof descriptor>;

function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new PsOutputError(z.prettifyError(r.error).replace(/\s*\n\s*/g, '; '));
  return r.data;
}

export interface DirectoryParams {
  readonly domain: string;
  /** DC host names from activeDirectory.servers, tried in order; empty: discover one. */
  readonly servers: readonly string[];
  /** The LDAP filter of src/ad/probe.ts computerFilter. */
  readonly filter: string;
}

export interface SecurityParams {
  readonly server: string;
  readonly ou: string | null;
  readonly cno: string | null;
}

export const adDirectoryScript: PsScript<PsDirectory> = {
  name: 'ad.directory',
  body: DIRECTORY_BODY,
  depth: 8,
  parse: (v) => parseWith(directory, v),
};
export const adSecurityScript: PsScript<PsSecurity> = {
  name: 'ad.security',
  body: SECURITY_BODY,
  depth: 6,
  parse: (v) => parseWith(security, v),
};

// ---------------------------------------------------------------------------------------------
// Running them, and what their failures mean.

export type PsRun<T> =
  | { readonly ok: true; readonly value: T; readonly ms: number }
  | { readonly ok: false; readonly failure: PsAdFailure };

const AD_TYPES = (r: PsErrorRecord) => `${r.exceptionType} ${r.fullyQualifiedErrorId}`;

/** The ActiveDirectory module's errors first (by exception type, then message), then the generic classification. */
export function classifyAdRecord(r: PsErrorRecord): WindowsError {
  const types = AD_TYPES(r);
  if (/TimeoutException/.test(types) || /timeout limit was exceeded|timed out/i.test(r.message))
    return { code: 'timeout', cause: `the domain controller did not answer in time: ${r.message}`, record: r };
  if (/ADServerDownException/.test(types) || /Unable to contact the server/i.test(r.message))
    return {
      code: 'unreachable',
      cause: `Active Directory Web Services (TCP ${ADWS_PORT}) on the domain controller cannot be reached: ${r.message}`,
      record: r,
    };
  if (
    /AuthenticationException|InvalidCredentialException/.test(types) ||
    /rejected the client credentials/i.test(r.message)
  )
    return {
      code: 'authFailed',
      cause: `the domain controller did not accept the logged-in user's credentials: ${r.message}`,
      record: r,
    };
  if (/UnauthorizedAccessException/.test(types) || /Insufficient access rights|Access is denied/i.test(r.message))
    return { code: 'accessDenied', cause: `access is denied to the logged-in user: ${r.message}`, record: r };
  return classifyRecord(r);
}

/** The object named does not exist (Get-ADObject -Identity on a DN that names nothing). */
export function isNotFound(r: PsErrorRecord): boolean {
  return /ADIdentityNotFoundException/.test(AD_TYPES(r));
}

/** A failed run, classified: the terminating record of a script that stopped, else the run's own code. */
export function failureOf(err: PowerShellError): PsAdFailure {
  const w = err.code === 'scriptFailed' && err.record ? classifyAdRecord(err.record) : classifyFailure(err);
  return {
    script: err.script,
    code: w.code,
    cause: w.cause,
    ...(w.module ? { module: w.module } : {}),
    ...(w.record ? { record: w.record } : {}),
  };
}

async function runScript<T>(
  session: PowerShellSession,
  script: PsScript<T>,
  params: unknown,
  signal: AbortSignal,
): Promise<PsRun<T>> {
  try {
    const r = await session.run(script, params, { signal });
    return { ok: true, value: r.value, ms: r.ms };
  } catch (err) {
    if (!(err instanceof PowerShellError)) throw err;
    return { ok: false, failure: failureOf(err) };
  }
}

export function readDirectory(
  session: PowerShellSession,
  params: DirectoryParams,
  signal: AbortSignal,
): Promise<PsRun<PsDirectory>> {
  return runScript(session, adDirectoryScript, params, signal);
}

export function readSecurity(
  session: PowerShellSession,
  params: SecurityParams,
  signal: AbortSignal,
): Promise<PsRun<PsSecurity>> {
  return runScript(session, adSecurityScript, params, signal);
}

// ---------------------------------------------------------------------------------------------
// Into AdFacts.

export type PowerShellFacts = Pick<
  AdFacts,
  | 'attempts'
  | 'operations'
  | 'connection'
  | 'rootDse'
  | 'localTime'
  | 'domainHead'
  | 'computers'
  | 'bindIdentity'
  | 'ou'
  | 'cnoSecurityDescriptor'
  | 'readError'
> & { readonly source: 'powershell'; readonly powershell: PowerShellSource };

const ATTEMPT_STATUS: Partial<Record<WindowsErrorCode, AdErrorCode>> = {
  unreachable: 'unreachable',
  timeout: 'timeout',
  dnsFailed: 'dnsFailed',
};

function toAttempt(a: PsDirectory['attempts'][number]): AdAttempt {
  const ms = a.ms ?? 0;
  if (a.ok) return { server: a.server, status: 'ok', step: a.step, ms };
  const w: WindowsError = a.error ? classifyAdRecord(a.error) : { code: 'other', cause: `${a.step} failed` };
  return {
    server: a.server,
    // A DC the module could not find is a discovery failure, as on the LDAP path, whatever the exception.
    status: a.step === 'discovery' ? 'dnsFailed' : (ATTEMPT_STATUS[w.code] ?? 'error'),
    step: a.step,
    message: a.error?.message ?? w.cause,
    ms,
    windows: {
      code: w.code,
      cause: w.cause,
      fullyQualifiedErrorId: a.error?.fullyQualifiedErrorId ?? '',
      exceptionType: a.error?.exceptionType ?? '',
    },
  };
}

function ouFact(dn: string, source: OuFact['source'], read: PsRun<PsSecurity> | undefined): OuFact {
  if (!read) return { dn, source, exists: true, objectClass: [], error: 'not read' };
  if (!read.ok) return { dn, source, exists: true, objectClass: [], error: read.failure.cause };
  const o = read.value.ou;
  if (!o) return { dn, source, exists: true, objectClass: [], error: 'not read' };
  // Only "no such object" is missing; any other failure leaves the question open.
  if (o.error)
    return isNotFound(o.error)
      ? { dn, source, exists: false, objectClass: [] }
      : { dn, source, exists: true, objectClass: [], error: o.error.message };
  return {
    dn,
    source,
    exists: true,
    objectClass: o.objectClass,
    ...(o.securityDescriptor ? { securityDescriptor: o.securityDescriptor } : {}),
  };
}

export interface PowerShellFactsInput {
  readonly executable: string;
  readonly directory: PsRun<PsDirectory>;
  /** The OU the cluster goes into and where its DN came from (targetsOf in src/ad/probe.ts). */
  readonly target?: { readonly ouDn?: string; readonly ouSource: OuFact['source'] };
  /** The ad.security run, when there was something to read. */
  readonly security?: PsRun<PsSecurity>;
}

/** The two runs' values as the AdFacts fields the LDAP path fills (the probe adds discovery and DNS). */
export function powerShellFacts(input: PowerShellFactsInput): PowerShellFacts {
  const { executable, directory: run } = input;
  if (!run.ok)
    return { source: 'powershell', powershell: { executable, failure: run.failure }, attempts: [], operations: 0 };
  const d = run.value;
  const powershell = { executable };
  const attempts = d.attempts.map(toAttempt);
  if (!d.dc || !d.rootDse) return { source: 'powershell', powershell, attempts, operations: d.operations ?? 0 };
  const who = d.identity;
  const boundAs = who?.upn ?? who?.name ?? null;
  const connection = {
    server: d.dc.host,
    tlsMode: 'kerberos',
    boundAs,
    insecure: false,
    dnsHostName: d.rootDse.dnsHostName ?? d.dc.host,
  };
  const localTime = d.localTime ?? '(absent)';
  const security = input.security?.ok ? input.security.value : undefined;
  const operations = (d.operations ?? 0) + (security?.operations ?? 0);
  const common = {
    source: 'powershell' as const,
    powershell,
    attempts,
    connection,
    rootDse: d.rootDse,
    localTime,
    operations,
  };
  if (d.readError) return { ...common, readError: d.readError.message };
  const bindIdentity: AdFacts['bindIdentity'] = !who
    ? undefined
    : who.error
      ? { error: who.error.message }
      : who.dn === null
        ? { error: `the logged-in user ${who.name ?? ''} was not found in the directory` }
        : { dn: who.dn, sid: who.sid, tokenGroups: who.tokenGroups };
  const ouDn = input.target?.ouDn;
  const ou = ouDn ? ouFact(ouDn, input.target!.ouSource, input.security) : undefined;
  const cno =
    security?.cno && !security.cno.error && security.cno.securityDescriptor
      ? security.cno.securityDescriptor
      : undefined;
  return {
    ...common,
    ...(d.domainHead ? { domainHead: d.domainHead } : {}),
    computers: d.computers,
    ...(bindIdentity ? { bindIdentity } : {}),
    ...(ou ? { ou } : {}),
    ...(cno ? { cnoSecurityDescriptor: cno } : {}),
  };
}
