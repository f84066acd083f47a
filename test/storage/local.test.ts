/**
 * storage.devices are Linux device nodes read through sg3_utils: on another platform (the Windows
 * executable) readLocalDevice says so without running a tool, instead of "sg_inq cannot be run".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLocalDevice } from '../../src/storage/local.ts';

test('on Windows a local device is not read: status notLinux, naming the platform; no sg3_utils advice', async () => {
  // PATH empty: were a tool run, it would fail as toolMissing (ENOENT), not notLinux.
  const saved = process.env.PATH;
  process.env.PATH = '';
  try {
    const fact = await readLocalDevice('/dev/sdb', undefined, 'win32');
    assert.equal(fact.status, 'notLinux');
    assert.match(fact.message ?? '', /Windows/);
    assert.doesNotMatch(`${fact.message} ${fact.remedy}`, /apt-get|sg3-utils \(/);
  } finally {
    process.env.PATH = saved;
  }
});
