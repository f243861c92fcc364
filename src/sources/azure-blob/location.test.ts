import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBlobSpec, parseBlobLocation } from './location.js';

const AZURITE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';

test('az:// locations go to the account endpoint, or to the connection string endpoint when set', () => {
  const plain = parseBlobLocation(
    'az://flowlogs01/insights-logs-flowlogflowevent/flowLogResourceID=/SUB',
    {},
  );
  assert.equal(plain.endpoint, 'https://flowlogs01.blob.core.windows.net');
  assert.equal(plain.container, 'insights-logs-flowlogflowevent');
  assert.equal(plain.prefix, 'flowLogResourceID=/SUB');
  assert.equal(plain.connectionString, null);
  const emu = parseBlobLocation('az://devstoreaccount1/logs', { AZURE_STORAGE_CONNECTION_STRING: AZURITE });
  assert.equal(emu.endpoint, 'http://127.0.0.1:10000/devstoreaccount1');
  assert.equal(emu.prefix, '');
  assert.equal(emu.display, 'az://devstoreaccount1/logs');
  assert.throws(
    () => parseBlobLocation('az://otheraccount/logs', { AZURE_STORAGE_CONNECTION_STRING: AZURITE }),
    /is for account devstoreaccount1, not otheraccount/,
  );
});

test('URLs: product style, path style, SAS kept out of the display name', () => {
  const sas = parseBlobLocation('https://acct01.blob.core.windows.net/logs/a/b?sv=2024&sp=rl&sig=SECRET');
  assert.equal(sas.account, 'acct01');
  assert.equal(sas.prefix, 'a/b');
  assert.equal(sas.sas, 'sv=2024&sp=rl&sig=SECRET');
  assert.equal(sas.display, 'az://acct01/logs/a/b');
  const path = parseBlobLocation('http://127.0.0.1:10000/devstoreaccount1/logs?sv=1&sig=X');
  assert.equal(path.endpoint, 'http://127.0.0.1:10000/devstoreaccount1');
  assert.equal(path.container, 'logs');
});

test('bad locations are refused with the reason, never echoing a signature', () => {
  assert.throws(() => parseBlobLocation('az://Bad_Account/logs'), /not a storage account name/);
  assert.throws(() => parseBlobLocation('az://acct01/X'), /not a container name/);
  assert.throws(() => parseBlobLocation('https://acct01.blob.core.windows.net/logs?foo=1'), /not a SAS/);
  assert.throws(
    () => parseBlobLocation('https://acct01.blob.core.windows.net/?sv=1&sig=TOPSECRET'),
    (err: Error) => !err.message.includes('TOPSECRET') && /container name/.test(err.message),
  );
  assert.ok(
    isBlobSpec('az://a/b') && isBlobSpec('https://x') && !isBlobSpec('./logs') && !isBlobSpec('/data'),
  );
});
