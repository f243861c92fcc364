import { ident } from '../schema/tables.js';
import { ntaIpDetails } from '../schema/analytics-tables.js';
import type { Store } from '../store/store.js';
import { IP_CLASSES } from './ip-classes.js';
import { FLOW_TUPLE_ROWS } from '../store/duckdb/flow-tuples-layout.js';
import {
  beginsSql,
  denialsSql,
  endsSql,
  FLOW_ROWS,
  ipKeySql,
  sameKeySql,
} from '../store/duckdb/flows-layout.js';
import {
  dimKeySql,
  NTA_COLUMNS,
  NTA_ROWS,
  NTA_SOURCES,
  NTA_SOURCES_FILL_SQL,
  ntaDimsFillSql,
} from '../store/duckdb/nta-layout.js';

/**
 * Rebuilds NTANetAnalytics and NTAIpDetails for the intervals starting in [from, to): deletes their
 * rows and inserts them again, so a rebuild is idempotent. `minutes` is the processing interval (60
 * or 10). Flows must be up to date for the window, built with the same interval (buildFlows), and
 * the address classes must cover it (classifyAddresses).
 */
export async function buildNetAnalytics(
  store: Store,
  from: string,
  to: string,
  minutes: number,
): Promise<number> {
  const interval = `INTERVAL '${minutes} minutes'`;
  const counters = ['PacketsSrcToDest', 'PacketsDestToSrc', 'BytesSrcToDest', 'BytesDestToSrc'];
  const window = `TimeGenerated >= TIMESTAMP '${from}' AND TimeGenerated < TIMESTAMP '${to}'`;
  // NTA rows are summed from Flows' pieces (flows-layout.ts), built just before: one piece is the
  // tuples of one key (5-tuple, NIC and rule) in one interval, so pieces are to NTA rows what
  // distinct source ports are, and summing a million pieces costs a fraction of grouping two million
  // tuples with a distinct count. The few pieces that are not Summable (denied and allowed tuples
  // mixed, an encryption code outside the enum) are summed from their tuples, per source port. Only
  // numbers, the public-IP lists and the key of the row's other strings are written (see
  // nta-layout.ts). A group can mix encryption codes: the last in enum order (X, NX, then the NX_
  // failures) is shown, so a drop is never hidden behind an encrypted flow, and every rebuild picks
  // the same one. The target and flow log come from one of the files holding the NIC and rule's
  // tuples of the interval (one target per NIC in practice; an hour's blob also holds the previous
  // hour's last minute), found per NIC, rule and interval in a narrow scan of the tuples: carrying
  // a file key through the pieces cost their aggregation 60-90 ms (the scan costs about 20; its
  // integer buckets are time_bucket's intervals, see flows.ts). SrcPublicIps/DestPublicIps:
  // `IP|FLOW_STARTED|FLOW_ENDED|OUT_PKTS|IN_PKTS|OUT_BYTES|IN_BYTES` for a public side, as Traffic
  // Analytics writes them.
  const publicIps = (c: 's' | 'd'): string =>
    `CASE WHEN ${c}.Class IN ('AzurePublic', 'ExternalPublic', 'MaliciousFlow') THEN ${c}.Ip || '|' || Started || '|' ||
      CompletedFlows || '|' || PacketsSrcToDest || '|' || PacketsDestToSrc || '|' || BytesSrcToDest || '|' || BytesDestToSrc END`;
  const us = minutes * 60_000_000;
  const pieceWindow = `Piece AND FlowStartTime >= TIMESTAMP '${from}' AND FlowStartTime < TIMESTAMP '${to}'`;
  return store.transaction(async () => {
    await store.run(
      `DELETE FROM ${NTA_ROWS} WHERE FlowIntervalStartTime >= TIMESTAMP '${from}' AND FlowIntervalStartTime < TIMESTAMP '${to}'`,
    );
    await store.run(NTA_SOURCES_FILL_SQL);
    const [{ unsummable }] = await store.rows(
      `SELECT count(*) AS unsummable FROM ${FLOW_ROWS} WHERE ${pieceWindow} AND NOT Summable`,
    );
    const fromTuples =
      Number(unsummable) === 0
        ? ''
        : `UNION ALL
        SELECT IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, FlowState = 'D', GroupKey,
          min(TimeGenerated), max(TimeGenerated), max(FlowEncryption), max(_encryption_other),
          count(*) FILTER (WHERE FlowState = 'B'), count(*) FILTER (WHERE FlowState = 'E'),
          ${counters.map((c) => `coalesce(sum(${c}), 0)::BIGINT`).join(', ')}
        FROM (SELECT *, time_bucket(${interval}, TimeGenerated) AS IntervalStart, ${ipKeySql('SrcIp')} AS SrcIpKey,
                ${ipKeySql('DestIp')} AS DestIpKey FROM ${FLOW_TUPLE_ROWS} WHERE ${window}) t
          SEMI JOIN (SELECT *, time_bucket(${interval}, FlowStartTime) AS IntervalStart FROM ${FLOW_ROWS}
                     WHERE ${pieceWindow} AND NOT Summable) m ON ${sameKeySql('m', 't')} AND m.IntervalStart = t.IntervalStart
        GROUP BY IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, FlowState = 'D', GroupKey, SrcPort`;
    const n = await store.run(`INSERT INTO ${NTA_ROWS} (${NTA_COLUMNS})
      WITH parts AS (
        SELECT time_bucket(${interval}, FlowStartTime) AS IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection,
          ${denialsSql('Marks')} > 0 AS Denied, GroupKey, FlowStartTime, FlowEndTime, FlowEncryption,
          NULL::VARCHAR AS EncryptionOther, ${beginsSql('Marks')} AS Started, ${endsSql('Marks')} AS Completed,
          ${counters.join(', ')}
        FROM ${FLOW_ROWS} WHERE ${pieceWindow} AND Summable
        ${fromTuples}),
      agg AS (
        SELECT IntervalStart, min(FlowStartTime) AS FlowStartTime, max(FlowEndTime) AS FlowEndTime,
          SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, Denied, GroupKey,
          max(FlowEncryption) AS FlowEncryption, max(EncryptionOther) AS EncryptionOther, count(*) AS Flows,
          sum(Started)::BIGINT AS Started, sum(Completed)::BIGINT AS CompletedFlows,
          ${counters.map((c) => `sum(${c})::BIGINT AS ${c}`).join(', ')}
        FROM parts GROUP BY IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, Denied, GroupKey),
      files AS (
        SELECT GroupKey, epoch_us(TimeGenerated) // ${us} AS Bucket, min(SourceKey) AS SourceKey
        FROM ${FLOW_TUPLE_ROWS} WHERE ${window} GROUP BY ALL)
      SELECT IntervalStart, IntervalStart + ${interval}, now()::TIMESTAMP, FlowStartTime, FlowEndTime,
        a.SrcIpKey, a.DestIpKey, DestPort, Protocol, FlowDirection, Denied, a.GroupKey, f.SourceKey,
        ${dimKeySql('a.GroupKey', 'a.SrcIpKey', 'a.DestIpKey', 'src.TargetKey')}, FlowEncryption, EncryptionOther,
        Flows, Started, CompletedFlows, ${counters.join(', ')}, ${publicIps('s')}, ${publicIps('d')}
      FROM agg a LEFT JOIN files f ON f.GroupKey = a.GroupKey AND f.Bucket = epoch_us(a.IntervalStart) // ${us}
        LEFT JOIN ${NTA_SOURCES} src ON src.SourceKey = f.SourceKey
        LEFT JOIN ${IP_CLASSES} s ON s.IpKey = a.SrcIpKey LEFT JOIN ${IP_CLASSES} d ON d.IpKey = a.DestIpKey`);
    await store.run(ntaDimsFillSql(from, to));
    await buildIpDetails(store, from, to);
    return n;
  });
}

/**
 * NTAIpDetails: every public address of the rebuilt intervals, once per interval. Port is the port
 * most used with the address (the lowest on a tie, so every rebuild agrees).
 */
async function buildIpDetails(store: Store, from: string, to: string): Promise<void> {
  // The columns Azure fills the same way on every row take their defaults.
  const columns = ntaIpDetails.columns
    .filter((c) => c.default === undefined)
    .map((c) => ident(c.name))
    .join(', ');
  const window = `FlowIntervalStartTime >= TIMESTAMP '${from}' AND FlowIntervalStartTime < TIMESTAMP '${to}'`;
  await store.run(`DELETE FROM NTAIpDetails WHERE ${window}`);
  // From the stored rows and the address classes, not the view: only the public side's key, the
  // interval and the port are needed.
  await store.run(`INSERT INTO NTAIpDetails (${columns})
    WITH pub AS (SELECT * FROM ${IP_CLASSES} WHERE Class IN ('AzurePublic', 'ExternalPublic', 'MaliciousFlow')),
    rows AS (
      SELECT FlowIntervalStartTime, FlowIntervalEndTime, SrcIpKey AS IpKey, DestPort FROM ${NTA_ROWS}
        WHERE ${window} AND SrcIpKey IN (SELECT IpKey FROM pub)
      UNION ALL
      SELECT FlowIntervalStartTime, FlowIntervalEndTime, DestIpKey, DestPort FROM ${NTA_ROWS}
        WHERE ${window} AND DestIpKey IN (SELECT IpKey FROM pub)),
    seen AS (SELECT *, count(*) OVER (PARTITION BY FlowIntervalStartTime, IpKey, DestPort) AS Uses FROM rows)
    SELECT s.FlowIntervalEndTime AS TimeGenerated, c.Ip, c.Class AS FlowType,
      CASE WHEN c.Class = 'AzurePublic' THEN coalesce(c.TagRegion, 'Global') ELSE c.Country END AS Location,
      CASE WHEN c.Class = 'AzurePublic' THEN coalesce(c.TagService, c.Tag) ELSE c.Owner END AS PublicIpDetails,
      c.ThreatType, c.ThreatDescription, dns.DnsDomain, NULL AS Url, arg_max(s.DestPort, s.Uses * 100000 - s.DestPort) AS Port,
      s.FlowIntervalStartTime, s.FlowIntervalEndTime
    FROM seen s JOIN pub c ON c.IpKey = s.IpKey LEFT JOIN _ip_dns dns ON dns.Ip = c.Ip
    GROUP BY ALL`);
}
