import { Flags } from '@oclif/core';
import { BaseCommand } from './base.ts';
import { EXIT } from '../engine/exit.ts';

export default class Init extends BaseCommand {
  static override summary =
    'Write a cluster spec (cluster.yaml) by answering questions; DCs, targets and disks are discovered as you go.';
  static override description = `Asks for the cluster name and Windows Server version, the nodes (NetBIOS rules checked as you type, with a suggested name when one breaks them), the domain (its DCs found through DNS SRV to pick from), the CA file and TLS mode, the bind user and where its password comes from, the OU, and the iSCSI portals: each one is read with clusterprobe's own initiator (SendTargets, then every LUN's INQUIRY, VPD 0x83 and capacity) so you tick the cluster disks. Then it writes a commented spec that loads, and offers to run validate on it.

Passwords and CHAP secrets are never asked for nor written: the spec holds references (env:NAME, file:PATH or prompt). Needs a terminal; without one, write the commented example spec with --example (examples/review-lab.yaml) and edit it.

Exit codes: 0 written (and validate not run), 2 usage error (no terminal, the file exists), 130 stopped with Ctrl-C; when validate runs, its exit code.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: "Find the DCs through the domain's DNS server, write elsewhere",
      command: '<%= config.bin %> <%= command.id %> --dns-server 10.0.0.10 --output lab/cluster.yaml',
    },
    {
      description:
        'No terminal (or a single executable without the repository): write the commented example spec to edit',
      command: '<%= config.bin %> <%= command.id %> --example --output cluster.yaml',
    },
    {
      description: 'Replace an existing spec; read the storage as a given node initiator',
      command:
        '<%= config.bin %> <%= command.id %> --force --initiator iqn.1991-05.com.microsoft:hv01.lab.example.test',
    },
  ];

  static override flags = {
    output: Flags.string({
      char: 'o',
      default: 'cluster.yaml',
      summary: 'Where to write the spec.',
      helpValue: 'FILE',
    }),
    force: Flags.boolean({ summary: 'Replace FILE if it exists.' }),
    example: Flags.boolean({
      summary:
        "Ask nothing: write the example spec (the review's lab, every key commented; examples/review-lab.yaml) to FILE, to edit.",
      exclusive: ['dns-server', 'initiator'],
    }),
    'dns-server': Flags.string({
      summary:
        'DNS server to find the domain controllers through (SRV records); offered as the answer and written to activeDirectory.dnsServers.',
      helpValue: 'IP[:PORT]',
    }),
    initiator: Flags.string({
      summary: "Initiator name to read the storage as (default: the first node's, as the storage checks log in).",
      helpValue: 'IQN',
    }),
    timeout: Flags.integer({
      min: 1,
      max: 600,
      default: 10,
      summary: 'Time limit for each iSCSI step (connect, login, command, logout), in seconds.',
      helpValue: 'SECONDS',
    }),
  };

  parseFlags() {
    return this.parse(Init).then((r) => r.flags);
  }

  async run(): Promise<void> {
    const flags = await this.parseFlags();
    if (flags.example) {
      const { writeExample } = await import('./init-run.ts');
      this.exitWith(await writeExample({ output: flags.output, force: flags.force, stdout: process.stdout }));
      return;
    }
    const { runInit } = await import('./init-run.ts');
    this.exitWith(
      await runInit({
        output: flags.output,
        force: flags.force,
        dnsServer: flags['dns-server'],
        initiator: flags.initiator,
        timeoutSeconds: flags.timeout,
        version: this.config.version,
        interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
        stdout: process.stdout,
        stderr: process.stderr,
        onSecrets: (scrub) => (this.scrub = scrub),
        // validate, as a command in this process, sets the exit code itself.
        runValidate: async (argv) => {
          await this.config.runCommand('validate', argv);
          return Number(process.exitCode ?? EXIT.pass);
        },
      }),
    );
  }
}
