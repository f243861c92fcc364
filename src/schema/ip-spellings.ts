import type { TableDef } from './column.js';

/**
 * IpAddressSpellings: IPv6 addresses are stored in their canonical text (RFC 5952), so one address
 * is one value to every group, join and lookup; this table keeps what the logs actually wrote where
 * that differed, so a user searching for a raw spelling can find its canonical form.
 */
export const ipAddressSpellings: TableDef = {
  name: 'IpAddressSpellings',
  doc: 'One row per IP address written in a form other than the canonical one stored in the flow tables.',
  columns: [
    {
      name: 'TimeGenerated',
      type: 'TIMESTAMP',
      doc: 'The time of the flow the spelling was first stored from (UTC).',
    },
    { name: 'Ip', type: 'VARCHAR', doc: 'The address as stored: RFC 5952 text.' },
    { name: 'RawText', type: 'VARCHAR', doc: 'The address as the log wrote it.' },
    { name: 'SourceUri', type: 'VARCHAR', doc: 'The first file or blob it was seen in.' },
    { name: 'IngestBatch', type: 'BIGINT', doc: 'The ingest batch that first saw it.', internal: true },
  ],
};
