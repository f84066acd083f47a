/**
 * BaseCommand's stop signals, in process: what the first and second Ctrl-C (SIGINT, SIGTERM,
 * SIGHUP alike) say and do, and that the handlers are in force from arm to disarm only. The
 * third signal exits the process (130): test/cli/process.test.ts and the storage integration
 * tests cover that, and every signal's real delivery, through the built CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { StopSignals } from '../../src/commands/base.ts';

class Memory extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

/** The listeners `arm` added for `signal` (the test runner may have its own). */
function added(signal: NodeJS.Signals, before: readonly Listener[]): (() => void)[] {
  return process.listeners(signal).filter((l) => !before.includes(l)) as (() => void)[];
}

type Listener = NodeJS.SignalsListener;

test('the first stop signal aborts the run and says so, the second names the cleanups still pending; disarm removes every handler', () => {
  const stderr = new Memory();
  const stop = new StopSignals(stderr);
  const before = new Map(StopSignals.SIGNALS.map((s) => [s, process.listeners(s)]));
  let pending: readonly string[] = ['remove key 0x4350520000000001 from LUN 1', 'log out of iqn.x'];
  stop.arm(() => pending);
  stop.arm(() => pending); // twice: still one handler per signal
  for (const signal of StopSignals.SIGNALS) assert.equal(added(signal, before.get(signal)!).length, 1, signal);

  assert.equal(stop.signal.aborted, false);
  added('SIGTERM', before.get('SIGTERM')!)[0]!();
  assert.equal(stop.signal.aborted, true);
  assert.equal((stop.signal.reason as Error).message, 'interrupted');
  assert.equal(
    stderr.text,
    '\nInterrupted: stopping checks and running cleanup (Ctrl-C twice more to abandon cleanup).\n',
  );

  stderr.text = '';
  added('SIGHUP', before.get('SIGHUP')!)[0]!();
  assert.equal(
    stderr.text,
    'Still cleaning up: remove key 0x4350520000000001 from LUN 1; log out of iqn.x. Ctrl-C again abandons it.\n',
  );

  stop.disarm();
  stop.disarm();
  for (const signal of StopSignals.SIGNALS) assert.deepEqual(process.listeners(signal), before.get(signal), signal);

  // Nothing pending (the cleanups have run): the second signal says it is finishing.
  const quiet = new Memory();
  const again = new StopSignals(quiet);
  again.arm(() => (pending = []));
  const [handler] = added('SIGINT', before.get('SIGINT')!);
  handler!();
  handler!();
  again.disarm();
  assert.match(quiet.text, /Still cleaning up: finishing\. Ctrl-C again abandons it\.\n$/);
  assert.equal(process.exitCode, undefined);
});
