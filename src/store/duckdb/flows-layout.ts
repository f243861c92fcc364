import { flows } from '../../schema/analytics-tables.js';
import { ident } from '../../schema/tables.js';
import { l4Letter } from '../../formats/sql-fragments.js';
import { FLOW_GROUPS } from './flow-tuples-layout.js';

/**
 * How Flows is stored in DuckDB: the contract is the Flows view. `_flows` keeps per row only
 * numbers: times, state, ports, protocol, counters, the key of its NIC and rule, its addresses as
 * keys into `_ip_classes` (which holds every address of the tuples). A connection's key (KEY_COLUMNS)
 * is how an incremental build finds the rows to replace; its hash (flowKeySql) is computed when
 * needed rather than stored, as a random 64-bit column costs a million-row write about 40 ms. The addresses, NIC, rule, flow type, VMs and DNS name are joined
 * from small tables (`_flow_groups`, `_ip_classes`, `_ip_dns`) when read. Aggregating and writing
 * strings for a million connections cost more than finding the connections.
 *
 * Two kinds of rows (src/analytics/flows.ts builds them):
 * - pieces (Piece true): the tuples of one key (5-tuple, direction, NIC and rule) in one processing
 *   interval, summed. A piece that is exactly one connection (a B, C tuples, an E; or one D) is
 *   shown as it is; any other piece is Hidden, and the connections of its key are written beside
 *   it as rows of their own (Piece false). NTANetAnalytics is summed from the pieces: they carry
 *   what it needs beyond Flows (Marks, FlowEncryption), and one piece is one distinct
 *   source port of an NTA row, so counting pieces counts flows. A piece that mixes denied and
 *   allowed tuples, or holds an encryption code outside the enum, is not Summable: NTA sums its
 *   tuples instead.
 * - connections of keys with a hidden piece (Piece false), found by a window over their tuples.
 */
export const FLOW_ROWS = '_flows';

/**
 * The type of a text column in the small derived tables a build rewrites (address classes, NTA's
 * names). At a checkpoint DuckDB tries each string compression on each column, about half a
 * millisecond a column whatever its rows; naming one (dictionary: these columns repeat a few
 * values) halved it (41 columns of 425 rows: 40 -> 16-23 ms).
 */
export const SMALL_TEXT = 'VARCHAR USING COMPRESSION dictionary';

/** The columns of `_flows`, in order. */
export const FLOW_COLUMNS = `FlowStartTime, FlowEndTime, State, GroupKey, SrcIpKey, SrcPort, DestIpKey, DestPort,
  Protocol, FlowDirection, Tuples, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc, Hidden, Piece, Marks,
  FlowEncryption, Summable`;

/**
 * A piece's B, E and D tuple counts packed into one BIGINT (one sum costs less than three): B in
 * bits 0-20, E in 21-41, D from 42. The fields are exact while the piece holds fewer than 2^21
 * tuples (no field can carry into the next); Marks is NULL where the sum overflows 64 bits.
 */
export const MARK_E = 2 ** 21;
const MARK_D = 2 ** 42;
/** Marks as a sum over tuple rows, given each tuple's rank (B 0, C 1, E 2, D 3). */
export const marksSql = (rank: string): string =>
  `TRY_CAST(sum(CASE ${rank} WHEN 0 THEN 1 WHEN 2 THEN ${MARK_E} WHEN 3 THEN ${MARK_D} ELSE 0 END) AS BIGINT)`;
/** The B, E and D counts of a piece's Marks (exact when the piece is Summable). */
export const beginsSql = (m: string): string => `(${m} % ${MARK_E})`;
export const endsSql = (m: string): string => `((${m} >> 21) % ${MARK_E})`;
export const denialsSql = (m: string): string => `(${m} >> 42)`;

/** An address's key in `_flows` and `_ip_classes`. classifyAddresses checks that no two collide. */
export function ipKeySql(ip: string): string {
  return `hash(${ip})`;
}

/** A connection's key: group (NIC and rule), address keys, ports, protocol and direction. */
export const KEY_COLUMNS = [
  'GroupKey',
  'SrcIpKey',
  'SrcPort',
  'DestIpKey',
  'DestPort',
  'Protocol',
  'FlowDirection',
];

/** The hash of a connection's key, from the given expressions (KEY_COLUMNS by default). */
export function flowKeySql(...cols: string[]): string {
  return `hash(${(cols.length > 0 ? cols : KEY_COLUMNS).join(', ')})`;
}

/** SQL: rows a and b have the same connection key. */
export function sameKeySql(a: string, b: string): string {
  return KEY_COLUMNS.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');
}

/**
 * Databases written by an earlier layout of `_flows` (its rows were connections only, later pieces
 * carried their file's key) hold rows this code cannot read or write. Flows, `_ip_classes` and the
 * analytics build marks are derived data: when this query returns a row (the table's columns are
 * not FLOW_COLUMNS, in order), dropping them (STALE_FLOWS_DROP_SQL) makes the next build a full one.
 */
export const STALE_FLOWS_LAYOUT_SQL = `SELECT 1 FROM duckdb_columns() WHERE table_name = '${FLOW_ROWS}'
  AND database_name = current_database() AND schema_name = 'main'
  HAVING count(*) > 0 AND string_agg(column_name, ',' ORDER BY column_index) <> '${FLOW_COLUMNS.replace(/\s+/g, '')}'`;

export const STALE_FLOWS_DROP_SQL = [
  `DROP VIEW IF EXISTS ${ident(flows.name)}`,
  `DROP TABLE IF EXISTS ${FLOW_ROWS}`,
  'DROP TABLE IF EXISTS _ip_classes',
  "DELETE FROM _settings WHERE key LIKE 'analytics.%'",
];

/**
 * `_flows`'s DDL. A full build replaces the table instead of deleting its rows: deleting millions
 * of rows in the transaction that writes millions more ran DuckDB out of its memory limit (at 10M
 * tuples, in the window statement), where a new table costs nothing and frees the old one's blocks
 * at commit.
 */
export function flowRowsTableSql(replace: boolean): string {
  return `${replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS'} ${FLOW_ROWS} (FlowStartTime TIMESTAMP, FlowEndTime TIMESTAMP, State vnetflow_flow_state,
      GroupKey UBIGINT, SrcIpKey UBIGINT, SrcPort INTEGER, DestIpKey UBIGINT, DestPort INTEGER, Protocol SMALLINT,
      FlowDirection vnetflow_direction, Tuples BIGINT, PacketsSrcToDest BIGINT, BytesSrcToDest BIGINT,
      PacketsDestToSrc BIGINT, BytesDestToSrc BIGINT, Hidden BOOLEAN, Piece BOOLEAN, Marks BIGINT,
      FlowEncryption vnetflow_encryption, Summable BOOLEAN)`;
}

export function flowsDdl(): string[] {
  const view: Record<string, string> = {
    SrcIp: 's.Ip',
    DestIp: 'd.Ip',
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
    flowRowsTableSql(false),
    `CREATE TABLE IF NOT EXISTS _ip_classes (Ip VARCHAR, IpKey UBIGINT, IpNum UBIGINT,
      ${[
        'MacAddress',
        'Nic',
        'Vm',
        'Subnet',
        'VnetId',
        'Subscription',
        'Region',
        'LoadBalancer',
        'ApplicationGateway',
        'PrivateEndpoint',
        'SiteKind',
        'SiteConnectionType',
        'SiteConnectionName',
        'LocalNetworkGateway',
        'ExpressRouteCircuit',
        'Tag',
        'TagRegion',
        'TagService',
        'ThreatType',
        'ThreatDescription',
      ]
        .map((c) => `${c} ${SMALL_TEXT}`)
        .join(', ')}, Private BOOLEAN, Country ${SMALL_TEXT}, Owner ${SMALL_TEXT}, Class ${SMALL_TEXT})`,
    `CREATE TABLE IF NOT EXISTS _ip_dns (Ip VARCHAR, DnsDomain VARCHAR)`,
    `CREATE VIEW IF NOT EXISTS ${ident(flows.name)} AS SELECT ${cols.join(', ')}
     FROM ${FLOW_ROWS} f LEFT JOIN ${FLOW_GROUPS} g ON g.GroupKey = f.GroupKey
       LEFT JOIN _ip_classes s ON s.IpKey = f.SrcIpKey LEFT JOIN _ip_classes d ON d.IpKey = f.DestIpKey
       LEFT JOIN _ip_dns dns ON dns.Ip = d.Ip
     WHERE NOT f.Hidden`,
  ];
}
