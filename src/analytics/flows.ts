import type { Store } from '../store/store.js';
import { FLOW_TUPLE_ROWS } from '../store/duckdb/flow-tuples-layout.js';
import { FLOW_ROWS } from '../store/duckdb/flows-layout.js';

/**
 * Rebuilds Flows: one row per connection on one NIC. The tuples of one 5-tuple, direction, NIC and
 * rule, in time order, form connections: each B starts a new one, as does any tuple after an E (the
 * 5-tuple was reused); C and E continue it, across record and hour boundaries, and a connection
 * whose B came before the data starts with its first C. Counters of C and E tuples are deltas, so
 * the sums are the connection's totals. Each D tuple is a denied attempt of its own.
 */
export async function buildFlows(store: Store, sinceBatch: number | null = null): Promise<number> {
  const key = `hash(GroupKey, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection)`;
  return store.transaction(async () => {
    // Incremental: only the 5-tuples (keys) that new tuples belong to are rebuilt, from all of
    // their tuples, so a connection continuing from an earlier batch comes out whole.
    let scope = '';
    if (sinceBatch === null) await store.run(`DELETE FROM ${FLOW_ROWS}`);
    else {
      await store.run(
        `CREATE OR REPLACE TEMP TABLE _flow_dirty AS SELECT DISTINCT ${key} AS k FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch > ${sinceBatch}`,
      );
      await store.run(`DELETE FROM ${FLOW_ROWS} WHERE FlowKey IN (SELECT k FROM _flow_dirty)`);
      scope = 'WHERE k IN (SELECT k FROM _flow_dirty)';
    }
    // Most keys (5-tuple, direction, NIC and rule) hold one connection: at most one B, first, and
    // at most one E, last, and no D. Those are summed by key in one hash aggregation. Each D tuple
    // of a key holding only D tuples is one denied attempt. Only the rest (a reused 5-tuple) is
    // sorted (ties in time ordered B, C, E, D, so the result never depends on the scan
    // order), in a window whose two running counts share one sort: a connection's id is the number
    // of starts so far (a B or D, or any tuple after an E or D); both sums may count one start,
    // which only skips an id and never changes it inside a connection.
    const t = `SELECT * FROM (SELECT ${key} AS k, TimeGenerated,
        FlowState::VARCHAR AS FlowState, GroupKey, SrcIp, SrcPort, DestIp, DestPort, Protocol,
        FlowDirection::VARCHAR AS FlowDirection, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc
      FROM ${FLOW_TUPLE_ROWS}) ${scope}`;
    const sums = `min(TimeGenerated) AS FlowStartTime, max(TimeGenerated) AS FlowEndTime,
        CASE WHEN bool_or(FlowState = 'D') THEN 'denied' WHEN bool_or(FlowState = 'E') THEN 'closed' ELSE 'open' END AS State,
        any_value(GroupKey) AS GroupKey, any_value(SrcIp) AS SrcIp, any_value(SrcPort) AS SrcPort,
        any_value(DestIp) AS DestIp, any_value(DestPort) AS DestPort, any_value(Protocol) AS Protocol,
        any_value(FlowDirection) AS FlowDirection, count(*) AS Tuples,
        coalesce(sum(PacketsSrcToDest), 0) AS PacketsSrcToDest, coalesce(sum(BytesSrcToDest), 0) AS BytesSrcToDest,
        coalesce(sum(PacketsDestToSrc), 0) AS PacketsDestToSrc, coalesce(sum(BytesDestToSrc), 0) AS BytesDestToSrc`;
    const simple = `count(*) FILTER (WHERE FlowState = 'D') = 0 AND count(*) FILTER (WHERE FlowState = 'B') <= 1
        AND count(*) FILTER (WHERE FlowState = 'E') <= 1
        AND coalesce(min(TimeGenerated) FILTER (WHERE FlowState = 'B') = min(TimeGenerated), true)
        AND coalesce(max(TimeGenerated) FILTER (WHERE FlowState = 'E') = max(TimeGenerated), true)`;
    await store.run(`CREATE OR REPLACE TEMP TABLE _flow_keys AS
      SELECT k, ${simple} AS simple, count(*) FILTER (WHERE FlowState <> 'D') = 0 AS denied_only, ${sums}
      FROM (${t}) GROUP BY k`);
    const f = `(
      SELECT k, * EXCLUDE (k, simple, denied_only) FROM _flow_keys WHERE simple
      UNION ALL
      SELECT k, TimeGenerated, TimeGenerated, 'denied', GroupKey, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection, 1,
        coalesce(PacketsSrcToDest, 0), coalesce(BytesSrcToDest, 0), coalesce(PacketsDestToSrc, 0), coalesce(BytesDestToSrc, 0)
      FROM (${t}) WHERE FlowState = 'D' AND k IN (SELECT k FROM _flow_keys WHERE denied_only)
      UNION ALL
      SELECT k, ${sums} FROM (
        SELECT *, sum((FlowState IN ('B', 'D'))::INTEGER) OVER (w ROWS UNBOUNDED PRECEDING)
          + coalesce(sum((FlowState IN ('E', 'D'))::INTEGER) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
          AS Connection
        FROM (${t}) WHERE k IN (SELECT k FROM _flow_keys WHERE NOT simple AND NOT denied_only)
        WINDOW w AS (PARTITION BY k ORDER BY TimeGenerated, CASE FlowState WHEN 'B' THEN 0 WHEN 'C' THEN 1 WHEN 'E' THEN 2 ELSE 3 END))
      GROUP BY k, Connection)`;
    return store.run(`INSERT INTO ${FLOW_ROWS}
      SELECT k, FlowStartTime, FlowEndTime, State, GroupKey, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection,
        Tuples, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc FROM ${f}`);
  });
}
