/**
 * Where each record DuckDB reads came from, for an item framed in Node: its byte range in the
 * source, the source record it is (or is a piece of, when a giant record was split) and the index
 * of its first tuple within that record. Typed arrays, not objects: a 1 GB NDJSON file has
 * millions of records, and 12 bytes each is what keeps the framing in bounded memory.
 */
export class FramedRecords {
  length = 0;
  private starts = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  /** Source record and first tuple per framed record; only made once a record has been split. */
  private sources: Float64Array | null = null;
  private tupleBases: Float64Array | null = null;
  /** Source records so far (one per unsplit record, one per group of split pieces). */
  sourceCount = 0;

  /** Adds a record read whole. */
  add(start: number, end: number): void {
    this.push(start, end, this.sourceCount, 0);
    this.sourceCount++;
  }

  /** Adds the pieces of one record split by tuples: the tuple count of each piece, in order. */
  addSplit(start: number, end: number, pieceTuples: readonly number[]): void {
    const source = this.sourceCount++;
    if (!this.sources) {
      this.sources = new Float64Array(this.starts.length);
      this.tupleBases = new Float64Array(this.starts.length);
      for (let i = 0; i < this.length; i++) this.sources[i] = i;
    }
    let base = 0;
    for (const n of pieceTuples) {
      this.push(start, end, source, base);
      base += n;
    }
  }

  start(i: number): number {
    return this.starts[i];
  }

  end(i: number): number {
    return this.starts[i] + this.lengths[i];
  }

  /** The source record (0-based within this read) framed record i belongs to. */
  source(i: number): number {
    return this.sources ? this.sources[i] : i;
  }

  /** The index, within its source record, of framed record i's first tuple. */
  tupleBase(i: number): number {
    return this.tupleBases ? this.tupleBases[i] : 0;
  }

  private push(start: number, end: number, source: number, tupleBase: number): void {
    if (this.length === this.starts.length) {
      const grow = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, (n) => new Float64Array(n));
      this.lengths = grow(this.lengths, (n) => new Uint32Array(n));
      if (this.sources) this.sources = grow(this.sources, (n) => new Float64Array(n));
      if (this.tupleBases) this.tupleBases = grow(this.tupleBases, (n) => new Float64Array(n));
    }
    const i = this.length++;
    this.starts[i] = start;
    this.lengths[i] = end - start;
    if (this.sources && this.tupleBases) {
      this.sources[i] = source;
      this.tupleBases[i] = tupleBase;
    }
  }
}
