/**
 * Who a node is on the network, derived the way Windows derives it: its DNS name, and the iSCSI
 * initiator name Windows gives it when nobody set one. One place, so that the AD checks, the
 * storage probe and the wizard agree.
 */

/** Windows' default initiator name prefix: `iqn.1991-05.com.microsoft:` + the node's FQDN, lower-case. */
export const WINDOWS_IQN_PREFIX = 'iqn.1991-05.com.microsoft:';

/**
 * The node's DNS name, lower-case: nodes[].fqdn; else the name itself when it is already dotted;
 * else the name in the domain (a domain member's primary DNS suffix is its domain's name); else
 * the bare name.
 */
export function nodeFqdn(node: { readonly name: string; readonly fqdn?: string | undefined }, domain?: string): string {
  if (node.fqdn) return node.fqdn.toLowerCase();
  if (node.name.includes('.') || !domain) return node.name.toLowerCase();
  return `${node.name}.${domain}`.toLowerCase();
}

/** The initiator name Windows uses by default: `iqn.1991-05.com.microsoft:` + its FQDN (RFC 3720 3.2.6.3.1 wants it lower-case). */
export function windowsDefaultIqn(
  node: { readonly name: string; readonly fqdn?: string | undefined },
  domain?: string,
): string {
  return `${WINDOWS_IQN_PREFIX}${nodeFqdn(node, domain).replace(/\.$/, '')}`;
}
