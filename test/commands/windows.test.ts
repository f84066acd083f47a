/**
 * What the commands do differently on Windows, checked here on Linux (the Wine smoke test,
 * test/package/wine.test.ts, runs the executable itself): Ctrl-Break as a stop signal, and the
 * messages about an output path that cannot be written, in Windows' path syntax and PowerShell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { StopSignals } from '../../src/commands/base.ts';
import { assertWritable } from '../../src/commands/output-file.ts';
import { UsageError } from '../../src/engine/errors.ts';
import { tempDir } from '../helpers/cli.ts';

class Memory extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

test('Ctrl-Break (SIGBREAK, Windows) stops a run like Ctrl-C: the checks abort, the cleanups still run', () => {
  const before = process.listeners('SIGBREAK');
  const stop = new StopSignals(new Memory());
  stop.arm(() => []);
  try {
    const added = process.listeners('SIGBREAK').filter((l) => !before.includes(l));
    assert.equal(added.length, 1, 'one SIGBREAK handler while armed');
    (added[0] as () => void)();
    assert.equal(stop.signal.aborted, true);
  } finally {
    stop.disarm();
  }
  assert.deepEqual(process.listeners('SIGBREAK'), before, 'disarm removes it');
});

async function refusal(promise: Promise<void>): Promise<string> {
  const err = await promise.then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UsageError, String(err));
  return err.message;
}

test('an output path in a missing directory: on Windows the fix is PowerShell, on Linux sh', async () => {
  const windows = await refusal(assertWritable('html', 'C:\\Reports\\Q4 run\\preflight.html', 'win32'));
  assert.equal(
    windows,
    "--html C:\\Reports\\Q4 run\\preflight.html: the directory C:\\Reports\\Q4 run does not exist; create it (PowerShell: New-Item -ItemType Directory -Path 'C:\\Reports\\Q4 run') or choose another path",
  );
  const dir = join(await tempDir(), "no such'dir");
  const linux = await refusal(assertWritable('junit', join(dir, 'run.xml'), 'linux'));
  assert.equal(
    linux,
    `--junit ${dir}/run.xml: the directory ${dir} does not exist; create it (mkdir -p '${dir.replace("'", "'\\''")}') or choose another path`,
  );
});

test("an output path that is a directory: the example file name is joined in the platform's syntax", async () => {
  const dir = await tempDir();
  assert.match(
    await refusal(assertWritable('html', dir, 'win32')),
    new RegExp(`is a directory; give a file name \\(e\\.g\\. ${dir.replaceAll('/', '\\\\')}\\\\preflight\\.html\\)$`),
  );
  assert.match(
    await refusal(assertWritable('save-facts', `${dir}/`, 'linux')),
    new RegExp(`is a directory; give a file name \\(e\\.g\\. ${dir}/preflight\\.json\\)$`),
  );
});
