/**
 * The columns every format's stage SQL yields, in order: where the row came from, the raw text
 * and why it was rejected (NULL when valid), then the typed FlowTuples columns.
 */
export const stageColumns = [
  'filename',
  'rec_idx',
  'tup_idx',
  'raw',
  'reason',
  'TimeGenerated',
  'RecordTime',
  'FlowLogVersion',
  'FlowLogResourceId',
  'TargetResourceId',
  'MacAddress',
  'AclId',
  'AclRule',
  'SrcIp',
  'DestIp',
  'SrcPort',
  'DestPort',
  'Protocol',
  'L4Protocol',
  'FlowDirection',
  'FlowState',
  'FlowStatus',
  'FlowEncryption',
  'PacketsSrcToDest',
  'BytesSrcToDest',
  'PacketsDestToSrc',
  'BytesDestToSrc',
] as const;
