import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindDataCode } from '../../src/ad/errors.ts';
import { BIND_DATA_CODES } from '../../checks/ad/lib/bind-codes.ts';

test('the data code of a failed bind, from Windows and Samba diagnostic messages', () => {
  assert.equal(
    bindDataCode('80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563'),
    '52e',
  );
  assert.equal(
    bindDataCode('80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 775, v1db1'),
    '775',
  );
  assert.equal(bindDataCode('invalid credentials'), undefined);
});

test('every data code the issue names has a reason and a fix', () => {
  for (const code of ['525', '52e', '530', '531', '532', '533', '701', '773', '775']) {
    assert.ok(BIND_DATA_CODES[code]?.reason, code);
    assert.ok(BIND_DATA_CODES[code]?.fix, code);
  }
});
