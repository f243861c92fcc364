import type { FlowFormat, RecordProblem } from './format.js';
import { arr, int, obj, str, tupleText } from './salvage-helpers.js';
import { recordTime } from './sql-fragments.js';
import { vnetTupleSql } from './vnet-tuple-sql.js';

const RECORD_TYPE = `STRUCT("time" VARCHAR, flowLogVersion INTEGER, flowLogGUID VARCHAR, macAddress VARCHAR,
  category VARCHAR, flowLogResourceID VARCHAR, targetResourceID VARCHAR, operationName VARCHAR,
  flowRecords STRUCT(flows STRUCT(aclID VARCHAR, flowGroups STRUCT("rule" VARCHAR, flowTuples VARCHAR[])[])[]))`;

/**
 * VNet flow logs, flowLogVersion 4: records -> flows (aclID) -> flowGroups (rule) -> flowTuples.
 * Each record's tuples are flattened into one list so a tuple's index counts across flows and groups.
 */
export const vnetV4: FlowFormat = {
  name: 'vnet-v4',
  recordType: RECORD_TYPE,
  matches: (head) => head.includes('"flowRecords"'),
  stageSql(recs) {
    // Record fields are taken out before the unnest: carrying the record struct (with all of its
    // tuples) into every tuple row would copy each record once per tuple.
    const flat = `flatten(list_transform(coalesce(r.flowRecords.flows, []), lambda f:
        flatten(list_transform(coalesce(f.flowGroups, []), lambda g:
          list_transform(coalesce(g.flowTuples, []), lambda t: {'acl': f.aclID, 'rule': g."rule", 't': t})))))`;
    const records = `(
      SELECT filename, rec_idx, ${flat} AS tl,
        ${recordTime('r."time"')} AS rec_time, coalesce(r.flowLogVersion, 4)::SMALLINT AS version,
        coalesce(r.flowLogResourceID, path_flowlog) AS flowlog_id, r.targetResourceID AS target_id,
        coalesce(r.macAddress, path_mac) AS mac,
        CASE WHEN r.flowRecords.flows IS NULL THEN 'record has no flowRecords.flows' END AS rec_reason,
        CASE WHEN r.flowRecords.flows IS NULL THEN to_json(r)::VARCHAR END AS rec_raw
      FROM ${recs} WHERE r IS NOT NULL
    )`;
    const tuples = `(
      SELECT filename, rec_idx, tup_idx, x.acl AS acl, x.rule AS rule, rec_time, version, flowlog_id, target_id, mac,
        rec_reason, coalesce(x.t, rec_raw) AS raw
      FROM (
        SELECT * EXCLUDE (tl),
          unnest(CASE WHEN len(tl) = 0 THEN [NULL] ELSE tl END) AS x,
          unnest(CASE WHEN len(tl) = 0 THEN [NULL::BIGINT] ELSE range(len(tl)) END) AS tup_idx
        FROM ${records}
      )
    )`;
    return vnetTupleSql(tuples);
  },
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
};
