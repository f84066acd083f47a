import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.ts';
import type { Inventory } from '../../iscsi/inventory.ts';

export default class IscsiDiscover extends BaseCommand {
  static override summary =
    'List the targets and LUNs an iSCSI portal offers, with our own initiator (no root, nothing attached).';
  static override description = `SendTargets discovery, then for each target: login, REPORT LUNS, and per LUN INQUIRY, VPD page 0x83 (device identifiers) and READ CAPACITY, then logout. A target that refuses the login is listed with the translated reason; the others still appear.

Exit codes: 0 everything listed, 2 usage error, 3 the portal or a target or LUN could not be read (see the errors).`;

  static override enableJsonFlag = true;

  static override examples = [
    '<%= config.bin %> iscsi discover --portal 10.0.0.20',
    {
      description: 'As a node would log in, with CHAP from the environment',
      command:
        'CHAP_SECRET=... <%= config.bin %> iscsi discover --portal san1:3260 --initiator iqn.1991-05.com.microsoft:hv01.lab.example.test --chap-user csvuser --chap-secret env:CHAP_SECRET',
    },
    {
      description: 'One target, as JSON',
      command: '<%= config.bin %> iscsi discover --portal 10.0.0.20 --target iqn.2026-11.example:csv1 --json',
    },
  ];

  static override flags = {
    portal: Flags.string({
      required: true,
      summary: 'The portal, HOST[:PORT] (port 3260 by default).',
      helpValue: 'HOST[:PORT]',
    }),
    initiator: Flags.string({
      summary: 'Initiator name to log in as (default: iqn.2026-11.invalid.clusterprobe:<this host>).',
      helpValue: 'IQN',
    }),
    target: Flags.string({ summary: 'Only this target.', helpValue: 'IQN' }),
    'chap-user': Flags.string({ summary: 'CHAP user name.', helpValue: 'USER', dependsOn: ['chap-secret'] }),
    'chap-secret': Flags.string({
      summary: 'Where the CHAP secret is: env:VAR, file:PATH or prompt (never the secret itself).',
      helpValue: 'env:VAR|file:PATH|prompt',
      dependsOn: ['chap-user'],
    }),
    timeout: Flags.integer({
      min: 1,
      max: 600,
      default: 15,
      summary: 'Time limit for each step (connect, login, command, logout), in seconds.',
      helpValue: 'SECONDS',
    }),
  };

  parseFlags() {
    return this.parse(IscsiDiscover).then((r) => r.flags);
  }

  async run(): Promise<Inventory> {
    const flags = await this.parseFlags();
    const [{ runDiscover }, { terminalPrompter }] = await Promise.all([
      import('./discover-run.ts'),
      import('../../config/prompt.ts'),
    ]);
    const result = await runDiscover({
      portal: flags.portal,
      initiator: flags.initiator,
      target: flags.target,
      chapUser: flags['chap-user'],
      chapSecret: flags['chap-secret'],
      timeoutSeconds: flags.timeout,
      json: this.jsonEnabled(),
      stdout: process.stdout,
      prompt: terminalPrompter(),
      onSecrets: (scrub) => (this.scrub = scrub),
    });
    return this.exitWith(result).inventory;
  }
}
