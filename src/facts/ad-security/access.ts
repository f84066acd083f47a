/**
 * Whether a token may do something to a directory object, decided from the object's DACL the
 * way Windows does ([MS-DTYP] 2.5.3.2, with object ACEs as in [MS-ADTS] 5.1.3.3.3), and which ACE
 * decided each right, so a finding can quote its evidence.
 */
import { normalizeSid, WELL_KNOWN_SIDS } from './sid.ts';
import {
  ACE_TYPE,
  describeAce,
  isInheritOnly,
  isInherited,
  mapGenericDs,
  rightNames,
  type Ace,
  type AceTypeName,
  type SecurityDescriptor,
} from './sd.ts';

export interface AccessRequest {
  /** The rights wanted (GENERIC_* bits are mapped to DS rights first). */
  readonly mask: number;
  /**
   * The schemaIDGUID of the class to create (for Create Child) or the property / property set /
   * extended right (for Read or Write Property, Control Access). Absent: the object as a whole,
   * so only ACEs without an object type count.
   */
  readonly objectType?: string;
}

/** An ACE as evidence for a decision. */
export interface AceEvidence {
  /** Position in the DACL, from 0. */
  readonly index: number;
  readonly type: number;
  readonly typeName: AceTypeName | `0x${string}`;
  readonly sid: string;
  readonly mask: number;
  readonly objectType?: string;
  readonly inheritedObjectType?: string;
  readonly inherited: boolean;
  /** describeAce's text. */
  readonly description: string;
}

export type BitDecisionReason =
  /** An ACE granted or denied the right. */
  | 'ace'
  /** SE_DACL_PRESENT is clear: no DACL, everything is allowed (or the DACL was not requested). */
  | 'no-dacl'
  /** SE_DACL_PRESENT with no DACL (a NULL DACL): everything is allowed. */
  | 'null-dacl'
  /** No applicable ACE mentions the right: denied. */
  | 'no-matching-ace';

export interface BitDecision {
  /** One bit of the (mapped) requested mask. */
  readonly bit: number;
  readonly right: string;
  readonly outcome: 'granted' | 'denied';
  readonly reason: BitDecisionReason;
  /** The deciding ACE when reason is 'ace'. */
  readonly ace?: AceEvidence;
}

export interface AccessResult {
  /** The requested mask after generic mapping. */
  readonly requested: number;
  readonly objectType?: string;
  readonly granted: number;
  readonly denied: number;
  /** Every requested right granted. */
  readonly allowed: boolean;
  readonly dacl: SecurityDescriptor['daclState'];
  /** One per requested bit, lowest bit first. */
  readonly decisions: readonly BitDecision[];
  /**
   * Opaque ACEs (callback, compound...) that were not inherit-only and were not evaluated: they
   * might have changed the answer, so a check should warn when there are any.
   */
  readonly unevaluated: readonly {
    readonly index: number;
    readonly typeName: string;
    readonly inherited: boolean;
    readonly description: string;
  }[];
}

const ALLOW_TYPES: ReadonlySet<number> = new Set([ACE_TYPE.ACCESS_ALLOWED, ACE_TYPE.ACCESS_ALLOWED_OBJECT]);
const DENY_TYPES: ReadonlySet<number> = new Set([ACE_TYPE.ACCESS_DENIED, ACE_TYPE.ACCESS_DENIED_OBJECT]);

function evidence(ace: Ace & { kind: 'basic' | 'object' }): AceEvidence {
  return {
    index: ace.index,
    type: ace.type,
    typeName: ace.typeName,
    sid: ace.sid,
    mask: ace.mask,
    ...(ace.kind === 'object' && ace.objectType !== undefined && { objectType: ace.objectType }),
    ...(ace.kind === 'object' &&
      ace.inheritedObjectType !== undefined && { inheritedObjectType: ace.inheritedObjectType }),
    inherited: isInherited(ace),
    description: describeAce(ace),
  };
}

/**
 * Decides `want` for a token from the descriptor's DACL: ACEs in order, inherit-only ACEs
 * skipped, an ACE applies when its SID is in the token and, for an object ACE with an object
 * type, when that type is the requested one (without ACE_OBJECT_TYPE_PRESENT it applies to all);
 * a deny ACE denies the requested bits not yet granted, an allow ACE grants the bits not yet
 * denied; it stops when every bit is decided. Rights no ACE decided are denied. No DACL (or a
 * NULL DACL) allows everything: when the descriptor was read with SD flags that leave the DACL
 * out, `dacl` is 'absent' and the caller must not trust `allowed`.
 *
 * Not modelled: the owner's implicit READ_CONTROL and WRITE_DAC, privileges, PRINCIPAL_SELF
 * substitution (put S-1-5-10 in the token when the object is the principal itself), and
 * conditional (callback) ACEs, which are listed in `unevaluated`.
 */
export function evaluateAccess(
  sd: SecurityDescriptor,
  tokenSids: readonly string[],
  want: AccessRequest,
): AccessResult {
  const requested = mapGenericDs(want.mask);
  const objectType = want.objectType?.toLowerCase();
  const bits = maskBits(requested);
  const base = { requested, ...(objectType !== undefined && { objectType }), dacl: sd.daclState };
  if (!sd.dacl) {
    const reason = sd.daclState === 'null' ? 'null-dacl' : 'no-dacl';
    return {
      ...base,
      granted: requested,
      denied: 0,
      allowed: true,
      unevaluated: [],
      decisions: bits.map((bit) => ({ bit, right: rightName(bit), outcome: 'granted', reason })),
    };
  }
  const token = new Set(tokenSids.map(normalizeSid));
  const decided = new Map<number, { outcome: 'granted' | 'denied'; ace: AceEvidence }>();
  const unevaluated: AccessResult['unevaluated'][number][] = [];
  let remaining = requested;
  for (const ace of sd.dacl.aces) {
    if (remaining === 0) break;
    if (isInheritOnly(ace)) continue;
    if (ace.kind === 'opaque') {
      unevaluated.push({
        index: ace.index,
        typeName: ace.typeName,
        inherited: isInherited(ace),
        description: describeAce(ace),
      });
      continue;
    }
    const allow = ALLOW_TYPES.has(ace.type);
    if (!allow && !DENY_TYPES.has(ace.type)) continue;
    if (!token.has(ace.sid)) continue;
    if (ace.kind === 'object' && ace.objectType !== undefined && ace.objectType !== objectType) continue;
    const hit = remaining & mapGenericDs(ace.mask);
    if (hit === 0) continue;
    const by = evidence(ace);
    for (const bit of maskBits(hit)) decided.set(bit, { outcome: allow ? 'granted' : 'denied', ace: by });
    remaining = (remaining & ~hit) >>> 0;
  }
  let granted = 0;
  let denied = 0;
  const decisions = bits.map((bit): BitDecision => {
    const d = decided.get(bit);
    if (d?.outcome === 'granted') granted |= bit;
    else denied |= bit;
    return d
      ? { bit, right: rightName(bit), outcome: d.outcome, reason: 'ace', ace: d.ace }
      : { bit, right: rightName(bit), outcome: 'denied', reason: 'no-matching-ace' };
  });
  granted >>>= 0;
  denied >>>= 0;
  return { ...base, granted, denied, allowed: denied === 0, decisions, unevaluated };
}

/** "denied by ACE #3: deny Create Child (computer) to S-1-5-21-...-1105", and the like. */
export function describeDecision(d: BitDecision): string {
  switch (d.reason) {
    case 'ace':
      return `${d.right} ${d.outcome} by ACE #${d.ace!.index}: ${d.ace!.description}`;
    case 'no-dacl':
      return `${d.right} granted: the security descriptor has no DACL`;
    case 'null-dacl':
      return `${d.right} granted: the DACL is NULL`;
    case 'no-matching-ace':
      return `${d.right} denied: no ACE grants it to the token`;
  }
}

/**
 * The SIDs of a token after a network logon (an LDAP bind): the user, its tokenGroups (which
 * hold the groups, transitively, and the primary group), and the well-known SIDs every such
 * logon has but tokenGroups does not list: Everyone, Authenticated Users, NETWORK and This
 * Organization.
 */
export function networkLogonToken(userSid: string, tokenGroups: readonly string[]): string[] {
  const w = WELL_KNOWN_SIDS;
  return [
    ...new Set(
      [userSid, ...tokenGroups, w.everyone, w.authenticatedUsers, w.network, w.thisOrganization].map(normalizeSid),
    ),
  ];
}

function maskBits(mask: number): number[] {
  const bits: number[] = [];
  for (let i = 0; i < 32; i++) if ((mask >>> i) & 1) bits.push(2 ** i);
  return bits;
}

function rightName(bit: number): string {
  return rightNames(bit)[0] ?? `0x${bit.toString(16)}`;
}
