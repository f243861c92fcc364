import type { KqlType, Query, Scalar, Tabular } from '../ir.js';
import { UnsupportedError } from '../lower.js';
import { publicColumns, tables } from '../../schema/tables.js';
import { ipv4Range, sqlIpv4Number } from '../../enrich/ip.js';

/** The SQL of a tabular node and the columns it yields, in order. */
interface Compiled {
  readonly sql: string;
  readonly columns: readonly string[];
}

/**
 * Compiles the IR to SQL. Kusto's semantics are made explicit here, in one place each: strings are
 * never null (a NULL string column reads as ''), long division truncates toward zero, sort and
 * take default to descending with nulls last. A dialect overrides only the protected hooks where
 * its SQL differs (see duckdb-compiler.ts).
 */
export abstract class DefaultCompiler {
  constructor(protected readonly now: Date) {}

  compile(q: Query): string {
    // The result, too, never holds a null string: an outer join's padding reads as "".
    const out = q.columns.map((c) =>
      c.type === 'string'
        ? `coalesce(${this.ident(c.name)}, '') AS ${this.ident(c.name)}`
        : this.ident(c.name),
    );
    return `SELECT ${out.join(', ')} FROM (${this.tabular(q.body).sql})`;
  }

  protected ident(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  protected string(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
  }

  protected abstract timestamp(iso: string): string;
  protected abstract interval(microseconds: number): string;
  protected abstract binTime(value: string, size: string): string;

  /** ipv4_is_in_range(ip, "a.b.c.d/n"): the prefix must be a constant (a literal or a scalar let). */
  protected ipv4InRange(ip: Scalar, range: Scalar): string {
    if (range.kind !== 'literal' || typeof range.value !== 'string')
      throw new UnsupportedError('ipv4_is_in_range() with a range that is not a constant', 0);
    const r = ipv4Range(range.value);
    // Kusto returns null for an invalid range or address.
    if (!r) return 'NULL';
    return `(${sqlIpv4Number(this.scalar(ip))} BETWEEN ${r.start} AND ${r.end})`;
  }

  protected tabular(t: Tabular): Compiled {
    switch (t.kind) {
      case 'table': {
        const def = tables.find((d) => d.name === t.name);
        if (!def) throw new UnsupportedError(`the table ${t.name}`, 0);
        const columns = publicColumns(def);
        return {
          sql: `SELECT ${columns.map((c) => this.ident(c)).join(', ')} FROM ${this.ident(t.name)}`,
          columns,
        };
      }
      case 'where': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT * FROM (${input.sql}) WHERE ${this.scalar(t.predicate)}`,
          columns: input.columns,
        };
      }
      case 'extend': {
        const input = this.tabular(t.input);
        const replaced = t.columns.filter((c) => input.columns.includes(c.name));
        const added = t.columns.filter((c) => !input.columns.includes(c.name));
        const replace = replaced.length
          ? ` REPLACE (${replaced.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')})`
          : '';
        const extra = added.map((c) => `, ${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join('');
        return {
          sql: `SELECT *${replace}${extra} FROM (${input.sql})`,
          columns: [...input.columns, ...added.map((c) => c.name)],
        };
      }
      case 'project': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT ${t.columns.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')} FROM (${input.sql})`,
          columns: t.columns.map((c) => c.name),
        };
      }
      case 'summarize': {
        const input = this.tabular(t.input);
        const by = t.by.map((b) => `${this.scalar(b.expr)} AS ${this.ident(b.name)}`);
        const aggs = t.aggregates.map(
          (a) => `${this.aggregate(a.fn, a.args, a.type)} AS ${this.ident(a.name)}`,
        );
        const group = t.by.length ? ` GROUP BY ${t.by.map((_, i) => i + 1).join(', ')}` : '';
        return {
          sql: `SELECT ${[...by, ...aggs].join(', ')} FROM (${input.sql})${group}`,
          columns: [...t.by.map((b) => b.name), ...t.aggregates.map((a) => a.name)],
        };
      }
      case 'sort': {
        const input = this.tabular(t.input);
        const keys = t.keys.map(
          (k) => `${this.scalar(k.expr)} ${k.desc ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`,
        );
        return { sql: `SELECT * FROM (${input.sql}) ORDER BY ${keys.join(', ')}`, columns: input.columns };
      }
      case 'take': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT * FROM (${input.sql}) LIMIT ${Math.max(0, Math.floor(t.count))}`,
          columns: input.columns,
        };
      }
      case 'distinct': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT DISTINCT ${t.columns.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')} FROM (${input.sql})`,
          columns: t.columns.map((c) => c.name),
        };
      }
      case 'join': {
        const left = this.tabular(t.input);
        const right = this.tabular(t.right);
        // Keys compare as Kusto compares them: strings never null.
        const key = (side: string, name: string, type: KqlType): string =>
          type === 'string' ? `coalesce(${side}.${this.ident(name)}, '')` : `${side}.${this.ident(name)}`;
        const cond = t.on
          .map((k) => `${key('l', k.left, k.type)} = ${key('r', k.right, k.type)}`)
          .join(' AND ');
        if (t.join === 'leftsemi' || t.join === 'leftanti')
          return {
            sql: `SELECT l.* FROM (${left.sql}) l WHERE ${t.join === 'leftanti' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM (${right.sql}) r WHERE ${cond})`,
            columns: left.columns,
          };
        const rightCols = right.columns.map(
          (c, i) => `r.${this.ident(c)} AS ${this.ident(t.rightNames[i] ?? c)}`,
        );
        return {
          sql: `SELECT l.*, ${rightCols.join(', ')} FROM (${left.sql}) l ${t.join === 'leftouter' ? 'LEFT' : 'INNER'} JOIN (${right.sql}) r ON ${cond}`,
          columns: [...left.columns, ...right.columns.map((c, i) => t.rightNames[i] ?? c)],
        };
      }
      case 'count': {
        const input = this.tabular(t.input);
        return { sql: `SELECT count(*) AS ${this.ident('Count')} FROM (${input.sql})`, columns: ['Count'] };
      }
      default: {
        const never: never = t;
        throw new Error(`unhandled IR node ${JSON.stringify(never)}`);
      }
    }
  }

  protected aggregate(fn: string, args: readonly Scalar[], type: KqlType): string {
    const a = args.map((x) => this.scalar(x));
    switch (fn) {
      case 'count':
        return 'count(*)';
      case 'sum':
        // Kusto's sum of longs is a long; DuckDB widens to HUGEINT.
        return `CAST(sum(${a[0]}) AS ${this.sqlType(type)})`;
      case 'min':
      case 'max':
        return `${fn}(${a[0]})`;
      case 'avg':
        return `avg(${a[0]})`;
      default:
        throw new UnsupportedError(`the aggregate ${fn}()`, 0);
    }
  }

  protected sqlType(t: KqlType): string {
    const map: Record<KqlType, string> = {
      string: 'VARCHAR',
      long: 'BIGINT',
      int: 'INTEGER',
      real: 'DOUBLE',
      bool: 'BOOLEAN',
      datetime: 'TIMESTAMP',
      timespan: 'INTERVAL',
      dynamic: 'JSON',
      decimal: 'DECIMAL(38, 10)',
    };
    return map[t];
  }

  protected scalar(s: Scalar): string {
    switch (s.kind) {
      case 'column':
        // Strings are never null in Kusto: a NULL string column reads as the empty string.
        return s.type === 'string' ? `coalesce(${this.ident(s.name)}, '')` : this.ident(s.name);
      case 'literal':
        if (s.value === null) return 'NULL';
        if (s.type === 'string') return this.string(String(s.value));
        if (s.type === 'bool') return s.value ? 'true' : 'false';
        if (s.type === 'datetime') return this.timestamp(String(s.value));
        if (s.type === 'timespan') return this.interval(Number(s.value));
        if (s.type === 'real') return `${Number(s.value)}::DOUBLE`;
        return String(s.value);
      case 'not':
        return `(NOT ${this.scalar(s.operand)})`;
      case 'binary':
        return this.binary(s);
      case 'call':
        return this.call(s);
      default: {
        const never: never = s;
        throw new Error(`unhandled IR node ${JSON.stringify(never)}`);
      }
    }
  }

  protected binary(s: Extract<Scalar, { kind: 'binary' }>): string {
    const l = this.scalar(s.left);
    const r = this.scalar(s.right);
    const integral = (x: Scalar): boolean => x.type === 'long' || x.type === 'int';
    switch (s.op) {
      case '==':
        return `(${l} = ${r})`;
      case '!=':
        return `(${l} <> ${r})`;
      case 'and':
        return `(${l} AND ${r})`;
      case 'or':
        return `(${l} OR ${r})`;
      case 'contains':
        // Kusto's contains is case-insensitive.
        return `contains(lower(${l}), lower(${r}))`;
      case '!contains':
        return `(NOT contains(lower(${l}), lower(${r})))`;
      case '/':
        // long / long truncates toward zero; a remainder-free numerator divides exactly.
        if (integral(s.left) && integral(s.right))
          return `(CASE WHEN ${r} = 0 THEN NULL ELSE ((${l}) - (${l}) % (${r})) // (${r}) END)`;
        return `((${l}) / (${r}))`;
      default:
        return `(${l} ${s.op} ${r})`;
    }
  }

  protected call(s: Extract<Scalar, { kind: 'call' }>): string {
    const a = s.args.map((x) => this.scalar(x));
    switch (s.fn) {
      case 'strlen':
        return `length(${a[0]})`;
      case 'tolower':
        return `lower(${a[0]})`;
      case 'toupper':
        return `upper(${a[0]})`;
      case 'isempty':
        return s.args[0].type === 'string' ? `(${a[0]} = '')` : `(${a[0]} IS NULL)`;
      case 'isnotempty':
        return s.args[0].type === 'string' ? `(${a[0]} <> '')` : `(${a[0]} IS NOT NULL)`;
      case 'isnull':
        // A string is never null in Kusto.
        return s.args[0].type === 'string' ? 'false' : `(${a[0]} IS NULL)`;
      case 'isnotnull':
        return s.args[0].type === 'string' ? 'true' : `(${a[0]} IS NOT NULL)`;
      case 'strcat':
        return `concat(${a.join(', ')})`;
      case 'iff':
      case 'iif':
        return `(CASE WHEN ${a[0]} THEN ${a[1]} ELSE ${a[2]} END)`;
      case 'ipv4_is_in_range':
        return this.ipv4InRange(s.args[0], s.args[1]);
      case 'tostring': {
        const t = s.args[0].type;
        // Kusto spells these exactly as SQL's casts do; other types (datetime, real) differ.
        if (!['string', 'long', 'int', 'bool'].includes(t))
          throw new UnsupportedError(`tostring() of ${t}`, 0);
        return `coalesce(CAST(${a[0]} AS VARCHAR), '')`;
      }
      case 'now':
        return this.timestamp(this.now.toISOString());
      case 'ago':
        return `(${this.timestamp(this.now.toISOString())} - ${a[0]})`;
      case 'bin':
        if (s.args[0].type === 'datetime') return this.binTime(a[0], a[1]);
        if (s.args[0].type === 'long' || s.args[0].type === 'int')
          return `(floor((${a[0]}) / (${a[1]}))::BIGINT * (${a[1]}))`;
        throw new UnsupportedError(`bin() of ${s.args[0].type}`, 0);
      default:
        throw new UnsupportedError(`the function ${s.fn}()`, 0);
    }
  }
}
