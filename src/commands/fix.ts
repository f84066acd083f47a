import { Flags } from '@oclif/core';
import { BaseCommand } from './base.ts';
import { FIX_SHELLS } from '../report/fix-script.ts';

export default class Fix extends BaseCommand {
  static override summary = "Write a script that applies a saved report's plan (PowerShell, or sh).";
  static override description = `Reads a report saved with "validate --json" and writes one script that applies its plan: the distinct actions the findings call for, in the order they must be done, in sections per host. Every value you must supply is a parameter at the top; secrets are never written into it. Each action first checks whether it is already done, and then changes nothing, so the script can run again.

--shell powershell (the default): for a Windows management host with the ActiveDirectory module, Windows PowerShell 5.1 or PowerShell 7. -WhatIf shows every change without making it, -Confirm asks before each action; the first failure stops the script, naming the action.
--shell sh: the Samba, tgt and targetcli (LIO) actions, for root on the DC or the target host. A dry run unless given --apply; parameters come from the environment (the script's header names them).

The script runs the commands the report carries: write it from a report your own validate run wrote, and read it before running it (the dry run and -WhatIf run each action's read-only check).

Exit codes: 0 written, 2 usage error, or a report without a plan (older than the plan) or whose plan could not be ordered.`;
  static override examples = [
    {
      description: 'The plan as a PowerShell script, for a Windows management host',
      command: '<%= config.bin %> fix --from run.json --output fix-plan.ps1',
    },
    {
      description: 'Then, in PowerShell: see what it would change, then apply it, asked before each action',
      command: '.\\fix-plan.ps1 -WhatIf; .\\fix-plan.ps1 -Confirm',
    },
    {
      description:
        'The Samba and tgt actions as sh, for root on the DC or the target host (parameters from the environment)',
      command: '<%= config.bin %> fix --from run.json --shell sh --output fix-plan.sh',
    },
    {
      description: 'Then: a dry run, then the change',
      command: 'sh fix-plan.sh; sh fix-plan.sh --apply',
    },
    {
      description: 'Only the renames',
      command: '<%= config.bin %> fix --from run.json --only rename-node',
    },
  ];
  static override flags = {
    from: Flags.file({
      summary: 'The report whose plan to apply (saved with validate --json).',
      helpValue: 'run.json',
      required: true,
      exists: false,
    }),
    shell: Flags.option({ options: FIX_SHELLS, default: 'powershell' as const, summary: 'The script language.' })(),
    output: Flags.file({
      char: 'o',
      summary: 'Write the script to this file (default: standard output).',
      helpValue: 'FILE',
    }),
    only: Flags.string({
      summary: 'Only these actions: keys (rename-node:hv01) or kinds (rename-node), comma-separated.',
      helpValue: 'KEY',
      multiple: true,
      delimiter: ',',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Fix);
    const { runFix } = await import('./fix-run.ts');
    this.exitWith(
      await runFix({
        from: flags.from,
        shell: flags.shell,
        output: flags.output,
        only: flags.only,
        stdout: process.stdout,
        stderr: process.stderr,
      }),
    );
  }
}
