import type { TableDef } from './column.js';

/** IngestErrors: every piece of input that was rejected, with where it was and why. */
export const ingestErrors: TableDef = {
  name: 'IngestErrors',
  doc: 'One row per rejected file, record or tuple.',
  columns: [
    { name: 'TimeGenerated', type: 'TIMESTAMP', doc: 'When the input was rejected (UTC).' },
    { name: 'SourceUri', type: 'VARCHAR', doc: 'The file or blob the input came from.' },
    { name: 'Format', type: 'VARCHAR', doc: 'The detected format, when one was detected.' },
    { name: 'Level', type: 'VARCHAR', doc: 'file, record or tuple: how much input the row stands for.' },
    {
      name: 'ByteOffset',
      type: 'BIGINT',
      doc: 'Byte offset of the rejected piece (of the decompressed content).',
    },
    { name: 'RecordIndex', type: 'BIGINT', doc: '0-based index of the record (or object) in the file.' },
    {
      name: 'TupleIndex',
      type: 'BIGINT',
      doc: '0-based index of the tuple within its record, across flows and groups.',
    },
    { name: 'Reason', type: 'VARCHAR', doc: 'Why it was rejected.' },
    { name: 'RawText', type: 'VARCHAR', doc: 'The rejected text (cut at 4096 characters).' },
    { name: 'IngestBatch', type: 'BIGINT', doc: 'The ingest batch that saw it.', internal: true },
  ],
};
