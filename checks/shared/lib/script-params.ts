/**
 * The script parameters (Action.script.params, see src/engine/action.ts) that several checks'
 * actions share. A parameter is one per name in the script `clusterprobe fix` writes, so the
 * actions that name the same one must declare it the same way: they take it from here.
 */
import type { ScriptParam } from '../../../src/engine/report.ts';
import { NETBIOS_MAX } from '../../../src/netbios.ts';

/** The domain account the AD actions run as (PowerShell: a [PSCredential], asked for once). */
export const DOMAIN_CREDENTIAL: ScriptParam = {
  name: 'DomainCredential',
  description:
    'A domain account allowed to raise the functional levels, rename computers and move their objects (a Domain Admin)',
  secret: true,
};

/**
 * The script parameter that holds a node's new name: `NewName` and the node's name in PascalCase
 * (`HYPERVHOSTNODE-01A` -> `NewNameHypervhostnode01a`), one per node. ad.ou.placement's move of
 * the same node names it too, so that a name the user changes in the script is the one the move
 * looks for. A name of other characters than letters, digits, hyphens and the underscore (the
 * spec loader refuses them; a plugin's facts need not) gets `NewNameNode` and a hash of it
 * instead: no character of it reaches the script's code. Two node names that differ only in
 * hyphens or underscores (`hv-01`, `hv01`) would share the parameter.
 */
export function newNameParam(node: string): string {
  return nodeParamName('NewName', node);
}

/**
 * A per-node parameter's name: `prefix` and the node's name in PascalCase (`Ipv4`, `hv-01` ->
 * `Ipv4Hv01`), or, for a name of other characters than letters, digits, hyphens and the
 * underscore, `prefix` + `Node` + a hash of it: no character of it reaches the script's code.
 */
export function nodeParamName(prefix: string, node: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(node) || !/[A-Za-z0-9]/.test(node)) return `${prefix}Node${fnv1a(node.toLowerCase())}`;
  const words = node.split(/[-_]/).filter((w) => w !== '');
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join('');
  return `${prefix}${pascal}`.slice(0, 64);
}

/**
 * FNV-1a (32 bits) of the UTF-8 bytes, as 8 hex digits: a short stable tag for a name that cannot
 * be spelled in a parameter's name (a parameter name is code, not a quoted value), not a digest.
 */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The parameter of newNameParam, `suggested` its default: rename-node declares it, and the move of a renamed node too. */
export function newNameParamOf(node: string, suggested: string): ScriptParam {
  return {
    name: newNameParam(node),
    description: `The new name of ${node} (at most ${NETBIOS_MAX} characters, not taken by another computer in the domain)`,
    default: suggested,
  };
}
