/**
 * `clusterprobe fix`'s script writers (src/report/fix-*.ts): what the scripts say and do.
 *
 * The sh scripts run here for real (dash), on actions whose fragments change files in a temp
 * directory; the tools a section needs (tgtadm, samba-tool) are FAKE stand-ins, empty scripts
 * on PATH, because what is tested is the script's own logic (dry run, idempotence, stop at the
 * first failure, parameters, secrets), not the tools: the fragments of the real checks are run
 * against the real tgt and Samba in test/integration/fix-*.test.ts and by the demo's --fix loop.
 * PowerShell cannot run here: its script is checked by the PowerShell grammar and on its text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding, PlannedAction, Report } from '../../src/engine/report.ts';
import { renderPowerShellFix } from '../../src/report/fix-powershell.ts';
import { renderShFix } from '../../src/report/fix-sh.ts';
import { FixError, selectActions } from '../../src/report/fix-script.ts';
import { fixScriptProblems, fixScripts, reportOf, shScriptProblems } from '../helpers/fix-scripts.ts';
import { powershellProblems } from '../helpers/shell-syntax.ts';
import { MARKER } from '../helpers/hostile-facts.ts';
import { shQuote } from '../../src/quote.ts';

const step = { text: 'Do it by hand', commands: [{ shell: 'sh' as const, command: 'true' }] };

type A = Omit<PlannedAction, 'resolves' | 'dependsOn'> & { dependsOn?: PlannedAction['dependsOn'] };

function finding(checkId: string, actions: A[]): Finding {
  return {
    checkId,
    area: checkId.split('.')[0]!,
    status: 'fail',
    messageId: 'x',
    message: 'x',
    data: {},
    remediation: { summary: 'x', steps: [step], actions },
  };
}

function act(key: string, over: Partial<A> = {}): A {
  return {
    key,
    title: `Do ${key}`,
    runsOn: 'storage',
    steps: [step],
    restart: false,
    reversible: true,
    disruption: 'none',
    ...over,
  };
}

/** A report whose plan has these actions, each from its own failing finding, in this order. */
function reportWith(actions: A[], cluster: Partial<Report['cluster']> = { name: 'HVCLUSTER01' }): Report {
  return reportOf(
    actions.map((a, i) => finding(`check.${i}`, [a])),
    cluster,
  );
}

/** An sh action whose test is `test -f DIR/NAME` and whose change creates it. */
function fileAction(key: string, dir: string, name: string, over: Partial<A> = {}, system: 'tgt' | 'samba' = 'tgt'): A {
  const file = shQuote(join(dir, name));
  return act(key, {
    script: {
      sh: { system, test: `test -f ${file}`, apply: `echo "$$" >> ${shQuote(join(dir, 'log'))}\ntouch ${file}` },
    },
    ...over,
  });
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an sh script with dash, with FAKE tools (empty scripts) named in `tools` on PATH. */
function runSh(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  tools = ['tgtadm', 'samba-tool'],
): Ran {
  const dir = mkdtempSync(join(tmpdir(), 'cp-fix-run-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const t of tools) {
    writeFileSync(join(bin, t), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, t), 0o755);
  }
  // Only these on PATH, so that a tool of this machine (samba-tool is installed here) is not found.
  for (const u of ['touch', 'sed', 'cat', 'stty']) symlinkSync(`/usr/bin/${u}`, join(bin, u));
  const file = join(dir, 'fix.sh');
  writeFileSync(file, script);
  const r = spawnSync('/bin/dash', [file, ...args], {
    encoding: 'utf8',
    env: { PATH: bin, ...env },
    input: '',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sh(report: Report, only?: string[]): string {
  return renderShFix(report, selectActions(report, only), 'run.json');
}

function ps(report: Report, only?: string[]): string {
  return renderPowerShellFix(report, selectActions(report, only), 'run.json');
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cp-fix-state-'));
}

// ---------------------------------------------------------------------------------------------
// sh: what the script does

test('sh: a dry run (the default) checks each action and changes nothing', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'b'), '');
  const r = runSh(sh(reportWith([fileAction('step-a', dir, 'a'), fileAction('step-b', dir, 'b')])), []);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[1\/2\] step-a: would change: Do step-a, with\n {6}echo/);
  assert.match(r.stdout, /\[2\/2\] step-b: already done, nothing to change/);
  assert.match(r.stdout, /dry run, nothing changed\): 1 would change, 1 already done/);
  assert.equal(existsSync(join(dir, 'a')), false);
  assert.equal(existsSync(join(dir, 'log')), false);
});

test('sh: --apply changes what is not done, and a second --apply changes nothing (idempotent)', () => {
  const dir = tempDir();
  const script = sh(reportWith([fileAction('step-a', dir, 'a'), fileAction('step-b', dir, 'b')]));
  const first = runSh(script, ['--apply']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /\[1\/2\] step-a: done\.\n[\s\S]*\[2\/2\] step-b: done\./);
  assert.match(first.stdout, /2 changed, 0 already done/);
  assert.equal(readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').length, 2);
  const second = runSh(script, ['--apply']);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /0 changed, 2 already done/);
  assert.equal(readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').length, 2, 'the second run changed something');
});

test('sh: the first failing command stops the script, naming the action; the actions after it do not run', () => {
  const dir = tempDir();
  const failing = act('step-bad', {
    script: {
      sh: {
        system: 'tgt',
        test: 'false',
        apply: `touch ${shQuote(join(dir, 'half'))}\nfalse\ntouch ${shQuote(join(dir, 'never'))}`,
      },
    },
  });
  const r = runSh(sh(reportWith([fileAction('step-a', dir, 'a'), failing, fileAction('step-c', dir, 'c')])), [
    '--apply',
  ]);
  assert.notEqual(r.status, 0);
  assert.match(
    r.stderr,
    /clusterprobe fix: \[2\/3\] step-bad \(Do step-bad\) failed \(exit status 1\)\. The script stopped here/,
  );
  assert.equal(existsSync(join(dir, 'a')), true, 'the action before it ran');
  assert.equal(existsSync(join(dir, 'half')), true);
  assert.equal(existsSync(join(dir, 'never')), false, 'a command after the failing one ran');
  assert.equal(existsSync(join(dir, 'c')), false, 'an action after the failing one ran');
});

test('sh: a change its test does not confirm stops the script; one that needs a restart is not re-tested', () => {
  const dir = tempDir();
  const unconfirmed = act('step-x', { script: { sh: { system: 'tgt', test: 'false', apply: 'true' } } });
  const r = runSh(sh(reportWith([unconfirmed, fileAction('step-a', dir, 'a')])), ['--apply']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[1\/2\] step-x ran without an error, but its check still says it is not done/);
  assert.equal(existsSync(join(dir, 'a')), false);
  const restart = act('replace-lun:y', {
    restart: true,
    script: { sh: { system: 'tgt', test: 'false', apply: 'true' } },
  });
  const ok = runSh(sh(reportWith([restart])), ['--apply']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /\[1\/1\] replace-lun:y: done\./);
});

test('sh: a section whose tool is not on this machine is skipped, saying where to run it', () => {
  const dir = tempDir();
  const r = runSh(
    sh(reportWith([fileAction('step-a', dir, 'a', { runsOn: 'dc' }, 'samba'), fileAction('step-b', dir, 'b')])),
    ['--apply'],
    {},
    ['tgtadm'],
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /\[1\/2\] step-a: skipped: samba-tool is not on this machine; run this script on the Samba domain controller\./,
  );
  assert.match(r.stdout, /1 changed, 0 already done, 1 for another machine/);
  assert.equal(existsSync(join(dir, 'a')), false);
  assert.equal(existsSync(join(dir, 'b')), true);
});

test('sh: a tool without its daemon or database is not the system: skipped with why, not read as "not done"', () => {
  const dir = tempDir();
  // The FAKE samba-tool answers testparm with nothing: no private dir, no sam.ldb, as on a machine
  // that has samba-tool (samba-common-bin) but is no DC.
  const r = runSh(sh(reportWith([fileAction('step-a', dir, 'a', { runsOn: 'dc' }, 'samba')])), []);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /\[1\/1\] step-a: skipped: this machine is not a Samba domain controller \(no sam\.ldb\); run this script on the Samba domain controller\./,
  );
  assert.match(r.stdout, /0 would change, 0 already done, 1 for another machine/);
});

test('sh: a required parameter is checked before the first change; given, the change uses it', () => {
  const dir = tempDir();
  const file = join(dir, 'store');
  const store = act('replace-lun:s', {
    script: {
      params: [{ name: 'LunBackingStore', description: 'The file or device for the new disk LUN' }],
      sh: { system: 'tgt', test: 'test -s "$LUN_BACKING_STORE"', apply: 'echo disk > "$LUN_BACKING_STORE"' },
    },
  });
  const script = sh(reportWith([fileAction('step-a', dir, 'a'), store]));
  assert.match(script, /^# {3}LUN_BACKING_STORE {2}\(required for --apply\) The file or device/m);
  const dry = runSh(script, []);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /^note: LUN_BACKING_STORE is not set: The file or device for the new disk LUN\. --apply needs it/m,
  );
  const missing = runSh(script, ['--apply']);
  assert.equal(missing.status, 2);
  assert.match(
    missing.stderr,
    /LUN_BACKING_STORE is not set: The file or device for the new disk LUN\. Set it in the environment/,
  );
  assert.equal(existsSync(join(dir, 'a')), false, 'a change was made before the missing parameter was found');
  const given = runSh(script, ['--apply'], { LUN_BACKING_STORE: file });
  assert.equal(given.status, 0, given.stderr);
  assert.equal(readFileSync(file, 'utf8'), 'disk\n');
});

test('sh: a secret comes from the environment, is never written into the script nor printed; missing without a terminal, exit 2', () => {
  const dir = tempDir();
  const out = join(dir, 'secret-used');
  const chap = act('target-chap:t', {
    script: {
      params: [{ name: 'ChapSecret', description: 'The CHAP secret of the target', secret: true }],
      sh: { system: 'tgt', test: `test -f ${shQuote(out)}`, apply: `printf '%s' "$CHAP_SECRET" > ${shQuote(out)}` },
    },
  });
  const script = sh(reportWith([chap]));
  assert.doesNotMatch(script, /CHAP_SECRET=\$\{CHAP_SECRET-'/, 'a secret has a default in the script');
  const secret = `s3cr3t-${MARKER}`;
  const r = runSh(script, ['--apply'], { CHAP_SECRET: secret });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), secret);
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the secret was printed');
  // Done already: no secret is asked for. Not done, without the secret or a terminal: exit 2.
  const again = runSh(script, ['--apply']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already done/);
  rmSync(out);
  const none = runSh(script, ['--apply']);
  assert.equal(none.status, 2);
  assert.equal(existsSync(out), false);
  assert.match(
    none.stderr,
    /CHAP_SECRET is not set: The CHAP secret of the target\. Set it in the environment \(never on the command line\)/,
  );
});

test('sh: Windows actions and actions without a script form are listed as not in this script', () => {
  const dir = tempDir();
  const rename = act('rename-node:hv01', {
    runsOn: 'node:HV01',
    script: { powershell: { test: '$false', apply: "Rename-Computer -ComputerName 'HV01' -NewName 'HV1'" } },
  });
  const r = runSh(sh(reportWith([rename, act('manual-thing'), fileAction('step-a', dir, 'a')])), ['--apply']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /\[1\/3\] rename-node:hv01: not in this script: it needs Windows \(node HV01\): clusterprobe fix --shell powershell\./,
  );
  assert.match(r.stdout, /\[2\/3\] manual-thing: not in this script: it has no script form: do it by hand/);
  assert.match(r.stdout, /1 changed, 0 already done, 0 for another machine, 2 not in this script/);
});

test('sh: an unknown option is exit 2; --help prints the header', () => {
  const script = sh(reportWith([act('x', { script: { sh: { system: 'tgt', test: 'true', apply: 'true' } } })]));
  const bad = runSh(script, ['--aply']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --aply \(expected --dry-run or --apply\)/);
  const help = runSh(script, ['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^clusterprobe fix: the plan for HVCLUSTER01/);
  assert.match(help.stdout, /--apply {4}makes the changes/);
});

// ---------------------------------------------------------------------------------------------
// PowerShell: what the script says

const winActions = (): A[] => [
  act('raise-domain-mode', {
    runsOn: 'dc',
    reversible: false,
    script: {
      params: [{ name: 'DomainCredential', description: 'A domain administrator', secret: true }],
      powershell: {
        test: "(Get-ADDomain -Server 'dc1.lab.example.test' -Credential $DomainCredential).DomainMode -eq 'Windows2003Domain'",
        apply:
          "Set-ADDomainMode -Identity 'lab.example.test' -DomainMode Windows2003Domain -Credential $DomainCredential -Confirm:$false",
      },
      sh: { system: 'samba', test: 'true', apply: 'true' },
    },
  }),
  act('rename-node:hv01', {
    runsOn: 'node:HV01',
    restart: true,
    disruption: 'node-restart',
    script: {
      params: [
        { name: 'NewNameHv01', description: 'The new name of HV01', default: 'HV1' },
        { name: 'DomainCredential', description: 'A domain administrator', secret: true },
      ],
      powershell: {
        test: '$null -ne (Get-ADComputer -Filter "Name -eq \'$NewNameHv01\'")',
        apply:
          "Rename-Computer -ComputerName 'HV01' -NewName $NewNameHv01 -DomainCredential $DomainCredential -Restart -Force",
        legacy: 'netdom renamecomputer HV01 /newname:HV1 /userd:LAB\\admin /passwordd:* /reboot:30',
      },
    },
  }),
  act('replace-lun:t:2', {
    script: {
      params: [{ name: 'LunBackingStore', description: 'The backing file' }],
      sh: { system: 'tgt', test: 'true', apply: 'echo "$LUN_BACKING_STORE"' },
    },
  }),
];

test('PowerShell: SupportsShouldProcess, parameters at the top, one ShouldProcess per action, secrets as credentials', async () => {
  const script = ps(reportWith(winActions()));
  assert.deepEqual(await powershellProblems(script), []);
  assert.match(script, /^\[CmdletBinding\(SupportsShouldProcess = \$true\)\]\nparam\(/m);
  assert.match(script, /^#Requires -Version 5\.1$/m);
  assert.match(
    script,
    /\[System\.Management\.Automation\.PSCredential\]\$DomainCredential = \[System\.Management\.Automation\.PSCredential\]::Empty/,
  );
  assert.match(script, /\[string\]\$NewNameHv01 = 'HV1'/);
  assert.doesNotMatch(script, /LunBackingStore/, 'a parameter only the sh form uses is in the PowerShell script');
  assert.equal(script.match(/\$PSCmdlet\.ShouldProcess\(/g)?.length, 2);
  assert.match(script, /ShouldProcess\('a domain controller', 'Do raise-domain-mode \(cannot be undone\)'\)/);
  assert.match(script, /^\$ErrorActionPreference = 'Stop'$/m);
  assert.match(
    script,
    /Windows Server 2008 R2 \(PowerShell 2\.0\) cannot run this script; these actions need its older tools there:\n {2}rename-node:hv01: netdom renamecomputer/,
  );
  assert.match(
    script,
    /\[3\/3\] replace-lun:t:2: not in this script: it runs with sh on the storage system: clusterprobe fix --shell sh\./,
  );
  // The rename restarts the node: its check cannot confirm it before the restart.
  assert.match(script, /'\[2\/3\] rename-node:hv01: done; it takes effect when node HV01 has restarted\.'/);
  // The body takes values from parameters: no placeholder left for the user to fill in.
  const body = script.slice(script.indexOf('#>'));
  assert.doesNotMatch(body.replace(/^#.*$/gm, ''), /'<[^'>]*>'/);
});

test('PowerShell: a mandatory parameter has no default; a sh-only plan writes a script that changes nothing', async () => {
  const store = act('replace-lun:t:2', {
    runsOn: 'dc',
    script: {
      params: [{ name: 'TargetPath', description: 'The OU' }],
      powershell: {
        test: '(Get-ADComputer -Identity \'x\').DistinguishedName -like "*$TargetPath"',
        apply: 'Move-ADObject -Identity x -TargetPath $TargetPath',
      },
    },
  });
  const script = ps(reportWith([store]));
  assert.match(script, /\[Parameter\(Mandatory = \$true\)\]\[string\]\$TargetPath/);
  assert.match(script, /\.PARAMETER TargetPath\nThe OU\. Required\./);
  const shOnly = ps(reportWith([act('x', { script: { sh: { system: 'tgt', test: 'true', apply: 'true' } } })]));
  assert.deepEqual(await powershellProblems(shOnly), []);
  assert.doesNotMatch(shOnly, /ShouldProcess\(/);
});

// ---------------------------------------------------------------------------------------------
// Both: selection, parse, hostile values

test('--only selects keys or kinds, keeps plan numbering, and names a dependency left out', () => {
  const report = reportWith([
    act('raise-domain-mode', { runsOn: 'dc' }),
    act('rename-node:hv01', {
      runsOn: 'node:HV01',
      dependsOn: [{ key: 'raise-domain-mode', why: 'the domain first' }],
    }),
    act('rename-node:hv02', { runsOn: 'node:HV02' }),
  ]);
  assert.deepEqual(
    selectActions(report, ['rename-node']).map((e) => [e.number, e.action.key]),
    [
      [2, 'rename-node:hv01'],
      [3, 'rename-node:hv02'],
    ],
  );
  const one = selectActions(report, ['rename-node:hv01']);
  assert.deepEqual(one[0]!.outside, [{ key: 'raise-domain-mode', why: 'the domain first' }]);
  assert.match(
    sh(report, ['rename-node:hv01']),
    /# Not in this script \(--only\), to be done first: raise-domain-mode: the domain first/,
  );
  assert.throws(
    () => selectActions(report, ['rename-node:hv9', 'move-ou']),
    (e: Error) => {
      assert.ok(e instanceof FixError);
      assert.match(
        e.message,
        /--only rename-node:hv9, move-ou: not actions of this report's plan; its actions are raise-domain-mode, rename-node:hv01, rename-node:hv02/,
      );
      return true;
    },
  );
});

test('a report without a plan, or with a plan that could not be ordered, is refused with what to do', () => {
  const old = reportWith([act('x')]);
  delete (old as { plan?: unknown }).plan;
  assert.throws(
    () => selectActions(old, undefined),
    /this report has no plan: .*Run `clusterprobe validate --json` again/,
  );
  const cyclic = { ...old, plan: { actions: [], error: 'the actions a -> b -> a depend on one another in a cycle' } };
  assert.throws(
    () => selectActions(cyclic, undefined),
    /the report's plan could not be ordered: the actions a -> b -> a/,
  );
});

test('two actions that declare one parameter differently are a contributor bug, named', () => {
  const a = act('x', {
    script: {
      params: [{ name: 'Store', description: 'd', default: 'a' }],
      sh: { system: 'tgt', test: 'true', apply: 'echo "$STORE"' },
    },
  });
  const b = act('y', {
    script: {
      params: [{ name: 'Store', description: 'd', default: 'b' }],
      sh: { system: 'tgt', test: 'true', apply: 'echo "$STORE"' },
    },
  });
  assert.throws(() => sh(reportWith([a, b])), /the actions x and y both declare the parameter Store, differently/);
});

test('both scripts parse (PowerShell grammar; sh -n and shellcheck), and a broken one is caught', async () => {
  const report = reportWith(winActions());
  assert.deepEqual(await fixScriptProblems(report), []);
  const { powershell, sh: shScript } = fixScripts(report);
  assert.notDeepEqual(
    await powershellProblems(powershell.replace('} elseif', 'elseif')),
    [],
    'a broken PowerShell script parses',
  );
  assert.notDeepEqual(
    shScriptProblems(shScript.replace('run_action() {', 'run_action() (')),
    [],
    'a broken sh script passes',
  );
});

test('hostile titles, keys, descriptions, defaults, steps and cluster name stay inert in both scripts', async () => {
  const evil = `x' ; $(touch /tmp/pwn-${MARKER}) \`${MARKER}\` "${MARKER}" ‘${MARKER}’ #> <# \n${MARKER} \r\u2028${MARKER}`;
  const dir = tempDir();
  const actions: A[] = [
    act(`replace-lun:${MARKER}'$(x)`, {
      title: evil,
      steps: [{ text: evil, commands: [{ shell: 'sh', command: shQuote(evil) }] }],
      script: {
        params: [{ name: 'Store', description: evil, default: evil }],
        sh: {
          system: 'tgt',
          test: `test -f ${shQuote(join(dir, 'done'))}`,
          apply: `printf '%s' "$STORE" > ${shQuote(join(dir, 'done'))}`,
        },
        powershell: { test: '$false', apply: 'Write-Output $Store' },
      },
    }),
    act('rename-node:hv01', { title: evil, runsOn: `node:${evil}`, dependsOn: [] }),
  ];
  const report = reportWith(actions, { name: evil, nodes: [evil] });
  assert.deepEqual(await fixScriptProblems(report, MARKER), []);
  // The hostile default reaches the change as one value, and nothing in it ran.
  const r = runSh(sh(report), ['--apply']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'done'), 'utf8'), evil);
  assert.equal(existsSync(`/tmp/pwn-${MARKER}`), false);
});
