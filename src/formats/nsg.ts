import type { FlowFormat, RecordProblem } from './format.js';
import { arr, int, obj, str, tupleText } from './salvage-helpers.js';
import { counter, epochToTimestamp, ipValid, port, recordTime, timeInRange } from './sql-fragments.js';

const RECORD_TYPE = `STRUCT("time" VARCHAR, systemId VARCHAR, category VARCHAR, resourceId VARCHAR,
  operationName VARCHAR, properties STRUCT("Version" INTEGER, flows STRUCT("rule" VARCHAR,
  flows STRUCT(mac VARCHAR, flowTuples VARCHAR[])[])[]))`;

/**
 * Legacy NSG flow logs, versions 1 and 2: records -> properties.flows (rule) -> flows (mac) -> tuples.
 * v1 tuples have 8 fields (time in seconds, IPs, ports, T|U, I|O, A|D); v2 adds B|C|E and 4 counters.
 * Mapping to FlowTuples: a denied tuple gets FlowState 'D' so that `FlowState == "D"` means denied
 * across all versions; an allowed v1 tuple has no state (NULL) and no counters (NULL: unknown, not 0).
 */
export const nsg: FlowFormat = {
  name: 'nsg',
  recordType: RECORD_TYPE,
  matches: (head) =>
    head.includes('NetworkSecurityGroupFlowEvent') ||
    (head.includes('"properties"') && head.includes('"flowTuples"')),
  recordColumns: `${recordTime('r."time"')} AS rec_time, r.properties."Version"::SMALLINT AS version,
    r.resourceId AS flowlog, r.resourceId AS target, path_mac AS mac,
    CASE WHEN r.properties.flows IS NULL THEN 'record has no properties.flows' END AS rec_reason,
    CASE WHEN r.properties.flows IS NULL THEN to_json(r)::VARCHAR END AS rec_raw`,
  nesting: {
    outer: 'r.properties.flows',
    inner: 'o.flows',
    tuples: 'g.flowTuples',
    acl: 'NULL::VARCHAR',
    rule: 'o."rule"',
    mac: 'g.mac',
  },
  // Legacy logs get the careful checks only: they are not the volume format any more.
  tupleSql(from) {
    return `
    SELECT *,
      CASE
        WHEN len(f) NOT IN (8, 13) OR (version IS NOT NULL AND len(f) <> CASE version WHEN 1 THEN 8 ELSE 13 END)
          THEN 'expected ' || CASE coalesce(version, 0) WHEN 1 THEN '8' WHEN 2 THEN '13' ELSE '8 or 13' END
            || ' comma-separated fields, found ' || len(f)
        WHEN ts IS NULL THEN 'bad time: ' || f[1]
        WHEN NOT ${timeInRange('ts')} THEN 'time out of range: ' || f[1]
        WHEN NOT ${ipValid('f[2]')} THEN 'bad source IP: ' || f[2]
        WHEN NOT ${ipValid('f[3]')} THEN 'bad destination IP: ' || f[3]
        WHEN sport IS NULL THEN 'bad source port: ' || f[4]
        WHEN dport IS NULL THEN 'bad destination port: ' || f[5]
        WHEN f[6] NOT IN ('T', 'U') THEN 'unknown protocol letter: ' || f[6]
        WHEN f[7] NOT IN ('I', 'O') THEN 'unknown direction: ' || f[7]
        WHEN f[8] NOT IN ('A', 'D') THEN 'unknown decision: ' || f[8]
        WHEN len(f) = 13 AND f[9] NOT IN ('B', 'C', 'E') THEN 'unknown flow state: ' || f[9]
        WHEN len(f) = 13 AND (c1 IS NULL OR c2 IS NULL OR c3 IS NULL OR c4 IS NULL)
          THEN 'bad counter: ' || array_to_string(f[10:13], ',')
      END AS tuple_reason,
      ts AS TimeGenerated, coalesce(version, CASE len(f) WHEN 8 THEN 1 ELSE 2 END)::SMALLINT AS FlowLogVersion,
      f[2] AS SrcIp, f[3] AS DestIp, sport AS SrcPort, dport AS DestPort,
      CASE f[6] WHEN 'T' THEN 6 WHEN 'U' THEN 17 END::SMALLINT AS Protocol,
      CASE f[7] WHEN 'I' THEN 'Inbound' WHEN 'O' THEN 'Outbound' END AS FlowDirection,
      CASE WHEN f[8] = 'D' THEN 'D' WHEN len(f) = 13 THEN f[9] END AS FlowState,
      NULL::VARCHAR AS FlowEncryption, c1 AS PacketsSrcToDest, c2 AS BytesSrcToDest, c3 AS PacketsDestToSrc, c4 AS BytesDestToSrc
    FROM (
      SELECT *, ${epochToTimestamp('f[1]')} AS ts, ${port('f[4]')} AS sport, ${port('f[5]')} AS dport,
        CASE WHEN len(f) = 13 THEN ${counter('f[10]')} END AS c1, CASE WHEN len(f) = 13 THEN ${counter('f[11]')} END AS c2,
        CASE WHEN len(f) = 13 THEN ${counter('f[12]')} END AS c3, CASE WHEN len(f) = 13 THEN ${counter('f[13]')} END AS c4
      FROM (SELECT *, string_split(raw, ',') AS f FROM ${from})
    )`;
  },
  salvage(record) {
    const problems: RecordProblem[] = [];
    const r = obj(record);
    const props = obj(r.properties);
    const flows = arr(props.flows, 'properties.flows', problems).map((f) => {
      const flow = obj(f);
      return {
        rule: str(flow.rule),
        flows: arr(flow.flows, 'flows', problems).map((m) => {
          const mf = obj(m);
          return { mac: str(mf.mac), flowTuples: arr(mf.flowTuples, 'flowTuples', problems).map(tupleText) };
        }),
      };
    });
    const clean = {
      time: str(r.time),
      systemId: str(r.systemId),
      category: str(r.category),
      resourceId: str(r.resourceId),
      operationName: str(r.operationName),
      properties: r.properties === undefined ? null : { Version: int(props.Version), flows },
    };
    return { record: clean, problems };
  },
  tuplesKey: 'flowTuples',
};
