// @ts-check
/**
 * An example clusterprobe plugin: a site policy that every node's FQDN lies inside the Active
 * Directory domain named in the spec. Load it from a spec with
 *
 *   plugins: [./plugins/fqdn-in-domain.js]
 *
 * or on the command line with --plugin examples/plugins/fqdn-in-domain.js.
 *
 * A plugin is a plain ES module; it needs nothing from clusterprobe at run time. The JSDoc type
 * below lets an editor check it against the contract.
 */

/** @type {import('../../src/index.ts').Check} */
const fqdnInDomain = {
  meta: {
    id: 'site.fqdn.domain',
    title: "Node FQDNs are inside the cluster's AD domain",
    area: 'site',
    description: 'Every node with an fqdn in the spec must have it end with "." + activeDirectory.domain.',
    why: 'Cluster nodes must be members of the same domain; an FQDN outside it usually means a typo in the spec or a host in the wrong DNS zone, which breaks Kerberos and the cluster name object.',
    docs: 'https://learn.microsoft.com/en-us/windows-server/failover-clustering/clustering-requirements',
    severity: 'fail',
    facts: ['spec'],
    messages: {
      inside: '{node} ({fqdn}) is inside {domain}',
      outside: '{node} has FQDN {fqdn}, which is not inside the domain {domain}',
      noDomain: 'The spec names no activeDirectory.domain: nothing to compare against',
      noFqdn: 'No node in the spec has an fqdn: nothing to compare',
    },
    remediations: ["Correct the fqdn in the spec, or register the node in the domain's DNS zone."],
  },
  async run(ctx) {
    /** @type {import('../../src/index.ts').ClusterSpec} */
    const spec = await ctx.fact('spec');
    const domain = spec.activeDirectory?.domain?.toLowerCase();
    if (!domain) {
      ctx.report({ status: 'skipped', messageId: 'noDomain' });
      return;
    }
    for (const node of spec.nodes) {
      if (!node.fqdn) continue;
      const fqdn = node.fqdn.toLowerCase().replace(/\.$/, '');
      const data = { node: node.name, fqdn: node.fqdn, domain };
      if (fqdn.endsWith(`.${domain}`)) {
        ctx.report({ status: 'pass', messageId: 'inside', subject: node.name, data });
      } else {
        ctx.report({
          status: 'fail',
          messageId: 'outside',
          subject: node.name,
          data,
          evidence: { fqdn: node.fqdn, domain },
          remediation: {
            summary: `Put ${node.name} in ${domain}`,
            steps: [
              { text: `If the spec is wrong, set nodes[].fqdn to ${node.name.toLowerCase()}.${domain}.` },
              {
                text: `If the node really is outside the domain, join it (then restart):`,
                commands: [
                  {
                    shell: 'powershell',
                    command: `Add-Computer -DomainName ${domain} -Credential (Get-Credential) -Restart`,
                    runOn: node.name,
                  },
                ],
              },
            ],
          },
        });
      }
    }
    if (!spec.nodes.some((n) => n.fqdn)) ctx.report({ status: 'skipped', messageId: 'noFqdn' });
  },
};

export default [fqdnInDomain];
