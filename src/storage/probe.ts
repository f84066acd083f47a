/**
 * The storage probe: what each configured portal offers to each node identity. For every portal:
 * a TCP reachability test, SendTargets as each identity (targets hide from initiators outside
 * their ACL), then per target and identity a login, REPORT LUNS and per LUN INQUIRY, VPD 0x83
 * and READ CAPACITY. Expected failures are facts with a normalised status, never exceptions.
 * Nothing here changes PR state or touches data blocks.
 */
import { mapLimited } from '../limit.ts';
import { IscsiConnection, parsePortal, formatPortal } from '../iscsi/connection.ts';
import { sendTargets } from '../iscsi/discovery.ts';
import { readTarget, toInventoryError } from '../iscsi/inventory.ts';
import {
  IscsiConnectionError,
  IscsiLoginError,
  IscsiMutualChapError,
  IscsiNegotiationError,
  IscsiTimeoutError,
} from '../iscsi/errors.ts';
import type { ChapCredentials } from '../iscsi/login.ts';
import type { ProbeContext } from '../engine/contract.ts';
import type { FactProbe } from '../facts/index.ts';
import type { ClusterSpec } from '../config/schema.ts';
import { SecretUnavailable } from '../config/secrets.ts';
import { windowsDefaultIqn } from '../config/node-identity.ts';
import { readLocalDevice } from './local.ts';
import { choosePowerShell } from '../windows/availability.ts';
import { reportedInitiators } from '../windows/node-probe.ts';
import type { NodesFact } from '../facts/nodes.ts';
import type {
  InventoryLun,
  LoginFact,
  LoginStatus,
  NodeIdentity,
  PortalFact,
  ReachStatus,
  TargetFact,
} from '../facts/storage.ts';

/**
 * Each node's initiator name: nodes[].iqn; else the one the node reported (`reported`, by node
 * name, from nodes.facts); else Windows' default, `iqn.1991-05.com.microsoft:` + the lower-case
 * FQDN, flagged as derived.
 */
export function nodeIdentities(
  spec: Pick<ClusterSpec, 'nodes' | 'activeDirectory'>,
  reported: Readonly<Record<string, string>> = {},
): NodeIdentity[] {
  const domain = spec.activeDirectory?.domain;
  return spec.nodes.map((n) => {
    if (n.iqn) return { node: n.name, initiator: n.iqn, derived: false };
    const found = Object.hasOwn(reported, n.name) ? reported[n.name] : undefined;
    if (found) return { node: n.name, initiator: found, derived: false, source: 'windows' };
    return { node: n.name, initiator: windowsDefaultIqn(n, domain), derived: true };
  });
}

/**
 * The identities for this run: the nodes.facts fact is asked for only when a node lacks
 * nodes[].iqn and the Windows path is not skipped here; a fact that failed or was skipped
 * leaves the derived names.
 */
export async function runIdentities(ctx: ProbeContext): Promise<NodeIdentity[]> {
  if (!ctx.spec.nodes.some((n) => !n.iqn) || 'skipped' in choosePowerShell(ctx.spec)) return nodeIdentities(ctx.spec);
  let fact: NodesFact | undefined;
  try {
    fact = await ctx.fact('nodes.facts');
  } catch {
    fact = undefined;
  }
  return nodeIdentities(ctx.spec, reportedInitiators(fact));
}

function reachStatus(err: unknown): ReachStatus {
  if (err instanceof IscsiTimeoutError) return 'timeout';
  if (err instanceof IscsiConnectionError) {
    if (err.cause_code === 'ECONNREFUSED') return 'refused';
    if (err.cause_code === 'ENOTFOUND' || err.cause_code === 'EAI_AGAIN') return 'dns';
    if (err.cause_code === 'EHOSTUNREACH' || err.cause_code === 'ENETUNREACH') return 'unreachable';
  }
  return 'error';
}

export function loginStatus(
  err: unknown,
): Pick<LoginFact, 'status' | 'statusClass' | 'statusDetail' | 'message' | 'negotiation'> {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof IscsiLoginError) {
    const code = (err.statusClass << 8) | err.statusDetail;
    const status: LoginStatus =
      code === 0x0201
        ? 'auth-failed'
        : code === 0x0202
          ? 'not-authorized'
          : code === 0x0203 || code === 0x0204
            ? 'not-found'
            : 'error';
    return { status, statusClass: err.statusClass, statusDetail: err.statusDetail, message };
  }
  if (err instanceof IscsiNegotiationError)
    return {
      status: 'negotiation',
      negotiation: err instanceof IscsiMutualChapError ? 'mutualChap' : 'other',
      message,
    };
  if (err instanceof IscsiTimeoutError) return { status: 'timeout', message };
  if (err instanceof IscsiConnectionError)
    return { status: err.cause_code === 'ECONNREFUSED' ? 'refused' : 'error', message };
  return { status: 'error', message };
}

async function chapFor(ctx: ProbeContext, index: number): Promise<ChapCredentials | undefined> {
  const chap = ctx.spec.storage?.iscsi[index]?.chap;
  if (!chap) return undefined;
  const secret = await ctx.secrets.resolve(chap.secret, `storage.iscsi[${index}].chap.secret`);
  const mutual =
    chap.mutualUser !== undefined && chap.mutualSecret !== undefined
      ? {
          user: chap.mutualUser,
          secret: Buffer.from(
            (await ctx.secrets.resolve(chap.mutualSecret, `storage.iscsi[${index}].chap.mutualSecret`)).reveal(),
          ),
        }
      : undefined;
  return { user: chap.user, secret: Buffer.from(secret.reveal()), ...(mutual ? { mutual } : {}) };
}

const TIMEOUTS = { connectMs: 5000, loginMs: 10_000, commandMs: 10_000, logoutMs: 3000 };
/** Targets of one portal read at once (each with one session per node identity). */
const TARGET_CONCURRENCY = 4;
/** Local devices read at once (each reading is a few sg3_utils processes in a row). */
const DEVICE_CONCURRENCY = 4;

async function probePortal(ctx: ProbeContext, index: number, identities: readonly NodeIdentity[]): Promise<PortalFact> {
  const config = ctx.spec.storage!.iscsi[index]!;
  const portal = formatPortal(parsePortal(config.portal));
  const chapMode: LoginFact['chap'] = config.chap ? (config.chap.mutualUser ? 'mutual-chap' : 'chap') : 'none';
  const base = { portal, chap: chapMode, ...(config.chap ? { chapUser: config.chap.user } : {}) } as const;

  const started = performance.now();
  try {
    const conn = await IscsiConnection.connect(parsePortal(portal), {
      timeoutMs: TIMEOUTS.connectMs,
      signal: ctx.signal,
    });
    conn.close();
  } catch (err) {
    const e = err as { cause_code?: string; message?: string };
    return {
      ...base,
      reach: {
        status: reachStatus(err),
        ...(e.cause_code ? { code: e.cause_code } : {}),
        message: e.message ?? String(err),
      },
      discovery: [],
      targets: [],
    };
  }
  const reach = { status: 'ok' as const, ms: Math.round(performance.now() - started) };

  let chap: ChapCredentials | undefined;
  try {
    chap = await chapFor(ctx, index);
  } catch (err) {
    return {
      ...base,
      reach,
      discovery: [],
      targets: [],
      secretError: err instanceof Error ? err.message : String(err),
      ...(err instanceof SecretUnavailable ? { secretProblem: err.problem } : {}),
    };
  }

  const discovery = await Promise.all(
    identities.map(async (id) => {
      try {
        const found = await sendTargets({
          portal,
          initiatorName: id.initiator,
          ...(chap ? { chap } : {}),
          timeouts: TIMEOUTS,
          signal: ctx.signal,
        });
        return { initiator: id.initiator, status: 'ok' as LoginStatus, targets: found.map((t) => t.name) };
      } catch (err) {
        const s = loginStatus(err);
        return { initiator: id.initiator, status: s.status, ...(s.message ? { message: s.message } : {}), targets: [] };
      }
    }),
  );
  const listed = new Map<string, string[]>();
  for (const d of discovery) for (const t of d.targets) listed.set(t, [...(listed.get(t) ?? []), d.initiator]);
  const names = config.targets ?? [...listed.keys()];

  // Targets in parallel (bounded); per target each identity logs in with its own session.
  const targets = await mapLimited(names, TARGET_CONCURRENCY, async (name): Promise<TargetFact> => {
    const logins = await Promise.all(
      identities.map(async (id): Promise<LoginFact> => {
        ctx.progress(`${portal}: ${name} as ${id.node}`);
        const result = await readTarget(
          { name, addresses: [] },
          {
            portal,
            initiatorName: id.initiator,
            ...(chap ? { chap } : {}),
            timeouts: TIMEOUTS,
            concurrency: 8,
            signal: ctx.signal,
            ...(config.luns ? { luns: config.luns } : {}),
          },
        );
        const identity = {
          node: id.node,
          initiator: id.initiator,
          derived: id.derived,
          ...(id.source ? { source: id.source } : {}),
          chap: chapMode,
        };
        return 'failure' in result
          ? { ...identity, ...loginStatus(result.failure) }
          : { ...identity, status: 'ok', luns: result.luns };
      }),
    );
    return {
      name,
      configured: config.targets !== undefined,
      listedFor: listed.get(name) ?? [],
      ...(config.luns ? { listedLuns: [...config.luns] } : {}),
      logins,
    };
  });
  return { ...base, reach, discovery, targets };
}

/**
 * Whether the PR sequence runs on a LUN: every disk (peripheral device type 0), and any LUN the
 * spec names in `luns:` whatever its type, so that a LUN meant as a cluster disk but lacking
 * SCSI-3 PR (a CD, a tape) is told so plainly instead of only being set aside.
 */
export function isPrCandidate(
  lun: Pick<InventoryLun, 'lun' | 'deviceType'>,
  target: Pick<TargetFact, 'listedLuns'>,
): boolean {
  return lun.deviceType === 0 || (lun.deviceType >= 0 && (target.listedLuns?.includes(lun.lun) ?? false));
}

/**
 * The code of the `storage.inventory` probe. src/probes.ts declares the probe (fact, description) and
 * imports this module when the probe first collects.
 */
export const storageProbe: Pick<FactProbe<'storage.inventory'>, 'collect'> = {
  async collect(ctx) {
    const identities = await runIdentities(ctx);
    const portals = ctx.spec.storage?.iscsi ?? [];
    // Portals in parallel; within a portal, targets in parallel (bounded).
    const [results, devices] = await Promise.all([
      Promise.all(
        portals.map((_, i) =>
          probePortal(ctx, i, identities).catch((err) => ({
            portal: portals[i]!.portal,
            reach: { status: 'error' as const, message: toInventoryError(err).message },
            discovery: [],
            targets: [],
            chap: 'none' as const,
          })),
        ),
      ),
      mapLimited(ctx.spec.storage?.devices ?? [], DEVICE_CONCURRENCY, (path) => {
        ctx.progress(`${path}: INQUIRY, VPD 0x83, READ CAPACITY through sg3_utils`);
        return readLocalDevice(path, ctx.signal);
      }),
    ]);
    return { identities, portals: results, devices };
  },
};
