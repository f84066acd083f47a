/**
 * runCheck, the funnel every check test goes through, fails a test whose check prints a command
 * its shell would reject, or one that pastes a name from the spec or the directory unquoted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Check } from '../../src/engine/contract.ts';
import type { Shell } from '../../src/engine/report.ts';
import { psQuote, shQuote, cmdQuote, placeholder } from '../../src/quote.ts';
import { runCheck, specFact } from '../helpers/run-check.ts';

/** A check that prints, for each node of the spec, the commands `commands(name)` builds. */
function printing(id: string, commands: (name: string) => { shell: Shell; command: string }[]): Check {
  return {
    meta: {
      id,
      title: id,
      area: 'test',
      description: 'd',
      why: 'w',
      docs: 'docs/x.md',
      severity: 'fail',
      facts: ['spec'],
      messages: { fix: 'fix {node}' },
    },
    async run(ctx) {
      const spec = await ctx.fact('spec');
      for (const n of spec.nodes)
        ctx.report({
          status: 'fail',
          messageId: 'fix',
          subject: n.name,
          data: { node: n.name },
          remediation: { summary: 's', steps: [{ text: 't', commands: commands(n.name) }] },
        });
    },
  };
}

const facts = { spec: specFact(['hv01', 'hv02']) };

test('a bare placeholder fails the test that produced it, naming the check and the command', async () => {
  const check = printing('test.placeholder', () => [{ shell: 'powershell', command: 'Stop-VM -Name <vm>' }]);
  await assert.rejects(
    runCheck(check, facts),
    (e: Error) =>
      e.message.includes('test.placeholder (as given) powershell: Stop-VM -Name <vm>') &&
      e.message.includes('a bare <vm>'),
  );
});

test('a value pasted unquoted passes with plain names but fails on the hostile replay', async () => {
  for (const shell of ['powershell', 'sh', 'cmd'] as const) {
    const check = printing(`test.unquoted.${shell}`, (name) => [{ shell, command: `New-Thing ${name}` }]);
    await assert.rejects(runCheck(check, facts), (e: Error) => /hostile spec names/.test(e.message), shell);
  }
});

test('the same values quoted pass, hostile replays included; so does a quoted placeholder', async () => {
  const check = printing('test.quoted', (name) => [
    {
      shell: 'powershell',
      command: `New-ADComputer -Name ${psQuote(name)} -Path ${placeholder('OU DN', 'powershell')}`,
    },
    { shell: 'sh', command: `samba-tool computer add ${shQuote(name)} --computerou=${placeholder('OU DN', 'sh')}` },
    {
      shell: 'cmd',
      command: `netdom join ${cmdQuote(name)} /userd:${placeholder('DOMAIN\\admin', 'cmd')} /passwordd:*`,
    },
  ]);
  assert.equal((await runCheck(check, facts)).length, 2);
});
