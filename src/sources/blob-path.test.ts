import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBlobPath } from './blob-path.js';

test('reads MAC, hour and the opaque flow-log id from both prefix shapes', () => {
  const a = parseBlobPath(
    '/c/flowLogResourceID=/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL/y=2024/m=04/d=23/h=09/m=00/macAddress=00224871C205/PT1H.json',
  );
  assert.deepEqual(a, {
    flowLogId:
      '/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL',
    hour: '2024-04-23T09:00:00Z',
    mac: '00224871C205',
  });
  const b = parseBlobPath(
    'flowLogResourceID=/SUB_NETWORKWATCHERRG/NETWORKWATCHER_EASTUS_FL1/y=2024/m=01/d=02/h=23/m=00/macAddress=00-22-48-71-c2-05/PT1H.json',
  );
  assert.equal(b.flowLogId, '/SUB_NETWORKWATCHERRG/NETWORKWATCHER_EASTUS_FL1');
  assert.equal(b.mac, '00224871C205');
  assert.deepEqual(parseBlobPath('/tmp/some/file.json'), {});
});
