import type { Check } from '../../src/engine/contract.ts';
import {
  dnsIncompatibleCharacters,
  nameProblems,
  netbiosName,
  NETBIOS_MAX,
  type NameProblem,
} from '../../src/netbios.ts';
import { NAMES_GATE_MESSAGES, declaredNamesOrSkip, renameRemediation, renameSuggestions } from './lib/names.ts';

/** Every NameProblem kind has a message of the same id: a new kind without one fails to compile. */
const messages = {
  valid: '{kind} name "{name}" is a valid NetBIOS name',
  tooLong:
    '{kind} name "{name}" is {length} characters long; NetBIOS allows {max}, so Windows truncates it to "{netbiosName}"',
  forbiddenCharacters: '{kind} name "{name}" contains characters NetBIOS forbids: {characters}',
  allDigits: '{kind} name "{name}" is only digits, which NetBIOS does not allow',
  leadingPeriod: '{kind} name "{name}" starts with a period, which NetBIOS does not allow',
  empty: '{kind} name is empty',
  ...NAMES_GATE_MESSAGES,
  dnsIncompatible: '{kind} name "{name}" contains {characters}: allowed in NetBIOS names but not in DNS host names',
} as const satisfies Record<NameProblem['kind'] | 'valid' | 'noNames' | 'dnsIncompatible', string>;

const check = {
  meta: {
    id: 'config.netbios.name',
    title: 'Node and cluster names are valid NetBIOS names',
    area: 'config',
    description:
      'Every node name and the cluster name in the spec: at most 15 characters, none of \\ / : * ? " < > |, not only digits, no leading period. Characters that NetBIOS allows but DNS host names do not (underscore, space...) warn.',
    why: "Windows derives each computer's NetBIOS name from the first 15 characters of its host name. A longer name is silently truncated, so the name other machines resolve is not the one you typed: the review's lab saw intermittent network failures from exactly this. The cluster name object (CNO) follows the same rules.",
    docs: 'docs/checks/config.netbios.name.md',
    severity: 'fail',
    facts: ['spec', 'ad.directory'],
    messages,
    remediations: [
      "Rename the node with Rename-Computer to the suggested name, which is valid and unique among the cluster's names, then update the spec.",
      'Choose the suggested cluster name when running New-Cluster, and update cluster.name in the spec.',
    ],
  },
  async run(ctx) {
    const gate = await declaredNamesOrSkip(ctx);
    if (!gate) return;
    const { spec, names } = gate;
    const suggestions = await renameSuggestions(
      ctx,
      spec,
      names.map((n) => n.name),
    );
    const nodeNames = names.filter((n) => n.kind === 'node').map((n) => suggestions.get(n.name) ?? n.name);
    for (const declared of names) {
      const { name, kind, path } = declared;
      const problems = nameProblems(name);
      const dnsBad = dnsIncompatibleCharacters(name);
      const data = { kind, name, length: name.length, max: NETBIOS_MAX, netbiosName: netbiosName(name) };
      const evidence = {
        path,
        name,
        length: name.length,
        netbiosName: netbiosName(name),
        problems,
        dnsIncompatibleCharacters: dnsBad,
      };
      const suggested = suggestions.get(name);
      const first = problems[0];
      if (first) {
        ctx.report({
          status: 'fail',
          messageId: first.kind,
          subject: name,
          data: {
            ...data,
            ...(first.kind === 'forbiddenCharacters' ? { characters: first.characters.join(' ') } : {}),
            suggested,
          },
          evidence,
          remediation: renameRemediation(declared, suggested ?? name, nodeNames, spec),
        });
      } else if (dnsBad.length > 0) {
        ctx.report({
          status: 'warn',
          messageId: 'dnsIncompatible',
          subject: name,
          data: { ...data, characters: dnsBad.map((c) => JSON.stringify(c)).join(' '), suggested },
          evidence,
          remediation: renameRemediation(declared, suggested ?? name, nodeNames, spec),
        });
      } else {
        ctx.report({ status: 'pass', messageId: 'valid', subject: name, data, evidence });
      }
    }
  },
} satisfies Check;

export default check;
