import type { Check } from '../../src/engine/contract.ts';
import type { Remediation } from '../../src/engine/report.ts';
import { placeholder } from '../../src/quote.ts';
import { NODES_GATE_MESSAGES, nodesViewOrSkip, reportNotRead, reportUnreadable } from './lib/gate.ts';
import { reportAgreement } from './lib/groups.ts';

const messages = {
  sameVendor: 'Every node has {vendor} processors',
  mixedVendors: 'The nodes mix processor manufacturers: {groups}; a virtual machine cannot live-migrate between them',
  sameModel: 'Every node has the same processor: {model}',
  modelsDiffer: 'The nodes have different {vendor} processor models: {groups}',
  unreadable: '{node}: the processors could not be read: {error}',
  notHyperV: 'cluster.role is general: no virtual machine live-migrates, so the processors need not match',
  ...NODES_GATE_MESSAGES,
} as const;

type CpuNode = { readonly node: string; readonly manufacturer: string; readonly models: string };

function vendorFix(): Remediation {
  return {
    summary: 'Build the cluster from nodes with one processor manufacturer',
    steps: [
      {
        text: "Live migration moves a running virtual machine, whose guest already uses its processor's instruction set; between Intel and AMD nothing bridges that, not even processor compatibility mode. Replace the odd nodes (or make them a separate cluster).",
      },
      {
        text: "A virtual machine can still move between them shut down (not in saved state: a saved processor state does not restore on the other manufacturer's processors).",
        commands: [
          {
            shell: 'powershell',
            command: `$vm = ${placeholder('vm', 'powershell')}; Stop-VM -Name $vm; Move-ClusterGroup -Name $vm -Node ${placeholder('node', 'powershell')}; Start-ClusterGroup -Name $vm`,
            runOn: 'the node that owns <vm> (Windows Server 2012 or later)',
          },
        ],
      },
    ],
  };
}

function modelFix(): Remediation {
  return {
    summary: 'Turn on processor compatibility mode for the virtual machines that live-migrate',
    steps: [
      {
        text: 'Processor compatibility mode hides the instruction sets the newer processors have and the older ones lack, so that a virtual machine can live-migrate between processor models of one manufacturer. Set it with the virtual machine switched off:',
        commands: [
          {
            shell: 'powershell',
            command: `$vm = ${placeholder('vm', 'powershell')}; Stop-VM -Name $vm; Set-VMProcessor -VMName $vm -CompatibilityForMigrationEnabled $true; Start-VM -Name $vm`,
            runOn: 'the Hyper-V host of <vm> (Windows Server 2012 or later)',
          },
          {
            shell: 'powershell',
            command: 'Get-VM | Where-Object State -eq Off | Set-VMProcessor -CompatibilityForMigrationEnabled $true',
            runOn: 'each node, for every VM that is off',
          },
        ],
      },
      {
        text: 'On Windows Server 2008 R2 the setting is in Hyper-V Manager: the virtual machine\'s Settings, Processor, "Migrate to a physical computer with a different processor version" (the VM off).',
      },
      {
        text: "Software in the VM that needs the hidden instructions runs slower or not at all; where that matters, make the nodes' processors the same instead.",
      },
    ],
  };
}

const check = {
  meta: {
    id: 'nodes.cpu.vendor',
    title: 'The nodes have processors from one manufacturer (and ideally one model)',
    area: 'nodes',
    description:
      'Compares Win32_Processor.Manufacturer (GenuineIntel, AuthenticAMD) and the processor model (Name) across the nodes that answered: mixed manufacturers fail, different models of one manufacturer warn and point to processor compatibility mode. Skipped when cluster.role is general.',
    why: 'A Hyper-V cluster live-migrates running virtual machines between its nodes. That works only between processors of one manufacturer; between different models of it, only with processor compatibility mode on each virtual machine.',
    docs: 'docs/checks/nodes.cpu.vendor.md',
    severity: 'fail',
    facts: ['nodes.facts', 'spec'],
    messages,
    remediations: [
      'Mixed Intel and AMD: use nodes of one manufacturer; VMs can only move between them switched off.',
      'Different models: Set-VMProcessor -VMName <vm> -CompatibilityForMigrationEnabled $true with the VM off (Hyper-V Manager on 2008 R2).',
    ],
  },
  async run(ctx) {
    const view = await nodesViewOrSkip(ctx);
    if (!view) return;
    const spec = await ctx.fact('spec');
    if ((spec.cluster?.role ?? 'hyperv') === 'general')
      return ctx.report({ status: 'skipped', messageId: 'notHyperV', data: { role: 'general' } });
    for (const n of view.unread) reportNotRead(ctx, n);
    const nodes: CpuNode[] = [];
    for (const n of view.read) {
      const cpus = n.facts.processors.filter((c) => c.manufacturer !== '' || c.name !== '');
      if (cpus.length === 0) {
        reportUnreadable(ctx, n, 'cpu', 'Win32_Processor listed no processor');
        continue;
      }
      nodes.push({
        node: n.node,
        manufacturer: [...new Set(cpus.map((c) => c.manufacturer || 'unknown'))].join(' + '),
        models: [...new Set(cpus.map((c) => c.name || 'unknown'))].join(' + '),
      });
    }
    if (nodes.length === 0) return;
    const evidence = { processors: Object.fromEntries(view.read.map((n) => [n.node, n.facts.processors])) };
    const vendors = reportAgreement(ctx, nodes, (n) => n.manufacturer, {
      subject: 'vendor',
      evidence,
      same: { messageId: 'sameVendor', data: (vendor) => ({ vendor }) },
      differ: { status: 'fail', messageId: 'mixedVendors', values: 'vendors', remediation: vendorFix() },
    });
    if (vendors.length > 1) return;
    reportAgreement(ctx, nodes, (n) => n.models, {
      subject: 'model',
      evidence,
      same: { messageId: 'sameModel', data: (model) => ({ model }) },
      differ: {
        status: 'warn',
        messageId: 'modelsDiffer',
        values: 'models',
        data: { vendor: vendors[0]!.value },
        remediation: modelFix(),
      },
    });
  },
} satisfies Check;

export default check;
