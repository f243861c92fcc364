import type { Store } from '../store/store.js';
import { FLOW_TUPLE_ROWS } from '../store/duckdb/flow-tuples-layout.js';
import {
  denialsSql,
  FLOW_COLUMNS,
  FLOW_ROWS,
  flowRowsTableSql,
  flowKeySql,
  ipKeySql,
  KEY_COLUMNS,
  MARK_E,
  marksSql,
} from '../store/duckdb/flows-layout.js';

/**
 * Rebuilds Flows: one row per connection on one NIC. The tuples of one 5-tuple, direction, NIC and
 * rule (a key), in time order, form connections: each B starts a new one, as does any tuple after
 * an E (the 5-tuple was reused); C and E continue it, across record and hour boundaries, and a
 * connection whose B came before the data starts with its first C. Counters of C and E tuples are
 * deltas, so the sums are the connection's totals. Each D tuple is a denied attempt of its own.
 *
 * Most connections are short and lie inside one processing interval, so the tuples are summed per
 * key and interval (a piece, see flows-layout.ts) in one hash aggregation with no sort. A piece
 * that is a B, C tuples and an E (or a single D) is exactly one connection, whatever the key holds
 * in other intervals: its B cuts off anything before it and its E anything after. Only the keys
 * with some other piece (a connection crossing an interval boundary, a 5-tuple reused within one
 * interval, still open, or several denied attempts) go through a window over their tuples. The
 * aggregation carries only numbers (addresses as their hash): every string aggregated or written
 * costs more than the arithmetic around it.
 *
 * `minutes` is the NTA processing interval: NTANetAnalytics is summed from the pieces.
 */
export async function buildFlows(
  store: Store,
  minutes: number,
  sinceBatch: number | null = null,
): Promise<number> {
  // The order of tuples in a key: time, then B, C, E, D at the same time, so that the result never
  // depends on the scan order. `Seq` packs both into one number, so one min and one max give first
  // and last tuple with their states; microseconds times 4 stay far below 2^63.
  const rank = `CASE FlowState WHEN 'B' THEN 0 WHEN 'C' THEN 1 WHEN 'E' THEN 2 ELSE 3 END`;
  const cols = `*, ${ipKeySql('SrcIp')} AS SrcIpKey, ${ipKeySql('DestIp')} AS DestIpKey`;
  const ranked = `SELECT *, epoch_us(TimeGenerated) * 4 + Rank AS Seq FROM (SELECT ${cols}, ${rank} AS Rank FROM ${FLOW_TUPLE_ROWS})`;
  const keyCols = KEY_COLUMNS.join(', ');
  const key = flowKeySql();
  const counters = ['PacketsSrcToDest', 'BytesSrcToDest', 'PacketsDestToSrc', 'BytesDestToSrc'];
  const sums = counters.map((c) => `coalesce(sum(${c}), 0)::BIGINT AS ${c}`).join(', ');
  // Seq per interval. Integer division gives the interval of time_bucket (which NTA uses on the
  // pieces' start times) for any time after 1970: 10 and 60 minutes both divide the distance
  // between the epoch and time_bucket's origin, 2000-01-01.
  const perInterval = 4 * minutes * 60_000_000;
  return store.transaction(async () => {
    // Incremental: only the keys new tuples belong to are rebuilt, from all of their tuples, so a
    // connection continuing from an earlier batch comes out whole.
    let scope = '';
    let dirty = '';
    if (sinceBatch === null) await store.run(flowRowsTableSql(true));
    else {
      await store.run(
        `CREATE OR REPLACE TEMP TABLE _flow_dirty AS SELECT DISTINCT ${key} AS FlowKey
         FROM (SELECT ${cols} FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch > ${sinceBatch})`,
      );
      scope = `WHERE ${key} IN (SELECT FlowKey FROM _flow_dirty)`;
      dirty = `AND ${key} IN (SELECT FlowKey FROM _flow_dirty)`;
      await store.run(`DELETE FROM ${FLOW_ROWS} ${scope}`);
    }
    // The pieces. One connection exactly: B first, E last, one of each and no D (Marks says so
    // only when the packed sum is that small, see marksSql), or a lone D. Summable (for NTA): the
    // counts are exact, the piece is all denied or all allowed, and every encryption code is in
    // the enum (count() of the other codes, almost always NULL, costs less than their max()).
    const complete = `(coalesce(Marks = ${MARK_E + 1}, false) AND FirstSeq % 4 = 0 AND LastSeq % 4 = 2 OR Tuples = 1 AND FirstSeq % 4 = 3)`;
    const pieces = await store.run(`INSERT INTO ${FLOW_ROWS} (${FLOW_COLUMNS})
      SELECT make_timestamp(FirstSeq // 4), make_timestamp(LastSeq // 4),
        CASE WHEN ${complete} THEN CASE WHEN Tuples = 1 AND FirstSeq % 4 = 3 THEN 'denied' ELSE 'closed' END END,
        ${keyCols}, Tuples, ${counters.join(', ')}, NOT ${complete}, true, Marks, FlowEncryption,
        Marks IS NOT NULL AND Tuples < ${MARK_E} AND OtherCodes = 0 AND ${denialsSql('Marks')} IN (0, Tuples)
      FROM (SELECT ${keyCols}, Seq // ${perInterval} AS Interval, count(*) AS Tuples, ${sums}, ${marksSql('Rank')} AS Marks,
          min(Seq) AS FirstSeq, max(Seq) AS LastSeq, max(FlowEncryption) AS FlowEncryption,
          count(_encryption_other) AS OtherCodes
        FROM (${ranked}) ${scope} GROUP BY ALL)`);
    await store.run(
      `CREATE OR REPLACE TEMP TABLE _flow_slow AS SELECT DISTINCT ${key} AS FlowKey, ${keyCols} FROM ${FLOW_ROWS} WHERE Hidden ${dirty}`,
    );
    const [{ hidden, slow }] = await store.rows(
      `SELECT (SELECT count(*) FROM ${FLOW_ROWS} WHERE Hidden ${dirty}) AS hidden, (SELECT count(*) FROM _flow_slow) AS slow`,
    );
    let written = pieces - Number(hidden);
    if (Number(slow) > 0) {
      // The keys with a hidden piece, from their tuples, sorted in a window: a connection's id is
      // the number of starts so far, a start being a B or a D, or any tuple after an E or a D (so
      // each D stands alone). One running sum counts both, less the current tuple's own E or D
      // (that one starts the next connection, not its own); counting a tuple twice only skips an
      // id. A connection that is a shown piece already is left out: one that is all of its key's
      // tuples in its interval and runs B to E (or is one D) is exactly a complete piece, and a
      // complete piece is exactly such a connection. Counting the key's tuples per interval in the
      // window costs less than matching the connections against the pieces, which scanned every
      // piece. The key's columns are joined back.
      written += await store.run(`INSERT INTO ${FLOW_ROWS} (${FLOW_COLUMNS})
        SELECT make_timestamp(c.FirstSeq // 4), make_timestamp(c.LastSeq // 4), State, ${KEY_COLUMNS.map((c) => `r.${c}`).join(', ')},
          c.Tuples, ${counters.map((x) => `c.${x}`).join(', ')}, false, false, NULL, NULL, NULL
        FROM (
          SELECT FlowKey, min(Seq) AS FirstSeq, max(Seq) AS LastSeq, min(InInterval) AS InInterval,
            CASE WHEN bool_or(Rank = 3) THEN 'denied' WHEN bool_or(Rank = 2) THEN 'closed' ELSE 'open' END AS State,
            count(*) AS Tuples, ${sums}
          FROM (
            SELECT *, sum((Rank IN (0, 3))::INTEGER + (Rank >= 2)::INTEGER) OVER (w ROWS UNBOUNDED PRECEDING)
              - (Rank >= 2)::INTEGER AS Connection,
              count(*) OVER (PARTITION BY FlowKey, Seq // ${perInterval}) AS InInterval
            FROM (SELECT ${key} AS FlowKey, Seq, Rank, ${counters.join(', ')} FROM (${ranked}))
            WHERE FlowKey IN (SELECT FlowKey FROM _flow_slow)
            WINDOW w AS (PARTITION BY FlowKey ORDER BY Seq))
          GROUP BY FlowKey, Connection) c
        JOIN _flow_slow r USING (FlowKey)
        WHERE NOT (FirstSeq // ${perInterval} = LastSeq // ${perInterval} AND InInterval = Tuples
          AND (FirstSeq % 4 = 0 AND LastSeq % 4 = 2 OR Tuples = 1 AND FirstSeq % 4 = 3))`);
    }
    await store.run('DROP TABLE _flow_slow');
    return written;
  });
}
