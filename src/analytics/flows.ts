import type { Store } from '../store/store.js';
import { FLOW_TUPLE_ROWS } from '../store/duckdb/flow-tuples-layout.js';
import { FLOW_COLUMNS, FLOW_ROWS, flowKeySql, ipKeySql } from '../store/duckdb/flows-layout.js';

/**
 * Rebuilds Flows: one row per connection on one NIC. The tuples of one 5-tuple, direction, NIC and
 * rule (a key), in time order, form connections: each B starts a new one, as does any tuple after
 * an E (the 5-tuple was reused); C and E continue it, across record and hour boundaries, and a
 * connection whose B came before the data starts with its first C. Counters of C and E tuples are
 * deltas, so the sums are the connection's totals. Each D tuple is a denied attempt of its own.
 *
 * Most keys hold exactly one connection, so they are summed in one hash aggregation with no sort;
 * only keys that hold more (a reused 5-tuple) or hold denied tuples go through a window. The
 * aggregation carries only numbers (addresses as their hash, see flows-layout.ts): every string
 * aggregated or written costs more than the arithmetic around it.
 */
export async function buildFlows(store: Store, sinceBatch: number | null = null): Promise<number> {
  // The order of tuples in a key: time, then B, C, E, D at the same time, so that the result never
  // depends on the scan order. `Seq` packs both into one number, so one min and one max give first
  // and last tuple with their states; microseconds times 4 stay far below 2^63.
  const rank = `CASE FlowState WHEN 'B' THEN 0 WHEN 'C' THEN 1 WHEN 'E' THEN 2 ELSE 3 END`;
  const cols = `*, ${ipKeySql('SrcIp')} AS SrcIpKey, ${ipKeySql('DestIp')} AS DestIpKey`;
  const ranked = `SELECT *, epoch_us(TimeGenerated) * 4 + Rank AS Seq FROM (SELECT ${cols}, ${rank} AS Rank FROM ${FLOW_TUPLE_ROWS})`;
  const keyCols = 'GroupKey, SrcIpKey, SrcPort, DestIpKey, DestPort, Protocol, FlowDirection';
  const key = flowKeySql(
    'GroupKey',
    'SrcIpKey',
    'SrcPort',
    'DestIpKey',
    'DestPort',
    'Protocol',
    'FlowDirection',
  );
  const counters = ['PacketsSrcToDest', 'BytesSrcToDest', 'PacketsDestToSrc', 'BytesDestToSrc'];
  const sums = counters.map((c) => `coalesce(sum(${c}), 0)::BIGINT AS ${c}`).join(', ');
  return store.transaction(async () => {
    // Incremental: only the keys new tuples belong to are rebuilt, from all of their tuples, so a
    // connection continuing from an earlier batch comes out whole.
    let scope = '';
    if (sinceBatch === null) await store.run(`DELETE FROM ${FLOW_ROWS}`);
    else {
      await store.run(
        `CREATE OR REPLACE TEMP TABLE _flow_dirty AS SELECT DISTINCT ${key} AS FlowKey
         FROM (SELECT ${cols} FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch > ${sinceBatch})`,
      );
      await store.run(`DELETE FROM ${FLOW_ROWS} WHERE FlowKey IN (SELECT FlowKey FROM _flow_dirty)`);
      scope = `WHERE ${key} IN (SELECT FlowKey FROM _flow_dirty)`;
    }
    // Per key: counters, first and last tuple, whether it holds a D (max of the rank), and the
    // numbers of B and E tuples packed into one sum (B in the low 21 bits, E above): one sum costs
    // less than two. A B count overflowing its field (2^21 B tuples in a key) carries into E, which
    // always makes the key not simple: a carry into E needs an E last, which a key with no E lacks.
    // So a simple key (one connection: at most one B, first, at most one E, last, no D) is exact
    // whatever the counts; its row is its connection. Every other key is written as a key row (see
    // flows-layout.ts), which the view hides, and its connections beside it: one aggregation written
    // straight to the table costs less than a temporary table of keys. The sum is cast to BIGINT
    // where it is made: DuckDB returns sums as 128-bit integers, and taking the fields apart in
    // 128-bit arithmetic cost a quarter of this statement (560 -> 430 ms on 2M tuples). It cannot
    // overflow: that would take 2^42 E tuples in one key.
    const b = `(Packed % ${2 ** 21})`;
    const e = `(Packed >> 21)`;
    let written = await store.run(`INSERT INTO ${FLOW_ROWS} (${FLOW_COLUMNS})
      SELECT ${key}, make_timestamp(FirstSeq // 4), make_timestamp(LastSeq // 4),
        CASE WHEN ${e} = 1 THEN 'closed' ELSE 'open' END, ${keyCols}, Tuples, ${counters.join(', ')},
        NOT (NOT Denied AND ${e} <= 1 AND ${b} <= 1
          AND (${b} = 0 OR FirstSeq % 4 = 0) AND (${e} = 0 OR LastSeq % 4 = 2))
      FROM (SELECT ${keyCols}, count(*) AS Tuples, ${sums},
          sum(CASE Rank WHEN 0 THEN 1 WHEN 2 THEN ${2 ** 21} ELSE 0 END)::BIGINT AS Packed, max(Rank) = 3 AS Denied,
          min(Seq) AS FirstSeq, max(Seq) AS LastSeq
        FROM (${ranked}) ${scope} GROUP BY ALL)`);
    await store.run(
      `CREATE OR REPLACE TEMP TABLE _flow_reused AS SELECT FlowKey, ${keyCols} FROM ${FLOW_ROWS}
       WHERE KeyRow ${sinceBatch === null ? '' : 'AND FlowKey IN (SELECT FlowKey FROM _flow_dirty)'}`,
    );
    written -= Number((await store.rows('SELECT count(*) AS n FROM _flow_reused'))[0].n);
    // The other keys (reused 5-tuples, denied attempts) are sorted in a window whose two running
    // counts share one sort: a connection's id is the number of starts so far (a B or D, or any
    // tuple after an E or D, so each D stands alone); both sums may count one start, which only
    // skips an id and never changes it inside a connection. Only what the window needs is sorted;
    // the key's columns are joined back to the sums.
    written += await store.run(`INSERT INTO ${FLOW_ROWS} (${FLOW_COLUMNS})
      SELECT c.FlowKey, make_timestamp(FirstSeq // 4), make_timestamp(LastSeq // 4), State, ${keyCols
        .split(', ')
        .map((c) => `r.${c}`)
        .join(', ')}, Tuples, ${counters.join(', ')}, false
      FROM (
        SELECT FlowKey, min(Seq) AS FirstSeq, max(Seq) AS LastSeq,
          CASE WHEN bool_or(Rank = 3) THEN 'denied' WHEN bool_or(Rank = 2) THEN 'closed' ELSE 'open' END AS State,
          count(*) AS Tuples, ${sums}
        FROM (
          SELECT *, sum((Rank IN (0, 3))::INTEGER) OVER (w ROWS UNBOUNDED PRECEDING)
            + coalesce(sum((Rank >= 2)::INTEGER) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
            AS Connection
          FROM (SELECT ${key} AS FlowKey, Seq, Rank, ${counters.join(', ')} FROM (${ranked}))
          WHERE FlowKey IN (SELECT FlowKey FROM _flow_reused)
          WINDOW w AS (PARTITION BY FlowKey ORDER BY Seq))
        GROUP BY FlowKey, Connection) c JOIN _flow_reused r USING (FlowKey)`);
    await store.run('DROP TABLE _flow_reused');
    return written;
  });
}
