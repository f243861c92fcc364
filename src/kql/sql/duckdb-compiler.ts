import { DefaultCompiler } from './default-compiler.js';

/** DuckDB's spelling of the few things SQL dialects disagree on. */
export class DuckDBCompiler extends DefaultCompiler {
  protected timestamp(iso: string): string {
    return `TIMESTAMP '${iso.replace('T', ' ').replace('Z', '')}'`;
  }

  protected interval(microseconds: number): string {
    return this.fromMicroseconds(`${Math.round(microseconds)}::BIGINT`);
  }

  protected fromMicroseconds(value: string): string {
    return `to_microseconds(${value})`;
  }

  protected microseconds(value: string): string {
    return `epoch_us(${value})`;
  }

  /** Kusto bins datetimes from 0001-01-01, so every bin size lines up the way Kusto's does. */
  protected binTime(value: string, size: string, origin = "TIMESTAMP '0001-01-01'"): string {
    return `time_bucket(${size}, ${value}, ${origin})`;
  }
}
