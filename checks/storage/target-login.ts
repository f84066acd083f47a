import type { Check } from '../../src/engine/contract.ts';
import type { RemediationStep } from '../../src/engine/report.ts';
import { parsePortal } from '../../src/facts/portal.ts';
import { secretFix } from '../shared/lib/secret-fix.ts';
import { placeholder, psQuote, shQuote } from '../../src/quote.ts';
import type { LoginFact, PortalFact, TargetFact } from '../../src/facts/index.ts';
import type { Action } from '../../src/engine/report.ts';
import { aclSoftwareOf, targetAclAction } from './lib/target-actions.ts';

const messages = {
  loggedIn: '{node} logs in to {target} as {initiator}{identityNote}',
  aclMissing:
    '{target} refuses {node} ({initiator}{identityNote}) with "target not found" while {allowed} logs in: {initiator} is missing from the target\'s access list',
  targetNotFound:
    'No node can log in to {target} on {portal}: the portal answers "target not found" (no such target, or none of the nodes\' initiator names is in its access list)',
  notAuthorized:
    '{target} refuses {node} ({initiator}{identityNote}): authorization failure (the initiator is not allowed)',
  chapFailed:
    '{target} refuses the CHAP login of {node} as user "{chapUser}": wrong secret, or the account is not bound to this target',
  chapRequired: '{target} requires CHAP authentication, and the spec configures none for {portal}',
  mutualChapFailed: 'Mutual CHAP with {target} failed for {node}: {error}',
  loginError: '{node} cannot log in to {target} on {portal}: {error}',
  noTargets: 'Portal {portal} lists no target for any node identity, and the spec names none',
  noPortals: 'The spec names no iSCSI portal (storage.iscsi): no target to log in to',
  portalsUnreachable: 'No portal could be reached ({portal}): no login was tried (see storage.portal.reachable)',
  secretMissing: 'The CHAP secret for {portal} could not be read: {error}',
} as const;

function identityNote(l: LoginFact): string {
  if (l.source === 'windows')
    return ', as the node reported it (see nodes.initiator.iqn): the spec gives no iqn for this node';
  return l.derived ? ', derived from the host name: the spec gives no iqn for this node' : '';
}

function aclSteps(target: string, initiator: string, portal: string, derived: boolean): RemediationStep[] {
  const host = parsePortal(portal).host;
  const steps: RemediationStep[] = [];
  if (derived) {
    steps.push({
      text: "The initiator name was derived from the host name. Read the node's real one and put it in the spec (nodes[].iqn):",
      commands: [
        {
          shell: 'powershell',
          command: '(Get-InitiatorPort | Where-Object ConnectionType -eq iSCSI).NodeAddress',
          runOn: 'the node',
        },
      ],
    });
  }
  steps.push({
    text: `Add ${initiator} to the access list of ${target} on the storage (${host}); the command depends on the target software:`,
    commands: [
      {
        shell: 'sh',
        command: `tgtadm --lld iscsi --op bind --mode target --tid ${placeholder('tid', 'sh')} --initiator-name ${shQuote(initiator)}   # tgt; find <tid> with: tgtadm --lld iscsi --op show --mode target`,
        runOn: host,
      },
      {
        shell: 'sh',
        command: `targetcli ${shQuote(`/iscsi/${target}/tpg1/acls`)} create ${shQuote(initiator)}   # LIO`,
        runOn: host,
      },
      {
        shell: 'powershell',
        command: `Set-IscsiServerTarget -TargetName ${placeholder('target name', 'powershell')} -InitiatorIds ((Get-IscsiServerTarget -TargetName ${placeholder('target name', 'powershell')}).InitiatorIds + ${psQuote(`IQN:${initiator}`)})   # Windows iSCSI Target Server`,
        runOn: host,
      },
    ],
  });
  steps.push({
    text: 'Other arrays: add the initiator name to the host (or host group) that the LUNs are mapped to, then run clusterprobe again.',
  });
  return steps;
}

function chapSteps(target: string, portal: string, user: string | undefined): RemediationStep[] {
  const host = parsePortal(portal).host;
  const u = user ?? '<user>';
  const uSh = user !== undefined ? shQuote(user) : placeholder('user', 'sh');
  const tid = placeholder('tid', 'sh');
  const secret = placeholder('secret', 'sh');
  return [
    {
      text: `Make the CHAP account on the storage match the spec (user "${u}"; set the secret the spec's reference points to; it is never shown here):`,
      commands: [
        {
          shell: 'sh',
          command: `tgtadm --lld iscsi --op new --mode account --user ${uSh} --password ${secret} && tgtadm --lld iscsi --op bind --mode account --tid ${tid} --user ${uSh}   # tgt`,
          runOn: host,
        },
        {
          shell: 'sh',
          command: `targetcli ${shQuote(`/iscsi/${target}/tpg1`)} set attribute authentication=1 && targetcli ${shQuote(`/iscsi/${target}/tpg1/acls/<initiator>`)} set auth ${shQuote(`userid=${u}`)} password=${secret}   # LIO`,
          runOn: host,
        },
      ],
    },
    {
      text: 'On each node, connect with the same credentials:',
      commands: [
        {
          shell: 'powershell',
          command: `Connect-IscsiTarget -NodeAddress ${psQuote(target)} -TargetPortalAddress ${psQuote(host)} -AuthenticationType ONEWAYCHAP -ChapUsername ${psQuote(u)} -ChapSecret ${placeholder('secret', 'powershell')} -IsPersistent $true`,
          runOn: 'each node',
        },
      ],
    },
  ];
}

function classify(portal: PortalFact, target: TargetFact, login: LoginFact) {
  const base = {
    node: login.node,
    initiator: login.initiator,
    target: target.name,
    portal: portal.portal,
    identityNote: identityNote(login),
    chapUser: portal.chapUser,
    error: login.message,
    derived: login.derived,
  };
  const evidence = {
    target: target.name,
    portal: portal.portal,
    initiator: login.initiator,
    derived: login.derived,
    status: login.status,
    statusClass: login.statusClass,
    statusDetail: login.statusDetail,
    message: login.message,
    listedBySendTargetsFor: target.listedFor,
  };
  const allowed = target.logins.filter((l) => l.status === 'ok').map((l) => l.node);
  /** A failed login: its message, the fix, and the base data (or `data`, for more). */
  const fail = (f: {
    messageId: keyof typeof messages;
    summary: string;
    steps: RemediationStep[];
    data?: typeof base & Record<string, unknown>;
    actions?: Action[];
  }) => ({
    status: 'fail' as const,
    messageId: f.messageId,
    data: f.data ?? base,
    evidence,
    remediation: { summary: f.summary, steps: f.steps, ...(f.actions ? { actions: f.actions } : {}) },
  });
  switch (login.status) {
    case 'ok':
      return { status: 'pass' as const, messageId: 'loggedIn', data: base };
    case 'not-found':
      if (allowed.length > 0) {
        const steps = aclSteps(target.name, login.initiator, portal.portal, login.derived);
        // Another node got in, so the access list is the cause; the LUNs it read name the software.
        // A derived initiator name may not be the node's real one: no action until the spec says.
        const software = aclSoftwareOf(target.logins.flatMap((l) => l.luns ?? []));
        return fail({
          messageId: 'aclMissing',
          summary: `Allow ${login.initiator} on ${target.name}`,
          steps,
          data: { ...base, allowed: allowed.join(', ') },
          ...(login.derived ? {} : { actions: [targetAclAction(target.name, login.initiator, software, steps)] }),
        });
      }
      return fail({
        messageId: 'targetNotFound',
        summary: `Check the name of ${target.name} and its access list`,
        steps: [
          {
            text: `List the targets the portal offers and compare with the spec's storage.iscsi[].targets.`,
            commands: [{ shell: 'sh', command: `clusterprobe iscsi discover --portal ${shQuote(portal.portal)}` }],
          },
          ...aclSteps(target.name, login.initiator, portal.portal, login.derived),
        ],
      });
    case 'not-authorized':
      return fail({
        messageId: 'notAuthorized',
        summary: `Allow ${login.initiator} on ${target.name}`,
        steps: aclSteps(target.name, login.initiator, portal.portal, login.derived),
      });
    case 'auth-failed':
      return portal.chap === 'none'
        ? fail({
            messageId: 'chapRequired',
            summary: `Configure CHAP for ${portal.portal}`,
            steps: [
              {
                text: 'Add the CHAP user and a secret reference to the portal in the spec: chap: { user: <user>, secret: env:CHAP_SECRET }.',
              },
              ...chapSteps(target.name, portal.portal, undefined),
            ],
          })
        : fail({
            messageId: 'chapFailed',
            summary: `Fix CHAP for user ${portal.chapUser ?? ''} on ${target.name}`,
            steps: chapSteps(target.name, portal.portal, portal.chapUser),
          });
    case 'negotiation':
      if (login.negotiation === 'mutualChap')
        return fail({
          messageId: 'mutualChapFailed',
          summary: 'Make the mutual CHAP secrets agree',
          steps: [
            {
              text: `Set the target's outgoing (mutual) CHAP account to the user and secret of the spec's chap.mutualUser / chap.mutualSecret.`,
              commands: [
                {
                  shell: 'sh',
                  command: `tgtadm --lld iscsi --op bind --mode account --tid ${placeholder('tid', 'sh')} --user ${placeholder('mutual user', 'sh')} --outgoing   # tgt`,
                  runOn: parsePortal(portal.portal).host,
                },
              ],
            },
          ],
        });
      return fail({
        messageId: 'loginError',
        summary: 'Fix the login negotiation',
        steps: [
          {
            text: "The target and clusterprobe could not agree on the login parameters; the evidence has the target's words.",
          },
        ],
      });
    default:
      return fail({
        messageId: 'loginError',
        summary: `Make ${target.name} answer logins`,
        steps: [
          {
            text: 'Check that the portal is reachable (storage.portal.reachable) and the target service healthy, then retry.',
            commands: [
              {
                shell: 'powershell',
                command: `Test-NetConnection -ComputerName ${psQuote(parsePortal(portal.portal).host)} -Port ${parsePortal(portal.portal).port}`,
                runOn: 'each node',
              },
            ],
          },
        ],
      });
  }
}

const check = {
  meta: {
    id: 'storage.target.login',
    title: 'Every node identity can log in to every target',
    area: 'storage',
    description:
      "For each target (named in the spec, or listed by SendTargets) and each node's initiator name (nodes[].iqn, or Windows' default iqn.1991-05.com.microsoft:<fqdn> when absent, flagged as derived), a login with the portal's CHAP settings. Failures are translated: CHAP (wrong secret, or CHAP required), an initiator missing from the access list (\"target not found\" for one node while another logs in), authorization failure, target not found for everyone.",
    why: 'Every node of a failover cluster must see every cluster disk. A node left out of a target\'s access list sees no disk, and the target only says "target not found"; Windows validation then fails the storage tests without naming the access list.',
    docs: 'docs/checks/storage.target.login.md',
    severity: 'fail',
    facts: ['storage.inventory'],
    messages,
    remediations: [
      'Add the missing initiator name to the target access list (tgtadm, targetcli, Set-IscsiServerTarget, or the array host group).',
      'Align the CHAP account on the target with the spec, and connect the nodes with it.',
      "Read the node's real initiator name with Get-InitiatorPort when the spec has none.",
    ],
  },
  async run(ctx) {
    const facts = await ctx.fact('storage.inventory');
    let reported = 0;
    for (const portal of facts.portals) {
      if (portal.reach.status !== 'ok') continue;
      if (portal.secretError !== undefined) {
        ctx.report({
          status: 'fail',
          messageId: 'secretMissing',
          subject: portal.portal,
          data: { portal: portal.portal, error: portal.secretError },
          remediation: portal.secretProblem
            ? secretFix(portal.secretProblem)
            : {
                summary: 'Make the CHAP secret reference resolvable',
                steps: [
                  {
                    text: 'Set the environment variable the reference names in the shell that runs clusterprobe, or point file: at a readable file, or use prompt on a terminal. The secret never goes in the spec or on the command line.',
                  },
                ],
              },
        });
        reported += 1;
        continue;
      }
      if (portal.targets.length === 0) {
        ctx.report({
          status: 'warn',
          messageId: 'noTargets',
          subject: portal.portal,
          data: { portal: portal.portal },
          evidence: { discovery: portal.discovery },
          remediation: {
            summary: 'Name the cluster targets',
            steps: [
              {
                text: "Add the target names to storage.iscsi[].targets in the spec, or allow the nodes' initiator names on the targets so SendTargets lists them.",
              },
            ],
          },
        });
        reported += 1;
        continue;
      }
      for (const target of portal.targets) {
        for (const login of target.logins) {
          const r = classify(portal, target, login);
          ctx.report({ ...r, subject: `${target.name} ${login.node}` });
          reported += 1;
        }
      }
    }
    if (reported > 0) return;
    if (facts.portals.length === 0) ctx.report({ status: 'skipped', messageId: 'noPortals' });
    else
      ctx.report({
        status: 'skipped',
        messageId: 'portalsUnreachable',
        data: { portal: facts.portals.map((p) => p.portal).join(', ') },
        evidence: { reach: facts.portals.map((p) => ({ portal: p.portal, ...p.reach })) },
      });
  },
} satisfies Check;

export default check;
