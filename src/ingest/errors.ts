/** One rejected piece of input, on its way to IngestErrors. */
export interface ErrorRow {
  readonly SourceUri: string;
  readonly Format: string | null;
  readonly Level: 'file' | 'record' | 'tuple';
  readonly ByteOffset: number | null;
  readonly RecordIndex: number | null;
  readonly TupleIndex: number | null;
  readonly Reason: string;
  readonly RawText: string | null;
}

/** Raw text is cut so one giant bad value cannot bloat the table. */
export function cutRaw(text: string): string {
  return text.length > 4096 ? text.slice(0, 4096) : text;
}
