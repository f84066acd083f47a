/**
 * Which PowerShell process starts: where it is looked for on Windows (checked here on Linux with
 * Windows' rules; the Wine smoke test finds Wine's powershell.exe for real), and that
 * node-powershell's own NODE_POWERSHELL cannot swap it for another behind the run's back.
 * The process is test/fakes/fake-pwsh, a FAKE PowerShell replaying recordings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { executableCandidates, PowerShellSession, type PsScript } from '../../src/windows/powershell.ts';

const FAKE = fileURLToPath(new URL('../fakes/fake-pwsh', import.meta.url));
const RECORDINGS = fileURLToPath(new URL('../fixtures/powershell/session', import.meta.url));
const echo: PsScript<unknown> = { name: 'test.echo', body: 'Write-Output $p.x', parse: (v) => v };

test('Windows: PATH entries in quotes are searched; only .com and .exe are candidates (a .cmd or .bat cannot be spawned without a shell, as npm i -g pwsh puts on PATH)', () => {
  const env = {
    PATH: '%APPDATA%\\npm;"C:\\Program Files\\PowerShell\\7";;C:\\Windows\\System32\\WindowsPowerShell\\v1.0',
    PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.JS',
  };
  assert.deepEqual(executableCandidates('pwsh', env, 'win32'), [
    '%APPDATA%\\npm\\pwsh.com',
    '%APPDATA%\\npm\\pwsh.exe',
    'C:\\Program Files\\PowerShell\\7\\pwsh.com',
    'C:\\Program Files\\PowerShell\\7\\pwsh.exe',
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\pwsh.com',
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\pwsh.exe',
  ]);
  assert.deepEqual(executableCandidates('powershell.exe', { PATH: 'C:\\bin' }, 'win32'), ['C:\\bin\\powershell.exe']);
  assert.deepEqual(executableCandidates('C:\\Tools\\pwsh', env, 'win32'), [
    'C:\\Tools\\pwsh.com',
    'C:\\Tools\\pwsh.exe',
  ]);
  assert.deepEqual(executableCandidates('D:\\pwsh.exe', env, 'win32'), ['D:\\pwsh.exe']);
});

test('Linux and macOS: the name in each PATH directory, as it is', () => {
  assert.deepEqual(executableCandidates('pwsh', { PATH: '/usr/local/bin::/usr/bin' }, 'linux'), [
    '/usr/local/bin/pwsh',
    '/usr/bin/pwsh',
  ]);
  assert.deepEqual(executableCandidates('/opt/microsoft/powershell/7/pwsh', { PATH: '/usr/bin' }, 'linux'), [
    '/opt/microsoft/powershell/7/pwsh',
  ]);
});

test("NODE_POWERSHELL (node-powershell's own override) does not replace the PowerShell the run chose and found", async () => {
  const saved = { ...process.env };
  process.env.FAKE_PWSH_RECORDINGS = RECORDINGS;
  process.env.FAKE_PWSH_CASE = 'object-5.1';
  process.env.NODE_POWERSHELL = '/nonexistent/pwsh';
  const s = await PowerShellSession.open({ executable: FAKE, timeoutMs: 5000 });
  try {
    assert.deepEqual((await s.run(echo, { x: 1 })).value, { Name: 'hv01', When: '/Date(1764633600000)/', State: 1 });
  } finally {
    await s.close();
    for (const k of ['FAKE_PWSH_RECORDINGS', 'FAKE_PWSH_CASE', 'NODE_POWERSHELL']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
});
