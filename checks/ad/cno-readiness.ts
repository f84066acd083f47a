import type { Check, CheckContext } from '../../src/engine/contract.ts';
import type { RemediationStep } from '../../src/engine/report.ts';
import { isContainer, matchesByName, nodeMatch, parentDn } from '../../src/facts/ad-names.ts';
import { removeStaleSteps, setAccountNameCommands } from './lib/computer-account.ts';
import {
  ADS_RIGHTS,
  DS_FULL_CONTROL,
  SCHEMA_GUIDS,
  SdDecodeError,
  decodeSecurityDescriptor,
  type SecurityDescriptor,
} from '../../src/facts/ad-security/sd.ts';
import {
  describeDecision,
  evaluateAccess,
  networkLogonToken,
  type AccessResult,
  type BitDecision,
} from '../../src/facts/ad-security/access.ts';
import { describeSid } from '../../src/facts/ad-security/sid.ts';
import { cmdQuote, psQuote, shQuote } from '../../src/quote.ts';
import type { AdFacts, ComputerObject, NodeName } from '../../src/facts/index.ts';
import { AD_GATE_MESSAGES, adConnectedOrSkip } from './lib/gate.ts';

const messages = {
  canCreate: 'The cluster name {cluster} is free, and {user} may create computer objects in {ou}',
  cannotCreate: '{user} may not create the cluster name {cluster} in {ou}: {missing} not granted',
  prestaged: '{cluster} is prestaged ({dn}): disabled, and {user} has Full Control on it',
  prestagedNoFullControl: '{cluster} is prestaged ({dn}), but {user} lacks {missing} on it',
  prestagedUnreadable:
    '{cluster} is prestaged ({dn}), but {user} cannot even read its permissions, so it has no Full Control on it',
  nameTaken: 'An enabled computer object already has the cluster name {cluster} ({dn}): a new cluster cannot take it',
  prestagedByName:
    'A computer object found by the cluster name, not by its account: {dn}, account name {account}. New-Cluster looks for {expected} and will not use it as the prestaged cluster name object',
  ouMissing: 'The OU {ou} does not exist: the cluster name cannot be created there',
  machineAccountQuota:
    'The cluster name goes into the container {ou}: without a delegation it can create only {quota} computer objects for clustered roles (ms-DS-MachineAccountQuota)',
  conditionalAces: '{count} conditional ACE(s) on {dn} were not evaluated: they may change the answer',
  descriptorUnusable: 'The permissions of {dn} could not be evaluated: {reason}',
  identityUnreadable: 'The bind account {user} or its groups could not be read: {error}',
  anonymous:
    'No bind account (activeDirectory.bind): the rights of the account that will create the cluster cannot be evaluated',
  noTargetOu: 'No OU to create the cluster name in: no node has a computer object and activeDirectory.ou is not set',
  noClusterName: 'The spec has no cluster.name: nothing to check',
  notConnected: 'The directory could not be read: the cluster name not checked (see ad.connect)',
  ...AD_GATE_MESSAGES,
} as const;

type Ctx = CheckContext;
const AD_TOOLS = 'a machine with the AD PowerShell module or RSAT, as a domain admin';
/** The rights a full-control ACE carries, in SDDL (what Samba writes for SY and DA). */
const FULL_CONTROL_SDDL = 'RPWPCRCCDCLCLORCWOWDSDDTSW';

interface Principal {
  /** The account as dsacls and the messages name it (its user principal name). */
  readonly name: string;
  readonly sid: string;
  readonly token: string[];
}

type Decoded = { sd: SecurityDescriptor } | { reason: string; detail?: Record<string, unknown> };

/** A DACL read with SD flags 4, decoded; anything that does not allow an answer is a reason. */
function decode(base64: string | undefined, unreadable: string): Decoded {
  if (base64 === undefined) return { reason: unreadable };
  try {
    const sd = decodeSecurityDescriptor(Buffer.from(base64, 'base64'));
    if (sd.daclState === 'absent')
      return {
        reason: 'the descriptor came back without its DACL (read without the SD flags control?)',
        detail: { control: sd.control },
      };
    return { sd };
  } catch (err) {
    if (!(err instanceof SdDecodeError)) throw err;
    return {
      reason: `the descriptor is malformed: ${err.message}`,
      detail: { code: err.code, structure: err.structure, field: err.field, offset: err.offset },
    };
  }
}

function missingRights(results: readonly AccessResult[]): BitDecision[] {
  return results.flatMap((r) => r.decisions.filter((d) => d.outcome === 'denied'));
}

function rightLabel(d: BitDecision, objectType: string | undefined): string {
  if (d.bit === ADS_RIGHTS.ADS_RIGHT_DS_CREATE_CHILD && objectType === SCHEMA_GUIDS.computer)
    return 'Create Computer objects';
  if (d.bit === ADS_RIGHTS.ADS_RIGHT_DS_READ_PROP && objectType === undefined) return 'Read All Properties';
  return d.right;
}

function accessEvidence(r: AccessResult) {
  return {
    requested: r.requested,
    ...(r.objectType !== undefined && { objectType: r.objectType }),
    allowed: r.allowed,
    decisions: r.decisions.map((d) => ({
      right: d.right,
      outcome: d.outcome,
      reason: d.reason,
      text: describeDecision(d),
      ...(d.ace && { ace: d.ace }),
    })),
    unevaluated: r.unevaluated,
  };
}

/** Deny ACEs that decided a right: an explicit deny wins over any grant, so it must go first. */
function denySteps(dn: string, decisions: readonly BitDecision[], who: Principal): RemediationStep[] {
  const denies = decisions.filter((d) => d.reason === 'ace' && d.outcome === 'denied' && d.ace);
  const seen = new Set<number>();
  return denies.flatMap((d) => {
    const ace = d.ace!;
    if (seen.has(ace.index)) return [];
    seen.add(ace.index);
    const own = ace.sid === who.sid && !ace.inherited;
    return [
      {
        text: `ACE #${ace.index} of ${dn} denies it: ${ace.description}. A deny ACE wins over any grant below it${ace.inherited ? '; this one is inherited, so remove it on the parent it comes from' : ''}. Remove it (Active Directory Users and Computers, ${dn}, Properties, Security, Advanced)${own ? ', or remove every explicit ACE of the account on the OU and grant again' : ''}:`,
        ...(own
          ? {
              commands: [
                { shell: 'cmd' as const, command: `dsacls ${cmdQuote(dn)} /R ${cmdQuote(who.name)}`, runOn: AD_TOOLS },
              ],
            }
          : {}),
      },
    ];
  });
}

function prestageSteps(cluster: NodeName, ou: string, who: Principal): RemediationStep[] {
  const cnoDn = `CN=${cluster.netbios},${ou}`;
  return [
    {
      text: `Or prestage the cluster name: a domain admin creates ${cluster.netbios} in ${ou}, disabled, and gives ${who.name} Full Control on it; cluster creation then uses that object.`,
      commands: [
        {
          shell: 'powershell',
          command: `New-ADComputer -Name ${psQuote(cluster.netbios)} -SamAccountName ${psQuote(cluster.netbios)} -Path ${psQuote(ou)} -Enabled $false -Description 'Failover cluster name object'`,
          runOn: AD_TOOLS,
        },
        { shell: 'cmd', command: `dsacls ${cmdQuote(cnoDn)} /G ${cmdQuote(`${who.name}:GA`)}`, runOn: AD_TOOLS },
        {
          shell: 'sh',
          command: `samba-tool computer add ${shQuote(cluster.netbios)} --computerou=${shQuote(ou)}`,
          runOn: 'a Samba DC (it creates the account disabled)',
        },
        {
          shell: 'sh',
          command: `samba-tool dsacl set --objectdn=${shQuote(cnoDn)} --sddl=${shQuote(`(A;;${FULL_CONTROL_SDDL};;;${who.sid})`)}`,
          runOn: 'a Samba DC',
        },
      ],
    },
  ];
}

function warnUnevaluated(ctx: Ctx, dn: string, results: readonly AccessResult[]): void {
  const unevaluated = results.flatMap((r) => r.unevaluated);
  const unique = [...new Map(unevaluated.map((u) => [u.index, u])).values()];
  if (unique.length === 0) return;
  ctx.report({
    status: 'warn',
    messageId: 'conditionalAces',
    subject: dn,
    data: { dn, count: unique.length },
    evidence: { unevaluated: unique },
    remediation: {
      summary: 'Verify the effective rights on a Windows machine',
      steps: [
        {
          text: `clusterprobe does not evaluate conditional (callback) ACEs. See the account's effective access to ${dn} in Active Directory Users and Computers (Properties, Security, Advanced, Effective Access), or list the ACL:`,
          commands: [{ shell: 'cmd', command: `dsacls ${cmdQuote(dn)}`, runOn: AD_TOOLS }],
        },
      ],
    },
  });
}

function warnQuota(ctx: Ctx, facts: AdFacts, container: string, cluster: NodeName): void {
  const quota = facts.domainHead?.machineAccountQuota ?? null;
  ctx.report({
    status: 'warn',
    messageId: 'machineAccountQuota',
    subject: container,
    data: { ou: container, quota: quota ?? 10, cluster: cluster.netbios },
    evidence: { container, machineAccountQuota: quota, domainHead: facts.domainHead?.dn ?? null },
    remediation: {
      summary: 'Put the cluster in an OU, or delegate Create Computer objects on the container to the cluster name',
      steps: [
        {
          text: `Each clustered role with a client access point (file server, SQL Server...) gets a computer object that the cluster name object ${cluster.netbios} creates next to itself. In ${container} it has no right to, so the machine account quota (${quota ?? 'default 10'}) counts them, and later roles fail. Move the nodes to an OU (see ad.ou.placement) and set activeDirectory.ou, or, once the cluster exists, give its name object that right:`,
          commands: [
            {
              shell: 'powershell',
              command: `$sid = (Get-ADComputer -Identity ${psQuote(cluster.netbios)}).SID; $acl = Get-Acl -Path ${psQuote(`AD:${container}`)}; $acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule($sid, 'CreateChild', 'Allow', [guid]'${SCHEMA_GUIDS.computer}'))); Set-Acl -Path ${psQuote(`AD:${container}`)} -AclObject $acl`,
              runOn: AD_TOOLS,
            },
          ],
        },
      ],
    },
  });
}

function checkPrestaged(
  ctx: Ctx,
  facts: AdFacts,
  cluster: NodeName,
  cno: ComputerObject,
  who: Principal,
  user: string,
): void {
  const data = { cluster: cluster.netbios, dn: cno.dn, user };
  const location = parentDn(cno.dn);
  if (cno.enabled) {
    ctx.report({
      status: 'fail',
      messageId: 'nameTaken',
      subject: cluster.netbios,
      data,
      evidence: { computer: cno },
      remediation: {
        summary: `Choose another cluster name, or disable ${cno.dn} if it is meant as the prestaged cluster name`,
        steps: [
          {
            text: `${cno.sAMAccountName} is an enabled account${cno.operatingSystem ? ` (operatingSystem: ${cno.operatingSystem})` : ''}: another computer, or a cluster that still exists, uses the name. If it is a cluster name object you prestaged (or one left over from a destroyed cluster), disable it and make sure ${user} has Full Control on it:`,
            commands: [
              { shell: 'powershell', command: `Disable-ADAccount -Identity ${psQuote(cno.dn)}`, runOn: AD_TOOLS },
              { shell: 'sh', command: `samba-tool user disable ${shQuote(cno.sAMAccountName)}`, runOn: 'a Samba DC' },
            ],
          },
          { text: 'Otherwise pick a free name for cluster.name in the spec.' },
        ],
      },
    });
    return;
  }
  const grant: RemediationStep = {
    text: `Give ${user} Full Control on ${cno.dn}:`,
    commands: [
      { shell: 'cmd', command: `dsacls ${cmdQuote(cno.dn)} /G ${cmdQuote(`${who.name}:GA`)}`, runOn: AD_TOOLS },
      {
        shell: 'sh',
        command: `samba-tool dsacl set --objectdn=${shQuote(cno.dn)} --sddl=${shQuote(`(A;;${FULL_CONTROL_SDDL};;;${who.sid})`)}`,
        runOn: 'a Samba DC',
      },
    ],
  };
  const decoded = facts.cnoSecurityDescriptor === undefined ? undefined : decode(facts.cnoSecurityDescriptor, '');
  if (decoded === undefined) {
    // Full Control includes Read Permissions: a descriptor it could not read is one it does not control.
    ctx.report({
      status: 'fail',
      messageId: 'prestagedUnreadable',
      subject: cluster.netbios,
      data,
      evidence: { computer: cno, tokenSids: who.token.map(describeSid) },
      remediation: { summary: `Give ${user} Full Control on the prestaged cluster name`, steps: [grant] },
    });
  } else if ('reason' in decoded) {
    ctx.report({
      status: 'error',
      messageId: 'descriptorUnusable',
      subject: cno.dn,
      data: { dn: cno.dn, reason: decoded.reason },
      evidence: { computer: cno, ...decoded.detail },
    });
  } else {
    const full = evaluateAccess(decoded.sd, who.token, { mask: DS_FULL_CONTROL });
    const evidence = { computer: cno, tokenSids: who.token.map(describeSid), fullControl: accessEvidence(full) };
    if (full.allowed) ctx.report({ status: 'pass', messageId: 'prestaged', subject: cluster.netbios, data, evidence });
    else {
      const missing = missingRights([full]);
      ctx.report({
        status: 'fail',
        messageId: 'prestagedNoFullControl',
        subject: cluster.netbios,
        data: { ...data, missing: missing.map((d) => d.right).join(', '), decisions: missing.map(describeDecision) },
        evidence,
        remediation: {
          summary: `Give ${user} Full Control on the prestaged cluster name`,
          steps: [...denySteps(cno.dn, missing, who), grant],
        },
      });
    }
    warnUnevaluated(ctx, cno.dn, [full]);
  }
  if (isContainer(location)) warnQuota(ctx, facts, location, cluster);
}

/** A prestaged cluster name found by its name (cn), whose account name is not the cluster name's: New-Cluster will not use it. */
function reportPrestagedByName(ctx: Ctx, cluster: NodeName, c: ComputerObject, nodes: readonly NodeName[]): void {
  const name = cluster.name.split('.')[0]!;
  const fits = name.length <= 15 && !nodes.some((n) => n.netbios === cluster.netbios);
  ctx.report({
    status: 'fail',
    messageId: 'prestagedByName',
    subject: cluster.netbios,
    data: {
      cluster: cluster.netbios,
      dn: c.dn,
      account: c.sAMAccountName,
      expected: `${cluster.netbios}$`,
      matchedBy: 'name',
      enabled: c.enabled,
    },
    evidence: { computer: c },
    remediation: {
      summary: fits
        ? `Give ${c.dn} the account name ${cluster.netbios}$, or remove it`
        : `Choose a valid cluster name (see ad.netbios.name), or remove ${c.dn}`,
      steps: [
        {
          text: `${c.dn} has the cluster's name as its cn, but its account name is ${c.sAMAccountName}: New-Cluster looks for the computer account ${cluster.netbios}$, will not use this object, and tries to create a new one in the nodes' OU (if that is ${parentDn(c.dn)}, the name is already taken there and the creation fails).`,
        },
        ...(fits
          ? [
              {
                text: `If it is the cluster name object you prestaged, give it the account name New-Cluster looks for (keep it disabled):`,
                commands: setAccountNameCommands(c, cluster.netbios, name),
              },
            ]
          : [
              {
                text: `The cluster name ${name} is not a valid NetBIOS name: choose another (ad.netbios.name suggests one), and prestage that.`,
              },
            ]),
        { text: 'If it is a leftover, remove it:' },
        ...removeStaleSteps(c),
      ],
    },
  });
}

function checkCreate(ctx: Ctx, facts: AdFacts, cluster: NodeName, who: Principal, user: string): void {
  const ou = facts.ou;
  if (!ou) {
    ctx.report({
      status: 'skipped',
      messageId: 'noTargetOu',
      subject: cluster.netbios,
      data: { cluster: cluster.netbios },
    });
    return;
  }
  if (!ou.exists) {
    ctx.report({
      status: 'fail',
      messageId: 'ouMissing',
      subject: ou.dn,
      data: { ou: ou.dn, cluster: cluster.netbios, source: ou.source },
      evidence: { ou },
      remediation: {
        summary: `Create ${ou.dn} or correct activeDirectory.ou`,
        steps: [
          {
            text: 'activeDirectory.ou names an OU that does not exist (see ad.ou.placement for the command that creates it); or set it to the OU the nodes are in.',
          },
        ],
      },
    });
    return;
  }
  const decoded = decode(
    ou.securityDescriptor,
    ou.error ?? `${user} could not read it (no Read Permissions on the OU?)`,
  );
  if ('reason' in decoded) {
    ctx.report({
      status: 'error',
      messageId: 'descriptorUnusable',
      subject: ou.dn,
      data: { dn: ou.dn, reason: decoded.reason },
      evidence: {
        ou: {
          ...ou,
          securityDescriptor: ou.securityDescriptor ? `${ou.securityDescriptor.length} base64 characters` : null,
        },
        ...decoded.detail,
      },
    });
    return;
  }
  const create = evaluateAccess(decoded.sd, who.token, {
    mask: ADS_RIGHTS.ADS_RIGHT_DS_CREATE_CHILD,
    objectType: SCHEMA_GUIDS.computer,
  });
  const read = evaluateAccess(decoded.sd, who.token, { mask: ADS_RIGHTS.ADS_RIGHT_DS_READ_PROP });
  const evidence = {
    ou: ou.dn,
    ouSource: ou.source,
    objectClass: ou.objectClass,
    tokenSids: who.token.map(describeSid),
    createComputer: accessEvidence(create),
    readAllProperties: accessEvidence(read),
  };
  // The OU most nodes are in may come from objects found only by name (prestaged): say so.
  const byName =
    ou.source === 'nodes'
      ? facts.nodes.flatMap((n) => {
          const m = nodeMatch(n, facts.computers ?? []);
          return m?.by === 'name' && parentDn(m.object.dn).toLowerCase() === ou.dn.toLowerCase() ? [n.name] : [];
        })
      : [];
  const data = {
    cluster: cluster.netbios,
    ou: ou.dn,
    user,
    ouSource: ou.source,
    ...(byName.length > 0 ? { nodesMatchedByName: byName } : {}),
  };
  if (create.allowed && read.allowed) {
    ctx.report({
      status: 'pass',
      messageId: 'canCreate',
      subject: cluster.netbios,
      data: { ...data, decisions: [...create.decisions, ...read.decisions].map(describeDecision) },
      evidence,
    });
  } else {
    const missing = [
      ...create.decisions
        .filter((d) => d.outcome === 'denied')
        .map((d) => ({ d, label: rightLabel(d, SCHEMA_GUIDS.computer) })),
      ...read.decisions.filter((d) => d.outcome === 'denied').map((d) => ({ d, label: rightLabel(d, undefined) })),
    ];
    const commands = [
      ...(create.allowed
        ? []
        : [
            {
              shell: 'cmd' as const,
              command: `dsacls ${cmdQuote(ou.dn)} /G ${cmdQuote(`${who.name}:CC;computer`)}`,
              runOn: AD_TOOLS,
            },
          ]),
      ...(read.allowed
        ? []
        : [
            {
              shell: 'cmd' as const,
              command: `dsacls ${cmdQuote(ou.dn)} /G ${cmdQuote(`${who.name}:RP`)}`,
              runOn: AD_TOOLS,
            },
          ]),
      ...(create.allowed
        ? []
        : [
            {
              shell: 'sh' as const,
              command: `samba-tool dsacl set --objectdn=${shQuote(ou.dn)} --sddl=${shQuote(`(OA;;CC;${SCHEMA_GUIDS.computer};;${who.sid})`)}`,
              runOn: 'a Samba DC',
            },
          ]),
      ...(read.allowed
        ? []
        : [
            {
              shell: 'sh' as const,
              command: `samba-tool dsacl set --objectdn=${shQuote(ou.dn)} --sddl=${shQuote(`(A;;RP;;;${who.sid})`)}`,
              runOn: 'a Samba DC',
            },
          ]),
    ];
    ctx.report({
      status: 'fail',
      messageId: 'cannotCreate',
      subject: cluster.netbios,
      data: {
        ...data,
        missing: missing.map((m) => m.label).join(' and '),
        decisions: missing.map((m) => describeDecision(m.d)),
      },
      evidence,
      remediation: {
        summary: `Delegate Create Computer objects${read.allowed ? '' : ' and Read All Properties'} on ${ou.dn} to ${user}, or prestage ${cluster.netbios}`,
        steps: [
          ...denySteps(
            ou.dn,
            missing.map((m) => m.d),
            who,
          ),
          {
            text: `Delegate to ${user} on ${ou.dn} what creating the cluster name needs (the Delegation of Control wizard's "Create Computer objects" does the same):`,
            commands,
          },
          ...prestageSteps(cluster, ou.dn, who),
        ],
      },
    });
  }
  warnUnevaluated(ctx, ou.dn, [create, read]);
  if (isContainer(ou.dn)) warnQuota(ctx, facts, ou.dn, cluster);
}

const check = {
  meta: {
    id: 'ad.cno.readiness',
    title: 'The cluster name object can be created, or is prestaged correctly',
    area: 'ad',
    description:
      "The cluster name (cluster.name) must be free or prestaged. Free: the bind account must have Create Computer objects and Read All Properties on the OU the cluster goes into (activeDirectory.ou, else the OU most nodes are in), decided from the OU's DACL (read with the SD flags control) and the account's tokenGroups by clusterprobe's own access check: allow and deny ACEs in order, object ACEs for the computer class or for all classes, inherited ones included. Prestaged: the computer object must be disabled and the bind account must have Full Control on it; an object found only by the cluster name (its cn) with another account name fails, since New-Cluster will not use it. The OU most nodes are in counts prestaged node objects found by name too. Warns when the cluster name goes into a container such as CN=Computers (machine account quota).",
    why: 'Creating a failover cluster creates its cluster name object (CNO) in Active Directory as the installing account. Without the right, cluster creation fails late, after validation, with a vague "unable to create the computer object". Roles\' computer objects are then created by the CNO itself; in CN=Computers only ms-DS-MachineAccountQuota (10 by default) of them.',
    docs: 'docs/checks/ad.cno.readiness.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      'dsacls "<OU DN>" /G "<user>:CC;computer" (and :RP), or samba-tool dsacl set with (OA;;CC;bf967a86-0de6-11d0-a285-00aa003049e2;;<SID>).',
      'Prestage: New-ADComputer -Name <CLUSTER> -SamAccountName <CLUSTER> -Path \'<OU>\' -Enabled $false, then dsacls "<CNO DN>" /G "<user>:GA".',
      'Move the nodes out of CN=Computers into an OU, or delegate Create Computer objects to the cluster name object.',
    ],
  },
  async run(ctx) {
    const read = await adConnectedOrSkip(ctx);
    if (!read) return;
    const { facts } = read;
    const cluster = facts.cluster;
    if (!cluster) {
      ctx.report({ status: 'skipped', messageId: 'noClusterName' });
      return;
    }
    const spec = await ctx.fact('spec');
    const user = facts.connection.boundAs ?? spec.activeDirectory?.bind?.user;
    const identity = facts.bindIdentity;
    if (!user || !identity) {
      ctx.report({
        status: 'skipped',
        messageId: 'anonymous',
        subject: cluster.netbios,
        data: { cluster: cluster.netbios },
      });
      return;
    }
    if ('error' in identity || identity.sid === null) {
      ctx.report({
        status: 'error',
        messageId: 'identityUnreadable',
        subject: user,
        data: { user, error: 'error' in identity ? identity.error : 'its objectSid could not be read' },
        evidence: { bindIdentity: identity },
      });
      return;
    }
    let token: string[];
    try {
      token = networkLogonToken(identity.sid, identity.tokenGroups);
    } catch (err) {
      // normalizeSid throws RangeError for a SID string it cannot parse (facts edited by hand, a revision other than 1).
      if (!(err instanceof RangeError)) throw err;
      ctx.report({
        status: 'error',
        messageId: 'identityUnreadable',
        subject: user,
        data: { user, error: err.message },
        evidence: { bindIdentity: identity },
      });
      return;
    }
    const who: Principal = { name: user, sid: identity.sid, token };
    const cno = facts.computers.find((c) => c.sAMAccountName.toUpperCase() === `${cluster.netbios}$`);
    if (cno) {
      checkPrestaged(ctx, facts, cluster, cno, who, user);
      return;
    }
    const byName = facts.computers.find((c) => matchesByName(c, cluster));
    if (byName) reportPrestagedByName(ctx, cluster, byName, facts.nodes);
    checkCreate(ctx, facts, cluster, who, user);
  },
} satisfies Check;

export default check;
