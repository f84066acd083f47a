/**
 * The PowerShell wrapper (src/windows/powershell.ts): what it sends (no input ever as code), how
 * it reads the envelope in the shapes Windows PowerShell 5.1 and pwsh 7 print, and, through the
 * real node-powershell process protocol against test/fakes/fake-pwsh (a FAKE PowerShell replaying
 * recordings: PowerShell cannot be installed here), timeouts, a process that dies, stderr,
 * garbage and queued runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  buildCommand,
  parseEnvelope,
  PowerShellError,
  PowerShellSession,
  ENVELOPE_MARKER,
  type PsScript,
} from '../../src/windows/powershell.ts';
import { classifyFailure, classifyRecord } from '../../src/windows/errors.ts';
import { choosePowerShell } from '../../src/windows/availability.ts';

const FAKE = fileURLToPath(new URL('../fakes/fake-pwsh', import.meta.url));
const RECORDINGS = fileURLToPath(new URL('../fixtures/powershell/session', import.meta.url));
const echo: PsScript<unknown> = { name: 'test.echo', body: 'Write-Output $p.x', parse: (v) => v };

/** A session on the fake, one process per case (the fake reads its case at start). */
async function fakeSession(testCase: string | undefined, timeoutMs = 2000, log?: string): Promise<PowerShellSession> {
  process.env.FAKE_PWSH_RECORDINGS = RECORDINGS;
  if (testCase) process.env.FAKE_PWSH_CASE = testCase;
  else delete process.env.FAKE_PWSH_CASE;
  if (log) process.env.FAKE_PWSH_LOG = log;
  else delete process.env.FAKE_PWSH_LOG;
  return PowerShellSession.open({ executable: FAKE, timeoutMs });
}

const HOSTILE = [
  "hv01'; Remove-Item C:\\ -Recurse; '",
  '$(Stop-Computer)',
  '`"; calc; "',
  "O'Neil",
  '@{a=1}',
  '\u2019; iex \u2018x',
  '\r\nStop-Computer',
];

test('inputs travel as base64 JSON: no value appears in the command, and they decode back exactly', () => {
  for (const value of HOSTILE) {
    const command = buildCommand(echo, { nodes: [value], x: value });
    assert.ok(!command.includes(value), `the value is in the command: ${value}`);
    const b64 = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(command)![1]!;
    assert.deepEqual(JSON.parse(Buffer.from(b64, 'base64').toString('utf8')), { nodes: [value], x: value });
  }
  // Outside the base64 payload, the command is the same text whatever the inputs are.
  const code = (params: unknown) =>
    buildCommand(echo, params).replace(/FromBase64String\('[A-Za-z0-9+/=]*'\)/, "FromBase64String('')");
  const reference = code({ x: 'reference' });
  fc.assert(
    fc.property(fc.jsonValue(), (params) => code({ x: params }) === reference),
    { numRuns: 300 },
  );
  const command = buildCommand(echo, {});
  assert.ok(command.startsWith('# CLUSTERPROBE-SCRIPT:test.echo\n'));
  assert.match(command, /\$ErrorActionPreference = 'Stop'/);
  assert.match(
    command,
    /ConvertTo-Json -InputObject @\{ ok = \$cpOk; value = \$cpValue; error = \$cpFailure; errors = \$cpErrors \} -Depth 6 -Compress/,
  );
  assert.equal((command.match(/\{/g) ?? []).length, (command.match(/\}/g) ?? []).length, 'braces balance');
});

test('the envelope in 5.1 and 7 shapes: noise kept apart, one error record or many, a failed body, garbage', () => {
  const ok = parseEnvelope(
    echo,
    `WARNING: something\n${ENVELOPE_MARKER}{"ok":true,"value":{"a":"\\u0027x\\u0027"},"error":null,"errors":{"message":"m","fullyQualifiedErrorId":"CannotConnect,PSSessionStateBroken","category":"OpenError","exceptionType":"T","computerName":"hv02","targetObject":""}}\n`,
    'err line\n',
  );
  assert.deepEqual(ok.value, { a: "'x'" });
  assert.deepEqual(ok.errors, [
    {
      message: 'm',
      fullyQualifiedErrorId: 'CannotConnect,PSSessionStateBroken',
      category: 'OpenError',
      exceptionType: 'T',
      computerName: 'hv02',
    },
  ]);
  assert.equal(ok.noise, 'WARNING: something\nerr line');
  const last = parseEnvelope(
    echo,
    `${ENVELOPE_MARKER}{"ok":true,"value":1,"errors":[]}\n${ENVELOPE_MARKER}{"ok":true,"value":2,"errors":[]}`,
    '',
  );
  assert.equal(last.value, 2, 'the last envelope counts');
  const failed = (() => {
    try {
      parseEnvelope(
        echo,
        `${ENVELOPE_MARKER}{"ok":false,"value":null,"error":{"message":"boom","fullyQualifiedErrorId":"X"},"errors":[]}`,
        '',
      );
    } catch (e) {
      return e as PowerShellError;
    }
    return undefined;
  })();
  assert.equal(failed?.code, 'scriptFailed');
  assert.equal(failed?.record?.message, 'boom');
  for (const bad of [
    '',
    'nothing here',
    `${ENVELOPE_MARKER}{`,
    `${ENVELOPE_MARKER}[1]`,
    `${ENVELOPE_MARKER}null`,
    `${ENVELOPE_MARKER}{"value":1}`,
  ]) {
    assert.throws(
      () => parseEnvelope(echo, bad, ''),
      (e: unknown) => e instanceof PowerShellError && e.code === 'badOutput',
      JSON.stringify(bad),
    );
  }
  const strict: PsScript<number> = {
    name: 'test.n',
    body: '',
    parse: (v) => {
      if (typeof v !== 'number') throw new Error('not a number');
      return v;
    },
  };
  assert.throws(
    () => parseEnvelope(strict, `${ENVELOPE_MARKER}{"ok":true,"value":"x","errors":[]}`, ''),
    /unexpected result: not a number/,
  );
});

test('fuzz: whatever PowerShell prints, parseEnvelope returns or throws PowerShellError, nothing else', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.json().map((j) => `${ENVELOPE_MARKER}${j}`),
        fc.jsonValue().map((v) => `${ENVELOPE_MARKER}${JSON.stringify({ ok: true, value: v, errors: v })}`),
      ),
      fc.string(),
      (stdout, stderr) => {
        try {
          parseEnvelope(echo, stdout, stderr);
        } catch (e) {
          assert.ok(e instanceof PowerShellError, String(e));
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('through the process protocol: a value in the 5.1 shape, queued runs, stderr and noise as noise, and what was sent', async () => {
  const log = join(await mkdtemp(join(tmpdir(), 'cp-ps-')), 'sent.log');
  const s = await fakeSession('object-5.1', 5000, log);
  try {
    const [a, b] = await Promise.all([s.run(echo, { x: HOSTILE[0] }), s.run(echo, { x: HOSTILE[1] })]);
    assert.deepEqual(a.value, { Name: 'hv01', When: '/Date(1764633600000)/', State: 1 });
    assert.deepEqual(b.value, a.value, 'the second run, queued behind the first, got its own answer');
    const sent = await readFile(log, 'utf8');
    assert.equal((sent.match(/# CLUSTERPROBE-SCRIPT:test\.echo/g) ?? []).length, 2);
    for (const h of HOSTILE.slice(0, 2)) assert.ok(!sent.includes(h), 'no input reached PowerShell as code');
  } finally {
    await s.close();
  }
  const noisy = await fakeSession('noise');
  try {
    const r = await noisy.run(echo, {});
    assert.deepEqual(r.value, [1, 2]);
    assert.equal(r.noise, 'WARNING: a profile said hello\na line on stderr');
    assert.equal(r.errors[0]?.computerName, 'hv02');
    assert.equal(classifyRecord(r.errors[0]!).code, 'accessDenied');
  } finally {
    await noisy.close();
  }
});

test('a failed body is scriptFailed with its record: a missing module classifies as moduleMissing with the RSAT fix', async () => {
  const s = await fakeSession('failed');
  try {
    const err = await s.run(echo, {}).then(
      () => undefined,
      (e: unknown) => e as PowerShellError,
    );
    assert.equal(err?.code, 'scriptFailed');
    const w = classifyFailure(err!);
    assert.deepEqual([w.code, w.module], ['moduleMissing', 'ActiveDirectory']);
  } finally {
    await s.close();
  }
});

test('garbage and half a result are badOutput; the session goes on', async () => {
  for (const c of ['garbage', 'not-json']) {
    const s = await fakeSession(c);
    try {
      const err = await s.run(echo, {}).then(
        () => undefined,
        (e: unknown) => e as PowerShellError,
      );
      assert.equal(err?.code, 'badOutput', c);
    } finally {
      await s.close();
    }
  }
});

test('a run over its time limit is timeout, kills the process, and the next run starts a new one', async () => {
  const s = await fakeSession('slow', 500);
  try {
    const started = Date.now();
    const err = await s.run(echo, {}).then(
      () => undefined,
      (e: unknown) => e as PowerShellError,
    );
    assert.equal(err?.code, 'timeout');
    assert.ok(Date.now() - started < 3000, 'did not wait for the answer');
    const again = await s.run(echo, {}, { timeoutMs: 10_000 });
    assert.equal(again.value, 1, 'a fresh process answered the next run');
  } finally {
    await s.close();
  }
});

test('an abort stops the run at once; a process that dies mid-command is processExited, and the next run restarts it', async () => {
  const slow = await fakeSession('slow', 10_000);
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const err = await slow.run(echo, {}, { signal: controller.signal }).then(
      () => undefined,
      (e: unknown) => e as PowerShellError,
    );
    assert.equal(err?.code, 'aborted');
    const pre = new AbortController();
    pre.abort();
    assert.equal(
      (
        await slow.run(echo, {}, { signal: pre.signal }).then(
          () => undefined,
          (e: unknown) => e as PowerShellError,
        )
      )?.code,
      'aborted',
    );
  } finally {
    await slow.close();
  }
  const dies = await fakeSession('dies');
  try {
    for (let i = 0; i < 2; i += 1) {
      const err = await dies.run(echo, {}).then(
        () => undefined,
        (e: unknown) => e as PowerShellError,
      );
      assert.equal(err?.code, 'processExited');
      assert.match(err!.message, /exited with code 1/);
    }
  } finally {
    await dies.close();
  }
});

test('cases chosen by the decoded parameters, so one process serves different inputs', async () => {
  const s = await fakeSession(undefined);
  const pick: PsScript<unknown> = { ...echo, name: 'test.pick' };
  try {
    assert.equal((await s.run(pick, { x: 'second' })).value, 'two');
    assert.equal((await s.run(pick, { x: 'first' })).value, 'one');
  } finally {
    await s.close();
  }
});

test('no PowerShell: noPowerShell at open, naming what was looked for', async () => {
  const err = await PowerShellSession.open({ executable: 'clusterprobe-no-such-pwsh' }).then(
    () => undefined,
    (e: unknown) => e as PowerShellError,
  );
  assert.equal(err?.code, 'noPowerShell');
  assert.match(err!.message, /clusterprobe-no-such-pwsh was not found on PATH/);
  assert.equal(
    (
      await PowerShellSession.open({ executable: '/nonexistent/pwsh' }).then(
        () => undefined,
        (e: unknown) => e as PowerShellError,
      )
    )?.code,
    'noPowerShell',
  );
});

test('which PowerShell: the spec, then CLUSTERPROBE_POWERSHELL, then powershell on Windows; elsewhere skipped with the reason', () => {
  assert.deepEqual(choosePowerShell({ windows: { powershell: 'pwsh' } }, { CLUSTERPROBE_POWERSHELL: '/x' }, 'linux'), {
    executable: 'pwsh',
    source: 'windows.powershell',
  });
  assert.deepEqual(choosePowerShell({}, { CLUSTERPROBE_POWERSHELL: '/x' }, 'linux'), {
    executable: '/x',
    source: 'CLUSTERPROBE_POWERSHELL',
  });
  assert.deepEqual(choosePowerShell({}, {}, 'win32'), { executable: 'powershell', source: 'default' });
  const skipped = choosePowerShell({}, {}, 'linux');
  assert.ok('skipped' in skipped && /not Windows/.test(skipped.skipped) && /windows\.powershell/.test(skipped.skipped));
});

test('ErrorRecords: WinRM refusals, unreachable, names, authentication, missing modules and cmdlets', () => {
  const r = (
    fullyQualifiedErrorId: string,
    message: string,
    exceptionType = 'System.Management.Automation.Remoting.PSRemotingTransportException',
  ) => ({ message, fullyQualifiedErrorId, category: 'OpenError', exceptionType });
  const table: [ReturnType<typeof r>, string][] = [
    [
      r(
        'AccessDenied,PSSessionStateBroken',
        'Connecting to remote server hv01 failed with the following error message : Access is denied.',
      ),
      'accessDenied',
    ],
    [
      r(
        'CannotConnect,PSSessionStateBroken',
        'Connecting to remote server hv01 failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled',
      ),
      'unreachable',
    ],
    [
      r(
        'WinRMOperationTimeout,PSSessionStateBroken',
        'Connecting to remote server hv01 failed: The WinRM client cannot complete the operation within the time specified.',
      ),
      'timeout',
    ],
    [
      r(
        'ComputerNotFound,PSSessionStateBroken',
        'Connecting to remote server hv09 failed with the following error message : The WinRM client cannot process the request because the server name cannot be resolved.',
      ),
      'dnsFailed',
    ],
    [
      r(
        'ServerNotTrusted,PSSessionStateBroken',
        'Connecting to remote server 10.0.0.11 failed: The WinRM client cannot process the request. Default authentication may be used with an IP address under the following conditions: the transport is HTTPS or the destination is in the TrustedHosts list',
      ),
      'authFailed',
    ],
    [
      r(
        'Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand',
        "The specified module 'FailoverClusters' was not loaded because no valid module file was found in any module directory.",
        'System.IO.FileNotFoundException',
      ),
      'moduleMissing',
    ],
    [
      r(
        'CommandNotFoundException',
        "The term 'Get-InitiatorPort' is not recognized as the name of a cmdlet",
        'System.Management.Automation.CommandNotFoundException',
      ),
      'commandMissing',
    ],
    [r('SomethingElse', 'odd', 'System.Exception'), 'other'],
  ];
  for (const [record, code] of table) assert.equal(classifyRecord(record).code, code, record.fullyQualifiedErrorId);
  assert.equal(classifyRecord(table[5]![0]).module, 'FailoverClusters');
});
