/**
 * A `file:` secret written on Windows: Windows PowerShell 5.1's `>` and Out-File write UTF-16LE
 * with a byte order mark, its `Set-Content -Encoding utf8` and older Notepad a UTF-8 BOM, and
 * every line ends in CRLF. The secret is the text, never those bytes (a BOM or UTF-16 read as
 * UTF-8 would go to the DC or target as a wrong password, and count towards a lockout).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretStore } from '../../src/config/secrets.ts';

const SECRET = 'Pässwörd-€-9137';

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

const FILES: readonly [string, Buffer][] = [
  [
    "PowerShell 5.1's > (UTF-16LE, BOM, CRLF)",
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${SECRET}\r\n`, 'utf16le')]),
  ],
  ['UTF-16LE without a BOM', Buffer.from(`${SECRET}\r\n`, 'utf16le')],
  ['UTF-16BE with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(`${SECRET}\r\n`)])],
  ['UTF-8 with a BOM (Set-Content -Encoding utf8 in 5.1)', Buffer.from(`\uFEFF${SECRET}\r\n`, 'utf8')],
  ['UTF-8, CRLF', Buffer.from(`${SECRET}\r\n`, 'utf8')],
  ['UTF-8, no line end', Buffer.from(SECRET, 'utf8')],
];

for (const [what, bytes] of FILES) {
  test(`a file: secret in ${what} is its text`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-secret-enc-'));
    await writeFile(join(dir, 'pw.txt'), bytes);
    const secret = await new SecretStore({ baseDir: dir, env: {} }).resolve(
      'file:pw.txt',
      'activeDirectory.bind.password',
    );
    assert.equal(secret.reveal(), SECRET);
  });
}
