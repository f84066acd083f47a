import { Args } from '@oclif/core';
import { BaseCommand } from '../base.ts';
import { UsageError } from '../../engine/errors.ts';
import { configFlag, pluginFlag } from '../flags.ts';

export interface CheckListEntry {
  id: string;
  area: string;
  title: string;
  severity: 'fail' | 'warn';
  source: string;
}

export default class ChecksList extends BaseCommand {
  static override summary = 'List the checks: id, area and title.';
  static override enableJsonFlag = true;
  static override examples = [
    '<%= config.bin %> checks list',
    { description: 'Only the NetBIOS checks', command: '<%= config.bin %> checks list "*.netbios.*"' },
    {
      description: 'Include the plugins a spec names',
      command: '<%= config.bin %> checks list --config cluster.yaml --json',
    },
  ];
  static override args = { glob: Args.string({ description: 'Only ids matching this glob.', required: false }) };
  static override flags = { config: configFlag, plugin: pluginFlag };

  async run(): Promise<CheckListEntry[]> {
    const { args, flags } = await this.parse(ChecksList);
    const [{ registryFor }, { globMatch }] = await Promise.all([
      import('../wiring.ts'),
      import('../../engine/registry.ts'),
    ]);
    const registry = await registryFor(flags.config, flags.plugin);
    const entries = registry.checks
      .filter((r) => !args.glob || globMatch(args.glob, r.check.meta.id))
      .map(({ check: { meta }, source }) => ({
        id: meta.id,
        area: meta.area,
        title: meta.title,
        severity: meta.severity,
        source,
      }));
    if (args.glob && entries.length === 0) {
      // The same answer --only and --skip give: a glob that matches nothing is a mistake, not an empty list.
      const areas = [...new Set(registry.checks.map((r) => r.check.meta.area))].join(', ');
      throw new UsageError(`"${args.glob}" matches no check; run "clusterprobe checks list" (areas: ${areas})`);
    }
    if (!this.jsonEnabled()) {
      const width = Math.max(...entries.map((e) => e.id.length), 2);
      this.log(`${'ID'.padEnd(width)}  ${'AREA'.padEnd(8)}  TITLE`);
      for (const e of entries)
        this.log(
          `${e.id.padEnd(width)}  ${e.area.padEnd(8)}  ${e.title}${e.source === 'built-in' ? '' : `  (plugin ${e.source})`}`,
        );
    }
    return entries;
  }
}
