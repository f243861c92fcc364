import { flows } from '../../schema/analytics-tables.js';
import { ident } from '../../schema/tables.js';
import { l4Letter } from '../../formats/sql-fragments.js';
import { FLOW_GROUPS } from './flow-tuples-layout.js';

/**
 * How Flows is stored in DuckDB: the contract is the Flows view. `_flows` keeps per connection
 * only what is its own (times, state, 5-tuple, counters, the key of its NIC and rule, and FlowKey:
 * the hash of its 5-tuple, direction and group, by which an incremental build replaces it); the NIC,
 * rule, flow type, VMs and DNS name are joined from small tables (`_flow_groups`, `_ip_classes`,
 * `_ip_dns`) when read. Writing those strings for a million connections cost more than finding
 * the connections.
 */
export const FLOW_ROWS = '_flows';

export function flowsDdl(): string[] {
  const view: Record<string, string> = {
    DurationSeconds: `date_diff('millisecond', f.FlowStartTime, f.FlowEndTime) / 1000.0`,
    MacAddress: 'g.MacAddress',
    L4Protocol: l4Letter('f.Protocol'),
    AclRule: 'g.AclRule',
    FlowType: `CASE WHEN s.Class = 'vnet' AND d.Class = 'vnet' THEN CASE WHEN s.VnetId = d.VnetId THEN 'IntraVNet' ELSE 'InterVNet' END
      WHEN s.Class = 'vnet' THEN d.Class WHEN d.Class = 'vnet' THEN s.Class ELSE 'Unknown' END`,
    SrcVm: 's.Vm',
    DestVm: 'd.Vm',
    DestDnsName: 'dns.DnsDomain',
    State: 'f.State::VARCHAR',
    FlowDirection: 'f.FlowDirection::VARCHAR',
  };
  const cols = flows.columns.map((c) => `${view[c.name] ?? `f.${ident(c.name)}`} AS ${ident(c.name)}`);
  return [
    `CREATE TYPE IF NOT EXISTS vnetflow_flow_state AS ENUM ('open', 'closed', 'denied')`,
    `CREATE TABLE IF NOT EXISTS ${FLOW_ROWS} (FlowKey UBIGINT, FlowStartTime TIMESTAMP, FlowEndTime TIMESTAMP, State vnetflow_flow_state,
      GroupKey UBIGINT, SrcIp VARCHAR, SrcPort INTEGER, DestIp VARCHAR, DestPort INTEGER, Protocol SMALLINT,
      FlowDirection vnetflow_direction, Tuples BIGINT, PacketsSrcToDest BIGINT, BytesSrcToDest BIGINT,
      PacketsDestToSrc BIGINT, BytesDestToSrc BIGINT)`,
    `CREATE TABLE IF NOT EXISTS _ip_classes (Ip VARCHAR, IpNum UBIGINT, MacAddress VARCHAR, Nic VARCHAR, Vm VARCHAR,
      Subnet VARCHAR, VnetId VARCHAR, Subscription VARCHAR, Region VARCHAR, LoadBalancer VARCHAR,
      ApplicationGateway VARCHAR, PrivateEndpoint VARCHAR, SiteKind VARCHAR, SiteConnectionType VARCHAR, SiteConnectionName VARCHAR,
      LocalNetworkGateway VARCHAR, ExpressRouteCircuit VARCHAR, Tag VARCHAR, TagRegion VARCHAR, TagService VARCHAR,
      ThreatType VARCHAR, ThreatDescription VARCHAR, Private BOOLEAN, Country VARCHAR, Owner VARCHAR, Class VARCHAR)`,
    `CREATE TABLE IF NOT EXISTS _ip_dns (Ip VARCHAR, DnsDomain VARCHAR)`,
    `CREATE VIEW IF NOT EXISTS ${ident(flows.name)} AS SELECT ${cols.join(', ')}
     FROM ${FLOW_ROWS} f LEFT JOIN ${FLOW_GROUPS} g ON g.GroupKey = f.GroupKey
       LEFT JOIN _ip_classes s ON s.Ip = f.SrcIp LEFT JOIN _ip_classes d ON d.Ip = f.DestIp
       LEFT JOIN _ip_dns dns ON dns.Ip = f.DestIp`,
  ];
}
