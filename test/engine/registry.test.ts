import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, globMatch } from '../../src/engine/registry.ts';
import { contractProblems, formatMessage } from '../../src/engine/contract.ts';
import { PluginError, UsageError } from '../../src/engine/errors.ts';
import { builtinChecks } from '../../checks/index.ts';

test('globs: * spans dots, ? one character, the rest literal', () => {
  assert.equal(globMatch('storage.*', 'storage.pr.support'), true);
  assert.equal(globMatch('ad.netbios.*', 'ad.netbios.length'), true);
  assert.equal(globMatch('ad.netbios.*', 'ad.netbiosx'), false);
  assert.equal(globMatch('*.netbios.*', 'config.netbios.name'), true);
  assert.equal(globMatch('config.netbios.nam?', 'config.netbios.name'), true);
  assert.equal(globMatch('config.netbios', 'config.netbiosXname'), false);
});

test('every built-in check satisfies the contract', () => {
  for (const c of builtinChecks) assert.deepEqual(contractProblems(c), [], c.meta.id);
});

test('contract problems are named', () => {
  assert.match(contractProblems({ run() {} }).join(), /missing "meta"/);
  assert.match(contractProblems(null).join(), /expected an object/);
  const meta = { ...builtinChecks[0]!.meta, id: 'Bad Id' };
  assert.match(contractProblems({ meta, run() {} }).join(), /meta\.id/);
  assert.match(
    contractProblems({ meta: { ...builtinChecks[0]!.meta, area: 'other' }, run() {} }).join(),
    /must start with its area/,
  );
  assert.match(contractProblems({ meta: builtinChecks[0]!.meta, run: 'x' }).join(), /"run" must be a function/);
});

test('duplicate ids and invalid checks are refused with the source named', () => {
  const r = new Registry();
  r.addCheck(builtinChecks[0], 'built-in');
  assert.throws(
    () => r.addCheck(builtinChecks[0], 'my-plugin'),
    (e: unknown) => e instanceof PluginError && /my-plugin.*already provided by built-in/.test(e.message),
  );
  assert.throws(
    () => r.addCheck({ meta: {} }, 'plugin "x"'),
    (e: unknown) => e instanceof PluginError && /plugin "x"/.test(e.message),
  );
});

test('select keeps index order, applies only then skip, and refuses globs that match nothing', () => {
  const r = new Registry();
  for (const c of builtinChecks) r.addCheck(c, 'built-in');
  assert.deepEqual(
    r.select(['config.*'], ['*.collision']).map((x) => x.check.meta.id),
    ['config.netbios.name', 'config.waivers.expiry', 'config.nodes.count'],
  );
  assert.throws(() => r.select(['nothing.*'], []), UsageError);
  assert.throws(() => r.select([], ['nothing.*']), UsageError);
});

test('message placeholders are filled from data; unknown ones stay visible', () => {
  assert.equal(formatMessage('{a} and {b} and {c}', { a: 1, b: ['x', 'y'] }), '1 and x, y and {c}');
});
