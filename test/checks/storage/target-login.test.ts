import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/storage/target-login.ts';
import { runCheck, commandsOf } from '../../helpers/run-check.ts';
import { A, B, facts, login, portal, target } from './facts.ts';

const T = 'iqn.2026-11.test:csv1';

test('both nodes in: two passes', async () => {
  const found = await runCheck(check, facts([portal({ targets: [target(T, [login(A), login(B)])] })]));
  assert.deepEqual(
    found.map((f) => [f.status, f.messageId, f.subject]),
    [
      ['pass', 'loggedIn', `${T} hv01`],
      ['pass', 'loggedIn', `${T} hv02`],
    ],
  );
});

test('"target not found" for one node while the other logs in is the access list, with the commands to fix it', async () => {
  const found = await runCheck(
    check,
    facts([
      portal({
        targets: [
          target(T, [login(A), login(B, { status: 'not-found', statusClass: 2, statusDetail: 3, luns: undefined })]),
        ],
      }),
    ]),
  );
  const f = found.find((x) => x.subject === `${T} hv02`)!;
  assert.deepEqual([f.status, f.messageId, f.data.allowed], ['fail', 'aclMissing', 'hv01']);
  const cmds = commandsOf(f);
  assert.ok(
    cmds.some((c) =>
      c.startsWith(`tgtadm --lld iscsi --op bind --mode target --tid '<tid>' --initiator-name '${B.initiator}'`),
    ),
  );
  assert.ok(cmds.some((c) => c.startsWith(`targetcli '/iscsi/${T}/tpg1/acls' create '${B.initiator}'`)));
  assert.ok(cmds.some((c) => c.includes('Set-IscsiServerTarget') && c.includes(`IQN:${B.initiator}`)));
  assert.ok(
    cmds.some((c) => c.includes('Get-InitiatorPort')),
    'derived identity: read the real IQN first',
  );
});

test('nobody gets in: target not found; CHAP failures split by whether CHAP is configured', async () => {
  const nf = await runCheck(
    check,
    facts([
      portal({
        targets: [
          target(T, [
            login(A, { status: 'not-found', luns: undefined }),
            login(B, { status: 'not-found', luns: undefined }),
          ]),
        ],
      }),
    ]),
  );
  assert.deepEqual(
    nf.map((f) => f.messageId),
    ['targetNotFound', 'targetNotFound'],
  );
  const wrong = await runCheck(
    check,
    facts([
      portal({
        chap: 'chap',
        chapUser: 'csvuser',
        targets: [target(T, [login(A, { status: 'auth-failed', chap: 'chap', luns: undefined })])],
      }),
    ]),
  );
  assert.equal(wrong[0]!.messageId, 'chapFailed');
  assert.equal(wrong[0]!.data.chapUser, 'csvuser');
  assert.ok(
    commandsOf(wrong[0]).every((c) => !/secret-value/.test(c)) &&
      commandsOf(wrong[0]).some((c) => c.includes('<secret>')),
  );
  const none = await runCheck(
    check,
    facts([portal({ targets: [target(T, [login(A, { status: 'auth-failed', luns: undefined })])] })]),
  );
  assert.equal(none[0]!.messageId, 'chapRequired');
});

test('other statuses, an unresolvable secret, and an unreachable portal', async () => {
  const na = await runCheck(
    check,
    facts([portal({ targets: [target(T, [login(A, { status: 'not-authorized', luns: undefined })])] })]),
  );
  assert.equal(na[0]!.messageId, 'notAuthorized');
  const mutual = await runCheck(
    check,
    facts([
      portal({
        chap: 'mutual-chap',
        targets: [
          target(T, [
            login(A, {
              status: 'negotiation',
              negotiation: 'mutualChap',
              message: "x: mutual CHAP: the target's response is wrong",
              luns: undefined,
            }),
          ]),
        ],
      }),
    ]),
  );
  assert.equal(mutual[0]!.messageId, 'mutualChapFailed');
  // What failed is the typed field, not the words: a target's text naming mutual CHAP is not it.
  const words = await runCheck(
    check,
    facts([
      portal({
        chap: 'mutual-chap',
        targets: [
          target(T, [
            login(A, {
              status: 'negotiation',
              negotiation: 'other',
              message: 'x: the target answered MaxRecvDataSegmentLength=0 (mutual CHAP configured)',
              luns: undefined,
            }),
          ]),
        ],
      }),
    ]),
  );
  assert.equal(words[0]!.messageId, 'loginError');
  const timeout = await runCheck(
    check,
    facts([
      portal({
        targets: [target(T, [login(A, { status: 'timeout', message: 'login did not complete', luns: undefined })])],
      }),
    ]),
  );
  assert.equal(timeout[0]!.messageId, 'loginError');
  const secret = await runCheck(
    check,
    facts([portal({ secretError: 'storage.iscsi[0].chap.secret: environment variable X is not set' })]),
  );
  assert.deepEqual([secret[0]!.status, secret[0]!.messageId], ['fail', 'secretMissing']);
  const named = await runCheck(
    check,
    facts([
      portal({
        secretError: 'storage.iscsi[0].chap.secret: environment variable SAN_CHAP is not set',
        secretProblem: {
          key: 'storage.iscsi[0].chap.secret',
          ref: 'env:SAN_CHAP',
          reason: 'unset',
          variable: 'SAN_CHAP',
        },
      }),
    ]),
  );
  assert.ok(
    commandsOf(named[0], 'powershell').some((c) => c.startsWith('$env:SAN_CHAP = ')),
    'the fix sets the variable the spec names',
  );
  assert.ok(commandsOf(named[0], 'sh').some((c) => c.endsWith('export SAN_CHAP')));
  const unreachable = await runCheck(check, facts([portal({ reach: { status: 'refused' } })]));
  assert.deepEqual(
    [unreachable[0]!.status, unreachable[0]!.messageId],
    ['skipped', 'portalsUnreachable'],
    'an unreachable portal is not blamed for listing no target',
  );
  const none = await runCheck(check, facts([]));
  assert.deepEqual(
    [none[0]!.status, none[0]!.messageId, none[0]!.data.portal],
    ['skipped', 'noPortals', undefined],
    'no storage: no "Portal none"',
  );
  const empty = await runCheck(check, facts([portal({ targets: [] })]));
  assert.deepEqual([empty[0]!.status, empty[0]!.messageId], ['warn', 'noTargets']);
});
