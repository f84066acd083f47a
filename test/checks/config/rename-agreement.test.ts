/**
 * The rename of one node is one plan action (`rename-node:<node>`) that four checks contribute:
 * config.netbios.name, config.netbios.collision (from the spec), ad.netbios.name and
 * ad.netbios.collision (from the directory). The plan keeps the first descriptor, which is
 * config's (config.* run first). So every one of them must suggest the same new name, the one
 * that is free in the directory: with an activeDirectory section the config checks read the
 * directory too, through the same suggester as the ad.* checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import configName from '../../../checks/config/netbios-name.ts';
import configCollision from '../../../checks/config/netbios-collision.ts';
import adName from '../../../checks/ad/netbios-name.ts';
import adCollision from '../../../checks/ad/netbios-collision.ts';
import { buildPlan } from '../../../src/engine/plan.ts';
import { netbiosName } from '../../../src/netbios.ts';
import type { Action, Finding } from '../../../src/engine/report.ts';
import { runCheck, specFact } from '../../helpers/run-check.ts';
import { adFacts, computer, node } from '../ad/facts.ts';

const A = 'HYPERVHOSTNODE-01A';
const B = 'HYPERVHOSTNODE-01B';

/** The review's two long nodes and hv03, with the directory given; the spec names the same nodes. */
function facts(computers: ReturnType<typeof computer>[]): Record<string, unknown> {
  const ad = adFacts({ nodes: [node(A), node(B), node('hv03')], computers });
  const spec = {
    ...specFact([A, B, 'hv03'], 'HVCLUSTER01'),
    activeDirectory: (ad.spec as { activeDirectory: unknown }).activeDirectory,
  };
  return { ...ad, spec };
}

async function allFindings(f: Record<string, unknown>): Promise<Finding[]> {
  const out: Finding[] = [];
  // In the order checks/index.ts runs them: config first.
  for (const check of [configName, configCollision, adName, adCollision]) out.push(...(await runCheck(check, f)));
  return out;
}

function renames(findings: readonly Finding[], key: string): { checkId: string; action: Action }[] {
  return findings.flatMap((f) =>
    (f.remediation?.actions ?? []).filter((a) => a.key === key).map((action) => ({ checkId: f.checkId, action })),
  );
}

function newNameOf(action: Action): string | undefined {
  return action.script?.params?.find((p) => p.name.startsWith('NewName'))?.default;
}

test('a stale object holds the name the spec alone would suggest: every check, and so the plan, suggests the free one', async () => {
  // HYPERVHOSTN-01A$ is an unrelated stale computer: the spec-only suggestion for A is taken.
  const stale = computer('HYPERVHOSTN-01A', {
    dn: 'CN=HYPERVHOSTN-01A,CN=Computers,DC=lab,DC=example,DC=test',
    dNSHostName: 'old-print.lab.example.test',
  });
  const findings = await allFindings(facts([computer(A), computer(B), computer('hv03'), stale]));
  const key = 'rename-node:hypervhostnode-01a';
  const contributed = renames(findings, key);
  assert.deepEqual(
    [...new Set(contributed.map((c) => c.checkId))].sort(),
    ['ad.netbios.collision', 'ad.netbios.name', 'config.netbios.collision', 'config.netbios.name'],
    'all four checks contribute the rename',
  );
  const names = contributed.map((c) => `${c.checkId}: ${newNameOf(c.action)} (${c.action.title})`);
  assert.equal(new Set(contributed.map((c) => newNameOf(c.action))).size, 1, names.join('\n'));
  assert.equal(new Set(contributed.map((c) => c.action.title)).size, 1, names.join('\n'));
  const planned = buildPlan(findings).actions.find((a) => a.key === key)!;
  const chosen = newNameOf(planned)!;
  assert.notEqual(netbiosName(chosen), 'HYPERVHOSTN-01A', 'the plan does not rename A to the stale object');
  assert.match(planned.title, new RegExp(`to ${chosen}$`));
});

test('without a directory holding any suggestion, config and ad agree as before (the demo lab)', async () => {
  const findings = await allFindings(facts([computer(A), computer(B), computer('hv03')]));
  for (const [host, expected] of [
    [A, 'HYPERVHOSTN-01A'],
    [B, 'HYPERVHOSTN-01B'],
  ] as const) {
    const contributed = renames(findings, `rename-node:${host.toLowerCase()}`);
    assert.ok(contributed.length >= 4, `${host}: ${contributed.length} contributions`);
    assert.deepEqual([...new Set(contributed.map((c) => newNameOf(c.action)))], [expected]);
  }
});

test('a spec without activeDirectory: the config checks read no directory and suggest from the spec', async () => {
  const findings = await runCheck(configName, { spec: specFact([A, B]) });
  assert.deepEqual(
    findings.map((f) => newNameOf(f.remediation!.actions![0]!)),
    ['HYPERVHOSTN-01A', 'HYPERVHOSTN-01B'],
  );
});

test('activeDirectory in the spec but no directory in a saved facts file: the config checks still run, from the spec alone', async () => {
  const f = facts([computer(A)]);
  delete f['ad.directory'];
  for (const check of [configName, configCollision]) {
    const findings = await runCheck(check, f);
    assert.ok(
      findings.length > 0 && findings.every((x) => x.status !== 'skipped' && x.status !== 'error'),
      check.meta.id,
    );
    const actions = findings.flatMap((x) => x.remediation?.actions ?? []);
    assert.ok(
      actions.some((a) => newNameOf(a) === 'HYPERVHOSTN-01A'),
      check.meta.id,
    );
  }
});
