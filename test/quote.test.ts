import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { cmdQuote, placeholder, psQuote, quoteFor, shQuote } from '../src/quote.ts';
import { cmdProblems, powershellProblems, shProblems } from './helpers/shell-syntax.ts';

test('shQuote: sh gets back exactly the string, one argument, nothing run', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')),
      (s) => {
        const r = spawnSync('sh', ['-c', `printf '%s' ${shQuote(s)}`], { encoding: 'utf8' });
        assert.equal(r.stdout, s);
      },
    ),
    { numRuns: 200 },
  );
  const r = spawnSync('sh', ['-c', `printf '%s|' ${shQuote("CN=O'Neil; rm -rf /,OU=$(id)")}`], { encoding: 'utf8' });
  assert.equal(r.stdout, "CN=O'Neil; rm -rf /,OU=$(id)|");
});

test('psQuote: single quotes (and their typographic forms, which PowerShell also accepts) are doubled', () => {
  assert.equal(psQuote("CN=O'Neil,OU=Hyper-V Hosts,DC=lab"), "'CN=O''Neil,OU=Hyper-V Hosts,DC=lab'");
  assert.equal(psQuote('a\u2019b'), "'a\u2019\u2019b'");
  assert.equal(psQuote('$env:PATH `n'), "'$env:PATH `n'");
});

test('cmdQuote: one double-quoted argument; a stray " is dropped so that & | < > stay quoted', () => {
  assert.equal(cmdQuote('OU=Hyper-V Hosts,DC=lab'), '"OU=Hyper-V Hosts,DC=lab"');
  assert.equal(cmdQuote('CN=x" & del *'), '"CN=x & del *"');
});

test('placeholder: quoted as a value of its shell, so the command parses as printed', async () => {
  assert.equal(placeholder('vm name', 'powershell'), "'<vm name>'");
  assert.equal(placeholder('vm name', 'sh'), "'<vm name>'");
  assert.equal(placeholder('DOMAIN\\admin', 'cmd'), '"<DOMAIN\\admin>"');
  assert.deepEqual(await powershellProblems(`Stop-VM -Name ${placeholder('vm', 'powershell')}`), []);
  assert.notDeepEqual(await powershellProblems('Stop-VM -Name <vm>'), []);
  const sh = `tgtadm --lld iscsi --op new --mode logicalunit --tid ${placeholder('tid', 'sh')} --lun 1`;
  assert.deepEqual(shProblems([sh]).get(sh), []);
  assert.deepEqual(cmdProblems(`net localgroup Administrators ${placeholder('DOMAIN\\user', 'cmd')} /add`), []);
  assert.equal(quoteFor('powershell', "a'b"), psQuote("a'b"));
  assert.equal(quoteFor('sh', "a'b"), shQuote("a'b"));
  assert.equal(quoteFor('cmd', 'a"b'), cmdQuote('a"b'));
});
