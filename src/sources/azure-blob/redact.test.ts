import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from './redact.js';

test('redact removes SAS query strings, account keys and bearer tokens', () => {
  const sas =
    'https://acct.blob.core.windows.net/c/x.json?sv=2024-11-04&se=2026-12-06&sp=rl&sig=abc%2Bdef%3D';
  assert.equal(
    redact(`GET ${sas} failed`),
    'GET https://acct.blob.core.windows.net/c/x.json?<sas redacted> failed',
  );
  const cs =
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNO==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
  const out = redact(cs);
  assert.ok(!out.includes('Eby8vdM02xNO'), out);
  assert.match(out, /AccountName=devstoreaccount1;AccountKey=<redacted>;BlobEndpoint/);
  assert.equal(redact('SharedAccessSignature=sv=1&sig=zz;x'), 'SharedAccessSignature=<redacted>;x');
  assert.equal(redact('Authorization: Bearer eyJ0eXAi.x-y_z'), 'Authorization: Bearer <redacted>');
  assert.equal(redact('nothing secret here'), 'nothing secret here');
});
