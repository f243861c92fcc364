import type { TableDef } from './column.js';

/**
 * FlowTuples: one row per flow tuple, named as Traffic Analytics names its columns.
 * All timestamps are UTC, stored as DuckDB TIMESTAMP (no zone) so that values read back unchanged
 * whatever the session time zone.
 */
export const flowTuples: TableDef = {
  name: 'FlowTuples',
  doc: 'One row per flow tuple of a VNet (v4) or NSG (v1, v2) flow log.',
  columns: [
    { name: 'TimeGenerated', type: 'TIMESTAMP', doc: "The tuple's own time (UTC), not the record time." },
    { name: 'RecordTime', type: 'TIMESTAMP', doc: 'The time of the record that carried the tuple (UTC).' },
    { name: 'FlowLogVersion', type: 'SMALLINT', doc: '4 for VNet flow logs, 1 or 2 for NSG flow logs.' },
    {
      name: 'FlowLogResourceId',
      type: 'VARCHAR',
      doc: 'The flow log (v4) or network security group (NSG) resource.',
    },
    {
      name: 'TargetResourceId',
      type: 'VARCHAR',
      doc: 'The VNet, subnet, NIC or NSG the flow log is enabled on.',
    },
    { name: 'MacAddress', type: 'VARCHAR', doc: 'NIC MAC address: 12 upper-case hex digits, no separators.' },
    {
      name: 'AclId',
      type: 'VARCHAR',
      doc: "The record's aclID (v4 only); 'unspecified' for encryption drops.",
    },
    { name: 'AclRule', type: 'VARCHAR', doc: 'The rule that matched the flow.' },
    { name: 'SrcIp', type: 'VARCHAR', doc: 'Source IPv4 or IPv6 address.' },
    { name: 'DestIp', type: 'VARCHAR', doc: 'Destination IPv4 or IPv6 address.' },
    { name: 'SrcPort', type: 'INTEGER', doc: 'Source port (0 for ICMP).' },
    { name: 'DestPort', type: 'INTEGER', doc: 'Destination port (0 for ICMP).' },
    { name: 'Protocol', type: 'SMALLINT', doc: 'IANA protocol number (6 TCP, 17 UDP, 1 ICMP, ...).' },
    {
      name: 'L4Protocol',
      type: 'VARCHAR',
      doc: 'T (TCP), U (UDP), I (ICMP, ICMPv6), otherwise the IANA number.',
    },
    { name: 'FlowDirection', type: 'VARCHAR', doc: 'Inbound or Outbound, relative to the NIC.' },
    {
      name: 'FlowState',
      type: 'VARCHAR',
      doc: 'B begin, C continuing, E end, D denied; NULL for allowed NSG v1.',
    },
    { name: 'FlowStatus', type: 'VARCHAR', doc: 'Allowed or Denied.' },
    {
      name: 'FlowEncryption',
      type: 'VARCHAR',
      doc: 'The raw encryption code (X, NX, NX_NOT_ACCEPTED, ...); NULL for NSG.',
    },
    {
      name: 'PacketsSrcToDest',
      type: 'BIGINT',
      doc: 'Packets source to destination since the previous tuple.',
    },
    { name: 'BytesSrcToDest', type: 'BIGINT', doc: 'Bytes source to destination since the previous tuple.' },
    {
      name: 'PacketsDestToSrc',
      type: 'BIGINT',
      doc: 'Packets destination to source since the previous tuple.',
    },
    { name: 'BytesDestToSrc', type: 'BIGINT', doc: 'Bytes destination to source since the previous tuple.' },
    { name: 'SourceUri', type: 'VARCHAR', doc: 'Where the tuple was read from (file:// or https:// URI).' },
    { name: 'IngestBatch', type: 'BIGINT', doc: 'The ingest batch that stored the row.', internal: true },
  ],
};
