/**
 * Parts of scripts/package.ts that need no build: the Authenticode signature cut from node.exe
 * before the SEA blob goes in (a signature left in place would show as invalid on Windows), and
 * the list of SEA assets against what the code reads at run time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assets, removePeSignature, ROOT } from '../../scripts/package.ts';
import { builtinChecks } from '../../checks/index.ts';

/** A PE32+ header (e_lfanew 0x40) whose certificate table (directory 4) is `cert` (offset, size). */
function image(length: number, cert: [number, number], magic = 0x20b): Buffer {
  const b = Buffer.alloc(length, 0xaa);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x40, 0x3c);
  b.write('PE\0\0', 0x40, 'latin1');
  const optional = 0x40 + 24;
  b.writeUInt16LE(magic, optional);
  const entry = optional + (magic === 0x20b ? 112 : 96) + 32;
  b.writeUInt32LE(cert[0], entry);
  b.writeUInt32LE(cert[1], entry + 4);
  return b;
}

test('the certificate table at the end of the image is cut and its directory entry zeroed', () => {
  for (const magic of [0x20b, 0x10b]) {
    const signed = image(1024, [1000, 24], magic);
    const out = removePeSignature(signed);
    assert.equal(out.length, 1000);
    const entry = 0x40 + 24 + (magic === 0x20b ? 112 : 96) + 32;
    assert.equal(out.readUInt32LE(entry), 0);
    assert.equal(out.readUInt32LE(entry + 4), 0);
    // Everything else is the image as it was.
    const expected = Buffer.from(signed.subarray(0, 1000));
    expected.writeUInt32LE(0, entry);
    expected.writeUInt32LE(0, entry + 4);
    assert.deepEqual(out, expected);
  }
});

test('an unsigned image is returned as is; a table not at the end and a non-PE file are refused', () => {
  const unsigned = image(512, [0, 0]);
  assert.equal(removePeSignature(unsigned), unsigned);
  assert.throws(() => removePeSignature(image(1024, [900, 24])), /not at the end/);
  const elf = Buffer.alloc(512);
  elf.write('\x7fELF', 0, 'latin1');
  assert.throws(() => removePeSignature(elf), /not a PE image/);
});

test('the executables embed every file the code reads at run time: each check page, each literal asset name', async () => {
  const embedded = Object.keys(await assets());
  const wanted = builtinChecks.map((c) => c.meta.docs);
  // Every readAsset('...') / assetFile('...') in the sources.
  for (const file of await readdir(join(ROOT, 'src'), { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const text = await readFile(join(ROOT, 'src', file), 'utf8');
    for (const m of text.matchAll(/(?:readAsset|assetFile)\('([^']+)'\)/g)) wanted.push(m[1]!);
  }
  assert.ok(wanted.includes('schema/cluster-spec.schema.json') && wanted.includes('examples/review-lab.yaml'));
  for (const name of wanted) assert.ok(embedded.includes(name), `${name} is not embedded`);
});
