/**
 * The plan (src/engine/plan.ts): built from what the checks report on facts (the review's lab, a
 * healthy lab, partial fixes), and from findings written by hand for the builder's own rules
 * (dedupe, order, ties, dropped dependencies, cycles).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, planOf, PlanCycleError, ORDER_RULES } from '../../src/engine/plan.ts';
import { ReportSchema, type Action, type Finding, type Plan } from '../../src/engine/report.ts';
import { actionProblems, shVariable } from '../../src/engine/contract.ts';
import { runCheck } from '../helpers/run-check.ts';
import { adFacts, computer, node } from '../checks/ad/facts.ts';
import type { AdFacts, ComputerObject } from '../../src/facts/index.ts';
import type { Check } from '../../src/engine/contract.ts';
import configName from '../../checks/config/netbios-name.ts';
import configCollision from '../../checks/config/netbios-collision.ts';
import adName from '../../checks/ad/netbios-name.ts';
import adCollision from '../../checks/ad/netbios-collision.ts';
import functionalLevel from '../../checks/ad/functional-level.ts';
import ouPlacement from '../../checks/ad/ou-placement.ts';

// The demo's order of these checks (checks/index.ts): config before ad.
const CHECKS: readonly Check[] = [configName, configCollision, functionalLevel, adName, adCollision, ouPlacement];

const BASE = 'DC=lab,DC=example,DC=test';
const HYPERV = `OU=HyperV,OU=Servers,${BASE}`;
const COMPUTERS = `CN=Computers,${BASE}`;

interface Lab {
  readonly names: readonly string[];
  /** The computer objects: samba-tool creates them with the whole name as the account name. */
  readonly computers: readonly ComputerObject[];
  readonly mixed: boolean;
}

function samba(name: string, parent: string): ComputerObject {
  return computer(name, { dn: `CN=${name},${parent}`, sAMAccountName: `${name.toUpperCase()}$` });
}

/** The facts of a lab: the spec (nodes, domain, 2008 R2) and ad.directory. */
function labFacts(lab: Lab): Record<string, unknown> {
  const level = lab.mixed ? '2' : '4';
  const base = adFacts();
  const over: Partial<AdFacts> = {
    nodes: lab.names.map((n) => node(n)),
    cluster: undefined,
    computers: [...lab.computers],
    rootDse: {
      ...base['ad.directory'].rootDse!,
      domainFunctionality: level,
      forestFunctionality: level,
      domainControllerFunctionality: '4',
    },
    domainHead: {
      ...base['ad.directory'].domainHead!,
      msDSBehaviorVersion: Number(level),
      nTMixedDomain: lab.mixed ? 1 : 0,
    },
  };
  return {
    'ad.directory': adFacts(over)['ad.directory'],
    spec: {
      nodes: lab.names.map((name) => ({ name })),
      cluster: { windowsVersion: '2008R2' },
      activeDirectory: { domain: 'lab.example.test', bind: { user: 'admin@lab.example.test', password: 'env:X' } },
    },
  };
}

async function findingsOf(lab: Lab): Promise<Finding[]> {
  const facts = labFacts(lab);
  const findings: Finding[] = [];
  for (const check of CHECKS) findings.push(...(await runCheck(check, facts)));
  return findings;
}

/** The plan in one line per action: key, then the keys it waits for. */
function outline(plan: Plan): string[] {
  return plan.actions.map((a) => [a.key, ...a.dependsOn.map((d) => `after ${d.key}`)].join(' '));
}

const REVIEW: Lab = {
  names: ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03'],
  computers: [samba('HYPERVHOSTNODE-01A', HYPERV), samba('HYPERVHOSTNODE-01B', HYPERV), samba('HV03', COMPUTERS)],
  mixed: true,
};

const cases: { name: string; lab: Lab; outline: string[] }[] = [
  {
    name: "the review's lab: one rename per node (from four checks each), the raise first, the move last",
    lab: REVIEW,
    outline: [
      'raise-domain-mode',
      'rename-node:hypervhostnode-01a after raise-domain-mode',
      'rename-node:hypervhostnode-01b after raise-domain-mode',
      'move-ou:hv03',
    ],
  },
  {
    name: 'a healthy lab: no action',
    lab: {
      names: ['hv01', 'hv02', 'hv03'],
      computers: [samba('HV01', HYPERV), samba('HV02', HYPERV), samba('HV03', HYPERV)],
      mixed: false,
    },
    outline: [],
  },
  {
    name: 'partly fixed: the domain raised, the nodes renamed; only the move is left',
    lab: {
      names: ['HYPERVHOSTN-01A', 'HYPERVHOSTN-01B', 'hv03'],
      computers: [samba('HYPERVHOSTN-01A', HYPERV), samba('HYPERVHOSTN-01B', HYPERV), samba('HV03', COMPUTERS)],
      mixed: false,
    },
    outline: ['move-ou:hv03'],
  },
  {
    name: 'partly fixed: the domain raised; the renames lose their dependency on it',
    lab: { ...REVIEW, mixed: false },
    outline: ['rename-node:hypervhostnode-01a', 'rename-node:hypervhostnode-01b', 'move-ou:hv03'],
  },
  {
    name: 'a misplaced node that is also renamed: the rename before its move',
    lab: {
      names: ['hv01', 'HYPERVHOSTNODE-03X'],
      computers: [samba('HV01', HYPERV), samba('HYPERVHOSTNODE-03X', COMPUTERS)],
      mixed: false,
    },
    outline: ['rename-node:hypervhostnode-03x', 'move-ou:hypervhostnode-03x after rename-node:hypervhostnode-03x'],
  },
];

for (const c of cases)
  test(`plan over facts: ${c.name}`, async () => {
    const findings = await findingsOf(c.lab);
    const plan = buildPlan(findings);
    assert.deepEqual(outline(plan), c.outline);
    // Every finding still to act on that contributed an action is resolved by one, and by index.
    for (const a of plan.actions)
      for (const r of a.resolves) {
        assert.equal(findings[r.finding]?.checkId, r.checkId);
        assert.ok(findings[r.finding]?.remediation?.actions?.some((x) => x.key === a.key));
      }
  });

test("plan over facts: the review's renames each resolve the four netbios findings of their node", async () => {
  const findings = await findingsOf(REVIEW);
  const plan = buildPlan(findings);
  const rename = plan.actions.find((a) => a.key === 'rename-node:hypervhostnode-01a')!;
  assert.deepEqual(
    rename.resolves.map((r) => `${r.checkId} ${r.subject}`),
    [
      'config.netbios.name HYPERVHOSTNODE-01A',
      'config.netbios.collision HYPERVHOSTNODE-',
      'ad.netbios.name HYPERVHOSTNODE-01A',
      'ad.netbios.collision HYPERVHOSTNODE-',
    ],
  );
  assert.equal(rename.runsOn, 'node:HYPERVHOSTNODE-01A');
  assert.deepEqual([rename.restart, rename.reversible, rename.disruption], [true, true, 'node-restart']);
  assert.ok(rename.steps.some((s) => s.commands?.some((x) => x.command.includes("-NewName 'HYPERVHOSTN-01A'"))));
  const raise = plan.actions.find((a) => a.key === 'raise-domain-mode')!;
  assert.deepEqual([raise.runsOn, raise.reversible, raise.restart], ['dc', false, false]);
  // The report with this plan is what the JSON schema describes.
  assert.ok(ReportSchema.shape.plan.safeParse(plan).success);
});

// ---------------------------------------------------------------------------------------------
// The builder's rules, on findings written by hand.

function action(key: string, over: Partial<Action> = {}): Action {
  return {
    key,
    title: `do ${key}`,
    runsOn: 'dc',
    steps: [{ text: `do ${key}` }],
    restart: false,
    reversible: true,
    disruption: 'none',
    ...over,
  };
}

function finding(checkId: string, actions: readonly Action[], status: Finding['status'] = 'fail'): Finding {
  return {
    checkId,
    area: checkId.split('.')[0]!,
    status,
    messageId: 'x',
    subject: checkId,
    message: 'x',
    data: {},
    remediation: { summary: 'x', steps: [], actions: [...actions] },
  };
}

const dep = (key: string, why = `${key} first`) => ({ key, why });

test('builder: the same key twice is one action, the first descriptor kept, dependencies merged', () => {
  const plan = buildPlan([
    finding('a.one', [action('x', { title: 'first', dependsOn: [dep('y')] })]),
    finding('a.two', [action('x', { title: 'second', dependsOn: [dep('z')] }), action('y')]),
    finding('a.three', [action('z')]),
  ]);
  assert.deepEqual(outline(plan), ['y', 'z', 'x after y after z']);
  const x = plan.actions.find((a) => a.key === 'x')!;
  assert.equal(x.title, 'first');
  assert.deepEqual(
    x.resolves.map((r) => r.finding),
    [0, 1],
  );
});

test('builder: ties keep the order in which actions first appear in the findings', () => {
  const keys = ['c', 'a', 'b', 'e', 'd'];
  const plan = buildPlan(keys.map((k) => finding(`a.${k}`, [action(k)])));
  assert.deepEqual(outline(plan), keys);
});

test('builder: a dependency on a key not in the plan is dropped', () => {
  const plan = buildPlan([finding('a.one', [action('x', { dependsOn: [dep('gone')] })])]);
  assert.deepEqual(outline(plan), ['x']);
});

test('builder: passed, skipped and waived findings contribute nothing', () => {
  const plan = buildPlan([
    finding('a.pass', [action('p')], 'pass'),
    finding('a.skip', [action('s')], 'skipped'),
    finding('a.waived', [action('w')], 'waived'),
    finding('a.warn', [action('v')], 'warn'),
  ]);
  assert.deepEqual(outline(plan), ['v']);
});

test('builder: the rules by kind order actions nobody linked, same target only where the rule says', () => {
  const plan = buildPlan([
    finding('a.move', [action('move-ou:hv01'), action('move-ou:hv02')]),
    finding('a.rename', [action('rename-node:hv02')]),
    finding('a.join', [action('join-domain:hv04')]),
    finding('a.dns', [action('dns-record:lab.example.test')]),
  ]);
  assert.deepEqual(outline(plan), [
    'move-ou:hv01',
    'rename-node:hv02',
    'move-ou:hv02 after rename-node:hv02',
    'dns-record:lab.example.test',
    'join-domain:hv04 after dns-record:lab.example.test',
  ]);
  const why = plan.actions.find((a) => a.key === 'move-ou:hv02')!.dependsOn[0]!.why;
  assert.equal(why, ORDER_RULES.find((r) => r.then === 'move-ou')!.why);
});

test('builder: a cycle in contributed dependencies is an error naming it, not a hang', () => {
  const findings = [
    finding('a.one', [action('x', { dependsOn: [dep('y')] })]),
    finding('a.two', [action('y', { dependsOn: [dep('z')] })]),
    finding('a.three', [action('z', { dependsOn: [dep('x')] }), action('free')]),
  ];
  assert.throws(
    () => buildPlan(findings),
    (e: unknown) => e instanceof PlanCycleError && e.keys.join(' ') === 'x y z x' && /cycle/.test(e.message),
  );
  const plan = planOf(findings);
  assert.deepEqual(plan.actions, []);
  assert.match(plan.error ?? '', /x -> y -> z -> x/);
});

test('builder: an action that depends on itself is a cycle too', () => {
  assert.throws(() => buildPlan([finding('a.one', [action('x', { dependsOn: [dep('x')] })])]), PlanCycleError);
});

test('builder: a cycle against a rule (a move the rename must wait for) is named as well', () => {
  assert.throws(
    () =>
      buildPlan([
        finding('a.one', [action('rename-node:hv01', { dependsOn: [dep('move-ou:hv01')] }), action('move-ou:hv01')]),
      ]),
    (e: unknown) =>
      e instanceof PlanCycleError && e.keys.includes('rename-node:hv01') && e.keys.includes('move-ou:hv01'),
  );
});

test('builder: a long chain in reverse order is ordered, in time linear enough for a plan', () => {
  const n = 300;
  const findings = Array.from({ length: n }, (_, i) =>
    finding(`a.c${i}`, [action(`k${i}`, i + 1 < n ? { dependsOn: [dep(`k${i + 1}`)] } : {})]),
  );
  const plan = buildPlan(findings);
  assert.equal(plan.actions[0]!.key, `k${n - 1}`);
  assert.equal(plan.actions.at(-1)!.key, 'k0');
});

// ---------------------------------------------------------------------------------------------
// The hand-written validation of a contributed action (src/engine/action.ts).

const invalid: [string, unknown, RegExp][] = [
  ['not an object', 'rename', /expected an action/],
  ['an upper-case key', action('Rename-Node:hv01'), /\.key: expected a key/],
  ['a key with a space', { ...action('x'), key: 'rename node' }, /\.key: expected a key/],
  ['runsOn elsewhere', action('x', { runsOn: 'the DC' }), /\.runsOn: expected dc, node:<name>/],
  ['no steps', action('x', { steps: [] }), /\.steps: expected a non-empty list/],
  ['a step without text', { ...action('x'), steps: [{ commands: [] }] }, /\.steps\.0\.text/],
  [
    'a command in an unknown shell',
    { ...action('x'), steps: [{ text: 't', commands: [{ shell: 'bash', command: 'ls' }] }] },
    /\.steps\.0\.commands\.0\.shell: expected one of powershell, cmd, sh/,
  ],
  ['restart not a boolean', { ...action('x'), restart: 'yes' }, /\.restart: expected true or false/],
  ['an unknown disruption', { ...action('x'), disruption: 'some' }, /\.disruption: expected one of none/],
  ['a dependency without why', { ...action('x'), dependsOn: [{ key: 'y' }] }, /\.dependsOn\.0\.why/],
  ['an unknown field', { ...action('x'), urgent: true }, /\.urgent: not a field of an action/],
  ['a script with no fragment', { ...action('x'), script: { params: [] } }, /\.script: expected a powershell or an sh/],
  [
    'a script fragment without test',
    { ...action('x'), script: { powershell: { apply: 'Set-X' } } },
    /\.script\.powershell\.test: expected a non-empty string/,
  ],
  [
    'an sh fragment for an unknown system',
    { ...action('x'), script: { sh: { system: 'lio', test: 'true', apply: 'true' } } },
    /\.script\.sh\.system: expected one of samba, tgt, targetcli/,
  ],
  [
    'a parameter that is not PascalCase',
    { ...action('x'), script: { params: [{ name: 'new_name', description: 'd' }], sh: sh() } },
    /\.script\.params\.0\.name: expected a PascalCase name/,
  ],
  [
    'a secret with a default (it would be written into the script)',
    { ...action('x'), script: { params: [{ name: 'Chap', description: 'd', secret: true, default: 'x' }], sh: sh() } },
    /\.script\.params\.0\.default: a secret has no default/,
  ],
  [
    'an unknown fragment field',
    { ...action('x'), script: { sh: { ...sh(), undo: 'rm -rf /' } } },
    /\.script\.sh\.undo: not a field of a script fragment/,
  ],
];

function sh(): { system: string; test: string; apply: string } {
  return { system: 'tgt', test: 'true', apply: 'true' };
}

for (const [name, value, expected] of invalid)
  test(`action validation: ${name}`, () => {
    const problems = actionProblems(value);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${JSON.stringify(problems)} should match ${String(expected)}`,
    );
  });

test('action validation: a valid action has no problem, and the report schema agrees', () => {
  const a = action('rename-node:hv01', { runsOn: 'node:HV01', dependsOn: [dep('raise-domain-mode')] });
  assert.deepEqual(actionProblems(a), []);
  const scripted = {
    ...a,
    script: {
      params: [{ name: 'NewNameHv01', description: 'the new name', default: 'HV01' }],
      powershell: { test: '$true', apply: 'Rename-Computer', legacy: 'netdom renamecomputer' },
      sh: sh(),
    },
  };
  assert.deepEqual(actionProblems(scripted), []);
  for (const [, value] of invalid) {
    const zodOk = ReportSchema.shape.findings.element.shape.remediation
      .unwrap()
      .shape.actions.unwrap()
      .element.safeParse(value).success;
    assert.equal(zodOk, false, `the schema accepts what the hand validation refuses: ${JSON.stringify(value)}`);
  }
});

test('shVariable spells a parameter in upper snake case for sh', () => {
  assert.equal(shVariable('NewNameHv01'), 'NEW_NAME_HV01');
  assert.equal(shVariable('ChapSecret'), 'CHAP_SECRET');
  assert.equal(shVariable('LunPath'), 'LUN_PATH');
  assert.equal(shVariable('DCHost'), 'DC_HOST');
});
