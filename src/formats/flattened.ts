import type { FlowFormat } from './format.js';
import { int, obj, str, tupleText } from './salvage-helpers.js';
import { recordTime } from './sql-fragments.js';
import { vnetTupleSql } from './vnet-tuple-sql.js';

const RECORD_TYPE = `STRUCT("time" VARCHAR, flowLogVersion INTEGER, flowLogGUID VARCHAR, macAddress VARCHAR,
  operationName VARCHAR, flowLogResourceID VARCHAR, targetResourceID VARCHAR, aclID VARCHAR, "rule" VARCHAR,
  "flow.0" VARCHAR)`;

/** The flattened form some SIEM intakes use (seed 002): one JSON object per tuple, in `flow.0`. */
export const flattened: FlowFormat = {
  name: 'flattened',
  recordType: RECORD_TYPE,
  matches: (head) => head.includes('"flow.0"'),
  // One tuple per object: a single group of a single tuple, its fields taken from the record.
  recordColumns: `${recordTime('r."time"')} AS rec_time, coalesce(r.flowLogVersion, 4)::SMALLINT AS version,
    coalesce(r.flowLogResourceID, path_flowlog) AS flowlog, r.targetResourceID AS target,
    coalesce(r.macAddress, path_mac) AS mac,
    CASE WHEN r."flow.0" IS NULL THEN 'object has no flow.0 tuple' END AS rec_reason,
    CASE WHEN r."flow.0" IS NULL THEN to_json(r)::VARCHAR END AS rec_raw,
    r."flow.0" AS flow0, r.aclID AS flat_acl, r."rule" AS flat_rule`,
  nesting: {
    outer: '[1]',
    inner: '[1]',
    tuples: '[flow0]',
    acl: 'flat_acl',
    rule: 'flat_rule',
    mac: 'NULL::VARCHAR',
  },
  tupleSql: vnetTupleSql,
  salvage(record) {
    const r = obj(record);
    const clean = {
      time: str(r.time),
      flowLogVersion: int(r.flowLogVersion),
      flowLogGUID: str(r.flowLogGUID),
      macAddress: str(r.macAddress),
      operationName: str(r.operationName),
      flowLogResourceID: str(r.flowLogResourceID),
      targetResourceID: str(r.targetResourceID),
      aclID: str(r.aclID),
      rule: str(r.rule),
      'flow.0': r['flow.0'] === undefined || r['flow.0'] === null ? null : tupleText(r['flow.0']),
    };
    return { record: clean, problems: [] };
  },
  tuplesKey: null,
};
