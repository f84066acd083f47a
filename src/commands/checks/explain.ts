import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.ts';
import { configFlag, pluginFlag } from '../flags.ts';
import { UsageError } from '../../engine/errors.ts';
import type { CheckMeta } from '../../engine/contract.ts';
import { inExecutable, readAsset, type AssetName } from '../assets.ts';

export default class ChecksExplain extends BaseCommand {
  static override summary = 'Explain a check: what it verifies, why it matters, what it needs, the fixes it can give.';
  static override enableJsonFlag = true;
  static override examples = [
    '<%= config.bin %> checks explain config.netbios.collision',
    {
      description: "Also print the check's documentation page (it is inside the executable too)",
      command: '<%= config.bin %> checks explain storage.pr.support --docs',
    },
  ];
  static override args = {
    id: Args.string({ description: 'The check id (see "clusterprobe checks list").', required: true }),
  };
  static override flags = {
    config: configFlag,
    plugin: pluginFlag,
    docs: Flags.boolean({
      summary: "Also print the check's documentation page (Markdown); with --json, as the field docsText.",
    }),
  };

  async run(): Promise<CheckMeta & { source: string; docsText?: string }> {
    const { args, flags } = await this.parse(ChecksExplain);
    const { registryFor } = await import('../wiring.ts');
    const registry = await registryFor(flags.config, flags.plugin);
    const found = registry.find(args.id);
    if (!found) {
      const near = registry.checks
        .map((r) => r.check.meta.id)
        .filter((id) => id.split('.')[0] === args.id.split('.')[0]);
      throw new UsageError(
        `no check "${args.id}"${near.length ? `; checks in that area: ${near.join(', ')}` : ''}; run "clusterprobe checks list"`,
      );
    }
    const { meta } = found.check;
    const docsText = flags.docs ? builtinDocs(meta, found.source) : undefined;
    if (!this.jsonEnabled()) {
      const lines = [
        `${meta.id}: ${meta.title}`,
        `Area: ${meta.area}    A problem is reported as: ${meta.severity}    Source: ${found.source}`,
        '',
        'What it checks:',
        `  ${meta.description}`,
        '',
        'Why it matters:',
        `  ${meta.why}`,
        '',
        `What it needs: ${meta.facts.length ? meta.facts.map((f) => `fact "${f}"`).join(', ') : 'nothing gathered (configuration only)'}`,
        '',
        'What it can report:',
        ...Object.entries(meta.messages).map(([id, text]) => `  ${id}: ${text}`),
      ];
      if (meta.remediations?.length) lines.push('', 'Fixes it can give:', ...meta.remediations.map((r) => `  - ${r}`));
      lines.push('', `Docs: ${meta.docs}`);
      if (docsText !== undefined) lines.push('', docsText.trimEnd());
      else if (found.source === 'built-in')
        lines.push(
          `  ${inExecutable() ? '(inside this executable) ' : ''}print it with: clusterprobe checks explain ${meta.id} --docs`,
        );
      this.log(lines.join('\n'));
    }
    return { ...meta, source: found.source, ...(docsText !== undefined ? { docsText } : {}) };
  }
}

/** The documentation page of a built-in check; a plugin's docs are its own (a URL or a path of its). */
function builtinDocs(meta: CheckMeta, source: string): string {
  const page = `docs/checks/${meta.id}.md` as const satisfies AssetName;
  if (source !== 'built-in' || meta.docs !== page)
    throw new UsageError(`--docs prints the pages of built-in checks; the docs of ${meta.id} are at ${meta.docs}`);
  // A page missing from this installation is a packaging bug (exit 1), not a usage error.
  return readAsset(page);
}
