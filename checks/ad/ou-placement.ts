import type { Check } from '../../src/engine/contract.ts';
import type { ActionScript, RemediationStep } from '../../src/engine/report.ts';
import { actionKey, psParam, shParam } from '../../src/engine/action.ts';
import type { ComputerObject, MatchedBy, NodeName } from '../../src/facts/index.ts';
import { isContainer, nodeMatch, parentDn } from '../../src/facts/ad-names.ts';
import { psQuote, shQuote } from '../../src/quote.ts';
import { splitRdns } from '../../src/dn.ts';
import { DOMAIN_CREDENTIAL, newNameParam, newNameParamOf } from '../shared/lib/script-params.ts';
import { clusterRenameSuggester, hostLabel } from './lib/computer-account.ts';
import { AD_GATE_MESSAGES, adConnectedOrSkip } from './lib/gate.ts';

const messages = {
  sameOu: 'All {count} nodes are in {ou}',
  differentOu: '{node} is in {current}; {others} in {target}',
  notInConfiguredOu: '{node} is in {current}, not in the configured OU {target}',
  inContainer:
    '{node} is in the container {current}, not in an OU: no Group Policy can be linked to it, and a cluster name created there is limited by the machine account quota',
  configuredOuMissing: 'The configured OU {target} (activeDirectory.ou) does not exist',
  noComputerObject: '{node} has no computer object: its placement is not checked here (see ad.computer.account)',
  noNodeObjects: 'None of the {count} nodes has a computer object: nothing to place (see ad.computer.account)',
  notConnected: 'The directory could not be read: placement not checked (see ad.connect)',
  ...AD_GATE_MESSAGES,
} as const;

interface Placed {
  readonly node: NodeName;
  readonly object: ComputerObject;
  /** `name`: a prestaged object found by its name, whose account name is not the one the node will join as (see ad.computer.account). */
  readonly by: MatchedBy;
  readonly parent: string;
}

/** A DN compared the way AD does for these purposes: case-insensitive, spaces around separators ignored. */
function dnKey(dn: string): string {
  return splitRdns(dn)
    .map((r) =>
      r
        .trim()
        .replace(/\s*=\s*/, '=')
        .toLowerCase(),
    )
    .join(',');
}

/** The OU most nodes are in (containers never win; a tie goes to the OU of the first node listed). */
function majorityOu(placed: readonly Placed[]): { dn: string; count: number; tie: boolean } | undefined {
  const groups = new Map<string, Placed[]>();
  for (const p of placed) {
    if (isContainer(p.parent)) continue;
    const key = dnKey(p.parent);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const ranked = [...groups.values()].sort((a, b) => b.length - a.length);
  const best = ranked[0];
  if (!best) return undefined;
  return { dn: best[0]!.parent, count: best.length, tie: ranked.length > 1 && ranked[1]!.length === best.length };
}

function moveSteps(p: Placed, target: string): RemediationStep[] {
  const sam = p.object.sAMAccountName.replace(/\$$/, '');
  return [
    {
      text: `Move ${p.node.name}'s computer object from ${p.parent} to ${target}:`,
      commands: [
        {
          shell: 'powershell',
          command: `Move-ADObject -Identity ${psQuote(p.object.dn)} -TargetPath ${psQuote(target)}`,
          runOn:
            'a machine with the AD PowerShell module, as an account allowed to move computer objects between the two',
        },
        { shell: 'sh', command: `samba-tool computer move ${shQuote(sam)} ${shQuote(target)}`, runOn: 'a Samba DC' },
      ],
    },
    {
      text: `Then let ${p.node.name} pick up the Group Policy of its new OU:`,
      commands: [{ shell: 'powershell', command: 'gpupdate /force', runOn: p.node.name }],
    },
  ];
}

/** A DN as the directory writes it back: no spaces around `,` and `=` (case is left to the comparison). */
function tidyDn(dn: string): string {
  return splitRdns(dn)
    .map((r) => r.trim().replace(/\s*=\s*/, '='))
    .join(',');
}

/** `text` as a literal inside a POSIX extended regular expression. */
function ereLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** What the move's script needs to know beyond the placement: where the object may be renamed to, and an OU to create first. */
interface MoveScriptInput {
  readonly domain: string;
  /** The node is renamed in the plan too (rename-node): the move runs after it, on the object's new name. */
  readonly renamedTo?: string;
  /** The destination OU does not exist yet: its name and parent. */
  readonly createOu?: { readonly name: string; readonly parent: string };
}

/**
 * The script form of moving a node's computer object. The object is found by its objectSid,
 * which neither the move nor a rename changes; when the node is also renamed in the plan
 * (rename-node runs first, ORDER_RULES), the name to look for is the rename's own parameter
 * (newNameParam: one value for both), with the object's current account name as the fallback.
 * samba-tool finds a computer by account name only, so the sh fragment asks under the new name
 * first and takes it only when its objectSid is the node's. Done when the object's parent is the
 * target. `samba-tool computer move` into the OU the object is already in succeeds, so the apply
 * is harmless to repeat.
 */
function moveScript(p: Placed, target: string, input: MoveScriptInput): ActionScript {
  const cred = psParam('DomainCredential');
  const sid = p.object.objectSid;
  const to = tidyDn(target);
  const newName = input.renamedTo !== undefined ? newNameParam(hostLabel(p.node)) : undefined;
  const pdc = `$pdc = (Get-ADDomain -Identity ${psQuote(input.domain)} -Credential ${cred}).PDCEmulator`;
  const byName = (name: string) => `Get-ADComputer -Identity ${name} -Server $pdc -Credential ${cred}`;
  const find =
    sid !== null
      ? `Get-ADComputer -Identity ${psQuote(sid)} -Server $pdc -Credential ${cred}`
      : newName !== undefined
        ? `try { ${byName(`(${psParam(newName)} + '$')`)} } catch { ${byName(psQuote(p.object.sAMAccountName))} }`
        : byName(psQuote(p.object.sAMAccountName));
  const createOuPs = input.createOu
    ? [
        `try { $null = Get-ADOrganizationalUnit -Identity ${psQuote(to)} -Server $pdc -Credential ${cred} } catch { New-ADOrganizationalUnit -Name ${psQuote(input.createOu.name)} -Path ${psQuote(input.createOu.parent)} -Server $pdc -Credential ${cred} }`,
      ]
    : [];
  const powershell = {
    test: [
      pdc,
      `$c = try { ${find} } catch { $null }`,
      `($null -ne $c) -and (($c.DistinguishedName -replace '^(?:[^,\\\\]|\\\\.)+,', '') -eq ${psQuote(to)})`,
    ].join('\n'),
    apply: [
      pdc,
      ...createOuPs,
      `$c = ${find}`,
      `Move-ADObject -Identity $c -TargetPath ${psQuote(to)} -Server $pdc -Credential ${cred}`,
    ].join('\n'),
  };
  const old = shQuote(p.object.sAMAccountName);
  const sidLine = sid !== null ? `objectSid: ${sid}` : undefined;
  // One `show` prints the dn line and the objectSid line: both must match (grep -c counts the lines).
  const placed = (name: string) =>
    `samba-tool computer show ${name} --attributes=objectSid 2>/dev/null | grep -Eicx -e ${shQuote(`dn: CN=([^,\\\\]|\\\\.)+,${ereLiteral(to)}`)}${sidLine ? ` -e ${shQuote(ereLiteral(sidLine))}` : ''} | grep -qx ${sidLine ? 2 : 1}`;
  const isOurs = (name: string) =>
    sidLine
      ? `samba-tool computer show ${name} --attributes=objectSid 2>/dev/null | grep -qixF ${shQuote(sidLine)}`
      : `samba-tool computer show ${name} >/dev/null 2>&1`;
  const move = (name: string) => `samba-tool computer move ${name} ${shQuote(to)}`;
  const createOuSh = input.createOu
    ? [`samba-tool ou listobjects ${shQuote(to)} >/dev/null 2>&1 || samba-tool ou add ${shQuote(to)}`]
    : [];
  const renamed = newName !== undefined ? shParam(newName) : undefined;
  const sh = {
    system: 'samba' as const,
    test: renamed !== undefined ? `${placed(renamed)} || ${placed(old)}` : placed(old),
    apply: [
      ...createOuSh,
      renamed !== undefined ? `if ${isOurs(renamed)}; then ${move(renamed)}; else ${move(old)}; fi` : move(old),
    ].join('\n'),
  };
  const params = [
    ...(input.renamedTo !== undefined ? [newNameParamOf(hostLabel(p.node), input.renamedTo)] : []),
    DOMAIN_CREDENTIAL,
  ];
  return { params, powershell, sh };
}

/** The OU the move must create first: the suggested one when no node is in an OU, or a configured one that is missing. */
function ouToCreate(
  destination: string,
  target: string | undefined,
  configured: string | undefined,
  ou: { readonly dn: string; readonly exists: boolean } | undefined,
): { createOu: { name: string; parent: string } } | undefined {
  const missing =
    destination !== target ||
    (configured !== undefined && ou !== undefined && dnKey(ou.dn) === dnKey(configured) && !ou.exists);
  const rdn = /^\s*OU\s*=\s*((?:[^,\\]|\\.)+)/i.exec(destination);
  return missing && rdn ? { createOu: { name: rdn[1]!.trim(), parent: tidyDn(parentDn(destination)) } } : undefined;
}

const check = {
  meta: {
    id: 'ad.ou.placement',
    title: "All nodes' computer objects are in the same OU (the configured one, if any)",
    area: 'ad',
    description:
      'Finds each node\'s computer object (sAMAccountName = NetBIOS name + "$", else dNSHostName = FQDN, else a prestaged object found by its name: cn = host name, or the whole host name + "$" as account name; findings say matchedBy) and the container it is in. Fails for every node outside the OU the others are in (or outside activeDirectory.ou when it is given), and for every node in a container such as CN=Computers rather than an OU, naming where each node is and where it should be.',
    why: 'Microsoft\'s cluster validation checks that all nodes are in the same OU, and the review found its wizard only "pointed vaguely" at the misplaced node. Nodes in different OUs get different Group Policy; CN=Computers is a container, so no GPO can be linked to it, and a cluster name object created there can create only as many computer objects for clustered roles as ms-DS-MachineAccountQuota allows (10 by default).',
    docs: 'docs/checks/ad.ou.placement.md',
    severity: 'fail',
    facts: ['ad.directory', 'spec'],
    messages,
    remediations: [
      "Move-ADObject -Identity '<node DN>' -TargetPath '<OU DN>' for each misplaced node (samba-tool computer move on Samba), into the OU most nodes are in or the configured one; create the configured OU if it is missing.",
    ],
  },
  async run(ctx) {
    const read = await adConnectedOrSkip(ctx);
    if (!read) return;
    const { facts, computers } = read;
    const spec = await ctx.fact('spec');
    const configured = spec.activeDirectory?.ou;

    const placed: Placed[] = [];
    for (const node of facts.nodes) {
      const match = nodeMatch(node, computers);
      if (match) placed.push({ node, object: match.object, by: match.by, parent: parentDn(match.object.dn) });
      else
        ctx.report({
          status: 'skipped',
          messageId: 'noComputerObject',
          subject: node.name,
          data: { node: node.name, fqdn: node.fqdn, netbios: node.netbios },
        });
    }
    if (placed.length === 0) {
      ctx.report({ status: 'skipped', messageId: 'noNodeObjects', data: { count: facts.nodes.length } });
      return;
    }

    const baseDn = facts.domainHead?.dn ?? parentDn(parentDn(placed[0]!.object.dn));
    // The names the ad.netbios.* checks will have renamed by the time the move runs.
    const renames = clusterRenameSuggester(facts, computers).suggestions;
    const majority = majorityOu(placed);
    const target = configured ?? majority?.dn;
    const where = Object.fromEntries(placed.map((p) => [p.node.name, p.parent]));
    const evidence = {
      placement: placed.map((p) => ({
        node: p.node.name,
        dn: p.object.dn,
        parent: p.parent,
        sAMAccountName: p.object.sAMAccountName,
        matchedBy: p.by,
      })),
      configuredOu: configured ?? null,
      majorityOu: majority ?? null,
    };
    const matchedByName = placed.filter((p) => p.by === 'name').map((p) => p.node.name);

    if (configured && facts.ou && dnKey(facts.ou.dn) === dnKey(configured) && !facts.ou.exists) {
      const rdn = /^\s*OU\s*=\s*((?:[^,\\]|\\.)+)/i.exec(configured);
      const parent = parentDn(configured);
      ctx.report({
        status: 'fail',
        messageId: 'configuredOuMissing',
        subject: configured,
        data: { target: configured },
        evidence: { ou: facts.ou, ...evidence },
        remediation: {
          summary: `Create ${configured}, or correct activeDirectory.ou`,
          steps: [
            {
              text: `Create the OU (its parent ${parent} must exist), or set activeDirectory.ou to the OU you meant:`,
              commands: rdn
                ? [
                    {
                      shell: 'powershell',
                      command: `New-ADOrganizationalUnit -Name ${psQuote(rdn[1]!.trim())} -Path ${psQuote(parent)}`,
                      runOn: 'a machine with the AD PowerShell module',
                    },
                    { shell: 'sh', command: `samba-tool ou add ${shQuote(configured)}`, runOn: 'a Samba DC' },
                  ]
                : [],
            },
          ],
        },
      });
    }

    let problems = 0;
    for (const p of placed) {
      const inTarget = target !== undefined && dnKey(p.parent) === dnKey(target);
      const container = isContainer(p.parent);
      if (inTarget && !container) continue;
      problems += 1;
      const others = placed
        .filter((o) => o !== p && target !== undefined && dnKey(o.parent) === dnKey(target))
        .map((o) => o.node.name);
      // Nowhere better to go (every node in a container, no OU configured): suggest a new OU.
      const destination = target !== undefined && !isContainer(target) ? target : `OU=Clusters,${baseDn}`;
      const messageId = container ? 'inContainer' : configured ? 'notInConfiguredOu' : 'differentOu';
      const steps: RemediationStep[] = [];
      if (destination !== target) {
        steps.push({
          text: `No node is in an OU yet: create one for the cluster (${destination} is a suggestion) and set activeDirectory.ou to it, so the cluster name object goes there too:`,
          commands: [
            {
              shell: 'powershell',
              command: `New-ADOrganizationalUnit -Name 'Clusters' -Path ${psQuote(baseDn)}`,
              runOn: 'a machine with the AD PowerShell module',
            },
            { shell: 'sh', command: `samba-tool ou add ${shQuote(destination)}`, runOn: 'a Samba DC' },
          ],
        });
      }
      if (p.by === 'name') {
        steps.push({
          text: `${p.object.dn} was found by ${p.node.name}'s name, not by its account: its account name ${p.object.sAMAccountName} is not the one ${p.node.name} will join as (${p.node.netbios}$), so fix that first (see ad.computer.account), or the join will create another object wherever it is told to.`,
        });
      }
      steps.push(...moveSteps(p, destination));
      if (!configured && majority?.tie) {
        const first = placed.find((o) => !isContainer(o.parent))!;
        steps.push({
          text: `The nodes are split evenly between OUs; ${destination} was chosen because ${first.node.name}, the first node listed that is in an OU, is there. Moving the others the other way works as well, or set activeDirectory.ou to decide.`,
        });
      }
      ctx.report({
        status: 'fail',
        messageId,
        subject: p.node.name,
        data: {
          node: p.node.name,
          dn: p.object.dn,
          matchedBy: p.by,
          current: p.parent,
          target: destination,
          others: others.length > 0 ? others.join(', ') + (others.length === 1 ? ' is' : ' are') : 'no other node is',
          configured: configured ?? null,
          where,
        },
        evidence,
        remediation: {
          summary: `Move ${p.node.name} to ${destination}`,
          steps,
          actions: [
            {
              key: actionKey('move-ou', p.node.name.split('.')[0]!),
              title: `Move ${p.node.name} to ${destination}`,
              runsOn: 'dc',
              steps,
              restart: false,
              reversible: true,
              disruption: 'none',
              script: moveScript(p, destination, {
                domain: facts.domain,
                ...(renames.has(hostLabel(p.node)) ? { renamedTo: renames.get(hostLabel(p.node))! } : {}),
                ...(ouToCreate(destination, target, configured, facts.ou) ?? {}),
              }),
            },
          ],
        },
      });
    }
    if (problems === 0) {
      const ou = placed[0]!.parent;
      ctx.report({
        status: 'pass',
        messageId: 'sameOu',
        subject: ou,
        data: { count: placed.length, ou, configured: configured ?? null, where, matchedByName },
        evidence,
      });
    }
  },
} satisfies Check;

export default check;
