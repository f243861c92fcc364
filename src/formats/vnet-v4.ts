import type { FlowFormat, RecordProblem } from './format.js';
import { arr, int, obj, str, tupleText } from './salvage-helpers.js';
import { recordTime } from './sql-fragments.js';
import { vnetTupleSql } from './vnet-tuple-sql.js';

const RECORD_TYPE = `STRUCT("time" VARCHAR, flowLogVersion INTEGER, flowLogGUID VARCHAR, macAddress VARCHAR,
  category VARCHAR, flowLogResourceID VARCHAR, targetResourceID VARCHAR, operationName VARCHAR,
  flowRecords STRUCT(flows STRUCT(aclID VARCHAR, flowGroups STRUCT("rule" VARCHAR, flowTuples VARCHAR[])[])[]))`;

/** VNet flow logs, flowLogVersion 4: records -> flows (aclID) -> flowGroups (rule) -> flowTuples. */
export const vnetV4: FlowFormat = {
  name: 'vnet-v4',
  recordType: RECORD_TYPE,
  matches: (head) => head.includes('"flowRecords"'),
  recordColumns: `${recordTime('r."time"')} AS rec_time, coalesce(r.flowLogVersion, 4)::SMALLINT AS version,
    coalesce(r.flowLogResourceID, path_flowlog) AS flowlog, r.targetResourceID AS target,
    coalesce(r.macAddress, path_mac) AS mac,
    CASE WHEN r.flowRecords.flows IS NULL THEN 'record has no flowRecords.flows' END AS rec_reason,
    CASE WHEN r.flowRecords.flows IS NULL THEN to_json(r)::VARCHAR END AS rec_raw`,
  nesting: {
    outer: 'r.flowRecords.flows',
    inner: 'o.flowGroups',
    tuples: 'g.flowTuples',
    acl: 'o.aclID',
    rule: 'g."rule"',
    mac: 'NULL::VARCHAR',
  },
  tupleSql: vnetTupleSql,
  salvage(record) {
    const problems: RecordProblem[] = [];
    const r = obj(record);
    const flows = arr(obj(r.flowRecords).flows, 'flowRecords.flows', problems).map((f) => {
      const flow = obj(f);
      return {
        aclID: str(flow.aclID),
        flowGroups: arr(flow.flowGroups, 'flowGroups', problems).map((g) => {
          const group = obj(g);
          return {
            rule: str(group.rule),
            flowTuples: arr(group.flowTuples, 'flowTuples', problems).map(tupleText),
          };
        }),
      };
    });
    const clean = {
      time: str(r.time),
      flowLogVersion: int(r.flowLogVersion),
      flowLogGUID: str(r.flowLogGUID),
      macAddress: str(r.macAddress),
      category: str(r.category),
      flowLogResourceID: str(r.flowLogResourceID),
      targetResourceID: str(r.targetResourceID),
      operationName: str(r.operationName),
      flowRecords: r.flowRecords === undefined ? null : { flows },
    };
    return { record: clean, problems };
  },
  tuplesKey: 'flowTuples',
};
