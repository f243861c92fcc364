import type { KqlType } from '../ir.js';
import { DefaultCompiler } from './default-compiler.js';

/** DuckDB's spelling of the things SQL dialects disagree on. */
export class DuckDBCompiler extends DefaultCompiler {
  protected timestamp(iso: string): string {
    return `TIMESTAMP '${iso.replace('T', ' ').replace('Z', '')}'`;
  }

  protected interval(microseconds: number): string {
    return this.fromMicroseconds(`${Math.round(microseconds)}::BIGINT`);
  }

  fromMicroseconds(value: string): string {
    return `to_microseconds(${value})`;
  }

  microseconds(value: string): string {
    return `epoch_us(${value})`;
  }

  /** Kusto bins datetimes from 0001-01-01, so every bin size lines up the way Kusto's does. */
  binTime(value: string, size: string, origin = "TIMESTAMP '0001-01-01'"): string {
    return `time_bucket(${size}, ${value}, ${origin})`;
  }

  protected star(except: readonly string[], replace: readonly string[] = []): string {
    return (
      '*' +
      (except.length ? ` EXCLUDE (${except.join(', ')})` : '') +
      (replace.length ? ` REPLACE (${replace.join(', ')})` : '')
    );
  }

  protected toJson(value: string): string {
    return `to_json(${value})`;
  }

  protected json(text: string): string {
    return `${text}::JSON`;
  }

  protected listOf(count: string, k: string, element: string): string {
    return `list_transform(range(0, ${count}), ${k} -> ${element})`;
  }

  /** An array's elements; a bag's properties, each as a one-property bag; anything else, itself. */
  protected expansion(v: string): string {
    return `CASE json_type(${v}) WHEN 'ARRAY' THEN CAST(${v} AS JSON[])
      WHEN 'OBJECT' THEN list_transform(map_entries(CAST(${v} AS MAP(VARCHAR, JSON))), p -> json_object(p.key, p.value))
      ELSE [${v}] END`;
  }

  /** DuckDB's LATERAL reads the outer row's columns by the outer alias. */
  protected lateral(outer: string, o: string, inner: string, i: string): string {
    return `(${outer}) ${o}, LATERAL (${inner}) ${i}`;
  }

  protected regexCaptures(text: string, re: string, names: readonly string[]): string {
    return `CASE WHEN regexp_matches(${text}, ${re}) THEN regexp_extract(${text}, ${re}, [${names.join(', ')}]) END`;
  }

  /**
   * Text (never NULL unless it is missing altogether) as a value of a type, as Kusto's to*()
   * functions read it: a number's digits, "true"/"false" in any case, a datetime with or without
   * a zone (UTC without) or as month/day/year, Kusto's timespan spelling, JSON (or the text as a dynamic string).
   * Anything else is null.
   */
  fromText(text: string, type: KqlType): string {
    switch (type) {
      case 'string':
        return text;
      case 'bool':
        return `(CASE lower(trim(${text})) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END)`;
      // Digits only (toint("5.9") is null, not 6; DuckDB would also take "1_000").
      case 'long':
      case 'int':
        return `(CASE WHEN regexp_full_match(trim(${text}), '[+-]?[0-9]+') THEN TRY_CAST(trim(${text}) AS ${this.sqlType(type)}) END)`;
      case 'real':
        return `(CASE WHEN regexp_full_match(lower(trim(${text})), '[+-]?(([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?|nan|inf|infinity)') THEN TRY_CAST(trim(${text}) AS DOUBLE) END)`;
      case 'datetime':
        // ISO 8601 and the like with or without a zone; else the US month/day/year Kusto also reads.
        return `coalesce(TRY_CAST(TRY_CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP), try_strptime(${text}, ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y']))`;
      case 'timespan':
        return this.timespanFromText(text);
      case 'dynamic':
        return `(CASE WHEN json_valid(${text}) THEN ${this.json(text)} ELSE ${this.toJson(text)} END)`;
      default:
        return `TRY_CAST(${text} AS ${this.sqlType(type)})`;
    }
  }

  /** A datetime as Kusto's tostring() spells it: ISO 8601, seven fraction digits if any, Z. */
  protected datetimeText(v: string): string {
    const us = `(epoch_us(${v}) % 1000000 + 1000000) % 1000000`;
    return `(strftime(${v}, '%Y-%m-%dT%H:%M:%S') || CASE WHEN ${us} <> 0 THEN '.' || lpad(CAST(${us} AS VARCHAR), 6, '0') || '0' ELSE '' END || 'Z')`;
  }

  /**
   * A real as Kusto's tostring() spells it (.NET's shortest round-trip form): no `.0` on whole
   * numbers, `E+15` notation from 1e15 and below 1e-4 (`1E-05`), NaN and ±Infinity spelled out.
   * DuckDB's text has the same shortest digits; only the notation differs.
   */
  protected realText(v: string): string {
    const text = `CAST(abs(${v}) AS VARCHAR)`;
    const digits = `rtrim(replace(${text}, '.', ''), '0')`;
    const e15 = `left(${digits}, 1) || CASE WHEN length(${digits}) > 1 THEN '.' || substr(${digits}, 2) ELSE '' END || 'E+15'`;
    return `(CASE WHEN isnan(${v}) THEN 'NaN' WHEN isinf(${v}) THEN CASE WHEN ${v} > 0 THEN 'Infinity' ELSE '-Infinity' END
      WHEN abs(${v}) >= 1e15 AND abs(${v}) < 1e16 THEN CASE WHEN ${v} < 0 THEN '-' ELSE '' END || ${e15}
      ELSE regexp_replace(replace(CAST(${v} AS VARCHAR), 'e', 'E'), '\\.0$', '') END)`;
  }

  /** A datetime as Kusto writes one in a dynamic value: ISO 8601 with seven fraction digits and Z. */
  protected datetimeJson(v: string): string {
    return `(strftime(${v}, '%Y-%m-%dT%H:%M:%S.%f') || '0Z')`;
  }

  /** Microseconds as Kusto spells a timespan: [-][d.]hh:mm:ss[.fffffff] (as values.ts prints it). */
  protected timespanText(us: string): string {
    const a = `abs(${us})`;
    const part = (div: number, mod: number): string =>
      `lpad(CAST((${a} % ${mod}) // ${div} AS VARCHAR), 2, '0')`;
    return (
      `(CASE WHEN ${us} < 0 THEN '-' ELSE '' END` +
      ` || CASE WHEN ${a} >= 86400000000 THEN CAST(${a} // 86400000000 AS VARCHAR) || '.' ELSE '' END` +
      ` || ${part(3600000000, 86400000000)} || ':' || ${part(60000000, 3600000000)} || ':' || ${part(1000000, 60000000)}` +
      ` || CASE WHEN ${a} % 1000000 <> 0 THEN '.' || lpad(CAST(${a} % 1000000 AS VARCHAR), 6, '0') || '0' ELSE '' END)`
    );
  }

  /**
   * Text in Kusto's timespan format, [-][d.]hh:mm[:ss[.fffffff]], as a timespan; anything else is
   * null, as totimespan() gives. Ticks beyond the microsecond are dropped (see docs/kql.md).
   */
  private timespanFromText(text: string): string {
    const re = this.string('^(-?)(?:(\\d+)\\.)?(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,7}))?)?$');
    const g = (i: number): string => `regexp_extract(${text}, ${re}, ${i})`;
    const n = (i: number): string => `coalesce(TRY_CAST(nullif(${g(i)}, '') AS BIGINT), 0)`;
    const us =
      `(${n(2)} * 86400000000 + ${n(3)} * 3600000000 + ${n(4)} * 60000000 + ${n(5)} * 1000000` +
      ` + coalesce(TRY_CAST(nullif(left(rpad(${g(6)}, 7, '0'), 6), '') AS BIGINT), 0))`;
    return `(CASE WHEN regexp_matches(${text}, ${re}) THEN ${this.fromMicroseconds(`(CASE WHEN ${g(1)} = '-' THEN -1 ELSE 1 END * ${us})`)} END)`;
  }
}
