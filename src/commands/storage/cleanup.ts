import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.ts';
import { configFlag } from '../flags.ts';
import type { CleanupResult } from './cleanup-run.ts';

export default class StorageCleanup extends BaseCommand {
  static override summary =
    "Remove clusterprobe's own reservation keys (0x435052…) left on the spec's disks by an interrupted run.";
  static override description = `Reads the keys of every disk LUN of the spec's targets and removes only the keys whose top bytes are clusterprobe's ("CPR", 0x435052): it registers a temporary key of its own, PREEMPTs each leftover (taking over, then releasing, a reservation one of them holds), and unregisters; then it reads the keys again. Any other key is never touched, and CLEAR is never used.

Exit codes: 0 nothing of ours left, 2 usage error, 3 some key of ours could not be removed or a disk could not be read.`;
  static override enableJsonFlag = true;
  static override examples = [
    '<%= config.bin %> storage cleanup --config cluster.yaml --dry-run',
    '<%= config.bin %> storage cleanup --config cluster.yaml',
  ];
  static override flags = {
    config: configFlag,
    'dry-run': Flags.boolean({ summary: 'Only list the keys of ours that would be removed.' }),
  };

  parseFlags() {
    return this.parse(StorageCleanup).then((r) => r.flags);
  }

  async run(): Promise<CleanupResult> {
    const flags = await this.parseFlags();
    const [{ runCleanup }, { terminalPrompter }] = await Promise.all([
      import('./cleanup-run.ts'),
      import('../../config/prompt.ts'),
    ]);
    const result = await runCleanup({
      config: flags.config,
      dryRun: flags['dry-run'],
      json: this.jsonEnabled(),
      stdout: process.stdout,
      prompt: terminalPrompter(),
      onSecrets: (scrub) => (this.scrub = scrub),
    });
    return this.exitWith(result).cleanup;
  }
}
