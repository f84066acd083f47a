/** The check contract's validation of `meta`: each rule, with the message a plugin author reads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contractProblems, type CheckMeta } from '../../src/engine/contract.ts';

const META: CheckMeta = {
  id: 'site.fqdn.domain',
  title: 'FQDNs are in the domain',
  area: 'site',
  description: 'Every node FQDN ends with the domain.',
  why: 'A node outside the domain cannot join the cluster.',
  docs: 'https://example.test/fqdn',
  severity: 'warn',
  facts: ['spec'],
  messages: { outside: '{node} is outside {domain}' },
  remediations: ['Rename the node.'],
};

const problems = (meta: unknown) => contractProblems({ meta, run() {} });

test('a valid meta has no problems, with or without remediations and with extra keys', () => {
  assert.deepEqual(problems(META), []);
  const { remediations: _, ...without } = META;
  assert.deepEqual(problems(without), []);
  assert.deepEqual(problems({ ...META, remediations: undefined, owner: 'team' }), []);
});

test('each field of meta is checked, the problem naming its path, what was expected and what came', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ id: 'Bad Id' }, ['meta.id: expected a dotted lower-case id such as "area.topic.detail"; got "Bad Id"']],
    [{ id: 'site' }, ['meta.id: expected a dotted lower-case id such as "area.topic.detail"; got "site"']],
    [{ id: 5 }, ['meta.id: expected a dotted lower-case id such as "area.topic.detail"; got 5']],
    [{ title: '' }, ['meta.title: expected a non-empty title; got ""']],
    [{ area: 'Site' }, ['meta.area: expected a lower-case area name; got "Site"']],
    [{ description: undefined }, ['meta.description: expected a description; got nothing']],
    [{ why: ['x'] }, ['meta.why: expected a "why" explaining why it matters; got a list']],
    [{ docs: null }, ['meta.docs: expected docs (a markdown path or URL); got null']],
    [{ severity: 'error' }, ['meta.severity: expected "fail" or "warn"; got "error"']],
    [{ facts: 'spec' }, ['meta.facts: expected a list of fact names; got "spec"']],
    [{ facts: ['spec', 1] }, ['meta.facts.1: expected a string; got 1']],
    [{ messages: {} }, ['meta.messages: expected at least one message']],
    [{ messages: ['x'] }, ['meta.messages: expected a mapping of message id to text; got a list']],
    [{ messages: { 'bad-id': 'x' } }, ['meta.messages.bad-id: expected camelCase message ids']],
    [{ messages: { ok: '' } }, ['meta.messages.ok: expected a non-empty string; got ""']],
    [{ messages: { ok: 3 } }, ['meta.messages.ok: expected a non-empty string; got 3']],
    [{ remediations: 'x' }, ['meta.remediations: expected a list of sentences; got "x"']],
    [{ remediations: ['x', {}] }, ['meta.remediations.1: expected a string; got a mapping (key: value)']],
    // Checked once the fields themselves are right.
    [{ area: 'other' }, ['meta.id "site.fqdn.domain" must start with its area "other."']],
  ];
  for (const [change, expected] of cases)
    assert.deepEqual(problems({ ...META, ...change }), expected, JSON.stringify(change));
});

test('every problem is reported at once; a meta that is not a mapping is named', () => {
  assert.deepEqual(problems({}), [
    'meta.id: expected a dotted lower-case id such as "area.topic.detail"; got nothing',
    'meta.title: expected a non-empty title; got nothing',
    'meta.area: expected a lower-case area name; got nothing',
    'meta.description: expected a description; got nothing',
    'meta.why: expected a "why" explaining why it matters; got nothing',
    'meta.docs: expected docs (a markdown path or URL); got nothing',
    'meta.severity: expected "fail" or "warn"; got nothing',
    'meta.facts: expected a list of fact names; got nothing',
    'meta.messages: expected a mapping of message id to text; got nothing',
  ]);
  for (const meta of ['x', null, []])
    assert.match(
      problems(meta).join(),
      /^meta: expected a mapping \(id, title, area, description, why, docs, \.\.\.\); got /,
    );
  assert.deepEqual(contractProblems({ meta: META }), ['"run" must be a function, got nothing']);
});
