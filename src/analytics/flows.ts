import { ident } from '../schema/tables.js';
import { flows } from '../schema/analytics-tables.js';
import type { Store } from '../store/store.js';
import { IP_CLASSES } from './ip-classes.js';

/**
 * Rebuilds Flows: one row per connection on one NIC. The tuples of one 5-tuple, direction and NIC,
 * in time order, form connections: each B starts a new one, as does any tuple after an E (the
 * 5-tuple was reused); C and E continue it, across record and hour boundaries, and a connection
 * whose B came before the data starts with its first C. Counters of C and E tuples are deltas, so
 * the sums are the connection's totals. Each D tuple is a denied attempt of its own.
 */
export async function buildFlows(store: Store): Promise<number> {
  const columns = flows.columns.map((c) => ident(c.name)).join(', ');
  return store.transaction(async () => {
    await store.run('DELETE FROM Flows');
    return store.run(`INSERT INTO Flows (${columns})
      WITH t AS (
        SELECT TimeGenerated, MacAddress, SrcIp, SrcPort, DestIp, DestPort, Protocol, L4Protocol, FlowDirection,
          AclRule, FlowState, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc,
          lag(FlowState) OVER w AS Previous
        FROM FlowTuples
        WINDOW w AS (PARTITION BY MacAddress, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection ORDER BY TimeGenerated)),
      c AS (
        SELECT *, sum(CASE WHEN FlowState IN ('B', 'D') OR Previous IN ('E', 'D') OR Previous IS NULL THEN 1 ELSE 0 END)
          OVER (PARTITION BY MacAddress, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection ORDER BY TimeGenerated
                ROWS UNBOUNDED PRECEDING) AS Connection
        FROM t),
      f AS (
        SELECT min(TimeGenerated) AS FlowStartTime, max(TimeGenerated) AS FlowEndTime,
          CASE WHEN bool_or(FlowState = 'D') THEN 'denied' WHEN bool_or(FlowState = 'E') THEN 'closed' ELSE 'open' END AS State,
          MacAddress, SrcIp, SrcPort, DestIp, DestPort, Protocol, any_value(L4Protocol) AS L4Protocol, FlowDirection,
          any_value(AclRule) AS AclRule, count(*) AS Tuples,
          coalesce(sum(PacketsSrcToDest), 0) AS PacketsSrcToDest, coalesce(sum(BytesSrcToDest), 0) AS BytesSrcToDest,
          coalesce(sum(PacketsDestToSrc), 0) AS PacketsDestToSrc, coalesce(sum(BytesDestToSrc), 0) AS BytesDestToSrc
        FROM c GROUP BY MacAddress, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection, Connection)
      SELECT FlowStartTime, FlowEndTime, date_diff('millisecond', FlowStartTime, FlowEndTime) / 1000.0 AS DurationSeconds,
        State, f.MacAddress, f.SrcIp, f.SrcPort, f.DestIp, f.DestPort, f.Protocol, f.L4Protocol, f.FlowDirection, f.AclRule,
        Tuples, f.PacketsSrcToDest, f.BytesSrcToDest, f.PacketsDestToSrc, f.BytesDestToSrc,
        CASE WHEN s.Class = 'vnet' AND d.Class = 'vnet' THEN CASE WHEN s.VnetId = d.VnetId THEN 'IntraVNet' ELSE 'InterVNet' END
          WHEN s.Class = 'vnet' THEN d.Class WHEN d.Class = 'vnet' THEN s.Class ELSE 'Unknown' END AS FlowType,
        s.Vm AS SrcVm, d.Vm AS DestVm, dns.DnsDomain AS DestDnsName
      FROM f LEFT JOIN ${IP_CLASSES} s ON s.Ip = f.SrcIp LEFT JOIN ${IP_CLASSES} d ON d.Ip = f.DestIp
        LEFT JOIN (SELECT Ip, any_value(DnsDomain) AS DnsDomain FROM NTAIpDetails WHERE DnsDomain IS NOT NULL GROUP BY Ip) dns
          ON dns.Ip = f.DestIp`);
  });
}
