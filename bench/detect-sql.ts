import type { AllowList } from '../src/detect/allow-list.js';

/**
 * The built-in rules as a DuckDB user would write them by hand, for bench/detect.bench.ts: one
 * SQL per rule over the vnetflow tables, with {from} and {to} for the window and {allow} for the
 * allow-listed addresses. They mean what the KQL means (the bench checks that both find as many
 * rows), written the plain way: no compiler, no null-safe wrappers.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const PRIVATE = (c: string): string =>
  `(${c} LIKE '10.%' OR ${c} LIKE '192.168.%' OR regexp_matches(${c}, '^172\\.(1[6-9]|2[0-9]|3[01])\\.'))`;
/** ipv4_is_private() is null for IPv6, so `not(ipv4_is_private(x))` holds for IPv4 only. */
const PUBLIC = (c: string): string => `(${c} LIKE '%.%' AND NOT ${PRIVATE(c)})`;

export function handRules(
  allow: AllowList,
): { id: string; frequency: number; period: number; sql: string }[] {
  const ports = allow.ports.length ? allow.ports.join(', ') : '-1';
  const T = `(SELECT * FROM FlowTuples WHERE TimeGenerated >= {from} AND TimeGenerated < {to}
    AND SrcIp NOT IN ({allow}) AND DestIp NOT IN ({allow}) AND DestPort NOT IN (${ports}))`;
  const N = `(SELECT * FROM NTANetAnalytics WHERE FlowIntervalStartTime >= {from} AND FlowIntervalStartTime < {to}
    AND SrcIp NOT IN ({allow}) AND DestIp NOT IN ({allow}) AND DestPort NOT IN (${ports}))`;
  const D = `(SELECT * FROM DNSQueryLogs WHERE TimeGenerated >= {from} AND TimeGenerated < {to} AND SourceIpAddress NOT IN ({allow}))`;
  return [
    {
      id: 'vnetflow-port-scan',
      frequency: HOUR,
      period: HOUR,
      sql: `SELECT SrcIp, DestIp, max(p) FROM (
          SELECT SrcIp, DestIp, time_bucket(INTERVAL 10 MINUTE, TimeGenerated), count(DISTINCT DestPort) AS p
          FROM ${T} WHERE FlowState IN ('B', 'D') GROUP BY ALL HAVING count(DISTINCT DestPort) >= 20)
        GROUP BY ALL`,
    },
    {
      id: 'vnetflow-internal-sweep',
      frequency: HOUR,
      period: HOUR,
      sql: `SELECT SrcIp, DestPort FROM ${T} WHERE FlowState IN ('B', 'D') AND DestPort IN (22, 135, 139, 445, 3389, 5985, 5986)
        AND ${PRIVATE('SrcIp')} AND ${PRIVATE('DestIp')} GROUP BY ALL HAVING count(DISTINCT DestIp) >= 10`,
    },
    {
      id: 'vnetflow-brute-force',
      frequency: HOUR,
      period: HOUR,
      sql: `SELECT SrcIp, DestIp, DestPort FROM ${T} WHERE DestPort IN (22, 3389) AND FlowDirection = 'Inbound'
        AND FlowState IN ('B', 'D') AND ${PUBLIC('SrcIp')} GROUP BY ALL HAVING count(DISTINCT SrcPort) >= 30`,
    },
    {
      id: 'vnetflow-brute-force-low-and-slow',
      frequency: HOUR,
      period: DAY,
      sql: `SELECT SrcIp, DestIp, DestPort FROM ${N} WHERE SubType = 'FlowLog' AND DestPort IN (22, 3389)
        AND FlowDirection = 'Inbound' AND ${PUBLIC('SrcIp')} GROUP BY ALL
        HAVING sum(AllowedInFlows + DeniedInFlows) >= 30 AND count(DISTINCT date_trunc('hour', FlowIntervalStartTime)) >= 4`,
    },
    {
      id: 'vnetflow-password-spray',
      frequency: HOUR,
      period: 2 * HOUR,
      sql: `SELECT DestIp, DestPort FROM ${T} WHERE DestPort IN (22, 3389) AND FlowDirection = 'Inbound'
        AND FlowState IN ('B', 'D') AND ${PUBLIC('SrcIp')} GROUP BY ALL
        HAVING count(DISTINCT SrcIp) >= 10 AND count(DISTINCT SrcIp || '/' || SrcPort) >= 20`,
    },
    {
      id: 'vnetflow-beaconing',
      frequency: 6 * HOUR,
      period: 6 * HOUR,
      sql: `WITH c AS (SELECT DISTINCT SrcIp, DestIp, DestPort, TimeGenerated AS t FROM ${T}
          WHERE FlowDirection = 'Outbound' AND FlowState = 'B' AND ${PUBLIC('DestIp')}),
        g AS (SELECT *, date_diff('millisecond', lag(t) OVER (PARTITION BY SrcIp, DestIp, DestPort ORDER BY t), t) / 1000.0 AS gap FROM c)
        SELECT SrcIp, DestIp, DestPort FROM g GROUP BY ALL
        HAVING count(*) >= 20 AND avg(gap) >= 10 AND stddev_samp(gap) <= 0.35 * avg(gap)
          AND quantile_disc(gap, 0.9) <= 2 * quantile_disc(gap, 0.1)`,
    },
    {
      id: 'vnetflow-exfiltration',
      frequency: HOUR,
      period: DAY,
      sql: `WITH u AS (SELECT SrcIp, DestIp, FlowIntervalStartTime AS h, sum(BytesSrcToDest) AS b FROM ${N}
          WHERE SubType = 'FlowLog' AND FlowDirection = 'Outbound' AND ${PUBLIC('DestIp')} GROUP BY ALL),
        base AS (SELECT SrcIp, quantile_disc(b, 0.95) AS typical FROM u WHERE h < {to} - INTERVAL 1 HOUR GROUP BY ALL),
        hist AS (SELECT count(DISTINCT FlowIntervalStartTime) AS n FROM ${N} WHERE FlowIntervalStartTime < {to} - INTERVAL 1 HOUR)
        SELECT u.SrcIp, u.DestIp FROM u LEFT JOIN base USING (SrcIp), hist
        WHERE h >= {to} - INTERVAL 1 HOUR AND hist.n >= 6 AND b >= 200000000 AND b >= 20 * coalesce(typical, 0)`,
    },
    {
      id: 'vnetflow-threat-intel-flows',
      frequency: HOUR,
      period: HOUR,
      sql: `WITH bad AS (SELECT DISTINCT Indicator FROM ThreatIntelFeed WHERE IndicatorType IN ('ipv4', 'ipv6'))
        SELECT SrcIp, DestIp FROM ${T} WHERE SrcIp IN (SELECT Indicator FROM bad) OR DestIp IN (SELECT Indicator FROM bad) GROUP BY ALL`,
    },
    {
      id: 'vnetflow-threat-intel-dns',
      frequency: HOUR,
      period: HOUR,
      sql: `WITH names AS (SELECT lower(rtrim(Indicator, '.')) AS n FROM ThreatIntelFeed WHERE IndicatorType = 'domain'),
        ips AS (SELECT list(DISTINCT Indicator) AS l FROM ThreatIntelFeed WHERE IndicatorType IN ('ipv4', 'ipv6'))
        SELECT SourceIpAddress FROM ${D}, ips
        WHERE lower(rtrim(QueryName, '.')) IN (SELECT n FROM names)
           OR list_has_any(json_extract_string(Answer, '$[*].RData'), ips.l)
        GROUP BY ALL`,
    },
    {
      id: 'vnetflow-dns-dga',
      frequency: HOUR,
      period: HOUR,
      sql: `SELECT SourceIpAddress FROM ${D} WHERE ResponseCode = 3 GROUP BY ALL HAVING count(*) >= 25 AND count(DISTINCT QueryName) >= 20`,
    },
    {
      id: 'vnetflow-exposed-management-port',
      frequency: HOUR,
      period: HOUR,
      sql: `SELECT DestIp, DestPort FROM ${T} WHERE FlowDirection = 'Inbound' AND FlowStatus = 'Allowed' AND FlowState = 'B'
        AND DestPort IN (22, 23, 135, 139, 445, 1433, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 27017) AND ${PUBLIC('SrcIp')}
        GROUP BY ALL`,
    },
    {
      id: 'vnetflow-denied-then-allowed',
      frequency: HOUR,
      period: DAY,
      sql: `SELECT SrcIp, DestIp, DestPort FROM ${N} WHERE SubType = 'FlowLog' AND FlowDirection = 'Inbound' AND ${PUBLIC('SrcIp')}
        GROUP BY ALL HAVING sum(DeniedInFlows) >= 3 AND sum(AllowedInFlows) >= 1
          AND max(FlowEndTime) FILTER (WHERE AllowedInFlows > 0) > min(FlowStartTime) FILTER (WHERE DeniedInFlows > 0)`,
    },
  ];
}
